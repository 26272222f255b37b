package inventory

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// rootFixture copies testdata/rootfs/<layout> to a temporary directory (git
// keeps no file times) and sets the modification times given, relative to
// the copy. Every other file gets a time newer than all of them, as an
// installed system's ordinary files would.
func rootFixture(t *testing.T, layout string, mtimes map[string]time.Time) string {
	t.Helper()
	src := filepath.Join("testdata/rootfs", layout)
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	recent := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	// Children first, so that setting a file's time leaves its directory's alone.
	var paths []string
	_ = filepath.WalkDir(dst, func(p string, _ fs.DirEntry, _ error) error {
		paths = append(paths, p)
		return nil
	})
	for i := len(paths) - 1; i >= 0; i-- {
		rel, _ := filepath.Rel(dst, paths[i])
		mt, ok := mtimes[filepath.ToSlash(rel)]
		if !ok {
			mt = recent
		}
		if err := os.Chtimes(paths[i], mt, mt); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

var testNow = time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)

func TestLinuxInstallTime(t *testing.T) {
	mkfs := time.Date(2023, 11, 12, 9, 2, 11, 0, time.UTC)
	installer := time.Date(2023, 11, 12, 9, 14, 2, 0, time.UTC)
	firstBoot := time.Date(2023, 11, 12, 9, 20, 40, 0, time.UTC)
	tests := []struct {
		name, layout string
		mtimes       map[string]time.Time
		birth        func(root string) birthFunc
		want         time.Time
		wantSource   string
	}{
		{"debian, no birth time: oldest marker (mkfs lost+found)", "debian-installer",
			map[string]time.Time{"lost+found": mkfs, "var/log/installer": installer, "etc/machine-id": firstBoot},
			nil, mkfs, "lost+found"},
		{"debian, birth time of / wins", "debian-installer",
			map[string]time.Time{"lost+found": mkfs, "var/log/installer": installer, "etc/machine-id": firstBoot},
			func(root string) birthFunc {
				return func(p string) (time.Time, bool) {
					if p != root {
						t.Errorf("birth asked for %s, want the root %s", p, root)
					}
					return mkfs.Add(-time.Minute), true
				}
			}, mkfs.Add(-time.Minute), "birth time of"},
		{"birth time at the epoch (overlay, image) is ignored", "debian-installer",
			map[string]time.Time{"lost+found": mkfs, "var/log/installer": installer, "etc/machine-id": firstBoot},
			func(string) birthFunc {
				return func(string) (time.Time, bool) { return time.Unix(0, 0), true }
			}, mkfs, "lost+found"},
		{"birth time unknown to the file system", "debian-installer",
			map[string]time.Time{"var/log/installer": installer, "etc/machine-id": firstBoot},
			func(string) birthFunc { return func(string) (time.Time, bool) { return time.Time{}, false } },
			installer, "var/log/installer"},
		{"fedora: anaconda log and kickstart", "fedora-anaconda",
			map[string]time.Time{"var/log/anaconda": installer, "root/anaconda-ks.cfg": installer.Add(time.Minute), "etc/machine-id": firstBoot},
			nil, installer, "var/log/anaconda"},
		{"image with epoch and future times: machine-id", "image-epoch",
			map[string]time.Time{"lost+found": time.Unix(0, 0), "etc/machine-id": firstBoot, "etc": testNow.Add(72 * time.Hour)},
			nil, firstBoot, "etc/machine-id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := rootFixture(t, tt.layout, tt.mtimes)
			var birth birthFunc
			if tt.birth != nil {
				birth = tt.birth(root)
			}
			got, source, err := LinuxInstallTime(root, birth, testNow)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want.Unix() {
				t.Errorf("got %v (%s), want %v", time.Unix(got, 0).UTC(), source, tt.want)
			}
			if !contains(source, tt.wantSource) {
				t.Errorf("source %q, want it to name %q", source, tt.wantSource)
			}
		})
	}
	t.Run("nothing to go by", func(t *testing.T) {
		if got, _, err := LinuxInstallTime(t.TempDir(), nil, testNow); err == nil || got != 0 {
			t.Errorf("got %d, %v; want an error", got, err)
		}
	})
}

