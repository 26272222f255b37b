package inventory

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func f(v float64) *float64 { return &v }
func i(v int64) *int64     { return &v }

// batJSON renders batteries for comparison, so that nil and value pointers
// compare by what they print.
func batJSON(t *testing.T, b []Battery) string {
	t.Helper()
	out, err := json.MarshalIndent(b, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestFixturesUseRealSymlinks(t *testing.T) {
	entries, err := os.ReadDir("testdata/sysfs/thinkpad-t14-energy/class/power_supply")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		p := filepath.Join("testdata/sysfs/thinkpad-t14-energy/class/power_supply", e.Name())
		target, err := os.Readlink(p)
		if err != nil {
			t.Fatalf("%s is not a symlink: %v", p, err)
		}
		if !strings.HasPrefix(target, "../../devices/") {
			t.Errorf("%s -> %s, want a link into ../../devices/", p, target)
		}
	}
}

func TestReadSysfsBatteries(t *testing.T) {
	tests := []struct {
		layout string
		want   []Battery
	}{
		{"thinkpad-t14-energy", []Battery{{
			Name: "BAT0", CycleCount: i(212), DesignWh: f(50), FullWh: f(43.21), HealthPct: f(86.42),
			ChargePct: f(72), State: "discharging", VoltageV: f(12.043), Vendor: "Celxpert",
			Model: "5B10W51867", Chemistry: "Li-poly", Serial: "2419",
		}}},
		{"dell-latitude-charge", []Battery{{
			Name: "BAT0", CycleCount: nil, DesignWh: f(39.9), FullWh: f(35.91), HealthPct: f(90),
			ChargePct: f(50), State: "charging", VoltageV: f(12.6), Vendor: "SMP",
			Model: "DELL 7FHHV", Chemistry: "Li-ion", Serial: "1234",
		}}},
		{"thinkpad-t480-two", []Battery{{
			Name: "BAT0", CycleCount: i(388), DesignWh: f(24.04), FullWh: f(19.87), HealthPct: f(82.65),
			ChargePct: f(98), State: "not_charging", VoltageV: f(12.48), Vendor: "SMP", Model: "01AV424", Chemistry: "Li-ion",
		}, {
			Name: "BAT1", CycleCount: nil, DesignWh: f(71.98), FullWh: f(68.3), HealthPct: f(94.89),
			ChargePct: f(100), State: "full", VoltageV: f(12.91), Vendor: "LGC", Model: "01AV452", Chemistry: "Li-ion",
		}}},
		{"laptop-headset-usbc", []Battery{{
			Name: "BAT0", CycleCount: i(57), DesignWh: f(52), FullWh: f(51.48), HealthPct: f(99),
			ChargePct: f(50.51), State: "charging", Vendor: "SMP", Model: "L19M4PF3", Chemistry: "Li-ion",
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.layout, func(t *testing.T) {
			got, err := ReadSysfsBatteries(context.Background(), filepath.Join("testdata/sysfs", tt.layout))
			if err != nil {
				t.Fatal(err)
			}
			if g, w := batJSON(t, got), batJSON(t, tt.want); g != w {
				t.Errorf("got\n%s\nwant\n%s", g, w)
			}
		})
	}
}

func TestReadSysfsBatteriesSkipsPeripherals(t *testing.T) {
	got, err := ReadSysfsBatteries(context.Background(), "testdata/sysfs/desktop-mouse")
	if err == nil || len(got) != 0 {
		t.Fatalf("got %v, %v; want no battery and an error", got, err)
	}
	if _, err := ReadSysfsBatteries(context.Background(), "testdata/sysfs/does-not-exist"); err == nil {
		t.Fatal("missing root: want an error")
	}
}

func TestReadDMI(t *testing.T) {
	tests := []struct {
		layout                          string
		manu, model, id, serial, fwDate string
	}{
		{"thinkpad-t14-energy", "LENOVO", "ThinkPad T14 Gen 2i", "20W000Q2MX", "PF2ABCDE", "2021-03-15"},
		{"thinkpad-t480-two", "LENOVO", "ThinkPad T480", "20L5CTO1WW", "R90ABCDE", "2018-11-27"},
		{"dell-latitude-charge", "Dell Inc.", "Latitude 5410", "", "", "2020-08-02"},
		{"desktop-mouse", "", "", "", "", "2019-05-10"},
		{"laptop-headset-usbc", "LENOVO", "IdeaPad 5 14ALC05", "82KU", "", "2021-01-05"},
	}
	for _, tt := range tests {
		d, err := ReadDMI(context.Background(), filepath.Join("testdata/sysfs", tt.layout))
		if err != nil {
			t.Fatal(err)
		}
		if want := (DMI{tt.manu, tt.model, tt.id, tt.serial, tt.fwDate}); d != want {
			t.Errorf("%s: got %+v, want %+v", tt.layout, d, want)
		}
	}
}

// TestLenovoModelFromRealDMI: the System Information strings that
// dmidecode printed on real Lenovo laptops (sources in model.go) give the
// marketing name as the model and the machine type-model as the
// identifier, through sysfs as the kernel exposes them (one value per
// file, newline-terminated); the same strings from WMI give the same
// (TestWMIHardwareLenovo).
func TestLenovoModelFromRealDMI(t *testing.T) {
	for _, c := range []struct{ vendor, name, version, model, id string }{
		{"LENOVO", "21CF004PGE", "ThinkPad T14 Gen 3", "ThinkPad T14 Gen 3", "21CF004PGE"},
		{"LENOVO", "20XGS1KT02", "ThinkPad T14s Gen 2a", "ThinkPad T14s Gen 2a", "20XGS1KT02"},
		// A version that only repeats the vendor is no model name.
		{"LENOVO", "20XGS1KT02", "Lenovo", "20XGS1KT02", ""},
		// Other vendors: Product Name is the model; HP leaves Version blank.
		{"HP", "HP ZBook Firefly 16 inch G10 Mobile Workstation PC", " ", "HP ZBook Firefly 16 inch G10 Mobile Workstation PC", ""},
	} {
		root := t.TempDir()
		dir := filepath.Join(root, "class", "dmi", "id")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for f, v := range map[string]string{"sys_vendor": c.vendor, "product_name": c.name, "product_version": c.version} {
			if err := os.WriteFile(filepath.Join(dir, f), []byte(v+"\n"), 0o444); err != nil {
				t.Fatal(err)
			}
		}
		d, err := ReadDMI(context.Background(), root)
		if err != nil {
			t.Fatal(err)
		}
		if d.Model != c.model || d.ModelIdentifier != c.id {
			t.Errorf("%s %q/%q: model %q identifier %q, want %q %q", c.vendor, c.name, c.version, d.Model, d.ModelIdentifier, c.model, c.id)
		}
	}
}

func TestParseUevent(t *testing.T) {
	m, err := ParseUevent(strings.NewReader("POWER_SUPPLY_NAME=BAT0\nPOWER_SUPPLY_ENERGY_FULL=43210000\ngarbage\nPOWER_SUPPLY_MODEL_NAME=a=b\n"))
	if err != nil {
		t.Fatal(err)
	}
	if m["name"] != "BAT0" || m["energy_full"] != "43210000" || m["model_name"] != "a=b" || len(m) != 3 {
		t.Errorf("got %v", m)
	}
}

func TestParseDMIDate(t *testing.T) {
	for in, want := range map[string]string{"03/15/2021": "2021-03-15", "12/01/99": "1999-12-01", "01/02/05": "2005-01-02", "13/01/2020": "", "": "", "2021-03-15": ""} {
		if got := ParseDMIDate(in); got != want {
			t.Errorf("ParseDMIDate(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseMachineID(t *testing.T) {
	got, err := parseMachineID(strings.NewReader("0123456789ABCDEF0123456789abcdef\n"))
	if err != nil || got != "01234567-89ab-cdef-0123-456789abcdef" {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := parseMachineID(strings.NewReader("uninitialized\n")); err == nil {
		t.Fatal("want an error")
	}
}

func FuzzParseUevent(f *testing.F) {
	seed, _ := os.ReadFile("testdata/sysfs/thinkpad-t14-energy/class/power_supply/BAT0/uevent")
	f.Add(seed)
	f.Add([]byte("POWER_SUPPLY_=\n=\n\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseUevent(strings.NewReader(string(data)))
		if err != nil {
			return
		}
		for k := range m {
			if k == "" || k != strings.ToLower(k) {
				t.Fatalf("bad key %q", k)
			}
		}
	})
}

func FuzzSysfsBattery(f *testing.F) {
	f.Add("Battery", "System", "43210000", "50000000", "212", "11580000", "72", "Discharging")
	f.Add("Battery", "", "", "", "0", "", "-1", "Not charging")
	f.Fuzz(func(t *testing.T, typ, scope, full, design, cycles, vmin, capacity, status string) {
		p := supplyProps{dir: t.TempDir(), m: map[string]string{
			"type": typ, "scope": scope, "energy_full": full, "energy_full_design": design,
			"cycle_count": cycles, "voltage_min_design": vmin, "capacity": capacity, "status": status,
			"charge_full": full, "charge_full_design": design,
		}}
		b, ok := sysfsBattery("BAT0", p)
		if !ok {
			return
		}
		if b.CycleCount != nil && *b.CycleCount <= 0 {
			t.Fatalf("cycle count %d must be unknown", *b.CycleCount)
		}
		if b.ChargePct != nil && (*b.ChargePct < 0 || *b.ChargePct > 100) {
			t.Fatalf("charge %v", *b.ChargePct)
		}
		if _, err := json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzParseValue(f *testing.F) {
	f.Add([]byte("43210000\n"))
	f.Add([]byte(" Li-poly \x00\nrest"))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := ParseValue(strings.NewReader(string(data)))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(v, "\n") {
			t.Fatalf("value %q spans lines", v)
		}
	})
}
