package ingest

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	"google.golang.org/protobuf/proto"

	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/internal/schema"
	"github.com/kretslopp/kretslopp/internal/testkit/agentsim"
)

var mapNow = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func mapAll(t *testing.T, req *colmetricpb.ExportMetricsServiceRequest, opts MapOptions) (Mapped, []influx.Point) {
	t.Helper()
	if opts.Now.IsZero() {
		opts.Now = mapNow
	}
	var points []influx.Point
	m, err := MapTo(req, opts, func(p influx.Point) error { points = append(points, p); return nil })
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range points {
		if err := schema.Check(p.Measurement, p.Tags, p.Fields); err != nil {
			t.Error(err)
		}
	}
	return m, points
}

func str(k, v string) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}}
}

func reasons(m Mapped) string { return m.Message() }

// Three reports of one device over two days in one request: a device point
// per timestamp, one daily point per day, and the static facts only once.
func TestMapStaticFactsOnceAndOneDailyPointPerDay(t *testing.T) {
	d := agentsim.Laptop(1)
	times := []time.Time{mapNow.Add(-26 * time.Hour), mapNow.Add(-2 * time.Hour), mapNow.Add(-time.Hour)}
	rm := d.ResourceMetrics(times[2])
	for _, ts := range times[:2] {
		extra := d.ResourceMetrics(ts)
		rm.ScopeMetrics[0].Metrics = append(rm.ScopeMetrics[0].Metrics, extra.ScopeMetrics[0].Metrics...)
	}
	m, points := mapAll(t, agentsim.Request(rm), MapOptions{Token: rinkeby})
	count := map[string]int{}
	withHostname := 0
	for _, p := range points {
		count[p.Measurement]++
		if p.Measurement == schema.Device && p.Fields["hostname"] != nil {
			withHostname++
			if !p.Time.Equal(times[2]) {
				t.Errorf("static facts on %s, want them on the newest point only", p.Time)
			}
		}
		if p.Tags[schema.TokenTag] != "rinkeby" {
			t.Errorf("%s without the token tag: %v", p.Measurement, p.Tags)
		}
	}
	if count[schema.Device] != 3 || count[schema.DeviceDaily] != 2 || count[schema.Battery] != 3 || count[schema.BatteryDaily] != 2 || withHostname != 1 {
		t.Errorf("points %v, %d with hostname; want 3 device, 2 daily, 3 battery, 2 daily, hostname once", count, withHostname)
	}
	if m.Rejected != 0 {
		t.Errorf("rejected: %s", reasons(m))
	}
}

// A token with a site writes its site, whatever the report says; a label
// may not take a reserved name; beyond max_labels the rest is left out.
func TestMapLabelsSiteAndBudget(t *testing.T) {
	rm := agentsim.Laptop(2).ResourceMetrics(mapNow.Add(-time.Minute)) // reports site=rinkeby-skola
	rm.Resource.Attributes = append(rm.Resource.Attributes, str(schema.LabelPrefix+"hostname", "x"), str(schema.LabelPrefix+"token", "forged"))
	for i := range 20 {
		rm.Resource.Attributes = append(rm.Resource.Attributes, str(fmt.Sprintf("%sl%02d", schema.LabelPrefix, i), "v"))
	}
	m, points := mapAll(t, agentsim.Request(rm), MapOptions{Token: vallingby, MaxLabels: 16})
	tags := points[0].Tags
	if tags["site"] != "Vällingby skola" || tags[schema.TokenTag] != "vallingby" {
		t.Errorf("tags %v: want the token's site and name", tags)
	}
	labels := 0
	for k := range tags {
		if strings.HasPrefix(k, "l") {
			labels++
		}
	}
	if labels != 15 { // site is the 16th label
		t.Errorf("%d labels l00.. kept, want 15 besides site", labels)
	}
	for _, want := range []string{"ingest.max_labels: at most 16 labels per device; 5 more left out", `label key "hostname" is reserved`, `label key "token" is reserved`, `label site "rinkeby-skola" replaced by the agent token's site "Vällingby skola"`} {
		if !strings.Contains(reasons(m), want) {
			t.Errorf("reasons %q lack %q", reasons(m), want)
		}
	}
	if m.Budgets["max_labels"] != 1 {
		t.Errorf("budgets %v", m.Budgets)
	}
}

func TestMapMaxResources(t *testing.T) {
	var rms []*metricpb.ResourceMetrics
	for i := range 5 {
		rms = append(rms, agentsim.Laptop(i).ResourceMetrics(mapNow.Add(-time.Minute)))
	}
	perDevice := countPoints(rms[0])
	m, points := mapAll(t, agentsim.Request(rms...), MapOptions{MaxResources: 3})
	devices := map[string]bool{}
	for _, p := range points {
		devices[p.Tags["device_id"]] = true
	}
	if len(devices) != 3 || m.Rejected != 2*perDevice || !strings.Contains(reasons(m), "ingest.max_resources: at most 3 devices per request; 2 more") {
		t.Errorf("%d devices written, %d rejected (%s)", len(devices), m.Rejected, reasons(m))
	}
}

