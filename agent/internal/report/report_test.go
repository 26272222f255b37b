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
