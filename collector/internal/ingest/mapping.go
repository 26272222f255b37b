package ingest

import (
	"fmt"
	"math"
	"strings"
	"time"

	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"

	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/internal/schema"
)

// maxFuture bounds how far ahead of the collector's clock a timestamp may
// be; a laptop with a wrong clock must not write into next year.
const maxFuture = time.Hour

// The mapping tables of internal/schema, by OTLP name.
var (
	metricSpecs       = byName(schema.Metrics, func(m schema.Metric) string { return m.Name })
	resourceSpecs     = byName(schema.ResourceAttributes, func(a schema.Attribute) string { return a.Name })
	batteryAttrFields = byName(schema.BatteryAttributes, func(a schema.Attribute) string { return a.Name })
)

func byName[T any](list []T, name func(T) string) map[string]T {
	out := make(map[string]T, len(list))
	for _, v := range list {
		out[name(v)] = v
	}
	return out
}

// Mapped is the result of mapping one export request.
type Mapped struct {
	Points []influx.Point
	// Accepted counts OTLP data points that became fields.
	Accepted int
	// Rejected counts OTLP data points refused, with the first reasons.
	Rejected int
	Reasons  []string
	// Ignored counts data points of metrics Kretslopp does not store.
	Ignored int
}

func (m *Mapped) reject(n int, format string, args ...any) {
	m.Rejected += n
	if len(m.Reasons) < 5 {
		m.Reasons = append(m.Reasons, fmt.Sprintf(format, args...))
	}
}

type batteryKey struct {
	id string
	ts int64
}

// Map turns an OTLP export request into device and battery points, one per
// device (and battery) per timestamp, plus the daily points that each
// report overwrites. now bounds timestamps from the future.
func Map(req *colmetricpb.ExportMetricsServiceRequest, now time.Time) Mapped {
	var out Mapped
	for _, rm := range req.GetResourceMetrics() {
		mapResource(rm, now, &out)
	}
	return out
}

func mapResource(rm *metricpb.ResourceMetrics, now time.Time, out *Mapped) {
	attrs := rm.GetResource().GetAttributes()
	deviceID := stringAttr(attrs, schema.AttrHostID)
	if deviceID == "" {
		n := countPoints(rm)
		out.reject(n, "resource without host.id: %d data points refused", n)
		return
	}
	tags := map[string]string{}
	for _, a := range schema.ResourceAttributes {
		if a.Tag != "" && !strings.HasPrefix(a.Name, schema.LabelPrefix) {
			tags[a.Tag] = stringAttr(attrs, a.Name)
		}
	}
	static := map[string]any{}
	for _, kv := range attrs {
		key := kv.GetKey()
		if spec, ok := resourceSpecs[key]; ok && spec.Field != "" {
			if spec.Type == schema.Integer {
				if v, ok := intValue(kv.GetValue()); ok {
					static[spec.Field] = v
				}
			} else if v := kv.GetValue().GetStringValue(); v != "" {
				static[spec.Field] = v
			}
			if key == schema.AttrFirmwareDate {
				// Also as a number, so that InfluxQL can compute age bands.
				if t, err := time.Parse("2006-01-02", kv.GetValue().GetStringValue()); err == nil {
					static["firmware_time"] = t.Unix()
				}
			}
			continue
		}
		if name, ok := strings.CutPrefix(key, schema.LabelPrefix); ok && name != "" {
			if err := schema.ValidLabelKey(name); err != nil {
				out.reject(0, "%v: label ignored", err)
			} else if value := kv.GetValue().GetStringValue(); value != "" {
				tags[name] = value
			}
		}
	}

	devices := map[int64]map[string]any{}
	batteries := map[batteryKey]map[string]any{}
	batteryTags := map[string]map[string]any{} // static string fields per battery

	for _, sm := range rm.GetScopeMetrics() {
		for _, m := range sm.GetMetrics() {
			points, ok := numberPoints(m)
			if !ok {
				out.Ignored += countMetricPoints(m)
				continue
			}
			spec, known := metricSpecs[m.GetName()]
			if !known {
				out.Ignored += len(points)
				continue
			}
			for _, dp := range points {
				ts := int64(dp.GetTimeUnixNano())
				value, ok := number(dp)
				switch {
				case ts <= 0:
					out.reject(1, "%s: data point without time_unix_nano", m.GetName())
					continue
				case time.Unix(0, ts).After(now.Add(maxFuture)):
					out.reject(1, "%s: timestamp %s is in the future", m.GetName(), time.Unix(0, ts).UTC().Format(time.RFC3339))
					continue
				case !ok:
					out.reject(1, "%s: value is not a finite number", m.GetName())
					continue
				}
				if spec.Measurement == schema.Device {
					if m.GetName() == schema.MetricFilesystem && !systemVolume(dp.GetAttributes()) {
						out.Ignored++
						continue
					}
					fields := devices[ts]
					if fields == nil {
						fields = map[string]any{}
						devices[ts] = fields
					}
					fields[spec.Field] = typed(value*spec.Scale, spec.Type == schema.Integer)
					out.Accepted++
					continue
				}
				batteryID := stringAttr(dp.GetAttributes(), schema.AttrBatteryID)
				if batteryID == "" {
					out.reject(1, "%s: data point without hw.id", m.GetName())
					continue
				}
				if m.GetName() == schema.MetricBatteryCycles && value <= 0 {
					// 0 means the firmware does not count: unknown, not new.
					out.Ignored++
					continue
				}
				key := batteryKey{batteryID, ts}
				fields := batteries[key]
				if fields == nil {
					fields = map[string]any{}
					batteries[key] = fields
				}
				fields[spec.Field] = typed(value*spec.Scale, spec.Type == schema.Integer)
				if batteryTags[batteryID] == nil {
					batteryTags[batteryID] = map[string]any{}
				}
				for _, kv := range dp.GetAttributes() {
					if a, ok := batteryAttrFields[kv.GetKey()]; ok && a.Field != "" {
						if v := kv.GetValue().GetStringValue(); v != "" {
							if a.Name == schema.AttrBatteryState {
								fields[a.Field] = v // per reading, not per battery
							} else {
								batteryTags[batteryID][a.Field] = v
							}
						}
					}
				}
				out.Accepted++
			}
		}
	}

	// A report with attributes but no device metric still says the device
	// was seen; its identity is stored at the newest battery timestamp.
	if len(devices) == 0 && len(batteries) > 0 {
		var newest int64
		for k := range batteries {
			newest = max(newest, k.ts)
		}
		devices[newest] = map[string]any{}
	}
	for ts, fields := range devices {
		for k, v := range static {
			fields[k] = v
		}
		if len(fields) == 0 {
			continue
		}
		t := time.Unix(0, ts).UTC()
		out.Points = append(out.Points,
			influx.Point{Measurement: schema.Device, Tags: tags, Fields: fields, Time: t},
			influx.Point{Measurement: schema.DeviceDaily, Tags: tags, Fields: withLastSeen(fields, t), Time: day(t)},
		)
	}
	for key, fields := range batteries {
		for k, v := range batteryTags[key.id] {
			fields[k] = v
		}
		design, okD := fields["design_wh"].(float64)
		full, okF := fields["full_wh"].(float64)
		if okD && okF && design > 0 {
			fields["health_pct"] = full / design * 100
		}
		// Manufacturer and model ride along so that battery wear can be
		// grouped by model in InfluxQL, which cannot join measurements.
		btags := map[string]string{"device_id": deviceID, "battery": key.id, "manufacturer": tags["manufacturer"], "model": tags["model"]}
		t := time.Unix(0, key.ts).UTC()
		out.Points = append(out.Points,
			influx.Point{Measurement: schema.Battery, Tags: btags, Fields: fields, Time: t},
			influx.Point{Measurement: schema.BatteryDaily, Tags: btags, Fields: withLastSeen(fields, t), Time: day(t)},
		)
	}
}

