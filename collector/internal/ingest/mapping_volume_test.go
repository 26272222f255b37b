package ingest

import (
	"strings"
	"testing"
	"time"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"

	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/internal/schema"
	"github.com/kretslopp/kretslopp/internal/testkit/agentsim"
)

func mark(b bool) *bool { return &b }

func vol(mountpoint string, system *bool, bytes int64) agentsim.Volume {
	return agentsim.Volume{Mountpoint: mountpoint, System: system, Bytes: bytes}
}

func devicePoint(t *testing.T, m Mapped) influx.Point {
	t.Helper()
	for _, p := range m.Points {
		if p.Measurement == schema.Device {
			return p
		}
	}
	t.Fatalf("no device point in %+v", m.Points)
	return influx.Point{}
}

// TestDiskBytesIsTheSystemVolume: the agent marks the volume Windows is on,
// whatever its letter; a sender that does not mark (a generic OpenTelemetry
// exporter reporting every volume) gets disk_bytes from / or C: only.
func TestDiskBytesIsTheSystemVolume(t *testing.T) {
	ts := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	const gib = 1 << 30
	for _, c := range []struct {
		name string
		os   string
		vols []agentsim.Volume
		want int64 // 0: no disk_bytes
	}{
		{"windows on D:, marked", "windows", []agentsim.Volume{vol(`D:\`, mark(true), 476*gib)}, 476 * gib},
		{"windows on C:, marked", "windows", []agentsim.Volume{vol(`C:\`, mark(true), 237*gib)}, 237 * gib},
		{"linux /, marked", "linux", []agentsim.Volume{vol("/", mark(true), 512*gib)}, 512 * gib},
		{"older agent: C:, unmarked", "windows", []agentsim.Volume{vol(`C:\`, nil, 237*gib)}, 237 * gib},
		{"older agent: / unmarked", "linux", []agentsim.Volume{vol("/", nil, 512*gib)}, 512 * gib},
		{"older agent: D:, unmarked", "windows", []agentsim.Volume{vol(`D:\`, nil, 476*gib)}, 0},
		{"every volume, unmarked: C: only", "windows", []agentsim.Volume{vol(`C:\`, nil, 237*gib), vol(`D:\`, nil, 931*gib), vol(`E:\`, nil, 29*gib)}, 237 * gib},
		{"system D: marked, data C: marked false", "windows", []agentsim.Volume{vol(`C:\`, mark(false), 931*gib), vol(`D:\`, mark(true), 476*gib)}, 476 * gib},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := agentsim.Laptop(1)
			d.OS, d.Volumes = c.os, c.vols
			m := Map(agentsim.Request(d.ResourceMetrics(ts)), ts)
			got, ok := devicePoint(t, m).Fields["disk_bytes"]
			switch {
			case c.want == 0 && ok:
				t.Errorf("disk_bytes = %v, want none", got)
			case c.want != 0 && got != c.want:
				t.Errorf("disk_bytes = %v, want %d", got, c.want)
			}
			if m.Rejected != 0 {
				t.Errorf("rejected %d: %v", m.Rejected, m.Reasons)
			}
		})
	}
	// Only a bool is the mark: a string "true" leaves the D: unmarked.
	d := agentsim.Laptop(1)
	d.OS, d.Volumes = "windows", []agentsim.Volume{vol(`D:\`, mark(true), 476*gib)}
	rm := d.ResourceMetrics(ts)
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if m.Name == schema.MetricFilesystem {
			m.GetGauge().DataPoints[0].Attributes[1].Value = &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: "true"}}
		}
	}
	if got, ok := devicePoint(t, Map(agentsim.Request(rm), ts)).Fields["disk_bytes"]; ok {
		t.Errorf("a string mark: disk_bytes = %v, want none", got)
	}
}

// TestRefusedLabelIsNamed: a label the rule refuses is left out and the
// partial success message names it; it never shadows a field.
func TestRefusedLabelIsNamed(t *testing.T) {
	ts := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	rm := agentsim.Laptop(1).ResourceMetrics(ts)
	for k, v := range map[string]string{"Asset-Tag": "SKL-1", "hostname": "spoofed", "department": "utbildning"} {
		rm.Resource.Attributes = append(rm.Resource.Attributes, &commonpb.KeyValue{Key: schema.LabelPrefix + k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}})
	}
	m := Map(agentsim.Request(rm), ts)
	p := devicePoint(t, m)
	if p.Tags["department"] != "utbildning" || p.Tags["site"] != "rinkeby-skola" {
		t.Errorf("good labels lost: %v", p.Tags)
	}
	if _, ok := p.Tags["Asset-Tag"]; ok {
		t.Errorf("tag Asset-Tag stored: %v", p.Tags)
	}
	if _, ok := p.Tags["hostname"]; ok || p.Fields["hostname"] != "skola-lap-0001" {
		t.Errorf("label hostname shadowed the field: tags %v, hostname %v", p.Tags, p.Fields["hostname"])
	}
	msg := m.Message()
	for _, want := range []string{`"Asset-Tag"`, `"hostname" is reserved`} {
		if !strings.Contains(msg, want) {
			t.Errorf("reasons %q do not name %s", msg, want)
		}
	}
}
