package inventory

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// This file reads Linux sysfs under a configurable root. It builds on every
// OS so that the fixtures under testdata/ are tested everywhere.

// maxSysfsValue bounds what is read from one sysfs file.
const maxSysfsValue = 64 << 10

// ParseUevent reads a power_supply uevent file (KEY=value lines) into a map
// keyed by the lower-case property name without the POWER_SUPPLY_ prefix, so
// that "POWER_SUPPLY_ENERGY_FULL=1" becomes "energy_full" -> "1", the name
// of the matching attribute file.
func ParseUevent(r io.Reader) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(io.LimitReader(r, maxSysfsValue))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		k = strings.TrimSpace(k)
		k = strings.TrimPrefix(k, "POWER_SUPPLY_")
		if k == "" {
			continue
		}
		out[strings.ToLower(k)] = strings.TrimSpace(v)
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("uevent: %w", err)
	}
	return out, nil
}

// ParseValue reads one sysfs attribute file: its first line, trimmed.
func ParseValue(r io.Reader) (string, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxSysfsValue))
	if err != nil {
		return "", fmt.Errorf("read value: %w", err)
	}
	s := string(data)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(strings.TrimRight(s, "\x00")), nil
}

// openSysfs opens a sysfs file so that reading it ends at deadline where
// the OS allows: without blocking in open(2) (O_NONBLOCK, which regular
// sysfs files ignore) and, for anything pollable such as a FIFO, with a
// read deadline. A read that blocks in the kernel itself (an ACPI method
// that does not return) cannot be interrupted; source bounds that case.
func openSysfs(path string, deadline time.Time) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|oNonblock, 0)
	if err != nil {
		return nil, err
	}
	if !deadline.IsZero() {
		_ = f.SetReadDeadline(deadline) // os.ErrNoDeadline for regular files
	}
	return f, nil
}

// readValue reads dir/name, "" when absent or unreadable.
func readValue(dir, name string, deadline time.Time) string {
	f, err := openSysfs(filepath.Join(dir, name), deadline)
	if err != nil {
		return ""
	}
	defer f.Close()
	v, err := ParseValue(f)
	if err != nil {
		return ""
	}
	return v
}

// supplyProps is one power_supply's properties: uevent first, then the
// individual attribute files for whatever uevent lacked.
// A supplyProps without dir has only what its uevent said (a uevent file
// given to `collect --from`).
type supplyProps struct {
	dir      string
	deadline time.Time
	m        map[string]string
}

func loadSupply(dir string, deadline time.Time) supplyProps {
	p := supplyProps{dir: dir, deadline: deadline, m: map[string]string{}}
	if f, err := openSysfs(filepath.Join(dir, "uevent"), deadline); err == nil {
		m, _ := ParseUevent(f)
		f.Close()
		p.m = m
	}
	return p
}

func (p supplyProps) get(name string) string {
	if v, ok := p.m[name]; ok || p.dir == "" {
		return v
	}
	v := readValue(p.dir, name, p.deadline)
	p.m[name] = v
	return v
}

