package ingest

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"

	"github.com/kretslopp/kretslopp/collector/internal/auth"
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
	// resourceTags are the resource attributes that become tags (host.id
	// apart): os, manufacturer, model.
	resourceTags = func() []schema.Attribute {
		var out []schema.Attribute
		for _, a := range schema.ResourceAttributes {
			if a.Tag != "" && a.Name != schema.AttrHostID && !strings.HasPrefix(a.Name, schema.LabelPrefix) {
				out = append(out, a)
			}
		}
		return out
	}()
)

func byName[T any](list []T, name func(T) string) map[string]T {
	out := make(map[string]T, len(list))
	for _, v := range list {
		out[name(v)] = v
	}
	return out
}

// MapOptions say how Map checks a request and what it stamps on it.
type MapOptions struct {
	// Now is the collector's clock, for timestamps from the future and
	// the maximum age.
	Now time.Time
	// MaxAge refuses data points older than this (0: no lower bound).
	MaxAge time.Duration
	// MaxResources and MaxLabels are the per-request budgets (0: none):
	// devices (resources) per request and labels per device.
	MaxResources, MaxLabels int
	// Token is the agent token the request came with: its name becomes
	// the tag token of every point, its site (if any) the label site,
	// whatever the report says.
	Token auth.Identity
	// Admit, if set, decides whether a device may be written (its binding
	// to a token, the new-device budget) and may add a point to write
	// with it.
	Admit func(deviceID string) Admission
}

// Admission is Admit's answer for one device.
type Admission struct {
	// Refused, when set, keeps the device's points out of InfluxDB.
	Refused *DeviceError
	// Binding is a point to write with the device's points (its binding
	// to the token), or nil.
	Binding *influx.Point
	// New says the device was never seen before (it took from the budget).
	New bool
}

// DeviceError says why a device's report was not written and what the
// answer to the agent is: 403 (the device belongs to another token) or
// 429 (a budget; retry later). The agent keeps its report either way.
type DeviceError struct {
	DeviceID   string
	Status     int
	Msg        string
	RetryAfter time.Duration
	// Budget names the budget for the metric (empty for a 403).
	Budget string
}

func (e *DeviceError) Error() string { return fmt.Sprintf("device %q: %s", e.DeviceID, e.Msg) }

// Mapped is the result of mapping one export request.
type Mapped struct {
	// Points are the points of Map; MapTo hands them to its emit instead.
	Points []influx.Point
	// Accepted counts OTLP data points that became fields.
	Accepted int
	// Rejected counts OTLP data points refused, with the first reasons.
	Rejected int
	Reasons  []string
	// Notes are the first things left out without refusing a data point
	// (an attribute, a label), after the reasons in the partial success.
	Notes []string
	// Ignored counts data points of metrics Kretslopp does not store.
	Ignored int
	// Devices are the devices Admit refused; their data points are in
	// none of the counts above (the agent sends them again).
	Devices []*DeviceError
	// Budgets counts how often each per-request budget cut something.
	Budgets map[string]int
	// Bound lists the devices whose binding point was emitted.
	Bound []string
}

func (m *Mapped) reject(n int, format string, args ...any) {
	m.Rejected += n
	if len(m.Reasons) < 5 {
		m.Reasons = append(m.Reasons, fmt.Sprintf(format, args...))
	}
}

// note records something left out without refusing a data point: OTLP's
// partial success with a message and no rejected points is a warning.
func (m *Mapped) note(format string, args ...any) {
	if len(m.Notes) < 5 {
		m.Notes = append(m.Notes, fmt.Sprintf(format, args...))
	}
}

// Message is the partial success's error_message: the reasons, then the
// notes.
func (m *Mapped) Message() string {
	return strings.Join(append(slices.Clip(m.Reasons), m.Notes...), "; ")
}

func (m *Mapped) budget(name string) {
	if m.Budgets == nil {
		m.Budgets = map[string]int{}
	}
	m.Budgets[name]++
}

