// Package agentsim simulates Kretslopp agents: realistic device reports as
// OTLP requests (the names of internal/schema), a municipal fleet's history,
// and posting a report as an agent does. The collector's tests, the
// dashboards' tests, `make demo` and the ingest load benchmark use it.
package agentsim

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"time"

	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	"google.golang.org/protobuf/proto"

	"github.com/kretslopp/kretslopp/internal/schema"
)

// Device describes the simulated machine.
type Device struct {
	ID, Hostname, OS, OSVersion, Manufacturer, Model, Serial string
	Site                                                     string
	FirmwareDate                                             string // YYYY-MM-DD, optional
	UptimeS                                                  float64
	BootTime                                                 int64
	Batteries                                                []Battery
	// OSInstallTime (unix s) is sent as kretslopp.os.install_time when set.
	OSInstallTime int64
	// Department is sent as the label kretslopp.label.department when set.
	Department string
	// Volumes are the system.filesystem.limit points; nil is what the
	// agent sends: "/" of 512 GiB, marked as the system volume; empty: none.
	Volumes []Volume
}

// Volume is one system.filesystem.limit data point.
type Volume struct {
	Mountpoint string
	// System is kretslopp.filesystem.system; nil leaves it out, as agents
	// from before the mark and generic OpenTelemetry senders do.
	System *bool
	Bytes  int64
}

// Battery is one simulated battery.
type Battery struct {
	ID               string
	CycleCount       int64 // 0: unknown, not sent
	DesignWh, FullWh float64
	Charge           float64 // 0–1
	State            string
	Serial           string // hw.serial_number, sent when set
	// Implausible is what the agent withheld as implausible, with the
	// values read (docs/agent.md, "Implausible readings"): sent as
	// kretslopp.battery.implausible on every point of the battery, as
	// agent/internal/report does. With it set, a DesignWh or FullWh of 0
	// is a withheld reading and is not sent.
	Implausible string
}

// Laptop returns a typical school laptop with one worn battery.
func Laptop(n int) Device {
	return Device{
		ID:           fmt.Sprintf("device-%06d", n),
		Hostname:     fmt.Sprintf("skola-lap-%04d", n),
		OS:           "linux",
		OSVersion:    "12",
		Manufacturer: "LENOVO",
		Model:        "ThinkPad T14 Gen 2i",
		Serial:       fmt.Sprintf("PF%06d", n),
		Site:         "rinkeby-skola",
		UptimeS:      3600,
		BootTime:     1700000000,
		Batteries: []Battery{{
			ID: "BAT0", CycleCount: 412, DesignWh: 50.0, FullWh: 41.5, Charge: 0.87, State: "discharging",
		}},
	}
}

func str(k, v string) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}}
}

func gauge(name string, ts time.Time, v float64, attrs ...*commonpb.KeyValue) *metricpb.Metric {
	return &metricpb.Metric{Name: name, Unit: schema.MetricUnit(name), Data: &metricpb.Metric_Gauge{Gauge: &metricpb.Gauge{
		DataPoints: []*metricpb.NumberDataPoint{{
			TimeUnixNano: uint64(ts.UnixNano()),
			Attributes:   attrs,
			Value:        &metricpb.NumberDataPoint_AsDouble{AsDouble: v},
		}},
	}}}
}

func intGauge(name string, ts time.Time, v int64, attrs ...*commonpb.KeyValue) *metricpb.Metric {
	m := gauge(name, ts, 0, attrs...)
	m.GetGauge().DataPoints[0].Value = &metricpb.NumberDataPoint_AsInt{AsInt: v}
	return m
}

