package inventory

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// This file reads recorded dumps instead of the live OS (`collect --from`),
// through the same parsers and mappings the live readers use, so that IT
// support sees what the agent makes of a user's machine and the tests run
// recordings made on real machines. The format is told by content:
//
//   - the XML plist of `ioreg -rn AppleSmartBattery -a` (and of
//     `ioreg -rd1 -c IOPlatformExpertDevice -a`, and of
//     `ioreg -rn AppleSmartBatteryPack -a`), or the same converted to JSON
//     (`plutil -convert json`);
//   - ioreg's text output of the same commands, without -a;
//   - a JSON object whose keys are WMI class names and whose values are
//     arrays of objects with the WMI property names (ConvertTo-Json of
//     Get-CimInstance, see docs/agent.md);
//   - a Linux power_supply uevent file (`cat /sys/class/power_supply/BAT0/uevent`,
//     several concatenated are several supplies).

// maxDump bounds one dump file.
const maxDump = 16 << 20

// DumpFormat names what a dump file was recognised as.
type DumpFormat string

// Dump formats.
const (
	FormatIoregPlist DumpFormat = "ioreg plist"
	FormatIoregJSON  DumpFormat = "ioreg plist as JSON"
	FormatIoregText  DumpFormat = "ioreg text"
	FormatWMIJSON    DumpFormat = "WMI JSON"
	FormatUevent     DumpFormat = "power_supply uevent"
)

// wmiClasses are the classes a WMI dump may hold; a JSON object with at
// least one of them as a key is a WMI dump.
var wmiClasses = []string{
	"BatteryStaticData", "BatteryFullChargedCapacity", "BatteryCycleCount", "BatteryStatus",
	"Win32_Battery", "Win32_ComputerSystem", "Win32_ComputerSystemProduct", "Win32_BIOS", "Win32_OperatingSystem",
}

// dumpSet collects what the dump files hold, per OS family.
type dumpSet struct {
	family string // darwin, windows, linux
	// darwin
	appleBatteries, applePacks []map[string]any
	platform                   map[string]any
	// windows: class name -> raw rows, and the file each came from
	wmi     map[string]json.RawMessage
	wmiFrom map[string]string
	// linux
	uevents []map[string]string
	// warnings are problems that lost one value, not the file.
	warnings []string
}

// ReadDumps reads recorded dumps into one snapshot, as Reader.Read would
// on the machine they were recorded on. Device facts the dumps do not hold
// are empty (an unknown ID, hostname or uptime), never the facts of the
// machine running this. warnings name values that could not be read;
// a file that is not a known dump, or files of different systems, are an
// error naming the file.
func ReadDumps(paths []string, agentVersion string) (s Snapshot, warnings []string, err error) {
	if len(paths) == 0 {
		return s, nil, errors.New("no dump file")
	}
	set := &dumpSet{wmi: map[string]json.RawMessage{}, wmiFrom: map[string]string{}}
	for _, p := range paths {
		if err := set.add(p); err != nil {
			return s, nil, err
		}
	}
	s, err = set.snapshot(agentVersion)
	return s, set.warnings, err
}

// add reads one file and files its content under its OS family.
func (set *dumpSet) add(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxDump+1))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if len(raw) > maxDump {
		return fmt.Errorf("%s: larger than %d MiB; not a dump", path, maxDump>>20)
	}
	data, err := decodeText(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	format, family, err := set.parse(path, data)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if set.family != "" && set.family != family {
		return fmt.Errorf("%s: a %s dump (%s) next to %s dumps; give the files of one machine", path, format, family, set.family)
	}
	set.family = family
	return nil
}

// decodeText returns raw as UTF-8: Windows PowerShell 5.1 writes UTF-16
// with a byte order mark when output is redirected with >, and UTF-8 with
// one through Set-Content -Encoding UTF8.
func decodeText(raw []byte) ([]byte, error) {
	switch {
	case bytes.HasPrefix(raw, []byte{0xEF, 0xBB, 0xBF}):
		return raw[3:], nil
	case bytes.HasPrefix(raw, []byte{0xFF, 0xFE}), bytes.HasPrefix(raw, []byte{0xFE, 0xFF}):
		le := raw[0] == 0xFF
		raw = raw[2:]
		if len(raw)%2 != 0 {
			return nil, errors.New("UTF-16 text with an odd number of bytes")
		}
		u := make([]uint16, len(raw)/2)
		for i := range u {
			if le {
				u[i] = uint16(raw[2*i]) | uint16(raw[2*i+1])<<8
			} else {
				u[i] = uint16(raw[2*i])<<8 | uint16(raw[2*i+1])
			}
		}
		return []byte(string(utf16.Decode(u))), nil
	}
	return raw, nil
}

