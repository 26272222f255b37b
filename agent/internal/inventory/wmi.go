package inventory

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// This file maps WMI classes to batteries and hardware identity. The WMI
// layer itself (wmi_windows.go) sits behind wmiQuerier so that the mapping
// builds and is tested on every OS against fakes.

// wmiQuerier runs a WQL query in a namespace and fills dst, a pointer to a
// slice of structs whose field names are WMI property names.
type wmiQuerier interface {
	Query(ctx context.Context, namespace, query string, dst any) error
}

const (
	nsWMI   = `root\WMI`
	nsCIMV2 = `root\cimv2`
)

// root\WMI classes; capacities in mWh.
type batteryStaticData struct {
	InstanceName     string
	DesignedCapacity uint32
	ManufactureName  string
	DeviceName       string
	SerialNumber     string
	Chemistry        uint32
	ManufactureDate  string
}

type batteryFullChargedCapacity struct {
	InstanceName        string
	FullChargedCapacity uint32
}

type batteryCycleCount struct {
	InstanceName string
	CycleCount   uint32
}

type batteryStatus struct {
	InstanceName      string
	RemainingCapacity uint32
	Voltage           uint32
	Charging          bool
	Discharging       bool
	PowerOnline       bool
}

// root\cimv2 classes. Pointer fields are nil when WMI has them NULL
// (https://learn.microsoft.com/en-us/windows/win32/cimwin32prov/win32-battery:
// DesignCapacity and FullChargeCapacity in mWh, EstimatedChargeRemaining in
// per cent, BatteryStatus and Chemistry as enumerations).
type win32Battery struct {
	DeviceID                 string
	Name                     string
	EstimatedChargeRemaining *uint16
	BatteryStatus            uint16
	Chemistry                uint16
	DesignCapacity           *uint32
	FullChargeCapacity       *uint32
}

type win32ComputerSystem struct {
	Manufacturer string
	Model        string
}

// win32ComputerSystemProduct holds the SMBIOS System Information strings
// (https://learn.microsoft.com/en-us/windows/win32/cimwin32prov/win32-computersystemproduct):
// Name is the Product Name, Version the Version, where Lenovo keeps the
// marketing name (see deviceModel).
type win32ComputerSystemProduct struct {
	Name    string
	Version string
}

type win32BIOS struct {
	SerialNumber string
	ReleaseDate  string
}

type win32OperatingSystem struct {
	InstallDate string
}

// wmiBatteryQueries are the WQL queries of the battery classes.
const (
	qBatteryStaticData          = "SELECT InstanceName, DesignedCapacity, ManufactureName, DeviceName, SerialNumber, Chemistry, ManufactureDate FROM BatteryStaticData"
	qBatteryFullChargedCapacity = "SELECT InstanceName, FullChargedCapacity FROM BatteryFullChargedCapacity"
	qBatteryCycleCount          = "SELECT InstanceName, CycleCount FROM BatteryCycleCount"
	qBatteryStatus              = "SELECT InstanceName, RemainingCapacity, Voltage, Charging, Discharging, PowerOnline FROM BatteryStatus"
	qWin32Battery               = "SELECT DeviceID, Name, EstimatedChargeRemaining, BatteryStatus, Chemistry, DesignCapacity, FullChargeCapacity FROM Win32_Battery"
)