// ResourceMetrics is one device's report at ts, as the agent sends it.
func (d Device) ResourceMetrics(ts time.Time) *metricpb.ResourceMetrics {
	metrics := []*metricpb.Metric{
		gauge(schema.MetricUptime, ts, d.UptimeS),
		intGauge(schema.MetricBootTime, ts, d.BootTime),
		intGauge(schema.MetricMemory, ts, 16<<30),
	}
	volumes := d.Volumes
	if volumes == nil {
		system := true
		volumes = []Volume{{Mountpoint: "/", System: &system, Bytes: 512 << 30}}
	}
	if len(volumes) > 0 {
		fs := intGauge(schema.MetricFilesystem, ts, 0)
		fs.GetGauge().DataPoints = nil
		for _, v := range volumes {
			attrs := []*commonpb.KeyValue{str(schema.AttrMountpoint, v.Mountpoint)}
			if v.System != nil {
				attrs = append(attrs, &commonpb.KeyValue{Key: schema.AttrFilesystemSystem, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: *v.System}}})
			}
			fs.GetGauge().DataPoints = append(fs.GetGauge().DataPoints, &metricpb.NumberDataPoint{
				TimeUnixNano: uint64(ts.UnixNano()), Attributes: attrs, Value: &metricpb.NumberDataPoint_AsInt{AsInt: v.Bytes}})
		}
		metrics = append(metrics, fs)
	}
	for _, b := range d.Batteries {
		ids := []*commonpb.KeyValue{str(schema.AttrBatteryID, b.ID)}
		if b.Implausible != "" {
			ids = append(ids, str(schema.AttrBatteryImplausible, b.Implausible))
		}
		chargeAttrs := append(append([]*commonpb.KeyValue{}, ids...), str(schema.AttrBatteryState, b.State), str(schema.AttrBatteryVendor, "SMP"))
		if b.Serial != "" {
			chargeAttrs = append(chargeAttrs, str(schema.AttrBatterySerial, b.Serial))
		}
		metrics = append(metrics, gauge(schema.MetricBatteryCharge, ts, b.Charge, chargeAttrs...))
		for _, e := range []struct {
			name string
			wh   float64
		}{{schema.MetricBatteryDesign, b.DesignWh}, {schema.MetricBatteryFull, b.FullWh}} {
			if b.Implausible == "" || e.wh != 0 {
				metrics = append(metrics, gauge(e.name, ts, e.wh, ids...))
			}
		}
		if b.CycleCount > 0 {
			metrics = append(metrics, intGauge(schema.MetricBatteryCycles, ts, b.CycleCount, ids...))
		}
	}
	attrs := []*commonpb.KeyValue{
		str(schema.AttrHostID, d.ID),
		str(schema.AttrHostName, d.Hostname),
		str(schema.AttrHostArch, "amd64"),
		str(schema.AttrOSType, d.OS),
		str(schema.AttrOSVersion, d.OSVersion),
		str(schema.AttrDeviceManufacturer, d.Manufacturer),
		str(schema.AttrDeviceModel, d.Model),
		str(schema.AttrHardwareSerial, d.Serial),
		str(schema.AttrServiceName, "kretslopp-agent"),
		str(schema.AttrServiceVersion, "0.1.0"),
		str(schema.LabelPrefix+"site", d.Site),
	}
	if d.FirmwareDate != "" {
		attrs = append(attrs, str(schema.AttrFirmwareDate, d.FirmwareDate))
	}
	if d.OSInstallTime != 0 {
		attrs = append(attrs, &commonpb.KeyValue{Key: schema.AttrOSInstallTime, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: d.OSInstallTime}}})
	}
	if d.Department != "" {
		attrs = append(attrs, str(schema.LabelPrefix+"department", d.Department))
	}
	return &metricpb.ResourceMetrics{
		Resource: &resourcepb.Resource{Attributes: attrs},
		ScopeMetrics: []*metricpb.ScopeMetrics{{
			Scope:   &commonpb.InstrumentationScope{Name: "kretslopp-agent"},
			Metrics: metrics,
		}},
	}
}

// Request wraps resource metrics in an export request.
func Request(rms ...*metricpb.ResourceMetrics) *colmetricpb.ExportMetricsServiceRequest {
	return &colmetricpb.ExportMetricsServiceRequest{ResourceMetrics: rms}
}

// Protobuf encodes req, gzip-compressed when gz is set.
func Protobuf(req *colmetricpb.ExportMetricsServiceRequest, gz bool) []byte {
	b, err := proto.Marshal(req)
	if err != nil {
		panic(err) // a request built here always marshals
	}
	if !gz {
		return b
	}
	return Gzip(b)
}

// Gzip compresses b.
func Gzip(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}