// Map turns an OTLP export request into its points, with no budgets, no
// token and no lower bound on time; now bounds timestamps from the future.
// The collector's handler uses MapTo.
func Map(req *colmetricpb.ExportMetricsServiceRequest, now time.Time) Mapped {
	var points []influx.Point
	out, _ := MapTo(req, MapOptions{Now: now}, func(p influx.Point) error {
		points = append(points, p)
		return nil
	})
	out.Points = points
	return out
}

// MapTo maps req by opts and hands each point to emit as soon as a device's
// points are complete, so that the handler can encode them one device at
// a time. An error from emit stops the mapping and is returned.
//
// Each resource (device report) gives a device point per timestamp and one
// device_daily point per UTC day (the day's newest), the report's static
// facts (hostname, serial, versions) only on its newest point, and the
// same for each battery, so that a request cannot multiply its static
// strings by its number of timestamps.
func MapTo(req *colmetricpb.ExportMetricsServiceRequest, opts MapOptions, emit func(influx.Point) error) (Mapped, error) {
	var out Mapped
	resources, overResources, overPoints := 0, 0, 0
	for _, rm := range req.GetResourceMetrics() {
		if opts.MaxResources > 0 && resources == opts.MaxResources {
			overResources++
			overPoints += countPoints(rm)
			continue
		}
		resources++
		if err := mapResource(rm, &opts, &out, emit); err != nil {
			return out, err
		}
	}
	if overResources > 0 {
		out.budget("max_resources")
		out.reject(overPoints, "ingest.max_resources: at most %d devices per request; %d more (%d data points) refused", opts.MaxResources, overResources, overPoints)
	}
	return out, nil
}

// reading is one accepted data point of a device or a battery.
type reading struct {
	battery string // hw.id, for a battery's readings
	ts      int64
	field   string
	value   any // int64 or float64, as the schema types the field
	state   string
}

