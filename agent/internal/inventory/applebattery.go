package inventory

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// nominalCellVoltage converts mAh to Wh on macOS, which reports capacities in
// mAh without a design voltage: cells in series × 3.85 V (Li-ion/Li-polymer
// nominal; Apple's packs are rated 11.4–11.6 V for three cells).
const nominalCellVoltage = 3.85

// maxCellVoltage is above what a charged Li-ion cell reaches (4.2–4.45 V),
// so that ⌈pack voltage / maxCellVoltage⌉ is the number of cells in series
// for any pack that is not flat: a two-cell pack stays below 8.9 V, a
// three-cell one above it until it is nearly empty.
const maxCellVoltage = 4.45

// ParseAppleSmartBattery reads `ioreg -a -r -c AppleSmartBattery` (or
// `ioreg -rn AppleSmartBattery -a`) output: an XML plist array with one
// dictionary per battery.
func ParseAppleSmartBattery(r io.Reader) ([]Battery, error) {
	v, err := ParsePlist(r)
	if err != nil {
		return nil, err
	}
	return appleBatteries(v, nil)
}

// appleObjects sorts the dictionaries of an ioreg dump (and their
// IORegistryEntryChildren) into AppleSmartBattery and AppleSmartBatteryPack
// entries, by IOObjectClass or, where a converted dump lost it, by keys
// only the one or the other has.
func appleObjects(v any) (batteries, packs []map[string]any) {
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		if depth > 8 {
			return
		}
		switch t := v.(type) {
		case []any:
			for _, e := range t {
				walk(e, depth+1)
			}
		case map[string]any:
			class, _ := t["IOObjectClass"].(string)
			switch {
			case class == "AppleSmartBatteryPack", class == "" && t["BankCount"] != nil:
				packs = append(packs, t)
			case class == "AppleSmartBattery", class == "" && isAppleBattery(t):
				batteries = append(batteries, t)
			}
			if c, ok := t["IORegistryEntryChildren"]; ok {
				walk(c, depth+1)
			}
		}
	}
	walk(v, 0)
	return batteries, packs
}

func isAppleBattery(d map[string]any) bool {
	for _, k := range []string{"BatteryInstalled", "DesignCapacity", "AppleRawMaxCapacity", "BatteryData", "MaxCapacity"} {
		if _, ok := d[k]; ok {
			return true
		}
	}
	return false
}

