package otlpwire

import (
	"math"
	"testing"

	colmetrics "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/protobuf/proto"
)

func TestMarshalDecodesWithOfficialTypes(t *testing.T) {
	long := make([]byte, 300) // forces two-byte length prefixes
	for i := range long {
		long[i] = 'x'
	}
	r := Request{
		Resource:     []KeyValue{String("host.id", "abc"), String("empty", ""), Int("kretslopp.os.install_time", -5), Bool("b", true), Double("d", 1.5)},
		SchemaURL:    "https://opentelemetry.io/schemas/1.26.0",
		ScopeName:    "kretslopp-agent",
		ScopeVersion: "1.2.3",
		Metrics: []Gauge{
			{Name: "system.uptime", Unit: "s", Description: string(long), Points: []Point{{TimeUnixNano: 1700000000123456789, Double: 3600.5}}},
			{Name: "kretslopp.battery.cycle_count", Unit: "{cycle}", Points: []Point{
				{TimeUnixNano: 1, IsInt: true, Int: 212, Attributes: []KeyValue{String("hw.id", "BAT0")}},
				{TimeUnixNano: 2, IsInt: true, Int: -1, Attributes: []KeyValue{String("hw.id", "BAT1")}},
			}},
		},
	}
	var got colmetrics.ExportMetricsServiceRequest
	if err := proto.Unmarshal(r.Marshal(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.ResourceMetrics) != 1 {
		t.Fatalf("resource metrics: %d", len(got.ResourceMetrics))
	}
	rm := got.ResourceMetrics[0]
	attrs := rm.Resource.Attributes
	if len(attrs) != 5 || attrs[0].Key != "host.id" || attrs[0].Value.GetStringValue() != "abc" ||
		attrs[1].Value.GetValue() == nil || attrs[1].Value.GetStringValue() != "" ||
		attrs[2].Value.GetIntValue() != -5 || !attrs[3].Value.GetBoolValue() || attrs[4].Value.GetDoubleValue() != 1.5 {
		t.Errorf("resource attributes: %v", attrs)
	}
	if rm.SchemaUrl != r.SchemaURL {
		t.Errorf("schema url %q", rm.SchemaUrl)
	}
	sm := rm.ScopeMetrics[0]
	if sm.Scope.Name != "kretslopp-agent" || sm.Scope.Version != "1.2.3" || len(sm.Metrics) != 2 {
		t.Fatalf("scope: %v", sm)
	}
	up := sm.Metrics[0]
	if up.Name != "system.uptime" || up.Unit != "s" || up.Description != string(long) {
		t.Errorf("metric: %s %s", up.Name, up.Unit)
	}
	dp := up.GetGauge().DataPoints[0]
	if dp.TimeUnixNano != 1700000000123456789 || dp.GetAsDouble() != 3600.5 {
		t.Errorf("point: %v", dp)
	}
	cc := sm.Metrics[1].GetGauge().DataPoints
	if len(cc) != 2 || cc[0].GetAsInt() != 212 || cc[1].GetAsInt() != -1 || cc[1].Attributes[0].Value.GetStringValue() != "BAT1" || cc[1].TimeUnixNano != 2 {
		t.Errorf("cycle points: %v", cc)
	}
}

func TestMarshalMatchesOfficialEncodingSize(t *testing.T) {
	r := Request{Resource: []KeyValue{String("a", "b")}, ScopeName: "s", Metrics: []Gauge{{Name: "m", Points: []Point{{TimeUnixNano: 5, Double: math.Pi}}}}}
	var msg colmetrics.ExportMetricsServiceRequest
	if err := proto.Unmarshal(r.Marshal(), &msg); err != nil {
		t.Fatal(err)
	}
	again, err := proto.MarshalOptions{Deterministic: true}.Marshal(&msg)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != len(r.Marshal()) {
		t.Errorf("official re-encoding is %d bytes, ours %d", len(again), len(r.Marshal()))
	}
}