// wmiBatteries reads and joins the root\WMI battery classes by
// InstanceName. Missing classes (BatteryCycleCount is absent on many
// machines) leave fields null. When the root\WMI classes fail or list no
// battery, every Win32_Battery is reported on its own (see
// win32OnlyBattery), with the missing source named.
func wmiBatteries(ctx context.Context, q wmiQuerier) ([]Battery, error) {
	var static []batteryStaticData
	staticErr := q.Query(ctx, nsWMI, qBatteryStaticData, &static)
	var w32 []win32Battery
	w32Err := q.Query(ctx, nsCIMV2, qWin32Battery, &w32)
	if staticErr != nil || len(static) == 0 {
		why := "no instance"
		if staticErr != nil {
			why = staticErr.Error()
		}
		if len(w32) == 0 {
			if w32Err == nil {
				w32Err = errors.New("no instance")
			}
			return nil, fmt.Errorf("WMI: no battery (BatteryStaticData: %s; Win32_Battery: %v)", why, w32Err)
		}
		missing := `root\WMI (BatteryStaticData: ` + why + ")"
		out := make([]Battery, 0, len(w32))
		for i, w := range w32 {
			out = append(out, win32OnlyBattery(i, w, missing))
		}
		return out, nil
	}
	var full []batteryFullChargedCapacity
	_ = q.Query(ctx, nsWMI, qBatteryFullChargedCapacity, &full)
	var cycles []batteryCycleCount
	_ = q.Query(ctx, nsWMI, qBatteryCycleCount, &cycles)
	var status []batteryStatus
	_ = q.Query(ctx, nsWMI, qBatteryStatus, &status)

	sort.Slice(static, func(i, j int) bool { return static[i].InstanceName < static[j].InstanceName })
	fullBy := map[string]uint32{}
	for _, f := range full {
		fullBy[strings.ToLower(f.InstanceName)] = f.FullChargedCapacity
	}
	cycleBy := map[string]uint32{}
	for _, c := range cycles {
		cycleBy[strings.ToLower(c.InstanceName)] = c.CycleCount
	}
	statusBy := map[string]batteryStatus{}
	for _, s := range status {
		statusBy[strings.ToLower(s.InstanceName)] = s
	}
	out := make([]Battery, 0, len(static))
	for i, s := range static {
		key := strings.ToLower(s.InstanceName)
		b := Battery{
			Name:            fmt.Sprintf("BAT%d", i),
			Vendor:          clean(s.ManufactureName),
			Model:           clean(s.DeviceName),
			Serial:          clean(s.SerialNumber),
			Chemistry:       wmiChemistry(s.Chemistry),
			ManufactureDate: parseCIMDate(s.ManufactureDate),
			State:           StateUnknown,
		}
		// A capacity of 0 is kept so that finish reports it as implausible.
		b.DesignWh = ptr(float64(s.DesignedCapacity) / 1000)
		if f, ok := fullBy[key]; ok {
			b.FullWh = ptr(float64(f) / 1000)
		}
		if c, ok := cycleBy[key]; ok && c > 0 {
			b.CycleCount = ptr(int64(c))
		}
		if st, ok := statusBy[key]; ok {
			if st.Voltage > 0 {
				b.VoltageV = ptr(float64(st.Voltage) / 1000)
			}
			if b.FullWh != nil && *b.FullWh > 0 && st.RemainingCapacity > 0 {
				b.ChargePct = ptr(float64(st.RemainingCapacity) / 1000 / *b.FullWh * 100)
			}
			switch {
			case st.Charging:
				b.State = StateCharging
			case st.Discharging:
				b.State = StateDischarging
			case st.PowerOnline:
				b.State = StateNotCharging
			}
		}
		// Win32_Battery lists batteries in the same order on all machines
		// seen; use it for charge and state when root\WMI lacks them.
		if i < len(w32) {
			w := w32[i]
			if b.ChargePct == nil && w.EstimatedChargeRemaining != nil && *w.EstimatedChargeRemaining <= 100 {
				b.ChargePct = ptr(float64(*w.EstimatedChargeRemaining))
			}
			if b.State == StateUnknown {
				b.State = win32BatteryState(w.BatteryStatus)
			}
		}
		if b.State == StateNotCharging && b.ChargePct != nil && *b.ChargePct >= 99.5 {
			b.State = StateFull
		}
		finish(&b)
		out = append(out, b)
	}
	return out, nil
}

// win32OnlyBattery reports a Win32_Battery without root\WMI: charge,
// state, chemistry, and the capacities where the firmware gives them (a
// capacity of 0 counts as not given here: Win32_Battery leaves them NULL or
// 0 on most machines). missing names the root\WMI source that failed.
func win32OnlyBattery(i int, w win32Battery, missing string) Battery {
	b := Battery{
		Name:          fmt.Sprintf("BAT%d", i),
		Model:         clean(w.Name),
		Chemistry:     win32Chemistry(w.Chemistry),
		State:         win32BatteryState(w.BatteryStatus),
		MissingSource: missing,
	}
	if w.EstimatedChargeRemaining != nil && *w.EstimatedChargeRemaining <= 100 {
		b.ChargePct = ptr(float64(*w.EstimatedChargeRemaining))
	}
	if w.DesignCapacity != nil && *w.DesignCapacity > 0 {
		b.DesignWh = ptr(float64(*w.DesignCapacity) / 1000)
	}
	if w.FullChargeCapacity != nil && *w.FullChargeCapacity > 0 {
		b.FullWh = ptr(float64(*w.FullChargeCapacity) / 1000)
	}
	if b.State == StateNotCharging && b.ChargePct != nil && *b.ChargePct >= 99.5 {
		b.State = StateFull
	}
	finish(&b)
	return b
}

