package inventory

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"
)

func writeDump(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadDumpsRefusesWhatItDoesNotKnow(t *testing.T) {
	uevent := writeDump(t, "uevent", []byte("POWER_SUPPLY_NAME=BAT0\nPOWER_SUPPLY_TYPE=Battery\nPOWER_SUPPLY_ENERGY_FULL=1\n"))
	wmi := writeDump(t, "wmi.json", []byte(`{"Win32_Battery":[{"EstimatedChargeRemaining":50}]}`))
	tests := []struct {
		name  string
		files []string
		want  []string // substrings of the error
	}{
		{"text", []string{writeDump(t, "notes.txt", []byte("battery was fine yesterday\n"))},
			[]string{"notes.txt", "not a dump this agent knows", `"battery was fine yesterday"`, "ioreg -rn AppleSmartBattery -a", "WMI"}},
		{"empty", []string{writeDump(t, "empty.json", []byte("  \n"))}, []string{"empty.json", "empty file"}},
		{"JSON of something else", []string{writeDump(t, "other.json", []byte(`{"cpu":{"cores":4}}`))},
			[]string{"other.json", "neither keyed by WMI class names", "Win32_Battery"}},
		{"broken JSON", []string{writeDump(t, "broken.json", []byte("{\n\"Win32_Battery\": [\n{\"Name\": }\n]}"))},
			[]string{"broken.json", "line 3"}},
		{"broken plist", []string{writeDump(t, "broken.plist", []byte(`<?xml version="1.0"?><plist><array><dict><key>CycleCount</key></array></plist>`))},
			[]string{"broken.plist", "does not parse"}},
		{"two machines", []string{uevent, wmi}, []string{"wmi.json", "windows", "linux", "one machine"}},
		{"a missing file", []string{filepath.Join(t.TempDir(), "nope.plist")}, []string{"nope.plist", "no such file"}},
		{"no file", nil, []string{"no dump file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ReadDumps(tt.files, "test")
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// TestWMIDumpShapes: the shapes ConvertTo-Json gives the same data in are
// read alike: UTF-16 with a byte order mark (Windows PowerShell 5.1's >),
// UTF-8 with one (Set-Content -Encoding UTF8), one object instead of an
// array, Windows PowerShell 5.1's {"value": [...], "Count": n}, its
// "\/Date(ms)\/" dates, PowerShell 7's ISO 8601 dates, and null.
func TestWMIDumpShapes(t *testing.T) {
	canonical := `{
  "BatteryStaticData": [{"InstanceName": "ACPI\\PNP0C0A\\1_0", "DesignedCapacity": 57000, "ManufactureName": "SMP",
                         "DeviceName": "5B10W13930", "Chemistry": 1313818956, "ManufactureDate": "20200315000000.000000+000"}],
  "BatteryFullChargedCapacity": [{"InstanceName": "ACPI\\PNP0C0A\\1_0", "FullChargedCapacity": 51300}],
  "Win32_Battery": [{"Name": "5B10W13930", "EstimatedChargeRemaining": 64, "BatteryStatus": 2}],
  "Win32_BIOS": [{"SerialNumber": "PF2ABCDE", "ReleaseDate": "20210315000000.000000+000"}],
  "Win32_OperatingSystem": [{"Version": "10.0.22631", "Caption": "Microsoft Windows 11 Pro",
                             "LastBootUpTime": "20240506080000.000000+000", "LocalDateTime": "20240506100000.000000+000"}]
}`
	ps51 := `{
  "BatteryStaticData": {"value": [{"InstanceName": "ACPI\\PNP0C0A\\1_0", "DesignedCapacity": 57000, "ManufactureName": "SMP",
                         "DeviceName": "5B10W13930", "Chemistry": 1313818956, "ManufactureDate": "\/Date(1584230400000)\/"}], "Count": 1},
  "BatteryFullChargedCapacity": {"InstanceName": "ACPI\\PNP0C0A\\1_0", "FullChargedCapacity": 51300},
  "BatteryCycleCount": null,
  "Win32_Battery": [{"Name": "5B10W13930", "EstimatedChargeRemaining": 64, "BatteryStatus": 2, "DesignCapacity": null}],
  "Win32_BIOS": [{"SerialNumber": "PF2ABCDE", "ReleaseDate": {"value": "\/Date(1615766400000)\/", "DisplayHint": 2}}],
  "Win32_OperatingSystem": [{"Version": "10.0.22631", "Caption": "Microsoft Windows 11 Pro",
                             "LastBootUpTime": "\/Date(1714982400000)\/", "LocalDateTime": "\/Date(1714989600000)\/"}]
}`
	ps7 := strings.NewReplacer(`"\/Date(1584230400000)\/"`, `"2020-03-15T01:00:00+01:00"`,
		`"\/Date(1714982400000)\/"`, `"2024-05-06T10:00:00.0000000+02:00"`,
		`"\/Date(1714989600000)\/"`, `"2024-05-06T10:00:00Z"`, `{"value": "\/Date(1615766400000)\/", "DisplayHint": 2}`, `"2021-03-15T00:00:00"`).Replace(ps51)
	utf16le := func(s string) []byte {
		out := []byte{0xFF, 0xFE}
		for _, u := range utf16.Encode([]rune(s)) {
			out = append(out, byte(u), byte(u>>8))
		}
		return out
	}
	read := func(name string, data []byte) string {
		t.Helper()
		s, warnings, err := ReadDumps([]string{writeDump(t, name, data)}, "test")
		if err != nil || len(warnings) > 0 {
			t.Fatalf("%s: %v %v", name, err, warnings)
		}
		out, _ := json.MarshalIndent(s, "", " ")
		return string(out)
	}
	want := read("canonical.json", []byte(canonical))
	for _, v := range []string{`"health_pct": 90`, `"charge_pct": 64`, `"state": "not_charging"`, `"chemistry": "LION"`,
		`"manufacture_date": "2020-03-15"`, `"serial": "PF2ABCDE"`, `"firmware_date": "2021-03-15"`, `"os": "windows"`,
		`"os_version": "10.0.22631"`, `"uptime_s": 7200`, `"time": "2024-05-06T10:00:00Z"`} {
		if !strings.Contains(want, v) {
			t.Errorf("canonical dump: no %s in\n%s", v, want)
		}
	}
	for name, data := range map[string][]byte{
		"ps51-utf16.json": utf16le(ps51),
		"ps51-bom.json":   append([]byte{0xEF, 0xBB, 0xBF}, ps51...),
		"ps7.json":        []byte(ps7),
	} {
		if got := read(name, data); got != want {
			t.Errorf("%s reads differently:\n%s\nwant\n%s", name, got, want)
		}
	}
}

func TestWMIDumpValueOfTheWrongTypeIsNamed(t *testing.T) {
	p := writeDump(t, "wmi.json", []byte(`{"Win32_Battery": [{"Name": "X", "EstimatedChargeRemaining": "high", "BatteryStatus": 1}]}`))
	s, warnings, err := ReadDumps([]string{p}, "test")
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "wmi.json") || !strings.Contains(warnings[0], "Win32_Battery[0]") ||
		!strings.Contains(warnings[0], "EstimatedChargeRemaining") {
		t.Errorf("warnings %q", warnings)
	}
	// The rest of the row still counts.
	if len(s.Batteries) != 1 || s.Batteries[0].State != StateDischarging || s.Batteries[0].ChargePct != nil {
		t.Errorf("batteries %+v", s.Batteries)
	}
}

// TestUeventDump: several uevent files concatenated, as
// `cat /sys/class/power_supply/*/uevent` prints them, are several supplies;
// the mains supply is not a battery.
func TestUeventDump(t *testing.T) {
	p := writeDump(t, "uevent.txt", []byte(`$ cat /sys/class/power_supply/*/uevent
POWER_SUPPLY_NAME=AC
POWER_SUPPLY_TYPE=Mains
POWER_SUPPLY_ONLINE=1
POWER_SUPPLY_NAME=BAT1
POWER_SUPPLY_STATUS=Discharging
POWER_SUPPLY_PRESENT=1
POWER_SUPPLY_ENERGY_FULL_DESIGN=23200000
POWER_SUPPLY_ENERGY_FULL=20880000
POWER_SUPPLY_CAPACITY=50
POWER_SUPPLY_NAME=BAT0
POWER_SUPPLY_TYPE=Battery
POWER_SUPPLY_STATUS=Full
POWER_SUPPLY_PRESENT=1
POWER_SUPPLY_CHARGE_FULL_DESIGN=4000000
POWER_SUPPLY_CHARGE_FULL=3000000
POWER_SUPPLY_CHARGE_NOW=3000000
`))
	s, warnings, err := ReadDumps([]string{p}, "test")
	if err != nil || len(warnings) > 0 {
		t.Fatal(err, warnings)
	}
	want := []Battery{
		// No voltage: the health is the µAh ratio, the charge charge_now / charge_full.
		{Name: "BAT0", HealthPct: f(75), ChargePct: f(100), State: "full"},
		{Name: "BAT1", DesignWh: f(23.2), FullWh: f(20.88), HealthPct: f(90), ChargePct: f(50), State: "discharging"},
	}
	if g, w := batJSON(t, s.Batteries), batJSON(t, want); g != w || s.Device.OS != "linux" {
		t.Errorf("os %q, got\n%s\nwant\n%s", s.Device.OS, g, w)
	}
}

func TestIoregTextSkipsALineItCannotRead(t *testing.T) {
	text := `+-o AppleSmartBattery  <class AppleSmartBattery, id 0x1000002a3, registered, matched, active, busy 0 (0 ms), retain 6>
    {
      "ExternalConnected" = Yes
      "ManufacturerData" = <aaaaaaaaa>
      "BatteryInstalled" = Yes
      "DesignCapacity" = 5100
      "MaxCapacity" = 4800
      "CurrentCapacity" = 2400
      "BatteryData" = {"AdapterPower"=,"CycleCount"=311,"Serial"="F8Y2097HB3U0VC4AX"}
      "LegacyBatteryInfo" = {"Amperage"=18446744073709550084,"Flags"=4,"Capacity"=4800,"Voltage"=11917}
      "CellVoltage" = (3971,3976,3970,0)
    }
`
	objs, skipped, err := ParseIoregText(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if len(skipped) != 1 || !strings.Contains(skipped[0], "line 4") || !strings.Contains(skipped[0], "ManufacturerData") {
		t.Errorf("skipped %q", skipped)
	}
	d := objs[0].(map[string]any)
	if d["IOObjectClass"] != "AppleSmartBattery" || d["ExternalConnected"] != true || d["BatteryData"].(map[string]any)["CycleCount"] != int64(311) {
		t.Errorf("object %v", d)
	}
	legacy := d["LegacyBatteryInfo"].(map[string]any)
	if legacy["Amperage"] != int64(-1532) {
		t.Errorf("unsigned 64-bit -1532 read as %v", legacy["Amperage"])
	}
	bats, err := appleBatteries(objs, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Intel: MaxCapacity is mAh; three non-zero cells.
	want := []Battery{{Name: "BAT0", CycleCount: i(311), DesignWh: f(58.905), FullWh: f(55.44), HealthPct: f(94.12), ChargePct: f(50),
		State: "not_charging", Serial: "F8Y2097HB3U0VC4AX"}}
	if g, w := batJSON(t, bats), batJSON(t, want); g != w {
		t.Errorf("got\n%s\nwant\n%s", g, w)
	}
}

func FuzzParseIoregText(f *testing.F) {
	f.Add([]byte(`+-o AppleSmartBattery  <class AppleSmartBattery, id 0x1>` + "\n" + `  "BatteryData" = {"CellVoltage"=(1,2),"Serial"="x","State"=<0a0b>,"M"=<"a","b">,"E"=}`))
	f.Add([]byte(`"DesignCapacity" = 5100` + "\n" + `"X" = ((((((`))
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, _, err := ParseIoregText(strings.NewReader(string(data)))
		if err == nil && len(objs) == 0 {
			t.Fatal("no error and no object")
		}
		if err == nil {
			_, _ = appleBatteries(objs, nil)
		}
	})
}

// FuzzDumpParse feeds any bytes to the format detection and the mappings
// behind `collect --from`: an error or a snapshot, never a panic.
func FuzzDumpParse(f *testing.F) {
	f.Add([]byte(`{"Win32_Battery": {"value": [{"EstimatedChargeRemaining": 101}], "Count": 1}, "BatteryStaticData": []}`))
	f.Add([]byte("POWER_SUPPLY_NAME=BAT0\nPOWER_SUPPLY_ENERGY_FULL=-5\n"))
	f.Add([]byte(`[{"BankCount": 3, "BatteryData": {"AppleRawMaxCapacity": 4000}}]`))
	f.Add([]byte(`<plist><array><dict><key>IOObjectClass</key><string>AppleSmartBattery</string></dict></array></plist>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		set := &dumpSet{wmi: map[string]json.RawMessage{}, wmiFrom: map[string]string{}}
		text, err := decodeText(data)
		if err != nil {
			return
		}
		if _, family, err := set.parse("fuzz", text); err == nil {
			set.family = family
			_, _ = set.snapshot("fuzz")
		}
	})
}
