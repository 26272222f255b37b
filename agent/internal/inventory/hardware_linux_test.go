//go:build linux

package inventory

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/internal/testkit"
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
		testkit.Require(t, "a file system with birth times for TMPDIR", errors.New("statx reports no STATX_BTIME"))
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
		// Root reads product_serial whatever its mode: check as nobody.
		runAsNobody(t)
		return
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
	d, err := ReadDMI(context.Background(), filepath.Dir(filepath.Dir(filepath.Dir(dir))))
	if !errors.Is(err, ErrSerialNeedsRoot) {
		t.Errorf("err %v, want ErrSerialNeedsRoot", err)
	}
	if d.Serial != "" || d.Manufacturer != "LENOVO" || d.Model != "ThinkPad T14 Gen 2i" || d.ModelIdentifier != "20W000Q2MX" || d.FirmwareDate != "2021-03-15" {
		t.Errorf("got %+v", d)
	}
}

// runAsNobody runs the calling test again in a copy of the test binary as
// the user nobody, and fails if it does not pass there.
func runAsNobody(t *testing.T) {
	t.Helper()
	dir, err := os.MkdirTemp("", "kretslopp-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "tmp")
	bin := filepath.Join(dir, "inventory.test")
	self, err := os.ReadFile(os.Args[0])
	if err == nil {
		err = errors.Join(os.Chmod(dir, 0o755), os.Mkdir(tmp, 0o777), os.Chmod(tmp, 0o777), os.WriteFile(bin, self, 0o755))
	}
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("as nobody: %v\n%s", err, out)
	}
}