func TestDarwinInstallTime(t *testing.T) {
	setup := time.Date(2022, 9, 1, 14, 3, 0, 0, time.UTC)
	volume := time.Date(2022, 9, 1, 13, 40, 0, 0, time.UTC)
	t.Run("AppleSetupDone mtime without birth time", func(t *testing.T) {
		root := rootFixture(t, "macos-sonoma", map[string]time.Time{"private/var/db/.AppleSetupDone": setup})
		got, src, err := DarwinInstallTime(root, nil, testNow)
		if err != nil || got != setup.Unix() || !contains(src, ".AppleSetupDone") {
			t.Errorf("got %v %q %v, want %v", time.Unix(got, 0).UTC(), src, err, setup)
		}
	})
	t.Run("AppleSetupDone birth time wins over a later touch", func(t *testing.T) {
		root := rootFixture(t, "macos-sonoma", map[string]time.Time{"private/var/db/.AppleSetupDone": setup.AddDate(1, 0, 0)})
		birth := func(p string) (time.Time, bool) {
			if filepath.Base(p) == ".AppleSetupDone" {
				return setup, true
			}
			return volume, true
		}
		got, src, err := DarwinInstallTime(root, birth, testNow)
		if err != nil || got != setup.Unix() || !contains(src, "birth time of") {
			t.Errorf("got %v %q %v, want %v", time.Unix(got, 0).UTC(), src, err, setup)
		}
	})
	t.Run("no AppleSetupDone: birth of the data volume", func(t *testing.T) {
		root := rootFixture(t, "macos-no-setup", nil)
		birth := func(p string) (time.Time, bool) {
			if filepath.ToSlash(p) == filepath.ToSlash(filepath.Join(root, "System/Volumes/Data")) {
				return volume, true
			}
			return time.Time{}, false
		}
		got, src, err := DarwinInstallTime(root, birth, testNow)
		if err != nil || got != volume.Unix() || !contains(src, "System/Volumes/Data") {
			t.Errorf("got %v %q %v, want %v", time.Unix(got, 0).UTC(), src, err, volume)
		}
		if got, _, err := DarwinInstallTime(root, nil, testNow); err == nil || got != 0 {
			t.Errorf("without birth times: got %d, %v; want an error", got, err)
		}
	})
}

// TestDarwinIdentityFixture checks what a Mac reports for its hardware
// identity from fixtures: the serial from ioreg's IOPlatformExpertDevice
// and the install time from the root file system.
func TestDarwinIdentityFixture(t *testing.T) {
	fh, err := os.Open("testdata/ioreg/platform-expert-macbookair10-1.plist")
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	_, _, serial, err := ParsePlatformExpert(fh)
	if err != nil || serial != "FVFH1234Q6L4" {
		t.Fatalf("serial %q, %v", serial, err)
	}
	setup := time.Date(2021, 2, 3, 8, 0, 0, 0, time.UTC)
	root := rootFixture(t, "macos-sonoma", map[string]time.Time{"private/var/db/.AppleSetupDone": setup})
	if got, _, err := DarwinInstallTime(root, nil, testNow); err != nil || got != setup.Unix() {
		t.Errorf("install time %v, %v", time.Unix(got, 0).UTC(), err)
	}
}

func contains(s, sub string) bool {
	return strings.Contains(s, sub)
}

func TestDeviceJSONInstallTime(t *testing.T) {
	for _, tt := range []struct {
		in   int64
		want any
	}{{1680330600, "2023-04-01T06:30:00Z"}, {0, nil}} {
		data, err := json.Marshal(Snapshot{Device: Device{ID: "x", Serial: "PF2ABCDE", OSInstallTime: tt.in}})
		if err != nil {
			t.Fatal(err)
		}
		var got struct{ Device map[string]any }
		if err := json.Unmarshal(data, &got); err != nil {
			t.Fatal(err)
		}
		v, present := got.Device["os_install_time"]
		if !present || v != tt.want {
			t.Errorf("%d: os_install_time = %v (present %v), want %v in %s", tt.in, v, present, tt.want, data)
		}
		for _, k := range []string{"id", "hostname", "os", "os_version", "manufacturer", "model", "serial", "uptime_s", "boot_time"} {
			if _, ok := got.Device[k]; !ok {
				t.Errorf("contract key device.%s missing: %s", k, data)
			}
		}
		if got.Device["serial"] != "PF2ABCDE" {
			t.Errorf("serial %v", got.Device["serial"])
		}
	}
}

func TestEarliestInstall(t *testing.T) {
	wmi := time.Date(2024, 10, 2, 7, 0, 0, 0, time.UTC).Unix() // reset by the 24H2 feature update
	first := time.Date(2021, 8, 30, 12, 0, 0, 0, time.UTC).Unix()
	if got := earliestInstall(testNow, time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC).Unix(), first, wmi); got != first {
		t.Errorf("got %v, want the first installation", time.Unix(got, 0).UTC())
	}
	if got := earliestInstall(testNow, 0, 1, testNow.AddDate(1, 0, 0).Unix(), wmi); got != wmi {
		t.Errorf("implausible times must be skipped: got %d", got)
	}
	if got := earliestInstall(testNow); got != 0 {
		t.Errorf("none: got %d", got)
	}
}

func FuzzParseCIMTime(f *testing.F) {
	for _, s := range []string{"20230401083000.000000+120", "20210315000000.000000-300", "19991231235959.000000+000", "2023", "20230401083000.000000+ab", "20231301000000.000000+000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := parseCIMTime(s)
		if got == 0 {
			return
		}
		// A valid CIM time is 1980 or later, give or take the offset
		// (at most ±999 minutes).
		if got < time.Date(1979, 12, 31, 0, 0, 0, 0, time.UTC).Unix() || got > time.Date(10000, 1, 2, 0, 0, 0, 0, time.UTC).Unix() {
			t.Fatalf("parseCIMTime(%q) = %d", s, got)
		}
		if d := parseCIMDate(s); d == "" {
			t.Fatalf("parseCIMTime(%q) accepted what parseCIMDate refuses", s)
		}
	})
}