// appleBatteries maps the AppleSmartBattery dictionaries found in v to
// batteries; extraPacks are AppleSmartBatteryPack entries read separately.
func appleBatteries(v any, extraPacks []map[string]any) ([]Battery, error) {
	dicts, packs := appleObjects(v)
	packs = append(packs, extraPacks...)
	if len(dicts) == 0 {
		if len(packs) > 0 {
			return nil, errors.New("AppleSmartBattery: only AppleSmartBatteryPack entries (give `ioreg -rn AppleSmartBattery -a` as well)")
		}
		return nil, errors.New("AppleSmartBattery: no battery")
	}
	var out []Battery
	for i, d := range dicts {
		if installed, ok := plistBool(d, "BatteryInstalled"); ok && !installed {
			continue
		}
		var pack map[string]any
		if i < len(packs) {
			pack = packs[i]
		}
		out = append(out, appleBattery(len(out), d, pack))
	}
	if len(out) == 0 {
		return nil, errors.New("AppleSmartBattery: no battery installed")
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

// plistBool reads a boolean; dumps converted from ioreg's text form carry
// them as 0 and 1.
func plistBool(m map[string]any, key string) (value, ok bool) {
	switch v := m[key].(type) {
	case bool:
		return v, true
	case int64:
		return v != 0, true
	case float64:
		return v != 0, true
	}
	return false, false
}

func plistString(m map[string]any, keys ...string) string {
	for _, k := range keys {
		switch v := m[k].(type) {
		case string:
			if s := strings.TrimSpace(v); s != "" && s != "<redacted>" {
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

func plistDict(m map[string]any, key string) map[string]any {
	if d, ok := m[key].(map[string]any); ok {
		return d
	}
	return map[string]any{}
}

// appleBattery maps one AppleSmartBattery dictionary (and its
// AppleSmartBatteryPack, when the dump has one) to a Battery.
//
// Capacities are mAh. The design is DesignCapacity, at the top level up to
// macOS 26 and only under BatteryData on macOS 27. The full charge
// capacity is, in this order: AppleRawMaxCapacity (Apple silicon up to
// macOS 26); BatteryData.FullChargeCapacity (macOS 27, which dropped the
// top-level key); the pack's BatteryData.AppleRawMaxCapacity (macOS 27);
// MaxCapacity where it is mAh (Intel). MaxCapacity and CurrentCapacity are
// percentages on Apple silicon and are never taken for capacities.
//
// Why FullChargeCapacity and not NominalChargeCapacity on macOS 27: it is
// the same quantity as AppleRawMaxCapacity before (equal to the pack's
// AppleRawMaxCapacity on the same machine in both macOS 27 recordings of
// Kyome22/SystemInfoKit's MeasuredValues), so a Mac's health series does
// not step when it is upgraded; NominalChargeCapacity sits a near-constant
// 2.4–2.8 points higher on every recording, exceeds the design on new
// batteries more often, and matches the figure System Settings shows no
// better (neither does: the four recordings with a System Settings reading
// differ from both by up to 4 points).
//
// Wh use a voltage that does not change between samples: cells in series
// (non-zero CellVoltage entries, else the pack's BankCount, else inferred
// from the pack voltage, see maxCellVoltage) × nominalCellVoltage. Health
// is the mAh ratio. The charge is CurrentCapacity / MaxCapacity: on Apple
// silicon that is the percentage macOS shows (IOPS, pmset), which differs
// from the raw mAh ratio by up to 5 points.
func appleBattery(i int, d, pack map[string]any) Battery {
	data := plistDict(d, "BatteryData")
	packData := plistDict(pack, "BatteryData")
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
	for _, src := range []map[string]any{d, data, packData} {
		if n, ok := plistInt(src, "CycleCount"); ok && n > 0 {
			b.CycleCount = &n
			break
		}
	}
	mV, okV := plistInt(d, "AppleRawBatteryVoltage", "Voltage")
	if !okV {
		mV, okV = plistInt(data, "Voltage")
	}
	if okV && mV > 0 {
		b.VoltageV = ptr(float64(mV) / 1000)
	}
	volts := float64(appleCells(d, data, pack, mV)) * nominalCellVoltage
	toWh := func(mAh int64) *float64 {
		if volts <= 0 {
			return nil
		}
		return ptr(float64(mAh) * volts / 1000)
	}
	design, okDesign := plistInt(d, "DesignCapacity")
	if !okDesign {
		design, okDesign = plistInt(data, "DesignCapacity")
	}
	full, okFull := plistInt(d, "AppleRawMaxCapacity")
	if !okFull {
		full, okFull = plistInt(data, "FullChargeCapacity")
	}
	if !okFull {
		full, okFull = plistInt(packData, "AppleRawMaxCapacity")
	}
	if !okFull && appleIntel(d, data) {
		full, okFull = plistInt(d, "MaxCapacity")
	}
	if okDesign {
		b.DesignWh = toWh(design)
	}
	if okFull {
		b.FullWh = toWh(full)
	}
	if okDesign && okFull && design > 0 && full > 0 {
		b.HealthPct = ptr(float64(full) / float64(design) * 100)
	}
	if c, ok := plistInt(d, "CurrentCapacity"); ok {
		if m, ok := plistInt(d, "MaxCapacity"); ok && m > 0 {
			b.ChargePct = ptr(float64(c) / float64(m) * 100)
		}
	} else if c, ok := plistInt(data, "CurrentCapacity"); ok {
		if m, ok := plistInt(data, "MaxCapacity"); ok && m > 0 {
			b.ChargePct = ptr(float64(c) / float64(m) * 100)
		}
	}
	charging, okC := plistBool(d, "IsCharging")
	external, okE := plistBool(d, "ExternalConnected")
	fully, okF := plistBool(d, "FullyCharged")
	switch {
	case !okC && !okE && !okF:
		b.State = StateUnknown // a partial dump
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

// appleIntel reports whether MaxCapacity is mAh: Intel Macs have neither
// the AppleRaw* keys nor a percentage scale (MaxCapacity 100 next to a
// DesignCapacity in the thousands).
func appleIntel(d, data map[string]any) bool {
	if _, ok := d["AppleRawMaxCapacity"]; ok {
		return false
	}
	if _, ok := data["FullChargeCapacity"]; ok {
		return false
	}
	m, ok := plistInt(d, "MaxCapacity")
	return ok && m > 100
}

// appleCells is the number of cells in series: the non-zero CellVoltage
// entries, else the pack's BankCount, else ⌈pack voltage / maxCellVoltage⌉;
// 0 when nothing tells.
func appleCells(d, data, pack map[string]any, mV int64) int {
	for _, src := range []map[string]any{data, d} {
		if arr, ok := src["CellVoltage"].([]any); ok {
			n := 0
			for _, c := range arr {
				if v, ok := c.(int64); ok && v > 0 {
					n++
				} else if v, ok := c.(float64); ok && v > 0 {
					n++
				}
			}
			if n > 0 {
				return n
			}
		}
	}
	if n, ok := plistInt(pack, "BankCount"); ok && n > 0 && n < 16 {
		return int(n)
	}
	if mV > 0 {
		return int(math.Ceil(float64(mV) / 1000 / maxCellVoltage))
	}
	return 0
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
	d := platformExpert(v)
	if d == nil {
		return "", "", "", errors.New("IOPlatformExpertDevice: no dictionary")
	}
	return plistString(d, "manufacturer"), plistString(d, "model"), clean(plistString(d, "IOPlatformSerialNumber")), nil
}

// platformExpert finds the IOPlatformExpertDevice dictionary in an ioreg
// dump: by IOObjectClass, or by the keys only it has.
func platformExpert(v any) map[string]any {
	switch t := v.(type) {
	case []any:
		for _, e := range t {
			if d := platformExpert(e); d != nil {
				return d
			}
		}
	case map[string]any:
		class, _ := t["IOObjectClass"].(string)
		_, serial := t["IOPlatformSerialNumber"]
		_, uuid := t["IOPlatformUUID"]
		if class == "IOPlatformExpertDevice" || (class == "" && (serial || uuid)) {
			return t
		}
	}
	return nil
}