// The patterns are compiled when a dump is read, not when the agent starts.
var (
	ueventLine    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^POWER_SUPPLY_[A-Z0-9_]+=`) })
	ioregTextLine = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^[\s|\x{a0}]*(\+-o \S|"[^"]+" = )`) })
	msDate        = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^/Date\((-?\d+)([+-]\d{4})?\)/$`) })
)

// parse tells the format of data by its content and files what it holds.
func (set *dumpSet) parse(path string, data []byte) (DumpFormat, string, error) {
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		return "", "", errors.New("empty file")
	case bytes.HasPrefix(trimmed, []byte("<?xml")), bytes.HasPrefix(trimmed, []byte("<plist")), bytes.HasPrefix(trimmed, []byte("<!DOCTYPE plist")):
		v, err := ParsePlist(bytes.NewReader(trimmed))
		if err != nil {
			return FormatIoregPlist, "", fmt.Errorf("looks like an ioreg plist but does not parse: %w", err)
		}
		return FormatIoregPlist, "darwin", set.addIoreg(FormatIoregPlist, v)
	case (trimmed[0] == '{' || trimmed[0] == '[') && !ioregTextLine().Match(data):
		return set.addJSON(path, trimmed)
	case ueventLine().Match(data):
		return FormatUevent, "linux", set.addUevent(data)
	case ioregTextLine().Match(data):
		// Also what starts with the { of an object whose properties
		// were pasted without its +-o line.
		objs, skipped, err := ParseIoregText(bytes.NewReader(data))
		for _, s := range skipped {
			set.warnings = append(set.warnings, path+": "+s)
		}
		if err != nil {
			return FormatIoregText, "", err
		}
		return FormatIoregText, "darwin", set.addIoreg(FormatIoregText, objs)
	}
	return "", "", fmt.Errorf("not a dump this agent knows (it starts %q); want the plist of `ioreg -rn AppleSmartBattery -a` "+
		"or of `ioreg -rd1 -c IOPlatformExpertDevice -a` (or their text without -a), a JSON object keyed by WMI class names "+
		"(see docs/agent.md), or a power_supply uevent file", head(trimmed))
}

// head is the start of data for an error message.
func head(data []byte) string {
	const n = 40
	if len(data) <= n {
		return string(data)
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(data[cut]) {
		cut--
	}
	return string(data[:cut]) + "…"
}

// addIoreg files the AppleSmartBattery, AppleSmartBatteryPack and
// IOPlatformExpertDevice entries of an ioreg dump.
func (set *dumpSet) addIoreg(format DumpFormat, v any) error {
	bats, packs := appleObjects(v)
	pe := platformExpert(v)
	if len(bats) == 0 && len(packs) == 0 && pe == nil {
		return fmt.Errorf("an %s with no AppleSmartBattery, AppleSmartBatteryPack or IOPlatformExpertDevice entry", format)
	}
	if pe != nil {
		if set.platform != nil {
			return errors.New("a second IOPlatformExpertDevice; give the files of one machine")
		}
		set.platform = pe
	}
	if len(bats) > 0 && len(set.appleBatteries) > 0 {
		return errors.New("a second AppleSmartBattery dump; give the files of one machine")
	}
	set.appleBatteries = append(set.appleBatteries, bats...)
	set.applePacks = append(set.applePacks, packs...)
	return nil
}

// addJSON reads a WMI dump, or an ioreg plist converted to JSON.
func (set *dumpSet) addJSON(path string, data []byte) (DumpFormat, string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", "", fmt.Errorf("JSON: %w", jsonErrorAt(data, err))
	}
	if obj, ok := v.(map[string]any); ok {
		var classes []string
		for k := range obj {
			for _, c := range wmiClasses {
				if strings.EqualFold(k, c) {
					classes = append(classes, k)
				}
			}
		}
		if len(classes) > 0 {
			var raw map[string]json.RawMessage
			if err := json.Unmarshal(data, &raw); err != nil {
				return FormatWMIJSON, "", fmt.Errorf("JSON: %w", err)
			}
			for _, k := range classes {
				class := canonicalWMIClass(k)
				if prev, dup := set.wmiFrom[class]; dup {
					return FormatWMIJSON, "", fmt.Errorf("%s is in %s already; give the files of one machine", class, prev)
				}
				set.wmi[class] = raw[k]
				set.wmiFrom[class] = path
			}
			return FormatWMIJSON, "windows", nil
		}
	}
	pv := jsonToPlist(v)
	bats, packs := appleObjects(pv)
	if len(bats) > 0 || len(packs) > 0 || platformExpert(pv) != nil {
		return FormatIoregJSON, "darwin", set.addIoreg(FormatIoregJSON, pv)
	}
	return "", "", fmt.Errorf("JSON that is neither keyed by WMI class names (%s) nor an ioreg dump converted with plutil",
		strings.Join(wmiClasses, ", "))
}

func canonicalWMIClass(k string) string {
	for _, c := range wmiClasses {
		if strings.EqualFold(k, c) {
			return c
		}
	}
	return k
}

// jsonErrorAt adds the line of a JSON syntax error.
func jsonErrorAt(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) && se.Offset <= int64(len(data)) {
		line := 1 + bytes.Count(data[:se.Offset], []byte("\n"))
		return fmt.Errorf("line %d: %w", line, err)
	}
	return err
}

// jsonToPlist turns decoded JSON into the values ParsePlist gives.
func jsonToPlist(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = jsonToPlist(e)
		}
		return t
	case []any:
		for i, e := range t {
			t[i] = jsonToPlist(e)
		}
		return t
	case json.Number:
		if n, err := strconv.ParseInt(t.String(), 10, 64); err == nil {
			return n
		}
		if f, err := t.Float64(); err == nil {
			return f
		}
		return t.String()
	}
	return v
}

// addUevent files every supply of a uevent file; several concatenated
// files (`cat /sys/class/power_supply/*/uevent`) start a supply at each
// POWER_SUPPLY_NAME.
func (set *dumpSet) addUevent(data []byte) error {
	var chunks []string
	var cur strings.Builder
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "POWER_SUPPLY_NAME=") && cur.Len() > 0 {
			chunks = append(chunks, cur.String())
			cur.Reset()
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
	}
	chunks = append(chunks, cur.String())
	for _, c := range chunks {
		m, err := ParseUevent(strings.NewReader(c))
		if err != nil {
			return err
		}
		if len(m) > 0 {
			set.uevents = append(set.uevents, m)
		}
	}
	return nil
}

// snapshot maps what the files hold through the live readers' mappings.
func (set *dumpSet) snapshot(agentVersion string) (Snapshot, error) {
	s := Snapshot{Time: time.Now(), Batteries: []Battery{}}
	s.Device.OS = set.family
	s.Device.AgentVersion = agentVersion
	var err error
	switch set.family {
	case "darwin":
		err = set.darwin(&s)
	case "windows":
		err = set.windows(&s)
	case "linux":
		err = set.linux(&s)
	}
	return s, err
}

func (set *dumpSet) darwin(s *Snapshot) error {
	if pe := set.platform; pe != nil {
		s.Device.Manufacturer = plistString(pe, "manufacturer")
		s.Device.Model = plistString(pe, "model")
		s.Device.Serial = clean(plistString(pe, "IOPlatformSerialNumber"))
		// The agent's device ID on macOS is the IOPlatformUUID.
		s.Device.ID = strings.ToLower(plistString(pe, "IOPlatformUUID"))
	}
	if len(set.appleBatteries) == 0 {
		if len(set.applePacks) > 0 {
			return errors.New("only AppleSmartBatteryPack entries: give `ioreg -rn AppleSmartBattery -a` as well")
		}
		return nil // identity only: a desktop Mac, or no battery dump given
	}
	dicts := make([]any, len(set.appleBatteries))
	for i, d := range set.appleBatteries {
		dicts[i] = d
	}
	bats, err := appleBatteries(dicts, set.applePacks)
	if err != nil {
		// A Mac without a battery (BatteryInstalled = No) reports none.
		if strings.Contains(err.Error(), "no battery") {
			return nil
		}
		return err
	}
	s.Batteries = bats
	for _, d := range set.appleBatteries {
		if t, ok := plistInt(d, "UpdateTime"); ok && t > 0 {
			s.Time = time.Unix(t, 0) // when the battery was read
			break
		}
	}
	return nil
}

func (set *dumpSet) windows(s *Snapshot) error {
	q := &dumpWMI{rows: set.wmi, from: set.wmiFrom}
	defer func() { set.warnings = append(set.warnings, q.warnings...) }()
	ctx := context.Background()
	h, _ := wmiHardware(ctx, q) // what is missing stays empty
	s.Device.Manufacturer, s.Device.Model, s.Device.ModelIdentifier, s.Device.Serial = h.Manufacturer, h.Model, h.ModelIdentifier, h.Serial
	s.Device.FirmwareDate, s.Device.OSInstallTime = h.FirmwareDate, h.OSInstallTime
	var osys []struct {
		Version, Caption              string
		LastBootUpTime, LocalDateTime string
	}
	if q.Query(ctx, nsCIMV2, "SELECT Version, Caption, LastBootUpTime, LocalDateTime FROM Win32_OperatingSystem", &osys) == nil && len(osys) > 0 {
		o := osys[0]
		s.Device.OSVersion = o.Version
		s.Device.OSDescription = strings.TrimSpace(o.Caption)
		if t := parseCIMTime(o.LocalDateTime); t > 0 {
			s.Time = time.Unix(t, 0) // when the dump was made
		}
		if bt := parseCIMTime(o.LastBootUpTime); bt > 0 {
			s.Device.BootTime = bt
			s.Device.UptimeS = max(0, float64(s.Time.Unix()-bt))
		}
	}
	if _, ok := set.wmi["Win32_Battery"]; !ok {
		if _, ok := set.wmi["BatteryStaticData"]; !ok {
			return nil // no battery class in the dump: identity only
		}
	}
	bats, err := wmiBatteries(ctx, q)
	if err != nil {
		if strings.Contains(err.Error(), "no battery") {
			return nil // a desktop: the classes are there and empty
		}
		return err
	}
	s.Batteries = bats
	return nil
}

func (set *dumpSet) linux(s *Snapshot) error {
	n := 0
	for _, m := range set.uevents {
		name := m["name"]
		if name == "" {
			name = fmt.Sprintf("BAT%d", n)
		}
		if b, ok := sysfsBattery(name, supplyProps{m: m}); ok {
			s.Batteries = append(s.Batteries, b)
			n++
		}
	}
	sort.SliceStable(s.Batteries, func(i, j int) bool { return s.Batteries[i].Name < s.Batteries[j].Name })
	return nil
}

// dumpWMI answers the WMI readers' queries from a dump: the class named
// after FROM, its rows decoded into the caller's structs by property name
// (case-insensitive, as WMI is). A class the dump lacks fails like a class
// the firmware does not provide.
type dumpWMI struct {
	rows     map[string]json.RawMessage
	from     map[string]string
	warnings []string
}

func (q *dumpWMI) Query(_ context.Context, _, query string, dst any) error {
	class := query[strings.LastIndex(query, " ")+1:]
	raw, ok := q.rows[class]
	if !ok {
		return errors.New("not in the dump")
	}
	rows, err := wmiRows(raw)
	if err != nil {
		return fmt.Errorf("%s in %s: %w", class, q.from[class], err)
	}
	slice := reflect.ValueOf(dst).Elem()
	slice.Set(reflect.MakeSlice(slice.Type(), 0, len(rows)))
	for i, row := range rows {
		elem := reflect.New(slice.Type().Elem()).Elem()
		for _, err := range decodeWMIRow(row, elem) {
			q.warnings = append(q.warnings, fmt.Sprintf("%s: %s[%d].%v", q.from[class], class, i, err))
		}
		slice.Set(reflect.Append(slice, elem))
	}
	return nil
}

// decodeWMIRow fills the fields of dst (a struct whose field names are WMI
// property names) from a row's properties matched case-insensitively, as
// WMI names are. A value of the wrong type leaves its field unset and is
// returned as "Property: why"; the other fields still count.
func decodeWMIRow(row json.RawMessage, dst reflect.Value) []error {
	var props map[string]json.RawMessage
	if err := json.Unmarshal(row, &props); err != nil {
		return []error{fmt.Errorf("row: %w", err)}
	}
	var errs []error
	for k, raw := range props {
		f := dst.FieldByNameFunc(func(n string) bool { return strings.EqualFold(n, k) })
		if !f.IsValid() || !f.CanSet() {
			continue // a property the agent does not read
		}
		v := reflect.New(f.Type())
		if err := json.Unmarshal(raw, v.Interface()); err != nil {
			errs = append(errs, fmt.Errorf("%s: %s is not a %s", k, head(raw), f.Type()))
			continue
		}
		f.Set(v.Elem())
	}
	return errs
}

// wmiRows reads a class's value: an array of objects (what ConvertTo-Json
// writes for @(…)), a single object (what it writes for one instance
// without @()), null, or Windows PowerShell 5.1's {"value": [...],
// "Count": n} wrapping of an array. Dates become CIM datetimes.
func wmiRows(raw json.RawMessage) ([]json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || bytes.Equal(raw, []byte("null")):
		return nil, nil
	case raw[0] == '[':
		var rows []json.RawMessage
		if err := json.Unmarshal(raw, &rows); err != nil {
			return nil, err
		}
		for i, r := range rows {
			rows[i] = normalizeWMIRow(r)
		}
		return rows, nil
	case raw[0] == '{':
		var wrapped struct {
			Value json.RawMessage `json:"value"`
			Count *int            `json:"Count"`
		}
		if json.Unmarshal(raw, &wrapped) == nil && wrapped.Count != nil && len(wrapped.Value) > 0 && wrapped.Value[0] == '[' {
			return wmiRows(wrapped.Value)
		}
		return []json.RawMessage{normalizeWMIRow(raw)}, nil
	}
	return nil, fmt.Errorf("want an array of objects, got %s", head(raw))
}

// normalizeWMIRow rewrites date values into CIM datetimes, which the WMI
// readers parse: ConvertTo-Json writes a CimInstance's DateTime as
// "\/Date(1621357679896)\/" in Windows PowerShell 5.1 and as
// "2021-05-18T18:12:29.4340724+01:00" in PowerShell 7 (both shown in
// PSEasy.Utility's Edit-ConvertDateTimePropertyToString, PowerShell
// Gallery), or, for a DateTime carrying extra properties, as an object with
// the date under "value".
func normalizeWMIRow(row json.RawMessage) json.RawMessage {
	var m map[string]any
	if json.Unmarshal(row, &m) != nil {
		return row
	}
	changed := false
	for k, v := range m {
		if o, ok := v.(map[string]any); ok {
			if inner, ok := o["value"]; ok {
				v, m[k], changed = inner, inner, true
			}
		}
		if s, ok := v.(string); ok {
			if c, ok := cimFromJSONDate(s); ok {
				m[k], changed = c, true
			}
		}
	}
	if !changed {
		return row
	}
	out, err := json.Marshal(m)
	if err != nil {
		return row
	}
	return out
}

// cimFromJSONDate turns "/Date(ms)/" and ISO 8601 into a CIM datetime
// (yyyymmddHHMMSS.000000+000, UTC).
func cimFromJSONDate(s string) (string, bool) {
	var t time.Time
	if m := msDate().FindStringSubmatch(s); m != nil {
		ms, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil {
			return "", false
		}
		t = time.UnixMilli(ms)
	} else if len(s) >= 19 && s[4] == '-' && s[10] == 'T' {
		var err error
		if t, err = time.Parse(time.RFC3339Nano, s); err != nil {
			// No offset: the zone is unknown; taken as UTC.
			if t, err = time.Parse("2006-01-02T15:04:05", s); err != nil {
				return "", false
			}
		}
	} else {
		return "", false
	}
	return t.UTC().Format("20060102150405") + ".000000+000", true
}
