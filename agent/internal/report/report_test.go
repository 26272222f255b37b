package report

import (
	"testing"
	"time"

	colmetrics "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	"google.golang.org/protobuf/proto"

	"github.com/kretslopp/kretslopp/agent/internal/inventory"
	"github.com/kretslopp/kretslopp/internal/schema"
)

func resourceAttrs(t *testing.T, s inventory.Snapshot) map[string]*commonpb.AnyValue {
	t.Helper()
	var req colmetrics.ExportMetricsServiceRequest
	if err := proto.Unmarshal(Build(s, 0).Marshal(), &req); err != nil {
		t.Fatal(err)
	}
	out := map[string]*commonpb.AnyValue{}
	for _, kv := range req.ResourceMetrics[0].Resource.Attributes {
		if _, dup := out[kv.Key]; dup {
			t.Errorf("attribute %s twice", kv.Key)
		}
		out[kv.Key] = kv.Value
	}
	return out
}

// The hardware serial and the OS install time travel on every report, so
// that the collector can follow one machine across re-installs.
func TestHardwareIdentityAttributes(t *testing.T) {
	installed := time.Date(2023, 4, 1, 6, 30, 0, 0, time.UTC).Unix()
	s := inventory.Snapshot{Time: time.Now(), Device: inventory.Device{
		ID: "3d1219c7-c4c5-404a-aa1f-6d2a48adfda4", OS: "linux", Serial: "PF2ABCDE", OSInstallTime: installed,
	}}
	res := resourceAttrs(t, s)
	if v, ok := res[schema.AttrHardwareSerial]; !ok || v.GetStringValue() != "PF2ABCDE" {
		t.Errorf("%s = %v", schema.AttrHardwareSerial, v)
	}
	v, ok := res[schema.AttrOSInstallTime]
	if !ok {
		t.Fatal(schema.AttrOSInstallTime + " missing")
	}
	if _, isInt := v.Value.(*commonpb.AnyValue_IntValue); !isInt || v.GetIntValue() != installed {
		t.Errorf("%s = %v, want int %d", schema.AttrOSInstallTime, v, installed)
	}

	// Unknown values are absent, never "" or 0.
	s.Device.Serial, s.Device.OSInstallTime = "", 0
	res = resourceAttrs(t, s)
	for _, k := range []string{schema.AttrHardwareSerial, schema.AttrOSInstallTime} {
		if v, ok := res[k]; ok {
			t.Errorf("%s sent as %v when unknown", k, v)
		}
	}
}

// A battery with a withheld reading still reports its other figures, and
// every point of it names what was withheld; a plausible one has no such
// attribute.
func TestImplausibleReadingTravelsWithTheBattery(t *testing.T) {
	s := inventory.Snapshot{Time: time.Now(), Device: inventory.Device{ID: "x", OS: "linux"}, Batteries: []inventory.Battery{
		{Name: "BAT0", ChargePct: ptr(7.36), CycleCount: ptrInt(159), State: "full",
			Implausible: []string{"health_pct 4724.28 outside 10–150 (full_wh 653.84, design_wh 13.84)"}},
		{Name: "BAT1", ChargePct: ptr(50), DesignWh: ptr(50), FullWh: ptr(45), State: "discharging"},
	}}
	var req colmetrics.ExportMetricsServiceRequest
	if err := proto.Unmarshal(Build(s, 0).Marshal(), &req); err != nil {
		t.Fatal(err)
	}
	points := map[string]int{}
	for _, m := range req.ResourceMetrics[0].ScopeMetrics[0].Metrics {
		for _, dp := range m.GetGauge().DataPoints {
			attrs := map[string]string{}
			for _, kv := range dp.Attributes {
				attrs[kv.Key] = kv.Value.GetStringValue()
			}
			why, has := attrs["kretslopp.battery.implausible"]
			switch attrs["hw.id"] {
			case "BAT0":
				points[m.Name]++
				if why != "health_pct 4724.28 outside 10–150 (full_wh 653.84, design_wh 13.84)" {
					t.Errorf("%s of BAT0: kretslopp.battery.implausible = %q", m.Name, why)
				}
			case "BAT1":
				if has {
					t.Errorf("%s of a plausible battery carries kretslopp.battery.implausible = %q", m.Name, why)
				}
			}
		}
	}
	if points["hw.battery.charge"] != 1 || points["kretslopp.battery.cycle_count"] != 1 || points["kretslopp.battery.full_energy"] != 0 {
		t.Errorf("BAT0 points %v: want its charge and cycle count, no energy", points)
	}
}

func ptr(v float64) *float64 { return &v }
func ptrInt(v int64) *int64  { return &v }

// The system volume travels marked, whatever its letter, so that the
// collector stores a Windows on D: as disk_bytes (schema.RootFilesystem).
func TestSystemVolumeIsMarked(t *testing.T) {
	s := inventory.Snapshot{Time: time.Now(), Device: inventory.Device{ID: "x", OS: "windows", DiskBytes: 476 << 30, DiskMount: `D:\`}}
	var req colmetrics.ExportMetricsServiceRequest
	if err := proto.Unmarshal(Build(s, 0).Marshal(), &req); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range req.ResourceMetrics[0].ScopeMetrics[0].Metrics {
		if m.Name != schema.MetricFilesystem {
			continue
		}
		found = true
		dp := m.GetGauge().DataPoints[0]
		attrs := map[string]*commonpb.AnyValue{}
		for _, kv := range dp.Attributes {
			attrs[kv.Key] = kv.Value
		}
		if attrs[schema.AttrMountpoint].GetStringValue() != `D:\` || dp.GetAsInt() != 476<<30 {
			t.Errorf("filesystem point %v", dp)
		}
		if b, ok := attrs[schema.AttrFilesystemSystem].GetValue().(*commonpb.AnyValue_BoolValue); !ok || !b.BoolValue {
			t.Errorf("%s = %v, want bool true", schema.AttrFilesystemSystem, attrs[schema.AttrFilesystemSystem])
		}
	}
	if !found {
		t.Fatal("no " + schema.MetricFilesystem)
	}
}

// A Lenovo reports its marketing name as the model and its machine
// type-model beside it; elsewhere there is no identifier attribute.
func TestModelIdentifier(t *testing.T) {
	s := inventory.Snapshot{Time: time.Now(), Device: inventory.Device{ID: "x", OS: "windows", Manufacturer: "LENOVO", Model: "ThinkPad T14 Gen 3", ModelIdentifier: "21CF004PGE"}}
	res := resourceAttrs(t, s)
	if res[schema.AttrDeviceModel].GetStringValue() != "ThinkPad T14 Gen 3" || res[schema.AttrDeviceModelIdentifier].GetStringValue() != "21CF004PGE" {
		t.Errorf("model %v, identifier %v", res[schema.AttrDeviceModel], res[schema.AttrDeviceModelIdentifier])
	}
	s.Device.Manufacturer, s.Device.Model, s.Device.ModelIdentifier = "Dell Inc.", "Latitude 5410", ""
	if v, ok := resourceAttrs(t, s)[schema.AttrDeviceModelIdentifier]; ok {
		t.Errorf("%s sent as %v when there is none", schema.AttrDeviceModelIdentifier, v)
	}
}
