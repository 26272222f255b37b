package agentsim

import (
	"fmt"
	"strings"
	"time"

	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	"google.golang.org/protobuf/proto"

	"github.com/kretslopp/kretslopp/internal/schema"
)

// The requests of a client with a valid token that means harm, as issue 14
// tried them against the collector: the hostile-client tests and the
// ingest load program's -max-size phase send them.

// NewDevices is one request with n resources, each a device never seen
// (host.id prefix-0, prefix-1, …) with one uptime point at ts, or with
// nothing but its host.id for a zero ts (the 125,202 of them
// were 315 KB gzipped).
func NewDevices(prefix string, n int, ts time.Time) *colmetricpb.ExportMetricsServiceRequest {
	req := &colmetricpb.ExportMetricsServiceRequest{}
	for i := range n {
		rm := &metricpb.ResourceMetrics{Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{str(schema.AttrHostID, fmt.Sprintf("%s-%d", prefix, i))}}}
		if !ts.IsZero() {
			rm.ScopeMetrics = []*metricpb.ScopeMetrics{{Metrics: []*metricpb.Metric{gauge(schema.MetricUptime, ts, float64(i))}}}
		}
		req.ResourceMetrics = append(req.ResourceMetrics, rm)
	}
	return req
}

// MaxBodyBytes is the collector's default ingest.max_body_bytes.
const MaxBodyBytes = 8 << 20

// ManyPoints is the report of issue 14 that took the collector from 67 to
// 527 MB: one device with 129,055 battery points, padded to
// MaxBodyBytes.
func ManyPoints(deviceID string, day time.Time) *colmetricpb.ExportMetricsServiceRequest {
	charge := &metricpb.Gauge{}
	for i := range 129055 {
		charge.DataPoints = append(charge.DataPoints, &metricpb.NumberDataPoint{TimeUnixNano: uint64(day.Add(time.Duration(i) * time.Second).UnixNano()),
			Attributes: []*commonpb.KeyValue{str(schema.AttrBatteryID, "BAT0")},
			Value:      &metricpb.NumberDataPoint_AsDouble{AsDouble: 0.5}})
	}
	req := oneMetric(deviceID, &metricpb.Metric{Name: schema.MetricBatteryCharge, Data: &metricpb.Metric_Gauge{Gauge: charge}})
	PadTo(req, MaxBodyBytes)
	return req
}

// CostlyReport is a report of MaxBodyBytes built to cost the collector
// as much memory as it still accepts: one device with 120,000 uptime
// points within day (each point a line of line protocol) and a padding
// attribute the collector does not store.
func CostlyReport(deviceID string, day time.Time) *colmetricpb.ExportMetricsServiceRequest {
	uptime := &metricpb.Gauge{}
	for i := range 120000 {
		uptime.DataPoints = append(uptime.DataPoints, &metricpb.NumberDataPoint{TimeUnixNano: uint64(day.Add(time.Duration(i) * 500 * time.Millisecond).UnixNano()),
			Value: &metricpb.NumberDataPoint_AsDouble{AsDouble: float64(i)}})
	}
	req := oneMetric(deviceID, &metricpb.Metric{Name: schema.MetricUptime, Data: &metricpb.Metric_Gauge{Gauge: uptime}})
	PadTo(req, MaxBodyBytes)
	return req
}

func oneMetric(deviceID string, m *metricpb.Metric) *colmetricpb.ExportMetricsServiceRequest {
	return &colmetricpb.ExportMetricsServiceRequest{ResourceMetrics: []*metricpb.ResourceMetrics{{
		Resource:     &resourcepb.Resource{Attributes: []*commonpb.KeyValue{str(schema.AttrHostID, deviceID), str(schema.AttrHostName, deviceID), str(schema.AttrOSType, "linux")}},
		ScopeMetrics: []*metricpb.ScopeMetrics{{Metrics: []*metricpb.Metric{m}}},
	}}}
}

// PadTo adds to the first resource an attribute the collector does not
// store (bench.padding), so that req encodes to exactly size bytes.
func PadTo(req *colmetricpb.ExportMetricsServiceRequest, size int) {
	attrs := &req.ResourceMetrics[0].Resource.Attributes
	pad := &commonpb.AnyValue_StringValue{}
	*attrs = append(*attrs, &commonpb.KeyValue{Key: "bench.padding", Value: &commonpb.AnyValue{Value: pad}})
	for n := size - proto.Size(req); n != 0; n = size - proto.Size(req) {
		pad.StringValue = strings.Repeat("p", max(0, len(pad.StringValue)+n))
	}
}