// The values an attacker sent in the tries, each refused at the
// door with a partial success that names the attribute or metric.
func TestMapRefusesPoisonedValues(t *testing.T) {
	rm := agentsim.Laptop(3).ResourceMetrics(mapNow.Add(-time.Minute))
	for _, kv := range rm.Resource.Attributes {
		switch kv.Key {
		case schema.AttrHardwareSerial:
			kv.Value = &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: "EVIL\u0001SERIAL"}}
		case schema.AttrHostName:
			kv.Value = &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: strings.Repeat("h", 1<<20)}}
		case schema.AttrDeviceModel:
			kv.Value = &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: "T14\x1b]0;pwned\x07"}}
		}
	}
	mem := &metricpb.Metric{Name: schema.MetricMemory, Data: &metricpb.Metric_Gauge{Gauge: &metricpb.Gauge{DataPoints: []*metricpb.NumberDataPoint{
		{TimeUnixNano: uint64(mapNow.Add(-time.Minute).UnixNano()), Value: &metricpb.NumberDataPoint_AsDouble{AsDouble: 1e19}}}}}}
	old := &metricpb.Metric{Name: schema.MetricUptime, Data: &metricpb.Metric_Gauge{Gauge: &metricpb.Gauge{}}}
	for i := range 500 {
		old.GetGauge().DataPoints = append(old.GetGauge().DataPoints, &metricpb.NumberDataPoint{
			TimeUnixNano: uint64(time.Unix(0, 0).AddDate(0, 0, 7*i+1).UnixNano()), Value: &metricpb.NumberDataPoint_AsDouble{AsDouble: 1}})
	}
	rm.ScopeMetrics[0].Metrics = append(rm.ScopeMetrics[0].Metrics, mem, old)
	m, points := mapAll(t, agentsim.Request(rm), MapOptions{MaxAge: 97 * 24 * time.Hour})
	for _, p := range points {
		for k, v := range p.Fields {
			if s, ok := v.(string); ok && schema.CheckText(s, schema.MaxTextLen) != nil {
				t.Errorf("%s.%s = %.40q stored", p.Measurement, k, s)
			}
			if n, ok := v.(int64); ok && n < 0 {
				t.Errorf("%s.%s = %d: a wrapped integer", p.Measurement, k, n)
			}
		}
		if p.Time.Before(mapNow.Add(-97 * 24 * time.Hour)) {
			t.Errorf("%s at %s stored", p.Measurement, p.Time)
		}
		if p.Tags["model"] != "" {
			t.Errorf("model tag %q stored", p.Tags["model"])
		}
	}
	if m.Rejected != 501 {
		t.Errorf("rejected %d, want 501 (500 backdated points and the memory beyond int64)", m.Rejected)
	}
	for _, want := range []string{
		`kretslopp.hardware.serial "EVIL\x01SERIAL": control character U+0001 at byte 4: field serial left out`,
		`host.name "hhhh`, "longer than 256 characters",
		"device.model.name", "control character U+001B",
		"system.memory.limit: value 1e+19 is outside the integer range",
		"system.uptime: timestamp 1970-01-02T00:00:00Z is older than 2328h0m0s (ingest.max_age)",
	} {
		if !strings.Contains(reasons(m), want) {
			t.Errorf("reasons lack %q:\n%s", want, reasons(m))
		}
	}
	// A device ID the door refuses refuses the whole report.
	bad := agentsim.Laptop(4)
	bad.ID = "dev\nice"
	m, points = mapAll(t, agentsim.Request(bad.ResourceMetrics(mapNow)), MapOptions{})
	if len(points) != 0 || !strings.Contains(reasons(m), `host.id "dev\nice": control character U+000A`) {
		t.Errorf("bad host.id: %d points, %s", len(points), reasons(m))
	}
}

// decodeCost, estimated from the wire before decoding, is at least what
// decoding allocates, for the shapes an attacker would pick (thousands of
// tiny attributes, data points, metrics) and for agent reports.
func TestDecodeCostBoundsTheHeap(t *testing.T) {
	attrs := &resourcepb.Resource{}
	for range 50000 {
		attrs.Attributes = append(attrs.Attributes, str("a", "b"))
	}
	gauge := &metricpb.Gauge{}
	for i := range 50000 {
		gauge.DataPoints = append(gauge.DataPoints, &metricpb.NumberDataPoint{TimeUnixNano: uint64(i + 1), Value: &metricpb.NumberDataPoint_AsDouble{AsDouble: 1}})
	}
	var metrics []*metricpb.Metric
	for range 30000 {
		metrics = append(metrics, &metricpb.Metric{Name: "x", Data: &metricpb.Metric_Gauge{Gauge: &metricpb.Gauge{DataPoints: []*metricpb.NumberDataPoint{{TimeUnixNano: 1}}}}})
	}
	var laptops []*metricpb.ResourceMetrics
	for i := range 100 {
		laptops = append(laptops, agentsim.Laptop(i).ResourceMetrics(mapNow))
	}
	for name, req := range map[string]*colmetricpb.ExportMetricsServiceRequest{
		"attributes":  {ResourceMetrics: []*metricpb.ResourceMetrics{{Resource: attrs}}},
		"data points": {ResourceMetrics: []*metricpb.ResourceMetrics{{ScopeMetrics: []*metricpb.ScopeMetrics{{Metrics: []*metricpb.Metric{{Name: "system.uptime", Data: &metricpb.Metric_Gauge{Gauge: gauge}}}}}}}},
		"metrics":     {ResourceMetrics: []*metricpb.ResourceMetrics{{ScopeMetrics: []*metricpb.ScopeMetrics{{Metrics: metrics}}}}},
		"laptops":     {ResourceMetrics: laptops},
	} {
		body, err := proto.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		decoded, err := Decode(body, Protobuf)
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(decoded)
		if err != nil {
			t.Fatal(err)
		}
		alloc := int64(after.TotalAlloc - before.TotalAlloc)
		est := decodeCost(body, 1<<40)
		if est < alloc {
			t.Errorf("%s: estimate %d bytes, decoding allocated %d", name, est, alloc)
		}
		if est > 3*alloc {
			t.Errorf("%s: estimate %d bytes is over three times what decoding allocated (%d): it would refuse honest requests", name, est, alloc)
		}
		t.Logf("%s: body %d bytes, decoded %d (%.1f×), estimate %d", name, len(body), alloc, float64(alloc)/float64(len(body)), est)
	}
}