func mapResource(rm *metricpb.ResourceMetrics, opts *MapOptions, out *Mapped, emit func(influx.Point) error) error {
	attrs := rm.GetResource().GetAttributes()
	deviceID := stringAttr(attrs, schema.AttrHostID)
	if deviceID == "" {
		n := countPoints(rm)
		out.reject(n, "resource without host.id: %d data points refused", n)
		return nil
	}
	if err := schema.CheckAttribute(schema.AttrHostID, deviceID); err != nil {
		n := countPoints(rm)
		out.reject(n, "%v: %d data points refused", err, n)
		return nil
	}
	var binding *influx.Point
	if opts.Admit != nil {
		adm := opts.Admit(deviceID)
		if adm.Refused != nil {
			out.Devices = append(out.Devices, adm.Refused)
			return nil
		}
		binding = adm.Binding
	}

	tags := map[string]string{"device_id": deviceID}
	if opts.Token.Name != "" {
		tags[schema.TokenTag] = opts.Token.Name
	}
	for _, a := range resourceTags {
		if v := stringAttr(attrs, a.Name); v != "" {
			if err := schema.CheckAttribute(a.Name, v); err != nil {
				out.note("%v: tag %s left out", err, a.Tag)
				continue
			}
			tags[a.Tag] = v
		}
	}
	static := map[string]any{}
	labels, overLabels := 0, 0
	for _, kv := range attrs {
		key := kv.GetKey()
		if spec, ok := resourceSpecs[key]; ok && spec.Field != "" {
			mapStatic(kv, spec, static, out)
			continue
		}
		name, ok := strings.CutPrefix(key, schema.LabelPrefix)
		if !ok || name == "" {
			continue
		}
		if err := schema.ValidLabelKey(name); err != nil {
			out.note("%v: label ignored", err)
			continue
		}
		value := kv.GetValue().GetStringValue()
		if value == "" {
			continue
		}
		if opts.MaxLabels > 0 && labels == opts.MaxLabels {
			overLabels++
			continue
		}
		if err := schema.CheckAttribute(key, value); err != nil {
			out.note("%v: label ignored", err)
			continue
		}
		labels++
		tags[name] = value
	}
	if overLabels > 0 {
		out.budget("max_labels")
		out.note("ingest.max_labels: at most %d labels per device; %d more left out", opts.MaxLabels, overLabels)
	}
	if site := opts.Token.Site; site != "" {
		if reported, ok := tags["site"]; ok && reported != site {
			out.note("label site %q replaced by the agent token's site %q", reported, site)
		}
		tags["site"] = site
	}

	var devices, batteries []reading
	batteryStatic := map[string]map[string]any{}
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
				if err := schema.CheckTime(time.Unix(0, ts), opts.Now, opts.MaxAge, maxFuture); err != nil {
					out.reject(1, "%s: %v", m.GetName(), err)
					continue
				}
				v, ok := number(dp)
				if !ok {
					out.reject(1, "%s: value is not a finite number", m.GetName())
					continue
				}
				value, err := typed(v*spec.Scale, spec.Type == schema.Integer)
				if err != nil {
					out.reject(1, "%s: %v", m.GetName(), err)
					continue
				}
				if spec.Measurement == schema.Device {
					if m.GetName() == schema.MetricFilesystem && !systemVolume(dp.GetAttributes()) {
						out.Ignored++
						continue
					}
					devices = append(devices, reading{ts: ts, field: spec.Field, value: value})
					out.Accepted++
					continue
				}
				batteryID := stringAttr(dp.GetAttributes(), schema.AttrBatteryID)
				if batteryID == "" {
					out.reject(1, "%s: data point without hw.id", m.GetName())
					continue
				}
				if err := schema.CheckAttribute(schema.AttrBatteryID, batteryID); err != nil {
					out.reject(1, "%s: %v", m.GetName(), err)
					continue
				}
				if m.GetName() == schema.MetricBatteryCycles && v <= 0 {
					// 0 means the firmware does not count: unknown, not new.
					out.Ignored++
					continue
				}
				r := reading{battery: batteryID, ts: ts, field: spec.Field, value: value}
				bs := batteryStatic[batteryID]
				if bs == nil {
					bs = map[string]any{}
					batteryStatic[batteryID] = bs
				}
				for _, kv := range dp.GetAttributes() {
					a, ok := batteryAttrFields[kv.GetKey()]
					if !ok || a.Field == "" {
						continue
					}
					s := kv.GetValue().GetStringValue()
					if s == "" {
						continue
					}
					if err := schema.CheckAttribute(a.Name, s); err != nil {
						out.note("%v: field %s left out", err, a.Field)
						continue
					}
					if a.Name == schema.AttrBatteryState {
						r.state = s // per reading, not per battery
					} else {
						bs[a.Field] = s
					}
				}
				batteries = append(batteries, r)
				out.Accepted++
			}
		}
	}
	if len(devices) == 0 && len(batteries) == 0 && len(static) == 0 {
		return nil
	}

	var points []influx.Point
	// A report with attributes but no device metric still says the device
	// was seen; its identity is stored at the newest battery timestamp.
	if len(devices) == 0 {
		var newest int64
		for _, r := range batteries {
			newest = max(newest, r.ts)
		}
		if newest > 0 && len(static) > 0 {
			devices = append(devices, reading{ts: newest})
		}
	}
	points = appendSeries(points, schema.Device, schema.DeviceDaily, tags, devices, static, nil)
	// Manufacturer and model ride along on batteries so that battery wear
	// can be grouped by model in InfluxQL, which cannot join measurements.
	slices.SortStableFunc(batteries, func(a, b reading) int { return strings.Compare(a.battery, b.battery) })
	for i := 0; i < len(batteries); {
		id := batteries[i].battery
		j := i
		for j < len(batteries) && batteries[j].battery == id {
			j++
		}
		btags := map[string]string{"device_id": deviceID, "battery": id}
		for _, k := range []string{"manufacturer", "model", schema.TokenTag} {
			if v := tags[k]; v != "" {
				btags[k] = v
			}
		}
		points = appendSeries(points, schema.Battery, schema.BatteryDaily, btags, batteries[i:j], batteryStatic[id], healthPct)
		i = j
	}
	if len(points) > 0 && binding != nil {
		points = append(points, *binding)
		out.Bound = append(out.Bound, deviceID)
	}
	for _, p := range points {
		if err := emit(p); err != nil {
			return err
		}
	}
	return nil
}

