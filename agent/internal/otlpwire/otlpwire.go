// Package otlpwire encodes an OTLP ExportMetricsServiceRequest with gauges
// by hand, using only google.golang.org/protobuf/encoding/protowire, so that
// the agent does not link the generated OTLP types and the protobuf
// registry. The output is wire-compatible with
// opentelemetry/proto/collector/metrics/v1/metrics_service.proto; the tests
// decode it with go.opentelemetry.io/proto/otlp.
package otlpwire

import (
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers from opentelemetry-proto (v1).
const (
	// ExportMetricsServiceRequest
	fRequestResourceMetrics = 1
	// ResourceMetrics
	fRMResource     = 1
	fRMScopeMetrics = 2
	fRMSchemaURL    = 3
	// Resource
	fResourceAttributes = 1
	// ScopeMetrics
	fSMScope   = 1
	fSMMetrics = 2
	// InstrumentationScope
	fScopeName    = 1
	fScopeVersion = 2
	// Metric
	fMetricName        = 1
	fMetricDescription = 2
	fMetricUnit        = 3
	fMetricGauge       = 5
	// Gauge
	fGaugeDataPoints = 1
	// NumberDataPoint
	fNDPStartTime  = 2
	fNDPTime       = 3
	fNDPAsDouble   = 4
	fNDPAsInt      = 6
	fNDPAttributes = 7
	// KeyValue
	fKVKey   = 1
	fKVValue = 2
	// AnyValue
	fAVString = 1
	fAVBool   = 2
	fAVInt    = 3
	fAVDouble = 4
)

type kind uint8

const (
	kindString kind = iota + 1
	kindBool
	kindInt
	kindDouble
)

// KeyValue is an attribute.
type KeyValue struct {
	Key  string
	kind kind
	s    string
	i    int64
	f    float64
}

// String returns a string attribute.
func String(k, v string) KeyValue { return KeyValue{Key: k, kind: kindString, s: v} }

// Int returns an integer attribute.
func Int(k string, v int64) KeyValue { return KeyValue{Key: k, kind: kindInt, i: v} }

// Double returns a floating-point attribute.
func Double(k string, v float64) KeyValue { return KeyValue{Key: k, kind: kindDouble, f: v} }

// Bool returns a boolean attribute.
func Bool(k string, v bool) KeyValue {
	kv := KeyValue{Key: k, kind: kindBool}
	if v {
		kv.i = 1
	}
	return kv
}

// Point is one gauge data point: an integer when IsInt, else a double.
type Point struct {
	Attributes   []KeyValue
	TimeUnixNano uint64
	IsInt        bool
	Int          int64
	Double       float64
}

// Gauge is one metric with gauge data points.
type Gauge struct {
	Name        string
	Description string
	Unit        string
	Points      []Point
}

// Request is an ExportMetricsServiceRequest with one resource and one scope.
type Request struct {
	Resource     []KeyValue
	SchemaURL    string
	ScopeName    string
	ScopeVersion string
	Metrics      []Gauge
}

// Marshal encodes r.
func (r *Request) Marshal() []byte {
	return r.AppendMarshal(make([]byte, 0, 2048))
}

// AppendMarshal appends the encoding of r to b.
func (r *Request) AppendMarshal(b []byte) []byte {
	return appendMessage(b, fRequestResourceMetrics, r.appendResourceMetrics)
}

// appendMessage writes a length-delimited sub-message by encoding it after
// a placeholder and then inserting the length prefix.
func appendMessage(b []byte, field protowire.Number, body func([]byte) []byte) []byte {
	b = protowire.AppendTag(b, field, protowire.BytesType)
	start := len(b)
	b = body(b)
	n := len(b) - start
	size := protowire.SizeVarint(uint64(n))
	b = append(b, make([]byte, size)...)
	copy(b[start+size:], b[start:start+n])
	protowire.AppendVarint(b[start:start], uint64(n))
	return b
}

func appendString(b []byte, field protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = protowire.AppendTag(b, field, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func (r *Request) appendResourceMetrics(b []byte) []byte {
	b = appendMessage(b, fRMResource, func(b []byte) []byte {
		return appendAttributes(b, fResourceAttributes, r.Resource)
	})
	b = appendMessage(b, fRMScopeMetrics, func(b []byte) []byte {
		b = appendMessage(b, fSMScope, func(b []byte) []byte {
			b = appendString(b, fScopeName, r.ScopeName)
			return appendString(b, fScopeVersion, r.ScopeVersion)
		})
		for i := range r.Metrics {
			b = appendMessage(b, fSMMetrics, r.Metrics[i].appendTo)
		}
		return b
	})
	return appendString(b, fRMSchemaURL, r.SchemaURL)
}

func appendAttributes(b []byte, field protowire.Number, attrs []KeyValue) []byte {
	for i := range attrs {
		kv := &attrs[i]
		b = appendMessage(b, field, func(b []byte) []byte {
			b = appendString(b, fKVKey, kv.Key)
			return appendMessage(b, fKVValue, kv.appendValue)
		})
	}
	return b
}

func (kv *KeyValue) appendValue(b []byte) []byte {
	switch kv.kind {
	case kindString:
		// An empty string is still a set oneof: write it explicitly.
		b = protowire.AppendTag(b, fAVString, protowire.BytesType)
		return protowire.AppendString(b, kv.s)
	case kindBool:
		b = protowire.AppendTag(b, fAVBool, protowire.VarintType)
		return protowire.AppendVarint(b, uint64(kv.i))
	case kindInt:
		b = protowire.AppendTag(b, fAVInt, protowire.VarintType)
		return protowire.AppendVarint(b, uint64(kv.i))
	case kindDouble:
		b = protowire.AppendTag(b, fAVDouble, protowire.Fixed64Type)
		return protowire.AppendFixed64(b, math.Float64bits(kv.f))
	}
	return b
}

func (g *Gauge) appendTo(b []byte) []byte {
	b = appendString(b, fMetricName, g.Name)
	b = appendString(b, fMetricDescription, g.Description)
	b = appendString(b, fMetricUnit, g.Unit)
	return appendMessage(b, fMetricGauge, func(b []byte) []byte {
		for i := range g.Points {
			b = appendMessage(b, fGaugeDataPoints, g.Points[i].appendTo)
		}
		return b
	})
}

func (p *Point) appendTo(b []byte) []byte {
	if p.TimeUnixNano != 0 {
		b = protowire.AppendTag(b, fNDPTime, protowire.Fixed64Type)
		b = protowire.AppendFixed64(b, p.TimeUnixNano)
	}
	if p.IsInt {
		b = protowire.AppendTag(b, fNDPAsInt, protowire.Fixed64Type)
		b = protowire.AppendFixed64(b, uint64(p.Int))
	} else {
		b = protowire.AppendTag(b, fNDPAsDouble, protowire.Fixed64Type)
		b = protowire.AppendFixed64(b, math.Float64bits(p.Double))
	}
	return appendAttributes(b, fNDPAttributes, p.Attributes)
}
