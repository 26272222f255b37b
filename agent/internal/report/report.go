// Package report maps an inventory snapshot to the OTLP metrics and
// attributes of internal/schema (docs/schema.md).
package report

import (
	"sort"
	"strings"

	"github.com/kretslopp/kretslopp/agent/internal/inventory"
	"github.com/kretslopp/kretslopp/agent/internal/otlpwire"
	"github.com/kretslopp/kretslopp/internal/schema"
)

// SchemaURL is the OpenTelemetry semantic-conventions version the names follow.
const SchemaURL = "https://opentelemetry.io/schemas/1.26.0"

// ServiceName is service.name on every report.
const ServiceName = "kretslopp-agent"

// Build returns the OTLP request for s. dropped is the number of batches the
// spool dropped since the previous report.
func Build(s inventory.Snapshot, dropped uint64) *otlpwire.Request {
	d := s.Device
	ts := uint64(s.Time.UnixNano())
	res := []otlpwire.KeyValue{
		otlpwire.String(schema.AttrServiceName, ServiceName),
		otlpwire.String(schema.AttrServiceVersion, d.AgentVersion),
		otlpwire.String(schema.AttrOSType, d.OS),
		otlpwire.String(schema.AttrHostArch, d.Arch),
	}
	str := func(k, v string) {
		if v != "" {
			res = append(res, otlpwire.String(k, v))
		}
	}
	str(schema.AttrHostID, d.ID)
	str(schema.AttrHostName, d.Hostname)
	str(schema.AttrOSVersion, d.OSVersion)
	str(schema.AttrOSDescription, d.OSDescription)
	str(schema.AttrDeviceManufacturer, d.Manufacturer)
	str(schema.AttrDeviceModel, d.Model)
	str(schema.AttrDeviceModelIdentifier, d.ModelIdentifier)
	str(schema.AttrHardwareSerial, d.Serial)
	str(schema.AttrFirmwareDate, d.FirmwareDate)
	if d.OSInstallTime > 0 {
		res = append(res, otlpwire.Int(schema.AttrOSInstallTime, d.OSInstallTime))
	}
	keys := make([]string, 0, len(s.Labels))
	for k := range s.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		res = append(res, otlpwire.String(schema.LabelPrefix+k, s.Labels[k]))
	}

	req := &otlpwire.Request{Resource: res, SchemaURL: SchemaURL, ScopeName: ServiceName, ScopeVersion: d.AgentVersion}
	add := func(name string, pts ...otlpwire.Point) {
		if len(pts) > 0 {
			req.Metrics = append(req.Metrics, otlpwire.Gauge{Name: name, Unit: schema.MetricUnit(name), Points: pts})
		}
	}
	integer := func(v int64, attrs ...otlpwire.KeyValue) otlpwire.Point {
		return otlpwire.Point{TimeUnixNano: ts, IsInt: true, Int: v, Attributes: attrs}
	}
	if d.BootTime > 0 {
		add(schema.MetricUptime, otlpwire.Point{TimeUnixNano: ts, Double: d.UptimeS})
		add(schema.MetricBootTime, integer(d.BootTime))
	}
	if d.MemoryBytes > 0 {
		add(schema.MetricMemory, integer(int64(d.MemoryBytes)))
	}
	if d.DiskBytes > 0 {
		// The one volume the agent reads is the system volume on every OS
		// (Windows: the drive Windows is on, whatever its letter); the mark
		// tells the collector so (schema.RootFilesystem).
		add(schema.MetricFilesystem, integer(int64(d.DiskBytes), otlpwire.String(schema.AttrMountpoint, d.DiskMount), otlpwire.Bool(schema.AttrFilesystemSystem, true)))
	}
	add(schema.MetricSpoolDropped, integer(int64(dropped)))

	var charge, cycles, design, full, volts []otlpwire.Point
	for _, b := range s.Batteries {
		attrs := batteryAttrs(b)
		dbl := func(dst *[]otlpwire.Point, v *float64, scale float64, extra ...otlpwire.KeyValue) {
			if v != nil {
				a := attrs
				if len(extra) > 0 {
					a = append(append([]otlpwire.KeyValue(nil), attrs...), extra...)
				}
				*dst = append(*dst, otlpwire.Point{TimeUnixNano: ts, Double: *v * scale, Attributes: a})
			}
		}
		dbl(&charge, b.ChargePct, 0.01, otlpwire.String(schema.AttrBatteryState, b.State))
		if b.CycleCount != nil {
			cycles = append(cycles, integer(*b.CycleCount, attrs...))
		}
		dbl(&design, b.DesignWh, 1)
		dbl(&full, b.FullWh, 1)
		dbl(&volts, b.VoltageV, 1)
	}
	add(schema.MetricBatteryCharge, charge...)
	add(schema.MetricBatteryCycles, cycles...)
	add(schema.MetricBatteryDesign, design...)
	add(schema.MetricBatteryFull, full...)
	add(schema.MetricBatteryVoltage, volts...)
	return req
}

func batteryAttrs(b inventory.Battery) []otlpwire.KeyValue {
	a := []otlpwire.KeyValue{otlpwire.String(schema.AttrBatteryID, b.Name)}
	for _, kv := range [][2]string{
		{schema.AttrBatteryVendor, b.Vendor}, {schema.AttrBatteryModel, b.Model}, {schema.AttrBatteryChemistry, b.Chemistry},
		{schema.AttrBatterySerial, b.Serial}, {schema.AttrBatteryManufactureDate, b.ManufactureDate},
		// Readings withheld as implausible, with the values read; on every
		// point of that battery, so that it lands whichever arrives.
		{schema.AttrBatteryImplausible, strings.Join(b.Implausible, "; ")},
	} {
		if kv[1] != "" {
			a = append(a, otlpwire.String(kv[0], kv[1]))
		}
	}
	return a
}
