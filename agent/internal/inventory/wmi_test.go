package inventory

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fakeWMI answers queries from canned rows keyed by class name; a class
// absent from the map fails like a class the firmware does not provide.
type fakeWMI struct {
	rows    map[string]any
	queries []string
}

func (f *fakeWMI) Query(_ context.Context, namespace, query string, dst any) error {
	f.queries = append(f.queries, namespace+" "+query)
	class := query[strings.LastIndex(query, " ")+1:]
	rows, ok := f.rows[class]
	if !ok {
		return errors.New("Exception occurred. (Not supported)")
	}
	wantNS := nsWMI
	if strings.HasPrefix(class, "Win32_") {
		wantNS = nsCIMV2
	}
	if namespace != wantNS {
		return errors.New("Invalid namespace")
	}
	reflect.ValueOf(dst).Elem().Set(reflect.ValueOf(rows))
	return nil
}

const lion = 'L' | 'I'<<8 | 'O'<<16 | 'N'<<24

func TestWMIBatteries(t *testing.T) {
	tests := []struct {
		name string
		rows map[string]any
		want []Battery
	}{
		{"dell one battery, no BatteryCycleCount class", map[string]any{
			"BatteryStaticData":          []batteryStaticData{{InstanceName: `ACPI\PNP0C0A\1_0`, DesignedCapacity: 63000, ManufactureName: "SMP", DeviceName: "DELL 7FHHV9C", SerialNumber: "1234", Chemistry: lion}},
			"BatteryFullChargedCapacity": []batteryFullChargedCapacity{{InstanceName: `ACPI\PNP0C0A\1_0`, FullChargedCapacity: 55440}},
			"BatteryStatus":              []batteryStatus{{InstanceName: `ACPI\PNP0C0A\1_0`, RemainingCapacity: 27720, Voltage: 12150, Charging: true, PowerOnline: true}},
			"Win32_Battery":              []win32Battery{{DeviceID: "1234SMPDELL 7FHHV9C", EstimatedChargeRemaining: ptr[uint16](50), BatteryStatus: 6}},
		}, []Battery{{
			Name: "BAT0", DesignWh: f(63), FullWh: f(55.44), HealthPct: f(88), ChargePct: f(50), State: "charging",
			VoltageV: f(12.15), Vendor: "SMP", Model: "DELL 7FHHV9C", Chemistry: "LION", Serial: "1234",
		}}},
		{"thinkpad two batteries, one cycle count zero, on mains and full", map[string]any{
			"BatteryStaticData": []batteryStaticData{
				{InstanceName: `ACPI\PNP0C0A\2_0`, DesignedCapacity: 71980, ManufactureName: "LGC", DeviceName: "01AV452", Chemistry: lion, ManufactureDate: "20180611000000.000000+000"},
				{InstanceName: `ACPI\PNP0C0A\1_0`, DesignedCapacity: 24040, ManufactureName: "SMP", DeviceName: "01AV424", Chemistry: lion},
			},
			"BatteryFullChargedCapacity": []batteryFullChargedCapacity{{InstanceName: `ACPI\PNP0C0A\1_0`, FullChargedCapacity: 19870}, {InstanceName: `ACPI\PNP0C0A\2_0`, FullChargedCapacity: 68300}},
			"BatteryCycleCount":          []batteryCycleCount{{InstanceName: `ACPI\PNP0C0A\1_0`, CycleCount: 388}, {InstanceName: `ACPI\PNP0C0A\2_0`, CycleCount: 0}},
			"BatteryStatus": []batteryStatus{
				{InstanceName: `ACPI\PNP0C0A\1_0`, RemainingCapacity: 19870, Voltage: 12480, PowerOnline: true},
				{InstanceName: `ACPI\PNP0C0A\2_0`, RemainingCapacity: 34150, Voltage: 11910, Discharging: true},
			},
		}, []Battery{{
			Name: "BAT0", CycleCount: i(388), DesignWh: f(24.04), FullWh: f(19.87), HealthPct: f(82.65), ChargePct: f(100),
			State: "full", VoltageV: f(12.48), Vendor: "SMP", Model: "01AV424", Chemistry: "LION",
		}, {
			Name: "BAT1", DesignWh: f(71.98), FullWh: f(68.3), HealthPct: f(94.89), ChargePct: f(50),
			State: "discharging", VoltageV: f(11.91), Vendor: "LGC", Model: "01AV452", Chemistry: "LION", ManufactureDate: "2018-06-11",
		}}},
		{"static data with a design capacity of 0 and nothing else", map[string]any{
			"BatteryStaticData": []batteryStaticData{{InstanceName: "X", DesignedCapacity: 0}},
		}, []Battery{{Name: "BAT0", State: "unknown", Implausible: []string{"design_wh 0 is not positive"}}}},
		// A ThinkPad with two batteries whose firmware has no root\WMI
		// battery classes: every Win32_Battery is reported on its own.
		{"no root\\WMI: every Win32_Battery", map[string]any{
			"Win32_Battery": []win32Battery{
				{DeviceID: "2419LGC01AV452", Name: "01AV452", EstimatedChargeRemaining: ptr[uint16](86), BatteryStatus: 1, Chemistry: 6},
				{DeviceID: "1130SMP01AV424", Name: "01AV424", EstimatedChargeRemaining: ptr[uint16](100), BatteryStatus: 2, Chemistry: 6,
					DesignCapacity: ptr[uint32](23480), FullChargeCapacity: ptr[uint32](19870)},
				{DeviceID: "x", Name: "To Be Filled By O.E.M.", BatteryStatus: 2, DesignCapacity: ptr[uint32](0)},
			},
		}, []Battery{{
			Name: "BAT0", ChargePct: f(86), State: "discharging", Model: "01AV452", Chemistry: "LION",
			MissingSource: `root\WMI (BatteryStaticData: Exception occurred. (Not supported))`,
		}, {
			Name: "BAT1", DesignWh: f(23.48), FullWh: f(19.87), HealthPct: f(84.63), ChargePct: f(100), State: "full",
			Model: "01AV424", Chemistry: "LION", MissingSource: `root\WMI (BatteryStaticData: Exception occurred. (Not supported))`,
		}, {
			Name: "BAT2", State: "not_charging", MissingSource: `root\WMI (BatteryStaticData: Exception occurred. (Not supported))`,
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := wmiBatteries(context.Background(), &fakeWMI{rows: tt.rows})
			if err != nil {
				t.Fatal(err)
			}
			if g, w := batJSON(t, got), batJSON(t, tt.want); g != w {
				t.Errorf("got\n%s\nwant\n%s", g, w)
			}
		})
	}
}

func TestWMIBatteriesNone(t *testing.T) {
	// A desktop: BatteryStaticData fails ("Not supported"), and there is no
	// Win32_Battery either.
	if _, err := wmiBatteries(context.Background(), &fakeWMI{}); err == nil {
		t.Fatal("want an error")
	}
	_, err := wmiBatteries(context.Background(), &fakeWMI{rows: map[string]any{"Win32_Battery": []win32Battery{}}})
	if err == nil || !strings.Contains(err.Error(), "BatteryStaticData") || !strings.Contains(err.Error(), "Win32_Battery") {
		t.Fatalf("want an error naming both sources, got %v", err)
	}
	if _, err := wmiBatteries(context.Background(), &fakeWMI{rows: map[string]any{"BatteryStaticData": []batteryStaticData{}}}); err == nil {
		t.Fatal("want an error for zero rows")
	}
}

func TestWMIHardware(t *testing.T) {
	q := &fakeWMI{rows: map[string]any{
		"Win32_ComputerSystem":        []win32ComputerSystem{{Manufacturer: "LENOVO", Model: "20W000Q2MX"}},
		"Win32_ComputerSystemProduct": []win32ComputerSystemProduct{{Name: "20W000Q2MX", Version: "ThinkPad T14 Gen 2i"}},
		"Win32_BIOS":                  []win32BIOS{{SerialNumber: "PF2ABCDE", ReleaseDate: "20210315000000.000000+000"}},
		"Win32_OperatingSystem":       []win32OperatingSystem{{InstallDate: "20230401083000.000000+120"}},
	}}
	h, err := wmiHardware(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	want := hardware{Manufacturer: "LENOVO", Model: "ThinkPad T14 Gen 2i", ModelIdentifier: "20W000Q2MX", Serial: "PF2ABCDE", FirmwareDate: "2021-03-15",
		OSInstallTime: time.Date(2023, 4, 1, 6, 30, 0, 0, time.UTC).Unix()}
	if h != want {
		t.Errorf("got %+v, want %+v", h, want)
	}
	// A BIOS serial placeholder is dropped; a failing class is reported.
	q = &fakeWMI{rows: map[string]any{"Win32_BIOS": []win32BIOS{{SerialNumber: "To be filled by O.E.M."}}}}
	h, err = wmiHardware(context.Background(), q)
	if err == nil || h.Serial != "" {
		t.Errorf("got %+v, %v", h, err)
	}
}

// TestWMIHardwareLenovo: on a Lenovo, Win32_ComputerSystem.Model is the
// machine type-model and Win32_ComputerSystemProduct.Version the marketing
// name (the SMBIOS strings of TestLenovoModelFromRealDMI): the agent
// reports the name as the model on Windows as on Linux, and the machine
// type as the identifier. Without Win32_ComputerSystemProduct the machine
// type stands, and the missing class is named.
func TestWMIHardwareLenovo(t *testing.T) {
	cs := []win32ComputerSystem{{Manufacturer: "LENOVO", Model: "21CF004PGE"}}
	q := &fakeWMI{rows: map[string]any{
		"Win32_ComputerSystem":        cs,
		"Win32_ComputerSystemProduct": []win32ComputerSystemProduct{{Name: "21CF004PGE", Version: "ThinkPad T14 Gen 3"}},
	}}
	h, _ := wmiHardware(context.Background(), q)
	if h.Model != "ThinkPad T14 Gen 3" || h.ModelIdentifier != "21CF004PGE" {
		t.Errorf("model %q identifier %q", h.Model, h.ModelIdentifier)
	}
	h, err := wmiHardware(context.Background(), &fakeWMI{rows: map[string]any{"Win32_ComputerSystem": cs}})
	if h.Model != "21CF004PGE" || h.ModelIdentifier != "" || err == nil || !strings.Contains(err.Error(), "Win32_ComputerSystemProduct") {
		t.Errorf("without Win32_ComputerSystemProduct: %+v, %v", h, err)
	}
	// Another vendor keeps Win32_ComputerSystem.Model; a blank Version
	// (HP) changes nothing.
	h, _ = wmiHardware(context.Background(), &fakeWMI{rows: map[string]any{
		"Win32_ComputerSystem":        []win32ComputerSystem{{Manufacturer: "HP", Model: "HP ZBook Firefly 16 inch G10 Mobile Workstation PC"}},
		"Win32_ComputerSystemProduct": []win32ComputerSystemProduct{{Name: "HP ZBook Firefly 16 inch G10 Mobile Workstation PC", Version: " "}},
	}})
	if h.Model != "HP ZBook Firefly 16 inch G10 Mobile Workstation PC" || h.ModelIdentifier != "" {
		t.Errorf("HP: %+v", h)
	}
}

func TestWMIChemistry(t *testing.T) {
	for in, want := range map[uint32]string{lion: "LION", 'P' | 'b'<<8 | 'A'<<16 | 'c'<<24: "PbAc", 0: "", 0xFFFFFFFF: ""} {
		if got := wmiChemistry(in); got != want {
			t.Errorf("%#x: got %q, want %q", in, got, want)
		}
	}
}
