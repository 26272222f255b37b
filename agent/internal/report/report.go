// Package report maps an inventory snapshot to the OTLP metrics named in
// docs/schema.md.
package report

import (
	"sort"
	"strings"

	"github.com/kretslopp/kretslopp/agent/internal/inventory"
	"github.com/kretslopp/kretslopp/agent/internal/otlpwire"
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
		otlpwire.String("service.name", ServiceName),
		otlpwire.String("service.version", d.AgentVersion),
		otlpwire.String("os.type", d.OS),
		otlpwire.String("host.arch", d.Arch),
	}
	str := func(k, v string) {
		if v != "" {
			res = append(res, otlpwire.String(k, v))
		}
	}
	str("host.id", d.ID)
	str("host.name", d.Hostname)
	str("os.version", d.OSVersion)
	str("os.description", d.OSDescription)
	str("device.manufacturer", d.Manufacturer)
	str("device.model.name", d.Model)
	str("kretslopp.hardware.serial", d.Serial)
	str("kretslopp.firmware.date", d.FirmwareDate)
	if d.OSInstallTime > 0 {
		res = append(res, otlpwire.Int("kretslopp.os.install_time", d.OSInstallTime))
	}
	keys := make([]string, 0, len(s.Labels))
	for k := range s.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		res = append(res, otlpwire.String("kretslopp.label."+k, s.Labels[k]))
	}

	req := &otlpwire.Request{Resource: res, SchemaURL: SchemaURL, ScopeName: ServiceName, ScopeVersion: d.AgentVersion}
	intGauge := func(name, unit string, v int64, attrs ...otlpwire.KeyValue) {
		req.Metrics = append(req.Metrics, otlpwire.Gauge{Name: name, Unit: unit, Points: []otlpwire.Point{{TimeUnixNano: ts, IsInt: true, Int: v, Attributes: attrs}}})
	}
	if d.BootTime > 0 {
		req.Metrics = append(req.Metrics, otlpwire.Gauge{Name: "system.uptime", Unit: "s", Points: []otlpwire.Point{{TimeUnixNano: ts, Double: d.UptimeS}}})
		intGauge("kretslopp.system.boot_time", "s", d.BootTime)
	}
	if d.MemoryBytes > 0 {
		intGauge("system.memory.limit", "By", int64(d.MemoryBytes))
	}
	if d.DiskBytes > 0 {
		intGauge("system.filesystem.limit", "By", int64(d.DiskBytes), otlpwire.String("system.filesystem.mountpoint", d.DiskMount))
	}
	intGauge("kretslopp.agent.spool.dropped", "{batch}", int64(dropped))

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
		dbl(&charge, b.ChargePct, 0.01, otlpwire.String("hw.battery.state", b.State))
		if b.CycleCount != nil {
			cycles = append(cycles, otlpwire.Point{TimeUnixNano: ts, IsInt: true, Int: *b.CycleCount, Attributes: attrs})
		}
		dbl(&design, b.DesignWh, 1)
		dbl(&full, b.FullWh, 1)
		dbl(&volts, b.VoltageV, 1)
	}
	add := func(name, unit string, pts []otlpwire.Point) {
		if len(pts) > 0 {
			req.Metrics = append(req.Metrics, otlpwire.Gauge{Name: name, Unit: unit, Points: pts})
		}
	}
	add("hw.battery.charge", "1", charge)
	add("kretslopp.battery.cycle_count", "{cycle}", cycles)
	add("kretslopp.battery.design_energy", "Wh", design)
	add("kretslopp.battery.full_energy", "Wh", full)
	add("kretslopp.battery.voltage", "V", volts)
	return req
}

func batteryAttrs(b inventory.Battery) []otlpwire.KeyValue {
	a := []otlpwire.KeyValue{otlpwire.String("hw.id", b.Name)}
	for _, kv := range [][2]string{
		{"hw.vendor", b.Vendor}, {"hw.model", b.Model}, {"hw.battery.chemistry", b.Chemistry},
		{"hw.serial_number", b.Serial}, {"kretslopp.battery.manufacture_date", b.ManufactureDate},
		// Readings withheld as implausible, with the values read; on every
		// point of that battery, so that it lands whichever arrives.
		{"kretslopp.battery.implausible", strings.Join(b.Implausible, "; ")},
	} {
		if kv[1] != "" {
			a = append(a, otlpwire.String(kv[0], kv[1]))
		}
	}
	return a
}
