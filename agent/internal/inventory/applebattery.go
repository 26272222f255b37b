package inventory

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// nominalCellVoltage converts mAh to Wh on macOS, which reports capacities in
// mAh without a design voltage: cells in series × 3.85 V (Li-ion/Li-polymer
// nominal). The current voltage is used when the cell count is unknown.
const nominalCellVoltage = 3.85

// ParseAppleSmartBattery reads `ioreg -a -r -c AppleSmartBattery` output
// (an XML plist array with one dictionary per battery) into batteries.
//
// Capacities: DesignCapacity is mAh. On Intel Macs MaxCapacity is mAh; on
// Apple silicon MaxCapacity and CurrentCapacity are percentages and the mAh
// values are AppleRawMaxCapacity and AppleRawCurrentCapacity, which the
// parser prefers wherever they are present.
func ParseAppleSmartBattery(r io.Reader) ([]Battery, error) {
	v, err := ParsePlist(r)
	if err != nil {
		return nil, err
	}
	var dicts []map[string]any
	switch t := v.(type) {
	case []any:
		for _, e := range t {
			if m, ok := e.(map[string]any); ok {
				dicts = append(dicts, m)
			}
		}
	case map[string]any:
		dicts = append(dicts, t)
	default:
		return nil, errors.New("AppleSmartBattery: not an array of dictionaries")
	}
	var out []Battery
	for i, d := range dicts {
		if installed, ok := d["BatteryInstalled"].(bool); ok && !installed {
			continue
		}
		out = append(out, appleBattery(i, d))
	}
	if len(out) == 0 {
		return nil, errors.New("AppleSmartBattery: no battery")
	}
	return out, nil
}

func plistInt(m map[string]any, keys ...string) (int64, bool) {
	for _, k := range keys {
		switch v := m[k].(type) {
		case int64:
			return v, true
		case float64:
			return int64(v), true
		}
	}
	return 0, false
}

func plistString(m map[string]any, keys ...string) string {
	for _, k := range keys {
		switch v := m[k].(type) {
		case string:
			if s := strings.TrimSpace(v); s != "" {
				return s
			}
		case []byte:
			if s := strings.TrimSpace(strings.Trim(string(v), "\x00")); s != "" {
				return s
			}
		}
	}
	return ""
}

func appleBattery(i int, d map[string]any) Battery {
	data, _ := d["BatteryData"].(map[string]any)
	if data == nil {
		data = map[string]any{}
	}
	b := Battery{
		Name:   fmt.Sprintf("BAT%d", i),
		Vendor: plistString(d, "Manufacturer"),
		Model:  plistString(d, "DeviceName"),
		Serial: plistString(d, "BatterySerialNumber", "Serial"),
	}
	if b.Vendor == "" {
		b.Vendor = plistString(data, "Manufacturer")
	}
	if b.Model == "" {
		b.Model = plistString(data, "DeviceName")
	}
	if b.Serial == "" {
		b.Serial = plistString(data, "Serial")
	}
	if n, ok := plistInt(d, "CycleCount"); ok && n > 0 {
		b.CycleCount = &n
	} else if n, ok := plistInt(data, "CycleCount"); ok && n > 0 {
		b.CycleCount = &n
	}
	mV, okV := plistInt(d, "AppleRawBatteryVoltage", "Voltage")
	if okV && mV > 0 {
		b.VoltageV = ptr(float64(mV) / 1000)
	}
	cells := 0
	for _, src := range []map[string]any{data, d} {
		if arr, ok := src["CellVoltage"].([]any); ok && cells == 0 {
			for _, c := range arr {
				if n, ok := c.(int64); ok && n > 0 {
					cells++
				}
			}
		}
	}
	volts := 0.0
	switch {
	case cells > 0:
		volts = float64(cells) * nominalCellVoltage
	case okV && mV > 0:
		volts = float64(mV) / 1000
	}
	toWh := func(mAh int64) *float64 {
		if mAh <= 0 || volts <= 0 {
			return nil
		}
		return ptr(float64(mAh) * volts / 1000)
	}
	design, ok := plistInt(d, "DesignCapacity")
	if !ok {
		design, _ = plistInt(data, "DesignCapacity")
	}
	b.DesignWh = toWh(design)
	full, okFull := plistInt(d, "AppleRawMaxCapacity")
	if !okFull {
		// Intel: MaxCapacity in mAh. A value of 100 or less next to a design
		// capacity in the thousands is a percentage (Apple silicon).
		if m, ok := plistInt(d, "MaxCapacity"); ok && (m > 100 || design <= 0) {
			full, okFull = m, true
		} else if ok && design > 0 {
			full, okFull = m*design/100, true
		}
	}
	if okFull {
		b.FullWh = toWh(full)
	}
	cur, okCur := plistInt(d, "AppleRawCurrentCapacity")
	if okCur && okFull && full > 0 {
		b.ChargePct = ptr(float64(cur) / float64(full) * 100)
	} else if c, ok := plistInt(d, "CurrentCapacity"); ok {
		if m, ok := plistInt(d, "MaxCapacity"); ok && m > 0 {
			b.ChargePct = ptr(float64(c) / float64(m) * 100)
		}
	}
	charging, _ := d["IsCharging"].(bool)
	external, _ := d["ExternalConnected"].(bool)
	fully, _ := d["FullyCharged"].(bool)
	switch {
	case fully:
		b.State = StateFull
	case charging:
		b.State = StateCharging
	case external:
		b.State = StateNotCharging
	default:
		b.State = StateDischarging
	}
	if md, ok := plistInt(d, "ManufactureDate"); ok {
		b.ManufactureDate = ParseSmartBatteryDate(md)
	} else if md, ok := plistInt(data, "ManufactureDate"); ok {
		b.ManufactureDate = ParseSmartBatteryDate(md)
	}
	finish(&b)
	return b
}

// ParseSmartBatteryDate decodes the Smart Battery Data date
// ((year-1980)<<9 | month<<5 | day) to YYYY-MM-DD; "" when invalid.
func ParseSmartBatteryDate(v int64) string {
	if v <= 0 || v > 0xFFFF {
		return ""
	}
	day := v & 0x1F
	month := (v >> 5) & 0x0F
	year := 1980 + (v >> 9)
	if day < 1 || day > 31 || month < 1 || month > 12 {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", year, month, day)
}

// ParsePlatformExpert reads `ioreg -a -r -d 1 -c IOPlatformExpertDevice` for
// the hardware identity of a Mac.
func ParsePlatformExpert(r io.Reader) (manufacturer, model, serial string, err error) {
	v, err := ParsePlist(r)
	if err != nil {
		return "", "", "", err
	}
	var d map[string]any
	switch t := v.(type) {
	case []any:
		if len(t) > 0 {
			d, _ = t[0].(map[string]any)
		}
	case map[string]any:
		d = t
	}
	if d == nil {
		return "", "", "", errors.New("IOPlatformExpertDevice: no dictionary")
	}
	return plistString(d, "manufacturer"), plistString(d, "model"), plistString(d, "IOPlatformSerialNumber"), nil
}
