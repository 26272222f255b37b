//go:build linux

package inventory

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestFileBirthStatx(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	before := time.Now().Add(-time.Minute)
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := os.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}
	bt, ok := fileBirth(p)
	if !ok {
		t.Skip("this file system reports no birth time (STATX_BTIME)")
	}
	// Chtimes moves the modification time, never the birth time.
	if bt.Before(before) || bt.After(time.Now().Add(time.Minute)) {
		t.Errorf("birth time %v, want about now", bt)
	}
	if _, ok := fileBirth(filepath.Join(t.TempDir(), "missing")); ok {
		t.Error("birth time of a missing file")
	}
}

// TestReaderLinuxFixtures reads a whole snapshot from a sysfs fixture
// (serial) and a root file system fixture (install time).
func TestReaderLinuxFixtures(t *testing.T) {
	installer := time.Date(2023, 11, 12, 9, 14, 2, 0, time.UTC)
	root := rootFixture(t, "debian-installer", map[string]time.Time{"var/log/installer": installer, "lost+found": installer.Add(time.Minute)})
	r := NewReader(Options{SysfsRoot: "testdata/sysfs/thinkpad-t14-energy", RootFS: root}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	s, err := r.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s.Device.Serial != "PF2ABCDE" {
		t.Errorf("serial %q", s.Device.Serial)
	}
	// The fixture was just written, so a file system with birth times
	// gives the root directory's (now); otherwise the installer's log.
	want := installer.Unix()
	if bt, ok := fileBirth(root); ok {
		want = bt.Unix()
	}
	if s.Device.OSInstallTime != want {
		t.Errorf("install time %v, want %v", time.Unix(s.Device.OSInstallTime, 0).UTC(), time.Unix(want, 0).UTC())
	}
}

func TestReadDMISerialNeedsRoot(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads product_serial whatever its mode")
	}
	src := "testdata/sysfs/thinkpad-t14-energy/devices/virtual/dmi/id"
	dir := filepath.Join(t.TempDir(), "class", "dmi", "id")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"sys_vendor", "product_name", "product_version", "product_serial", "bios_date"} {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o444)
		if name == "product_serial" {
			mode = 0 // unreadable, as the kernel's 0400 root file is to a user
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, mode); err != nil {
			t.Fatal(err)
		}
	}
	m, model, serial, date, err := ReadDMI(context.Background(), filepath.Dir(filepath.Dir(filepath.Dir(dir))))
	if !errors.Is(err, ErrSerialNeedsRoot) {
		t.Errorf("err %v, want ErrSerialNeedsRoot", err)
	}
	if serial != "" || m != "LENOVO" || model != "ThinkPad T14 Gen 2i" || date != "2021-03-15" {
		t.Errorf("got %q %q %q %q", m, model, serial, date)
	}
}
