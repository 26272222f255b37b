package ingest

import (
	"bytes"
	"sync/atomic"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"

	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
)

// Inflight bounds the request bytes (after decompression) that all
// requests hold at once (ingest.max_inflight_bytes). A request reserves
// bytes before it reads its body and more as the body grows; one that
// finds no room is answered 503 with Retry-After, and the agent keeps its
// report. Decoding and mapping cost a bounded multiple of those bytes
// (decodeCost, the output bound of the handler), so this bounds the
// collector's memory under any mix of requests.
type Inflight struct {
	max int64
	cur atomic.Int64
}

// NewInflight allows max bytes in flight.
func NewInflight(max int64) *Inflight { return &Inflight{max: max} }

// Bytes is what requests hold now.
func (f *Inflight) Bytes() int64 { return f.cur.Load() }

func (f *Inflight) acquire(n int64) bool {
	for {
		c := f.cur.Load()
		if c+n > f.max {
			return false
		}
		if f.cur.CompareAndSwap(c, c+n) {
			return true
		}
	}
}

// lease is one request's share of Inflight.
type lease struct {
	f *Inflight
	n int64
}

// lease reserves n bytes, or returns nil when they do not fit.
func (f *Inflight) lease(n int64) *lease {
	if !f.acquire(n) {
		return nil
	}
	return &lease{f: f, n: n}
}

// growTo raises the reservation to n bytes if they fit.
func (l *lease) growTo(n int64) bool {
	if n <= l.n {
		return true
	}
	if !l.f.acquire(n - l.n) {
		return false
	}
	l.n = n
	return true
}

func (l *lease) release() {
	l.f.cur.Add(-l.n)
	l.n = 0
}

// Decoding allocates Go structures per protobuf message however short the
// message is on the wire (a KeyValue with one-byte key and value is six
// bytes there and about 150 bytes decoded), so a body of tiny messages
// decodes to many times its size. decodeCost estimates the heap a body
// will take before it is decoded: bytesPerMessage per message (measured
// for OTLP's KeyValue, AnyValue, NumberDataPoint and Metric: 100–180
// bytes, see TestDecodeCostBoundsTheHeap), 8 bytes per element of a
// packed varint list, plus the body's own bytes for strings.
const bytesPerMessage = 192

var requestDescriptor = (&colmetricpb.ExportMetricsServiceRequest{}).ProtoReflect().Descriptor()

// decodeCost estimates the decoded size of a protobuf body, walking its
// wire format with the OTLP descriptors; it stops early once the estimate
// passes limit. A malformed body gets a low estimate: decoding refuses it.
func decodeCost(body []byte, limit int64) int64 {
	cost := int64(len(body))
	walkCost(body, requestDescriptor, &cost, limit, 0)
	return cost
}

func walkCost(b []byte, md protoreflect.MessageDescriptor, cost *int64, limit int64, depth int) {
	if depth > 100 {
		return // proto.Unmarshal refuses deeper nesting anyway
	}
	fields := md.Fields()
	for len(b) > 0 && *cost <= limit {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return
		}
		b = b[n:]
		m := protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			return
		}
		if typ == protowire.BytesType {
			if fd := fields.ByNumber(num); fd != nil {
				v, _ := protowire.ConsumeBytes(b)
				switch {
				case fd.Kind() == protoreflect.MessageKind:
					*cost += bytesPerMessage
					walkCost(v, fd.Message(), cost, limit, depth+1)
				case fd.IsList() && fd.Kind() != protoreflect.StringKind && fd.Kind() != protoreflect.BytesKind:
					*cost += 8 * int64(len(v)) // packed: at least one byte per element on the wire
				}
			}
		}
		b = b[m:]
	}
}

// jsonDecodeCost is decodeCost for a JSON body: every message is a JSON
// object, so the number of '{' bounds the messages from above.
func jsonDecodeCost(body []byte) int64 {
	return int64(len(body)) + bytesPerMessage*int64(bytes.Count(body, []byte{'{'})) + 8*int64(bytes.Count(body, []byte{','}))
}