// win32Chemistry maps Win32_Battery.Chemistry to the names wmiChemistry
// gives the root\WMI code.
func win32Chemistry(c uint16) string {
	switch c {
	case 3:
		return "PbAc"
	case 4:
		return "NiCd"
	case 5:
		return "NiMH"
	case 6:
		return "LION"
	case 7:
		return "Zinc air"
	case 8:
		return "LIP"
	default:
		return ""
	}
}

// win32BatteryState maps Win32_Battery.BatteryStatus.
func win32BatteryState(s uint16) string {
	switch s {
	case 1:
		return StateDischarging
	case 2:
		return StateNotCharging
	case 3:
		return StateFull
	case 6, 7, 8, 9:
		return StateCharging
	case 4, 5:
		return StateDischarging
	default:
		return StateUnknown
	}
}

// wmiChemistry decodes BatteryStaticData.Chemistry, four ASCII bytes
// little-endian ("LION", "LiP ", "PbAc", "NiMH").
func wmiChemistry(v uint32) string {
	if v == 0 {
		return ""
	}
	b := []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)}
	for _, c := range b {
		if c != 0 && (c < 0x20 || c > 0x7e) {
			return ""
		}
	}
	s := strings.TrimSpace(strings.Trim(string(b), "\x00"))
	switch strings.ToUpper(s) {
	case "LION", "LI-I":
		return "LION"
	case "LIP", "LIPO":
		return "LIP"
	}
	return s
}

// parseCIMDate turns a CIM datetime ("20210315000000.000000+000") into
// YYYY-MM-DD; "" when invalid.
func parseCIMDate(s string) string {
	s = strings.TrimSpace(s)
	if len(s) < 8 {
		return ""
	}
	t, err := time.Parse("20060102", s[:8])
	if err != nil || t.Year() < 1980 {
		return ""
	}
	return t.Format("2006-01-02")
}

// parseCIMTime turns a CIM datetime into unix seconds (UTC offset in minutes
// after the sign); 0 when invalid.
func parseCIMTime(s string) int64 {
	s = strings.TrimSpace(s)
	if len(s) < 14 {
		return 0
	}
	t, err := time.Parse("20060102150405", s[:14])
	if err != nil || t.Year() < 1980 {
		return 0
	}
	if len(s) >= 25 && (s[21] == '+' || s[21] == '-') {
		if off, err := strconv.Atoi(s[22:25]); err == nil {
			if s[21] == '-' {
				off = -off
			}
			t = t.Add(-time.Duration(off) * time.Minute)
		}
	}
	return t.Unix()
}

// wmiHardware reads manufacturer, model, serial, firmware date and OS
// install time from root\cimv2.
func wmiHardware(ctx context.Context, q wmiQuerier) (hardware, error) {
	var h hardware
	var errs []error
	var cs []win32ComputerSystem
	if err := q.Query(ctx, nsCIMV2, "SELECT Manufacturer, Model FROM Win32_ComputerSystem", &cs); err != nil {
		errs = append(errs, fmt.Errorf("Win32_ComputerSystem: %w", err))
	} else if len(cs) > 0 {
		h.Manufacturer, h.Model = clean(cs[0].Manufacturer), clean(cs[0].Model)
	}
	// Lenovo's marketing name is only in Win32_ComputerSystemProduct; where
	// that class fails the machine type from Win32_ComputerSystem stands.
	var csp []win32ComputerSystemProduct
	if err := q.Query(ctx, nsCIMV2, "SELECT Name, Version FROM Win32_ComputerSystemProduct", &csp); err != nil {
		errs = append(errs, fmt.Errorf("Win32_ComputerSystemProduct: %w", err))
	} else if len(csp) > 0 {
		name := csp[0].Name
		if clean(name) == "" {
			name = h.Model
		}
		if model, id := deviceModel(h.Manufacturer, name, csp[0].Version); model != "" {
			h.Model, h.ModelIdentifier = model, id
		}
	}
	var bios []win32BIOS
	if err := q.Query(ctx, nsCIMV2, "SELECT SerialNumber, ReleaseDate FROM Win32_BIOS", &bios); err != nil {
		errs = append(errs, fmt.Errorf("Win32_BIOS: %w", err))
	} else if len(bios) > 0 {
		h.Serial, h.FirmwareDate = clean(bios[0].SerialNumber), parseCIMDate(bios[0].ReleaseDate)
	}
	var osys []win32OperatingSystem
	if err := q.Query(ctx, nsCIMV2, "SELECT InstallDate FROM Win32_OperatingSystem", &osys); err != nil {
		errs = append(errs, fmt.Errorf("Win32_OperatingSystem: %w", err))
	} else if len(osys) > 0 {
		h.OSInstallTime = parseCIMTime(osys[0].InstallDate)
	}
	return h, errors.Join(errs...)
}
