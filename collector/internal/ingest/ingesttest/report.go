// Package ingesttest builds realistic agent reports as OTLP requests, for
// the ingest tests and the load generator.
package ingesttest

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
}

// Battery is one simulated battery.
type Battery struct {
	ID               string
	CycleCount       int64 // 0: unknown, not sent
	DesignWh, FullWh float64
	Charge           float64 // 0–1
	State            string
	Serial           string // hw.serial_number, sent when set
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

func gauge(name, unit string, ts time.Time, v float64, attrs ...*commonpb.KeyValue) *metricpb.Metric {
	return &metricpb.Metric{Name: name, Unit: unit, Data: &metricpb.Metric_Gauge{Gauge: &metricpb.Gauge{
		DataPoints: []*metricpb.NumberDataPoint{{
			TimeUnixNano: uint64(ts.UnixNano()),
			Attributes:   attrs,
			Value:        &metricpb.NumberDataPoint_AsDouble{AsDouble: v},
		}},
	}}}
}

func intGauge(name, unit string, ts time.Time, v int64, attrs ...*commonpb.KeyValue) *metricpb.Metric {
	m := gauge(name, unit, ts, 0, attrs...)
	m.GetGauge().DataPoints[0].Value = &metricpb.NumberDataPoint_AsInt{AsInt: v}
	return m
}

// ResourceMetrics is one device's report at ts, as the agent sends it.
func (d Device) ResourceMetrics(ts time.Time) *metricpb.ResourceMetrics {
	metrics := []*metricpb.Metric{
		gauge("system.uptime", "s", ts, d.UptimeS),
		intGauge("kretslopp.system.boot_time", "s", ts, d.BootTime),
		intGauge("system.memory.limit", "By", ts, 16<<30),
		intGauge("system.filesystem.limit", "By", ts, 512<<30, str("system.filesystem.mountpoint", "/")),
	}
	for _, b := range d.Batteries {
		id := str("hw.id", b.ID)
		chargeAttrs := []*commonpb.KeyValue{id, str("hw.battery.state", b.State), str("hw.vendor", "SMP")}
		if b.Serial != "" {
			chargeAttrs = append(chargeAttrs, str("hw.serial_number", b.Serial))
		}
		metrics = append(metrics,
			gauge("hw.battery.charge", "1", ts, b.Charge, chargeAttrs...),
			gauge("kretslopp.battery.design_energy", "Wh", ts, b.DesignWh, id),
			gauge("kretslopp.battery.full_energy", "Wh", ts, b.FullWh, id),
		)
		if b.CycleCount > 0 {
			metrics = append(metrics, intGauge("kretslopp.battery.cycle_count", "{cycle}", ts, b.CycleCount, id))
		}
	}
	attrs := []*commonpb.KeyValue{
		str("host.id", d.ID),
		str("host.name", d.Hostname),
		str("host.arch", "amd64"),
		str("os.type", d.OS),
		str("os.version", d.OSVersion),
		str("device.manufacturer", d.Manufacturer),
		str("device.model.name", d.Model),
		str("kretslopp.hardware.serial", d.Serial),
		str("service.name", "kretslopp-agent"),
		str("service.version", "0.1.0"),
		str("kretslopp.label.site", d.Site),
	}
	if d.FirmwareDate != "" {
		attrs = append(attrs, str("kretslopp.firmware.date", d.FirmwareDate))
	}
	if d.OSInstallTime != 0 {
		attrs = append(attrs, &commonpb.KeyValue{Key: "kretslopp.os.install_time", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: d.OSInstallTime}}})
	}
	if d.Department != "" {
		attrs = append(attrs, str("kretslopp.label.department", d.Department))
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