func withLastSeen(fields map[string]any, t time.Time) map[string]any {
	daily := make(map[string]any, len(fields)+1)
	for k, v := range fields {
		daily[k] = v
	}
	daily["last_seen"] = t.Unix()
	return daily
}

func day(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func typed(v float64, integer bool) any {
	if integer {
		return int64(math.Round(v))
	}
	return v
}

func numberPoints(m *metricpb.Metric) ([]*metricpb.NumberDataPoint, bool) {
	switch d := m.GetData().(type) {
	case *metricpb.Metric_Gauge:
		return d.Gauge.GetDataPoints(), true
	case *metricpb.Metric_Sum:
		return d.Sum.GetDataPoints(), true
	}
	return nil, false
}

func number(dp *metricpb.NumberDataPoint) (float64, bool) {
	var v float64
	switch x := dp.GetValue().(type) {
	case *metricpb.NumberDataPoint_AsDouble:
		v = x.AsDouble
	case *metricpb.NumberDataPoint_AsInt:
		v = float64(x.AsInt)
	default:
		return 0, false
	}
	return v, !math.IsNaN(v) && !math.IsInf(v, 0)
}

func intValue(v *commonpb.AnyValue) (int64, bool) {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_IntValue:
		return x.IntValue, true
	case *commonpb.AnyValue_DoubleValue:
		if !math.IsNaN(x.DoubleValue) && !math.IsInf(x.DoubleValue, 0) {
			return int64(x.DoubleValue), true
		}
	}
	return 0, false
}

// systemVolume applies schema.RootFilesystem to the attributes of a
// system.filesystem.limit data point; only a bool counts as the mark.
func systemVolume(attrs []*commonpb.KeyValue) bool {
	var marked, system bool
	for _, kv := range attrs {
		if b, ok := kv.GetValue().GetValue().(*commonpb.AnyValue_BoolValue); ok && kv.GetKey() == schema.AttrFilesystemSystem {
			marked, system = true, b.BoolValue
		}
	}
	return schema.RootFilesystem(stringAttr(attrs, schema.AttrMountpoint), marked, system)
}

func stringAttr(attrs []*commonpb.KeyValue, key string) string {
	for _, kv := range attrs {
		if kv.GetKey() == key {
			return kv.GetValue().GetStringValue()
		}
	}
	return ""
}

func countPoints(rm *metricpb.ResourceMetrics) int {
	n := 0
	for _, sm := range rm.GetScopeMetrics() {
		for _, m := range sm.GetMetrics() {
			n += countMetricPoints(m)
		}
	}
	return n
}

func countMetricPoints(m *metricpb.Metric) int {
	switch d := m.GetData().(type) {
	case *metricpb.Metric_Gauge:
		return len(d.Gauge.GetDataPoints())
	case *metricpb.Metric_Sum:
		return len(d.Sum.GetDataPoints())
	case *metricpb.Metric_Histogram:
		return len(d.Histogram.GetDataPoints())
	case *metricpb.Metric_ExponentialHistogram:
		return len(d.ExponentialHistogram.GetDataPoints())
	case *metricpb.Metric_Summary:
		return len(d.Summary.GetDataPoints())
	}
	return 0
}
