package inventory

import (
	"os"
	"strings"
	"testing"
)

func TestParseAppleSmartBattery(t *testing.T) {
	tests := []struct {
		file string
		want []Battery
	}{
		// Intel: MaxCapacity in mAh, ManufactureDate packed, 3 cells.
		{"intel-macbookpro15-2.plist", []Battery{{
			Name: "BAT0", CycleCount: i(487), DesignWh: f(58.743), FullWh: f(52.368), HealthPct: f(89.15),
			ChargePct: f(92.92), State: "charging", VoltageV: f(12.745), Vendor: "SMP", Model: "bq20z451",
			Serial: "D869263A1KHJ93HAS", ManufactureDate: "2019-05-14",
		}}},
		// Apple silicon: MaxCapacity is 100 (%), AppleRawMaxCapacity is mAh;
		// the charge is CurrentCapacity, the percentage macOS shows (70),
		// not the raw mAh ratio (2713 / 3876 = 69.99).
		{"applesilicon-macbookair10-1.plist", []Battery{{
			Name: "BAT0", CycleCount: i(311), DesignWh: f(50.612), FullWh: f(44.768), HealthPct: f(88.45),
			ChargePct: f(70), State: "discharging", VoltageV: f(11.902), Model: "bq40z651",
			Serial: "F8Y1234567ABCDEF9",
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			fh, err := os.Open("testdata/ioreg/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			got, err := ParseAppleSmartBattery(fh)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := batJSON(t, got), batJSON(t, tt.want); g != w {
				t.Errorf("got\n%s\nwant\n%s", g, w)
			}
		})
	}
}

func TestParseAppleSmartBatteryNone(t *testing.T) {
	// A desktop Mac: ioreg prints an empty array.
	_, err := ParseAppleSmartBattery(strings.NewReader(`<?xml version="1.0"?><plist version="1.0"><array/></plist>`))
	if err == nil {
		t.Fatal("want an error for no battery")
	}
	if _, err := ParseAppleSmartBattery(strings.NewReader("not xml")); err == nil {
		t.Fatal("want an error for garbage")
	}
}

func TestParsePlatformExpert(t *testing.T) {
	fh, err := os.Open("testdata/ioreg/platform-expert-macbookair10-1.plist")
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	m, mo, s, err := ParsePlatformExpert(fh)
	if err != nil {
		t.Fatal(err)
	}
	if m != "Apple Inc." || mo != "MacBookAir10,1" || s != "FVFH1234Q6L4" {
		t.Errorf("got %q %q %q", m, mo, s)
	}
}

func TestParseSmartBatteryDate(t *testing.T) {
	for in, want := range map[int64]string{20142: "2019-05-14", 0: "", 0x10000: "", 39 << 9: ""} {
		if got := ParseSmartBatteryDate(in); got != want {
			t.Errorf("%d: got %q, want %q", in, got, want)
		}
	}
}

func FuzzParsePlist(f *testing.F) {
	for _, name := range []string{"intel-macbookpro15-2.plist", "applesilicon-macbookair10-1.plist", "platform-expert-macbookair10-1.plist"} {
		data, err := os.ReadFile("testdata/ioreg/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`<plist><dict><key>CycleCount</key><integer>-5</integer><key>MaxCapacity</key><integer>0</integer></dict></plist>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		bats, err := ParseAppleSmartBattery(strings.NewReader(string(data)))
		if err != nil {
			return
		}
		for _, b := range bats {
			if b.CycleCount != nil && *b.CycleCount <= 0 {
				t.Fatalf("cycle count %d must be unknown", *b.CycleCount)
			}
			if b.ChargePct != nil && (*b.ChargePct < 0 || *b.ChargePct > 100) {
				t.Fatalf("charge %v", *b.ChargePct)
			}
		}
	})
}