// num returns the integer value of name, ok=false when absent or not a number.
func (p supplyProps) num(name string) (int64, bool) {
	v := p.get(name)
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

// ReadSysfsBatteries reads every system battery under root/class/power_supply.
// Supplies whose type is not Battery (Mains, USB, …) and peripherals (scope
// Device: mice, keyboards, headsets) are skipped, as are absent batteries.
// Reading stops at ctx's deadline.
func ReadSysfsBatteries(ctx context.Context, root string) ([]Battery, error) {
	deadline, _ := ctx.Deadline()
	classDir := filepath.Join(root, "class", "power_supply")
	entries, err := os.ReadDir(classDir)
	if err != nil {
		return nil, fmt.Errorf("power_supply: %w", err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	var out []Battery
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("power_supply: %w", err)
		}
		// Entries are symlinks into /sys/devices; os.Open follows them.
		p := loadSupply(filepath.Join(classDir, name), deadline)
		if b, ok := sysfsBattery(name, p); ok {
			out = append(out, b)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("power_supply: no system battery")
	}
	return out, nil
}

// sysfsBattery maps one power_supply to a Battery; ok=false when it is not a
// present system battery.
func sysfsBattery(name string, p supplyProps) (Battery, bool) {
	switch typ := p.get("type"); {
	case typ == "":
		// Kernels before about 5.8 do not put POWER_SUPPLY_TYPE in the
		// uevent, and a uevent is what users paste; without a type a
		// supply with battery capacities is a battery (Mains, USB and a
		// mouse's capacity_level have none).
		if !hasBatteryCapacity(p) {
			return Battery{}, false
		}
	case !strings.EqualFold(typ, "Battery"):
		return Battery{}, false
	}
	if strings.EqualFold(p.get("scope"), "Device") {
		return Battery{}, false
	}
	if present, ok := p.num("present"); ok && present == 0 {
		return Battery{}, false
	}
	b := Battery{
		Name:      name,
		Vendor:    clean(p.get("manufacturer")),
		Model:     clean(p.get("model_name")),
		Serial:    clean(p.get("serial_number")),
		Chemistry: clean(p.get("technology")),
		State:     sysfsState(p.get("status")),
	}
	if b.Chemistry == "Unknown" {
		b.Chemistry = ""
	}
	// cycle_count: 0 or missing means the firmware does not tell.
	if n, ok := p.num("cycle_count"); ok && n > 0 {
		b.CycleCount = &n
	}
	vDesign, okDesign := p.num("voltage_min_design")
	vNow, okNow := p.num("voltage_now")
	if okNow && vNow > 0 {
		b.VoltageV = ptr(float64(vNow) / 1e6)
	}
	// energy_* in µWh, or charge_* in µAh times voltage_min_design in µV.
	// A value that is there but not positive is kept, so that finish
	// reports it as implausible instead of it vanishing.
	wh := func(kind string) *float64 {
		e, okE := p.num("energy_" + kind)
		if okE && e > 0 {
			return ptr(float64(e) / 1e6)
		}
		c, okC := p.num("charge_" + kind)
		if okC && c > 0 {
			v := vDesign
			if !okDesign || v <= 0 {
				if !okNow || vNow <= 0 {
					return nil
				}
				v = vNow
			}
			return ptr(float64(c) * float64(v) / 1e12)
		}
		switch {
		case okE:
			return ptr(float64(e) / 1e6)
		case okC:
			return ptr(float64(min(c, 0)))
		}
		return nil
	}
	b.DesignWh = wh("full_design")
	b.FullWh = wh("full")
	now := wh("now")
	// Health and charge are ratios and need no voltage: without one (a
	// charge_* battery whose driver gives no voltage) they come from the
	// µAh values.
	cDesign, okCD := p.num("charge_full_design")
	cFull, okCF := p.num("charge_full")
	cNow, okCN := p.num("charge_now")
	if (b.DesignWh == nil || b.FullWh == nil) && okCD && okCF && cDesign > 0 && cFull > 0 {
		b.HealthPct = ptr(float64(cFull) / float64(cDesign) * 100)
	}
	if c, ok := p.num("capacity"); ok && c >= 0 && c <= 100 {
		b.ChargePct = ptr(float64(c))
	} else if now != nil && *now >= 0 && b.FullWh != nil && *b.FullWh > 0 {
		b.ChargePct = ptr(*now / *b.FullWh * 100)
	} else if okCN && okCF && cNow >= 0 && cFull > 0 {
		b.ChargePct = ptr(float64(cNow) / float64(cFull) * 100)
	}
	finish(&b)
	return b, true
}

func hasBatteryCapacity(p supplyProps) bool {
	for _, k := range []string{"energy_full_design", "energy_full", "charge_full_design", "charge_full"} {
		if p.get(k) != "" {
			return true
		}
	}
	return false
}

func sysfsState(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "charging":
		return StateCharging
	case "discharging":
		return StateDischarging
	case "full":
		return StateFull
	case "not charging":
		return StateNotCharging
	default:
		return StateUnknown
	}
}

// placeholders are what firmware writes when the vendor did not fill a field.
var placeholders = map[string]bool{
	"to be filled by o.e.m.": true, "default string": true, "not specified": true,
	"system product name": true, "system manufacturer": true, "none": true,
	"o.e.m.": true, "oem": true, "0123456789": true, "123456789": true, "unknown": false,
	"system serial number": true, "chassis serial number": true, "n/a": true,
}

// clean trims a firmware string and drops placeholders.
func clean(s string) string {
	s = strings.TrimSpace(strings.Trim(s, "\x00"))
	if placeholders[strings.ToLower(s)] {
		return ""
	}
	return s
}

// DMI is the hardware identity in the SMBIOS tables.
type DMI struct {
	Manufacturer, Model, ModelIdentifier, Serial, FirmwareDate string
}

// ReadDMI reads the hardware identity from root/class/dmi/id. product_serial
// is readable by root only; without it Serial stays empty and err wraps
// ErrSerialNeedsRoot while the other values are returned.
func ReadDMI(ctx context.Context, root string) (d DMI, err error) {
	dir := filepath.Join(root, "class", "dmi", "id")
	if _, err := os.Stat(dir); err != nil {
		return DMI{}, fmt.Errorf("dmi: %w", err)
	}
	deadline, _ := ctx.Deadline()
	d.Manufacturer = clean(readValue(dir, "sys_vendor", deadline))
	d.Model, d.ModelIdentifier = deviceModel(d.Manufacturer, readValue(dir, "product_name", deadline), readValue(dir, "product_version", deadline))
	d.Serial = clean(readValue(dir, "product_serial", deadline))
	d.FirmwareDate = ParseDMIDate(readValue(dir, "bios_date", deadline))
	if d.Serial == "" {
		// The kernel makes product_serial 0400 root; say so rather than
		// leave an empty serial unexplained (the other values stand).
		if f, oerr := os.Open(filepath.Join(dir, "product_serial")); oerr != nil && errors.Is(oerr, fs.ErrPermission) {
			err = fmt.Errorf("dmi: %w: %w", ErrSerialNeedsRoot, oerr)
		} else if oerr == nil {
			f.Close()
		}
	}
	return d, err
}

// ErrSerialNeedsRoot is returned with the other DMI values when
// product_serial exists but the process may not read it (it is root-only).
var ErrSerialNeedsRoot = errors.New("product_serial is readable by root only")

// ParseDMIDate turns the SMBIOS MM/DD/YYYY (or MM/DD/YY) date into
// YYYY-MM-DD; "" when it does not parse.
func ParseDMIDate(s string) string {
	parts := strings.Split(strings.TrimSpace(s), "/")
	if len(parts) != 3 {
		return ""
	}
	m, err1 := strconv.Atoi(parts[0])
	d, err2 := strconv.Atoi(parts[1])
	y, err3 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || m < 1 || m > 12 || d < 1 || d > 31 {
		return ""
	}
	if len(parts[2]) == 2 {
		y += 1900
		if y < 1970 {
			y += 100
		}
	}
	if y < 1980 || y > 2200 {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d)
}