// mapStatic stores one resource attribute that becomes a field.
func mapStatic(kv *commonpb.KeyValue, spec schema.Attribute, static map[string]any, out *Mapped) {
	if spec.Type == schema.Integer {
		if v, ok := intValue(kv.GetValue()); ok {
			static[spec.Field] = v
		} else if kv.GetValue().GetValue() != nil {
			out.note("%s: not an integer in the int64 range: left out", spec.Name)
		}
		return
	}
	v := kv.GetValue().GetStringValue()
	if v == "" {
		return
	}
	if err := schema.CheckAttribute(spec.Name, v); err != nil {
		out.note("%v: field %s left out", err, spec.Field)
		return
	}
	static[spec.Field] = v
	if spec.Name == schema.AttrFirmwareDate {
		// Also as a number, so that InfluxQL can compute age bands.
		if t, err := time.Parse(time.DateOnly, v); err == nil {
			static["firmware_time"] = t.Unix()
		}
	}
}

// appendSeries turns the readings of one device (or battery) into points:
// one per timestamp in measurement, one per UTC day (the day's newest
// timestamp, with last_seen) in daily. The static fields go on the newest
// timestamp only; derive, if set, adds computed fields to each point.
func appendSeries(points []influx.Point, measurement, daily string, tags map[string]string, rs []reading, static map[string]any, derive func(map[string]any)) []influx.Point {
	if len(rs) == 0 {
		return points
	}
	slices.SortStableFunc(rs, func(a, b reading) int { return compareInt64(a.ts, b.ts) })
	newest := rs[len(rs)-1].ts
	var raw []influx.Point
	for i := 0; i < len(rs); {
		ts := rs[i].ts
		fields := map[string]any{}
		for ; i < len(rs) && rs[i].ts == ts; i++ {
			if rs[i].field != "" {
				fields[rs[i].field] = rs[i].value
			}
			if rs[i].state != "" {
				fields["state"] = rs[i].state
			}
		}
		if ts == newest {
			for k, v := range static {
				fields[k] = v
			}
		}
		if derive != nil {
			derive(fields)
		}
		if len(fields) == 0 {
			continue
		}
		raw = append(raw, influx.Point{Measurement: measurement, Tags: tags, Fields: fields, Time: time.Unix(0, ts).UTC()})
	}
	points = append(points, raw...)
	for i, p := range raw {
		if i+1 < len(raw) && day(raw[i+1].Time).Equal(day(p.Time)) {
			continue // not the day's newest
		}
		points = append(points, influx.Point{Measurement: daily, Tags: tags, Fields: withLastSeen(p.Fields, p.Time), Time: day(p.Time)})
	}
	return points
}

func compareInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// healthPct derives battery.health_pct when a point has both capacities.
func healthPct(fields map[string]any) {
	design, okD := fields["design_wh"].(float64)
	full, okF := fields["full_wh"].(float64)
	if okD && okF && design > 0 {
		fields["health_pct"] = full / design * 100
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

// typed is v as the field's type: an integer within int64 (never wrapped
// to -9223372036854775808), or the float.
func typed(v float64, integer bool) (any, error) {
	if !integer {
		return v, nil
	}
	return schema.IntegerValue(v)
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
		if i, err := schema.IntegerValue(math.Trunc(x.DoubleValue)); err == nil {
			return i, true
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

// errTooLarge is emit's answer when a request expands beyond the bound.
var errTooLarge = errors.New("too large")
