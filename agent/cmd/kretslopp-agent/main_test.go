//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/internal/testkit"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

// agentBin is the real binary, built as `make build` builds it.
func agentBin(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	return testkit.Binary(t, testkit.Agent)
}

// emptyConfig is an empty configuration file, so that the machine's own
// /etc/kretslopp/agent.yaml never leaks into a test.
func emptyConfig(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "agent.yaml")
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func keys(m map[string]any) []string {
	var k []string
	for key := range m {
		k = append(k, key)
	}
	sort.Strings(k)
	return k
}

func TestCollectJSONFromFixture(t *testing.T) {
	bin := agentBin(t)
	root, _ := filepath.Abs("../../internal/inventory/testdata/sysfs/thinkpad-t480-two")
	cmd := exec.Command(bin, "--config", emptyConfig(t), "collect", "--json")
	cmd.Env = append(os.Environ(), "KRETSLOPP_SYSFS_ROOT="+root)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("collect: %v\n%s", err, stderr.String())
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	dev, ok := got["device"].(map[string]any)
	if !ok {
		t.Fatalf("no device object: %s", out)
	}
	for _, k := range []string{"id", "hostname", "os", "os_version", "manufacturer", "model", "serial", "uptime_s", "boot_time"} {
		if _, ok := dev[k]; !ok {
			t.Errorf("device.%s missing (have %v)", k, keys(dev))
		}
	}
	if dev["manufacturer"] != "LENOVO" || dev["model"] != "ThinkPad T480" || dev["serial"] != "R90ABCDE" || dev["firmware_date"] != "2018-11-27" {
		t.Errorf("device from DMI: %v", dev)
	}
	// os_install_time is always present: RFC 3339, or null when unknown.
	if it, ok := dev["os_install_time"]; !ok {
		t.Errorf("device.os_install_time missing")
	} else if it != nil {
		s, _ := it.(string)
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			t.Errorf("os_install_time %v: %v", it, err)
		}
	}
	if up, ok := dev["uptime_s"].(float64); !ok || up <= 0 {
		t.Errorf("uptime_s %v", dev["uptime_s"])
	}
	if bt, ok := dev["boot_time"].(float64); !ok || bt < 1e9 {
		t.Errorf("boot_time %v", dev["boot_time"])
	}
	bats, ok := got["batteries"].([]any)
	if !ok || len(bats) != 2 {
		t.Fatalf("batteries: %v", got["batteries"])
	}
	want := []map[string]any{
		{"name": "BAT0", "cycle_count": 388.0, "design_wh": 24.04, "full_wh": 19.87, "health_pct": 82.65, "charge_pct": 98.0, "state": "not_charging"},
		{"name": "BAT1", "cycle_count": nil, "design_wh": 71.98, "full_wh": 68.3, "health_pct": 94.89, "charge_pct": 100.0, "state": "full"},
	}
	for i, w := range want {
		b := bats[i].(map[string]any)
		for k, v := range w {
			gv, present := b[k]
			if !present || !reflect.DeepEqual(gv, v) {
				t.Errorf("battery %d %s = %v (present %v), want %v", i, k, gv, present, v)
			}
		}
	}
}

func TestCollectJSONNoBattery(t *testing.T) {
	bin := agentBin(t)
	root, _ := filepath.Abs("../../internal/inventory/testdata/sysfs/desktop-mouse")
	cmd := exec.Command(bin, "--config", emptyConfig(t), "collect", "--json")
	cmd.Env = append(os.Environ(), "KRETSLOPP_SYSFS_ROOT="+root)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte(`"batteries": []`)) {
		t.Errorf("a mouse is not a battery; want an empty array:\n%s", out)
	}
}

func TestRunReportsWithinTwoIntervalsAndStopsCleanly(t *testing.T) {
	bin := agentBin(t)
	got := make(chan http.Header, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Clone()
	}))
	defer srv.Close()
	spoolDir := t.TempDir()
	tokenFile := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tokenFile, []byte("file-token\n"), 0o600)
	root, _ := filepath.Abs("../../internal/inventory/testdata/sysfs/thinkpad-t14-energy")
	cmd := exec.Command(bin, "--config", emptyConfig(t), "run")
	cmd.Env = append(os.Environ(), "KRETSLOPP_COLLECTOR_URL="+srv.URL, "KRETSLOPP_TOKEN_FILE="+tokenFile,
		"KRETSLOPP_SPOOL_DIR="+spoolDir, "KRETSLOPP_INTERVAL=1s", "KRETSLOPP_SYSFS_ROOT="+root, "GOTRACEBACK=all")
	stderr := &syncBuffer{} // read while the agent runs
	cmd.Stderr = stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case h := <-got:
		if h.Get("Authorization") != "Bearer file-token" {
			t.Errorf("authorization %q", h.Get("Authorization"))
		}
		// Within two intervals: the start-up delay the agent chose is below
		// one (read from its log, so that a loaded machine's slow start
		// does not count), and the first cycle reports at its end.
		m := regexp.MustCompile(`start_delay=(\S+)`).FindStringSubmatch(stderr.String())
		if m == nil {
			t.Errorf("no start_delay logged (first report after %v)\n%s", time.Since(start), stderr.String())
		} else if d, err := time.ParseDuration(m[1]); err != nil || d >= time.Second {
			t.Errorf("start delay %s, want below the 1 s interval", m[1])
		}
	case <-time.After(30 * time.Second):
		// Where it waits: the goroutine dump SIGQUIT prints.
		cmd.Process.Signal(syscall.SIGQUIT)
		cmd.Wait()
		t.Fatalf("no report within 30 s\n%s", stderr.String())
	}
	// A second report means the first was acknowledged and deleted.
	select {
	case <-got:
	case <-time.After(30 * time.Second):
		cmd.Process.Signal(syscall.SIGQUIT)
		cmd.Wait()
		t.Fatalf("no second report within 30 s\n%s", stderr.String())
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("run did not stop cleanly: %v\n%s", err, stderr.String())
	}
	if strings.Contains(stderr.String(), "file-token") {
		t.Error("the token was logged")
	}
	cmd2 := exec.Command(bin, "--config", emptyConfig(t), "spool", "--json")
	cmd2.Env = append(os.Environ(), "KRETSLOPP_SPOOL_DIR="+spoolDir)
	out, err := cmd2.Output()
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal(out, &st); err != nil || st["last_success"] == nil {
		t.Errorf("spool --json: %v %s", err, out)
	}
}

func TestRunRefusesBadConfigListingEveryProblem(t *testing.T) {
	bin := agentBin(t)
	cfg := filepath.Join(t.TempDir(), "agent.yaml")
	os.WriteFile(cfg, []byte("collector_url: ftp://x\ninterval: 10ms\nspool_dir: relative\n"), 0o600)
	cmd := exec.Command(bin, "--config", cfg, "run")
	cmd.Env = append(os.Environ(), "KRETSLOPP_TOKEN=", "KRETSLOPP_COLLECTOR_URL=")
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
		t.Fatalf("exit %v\n%s", err, out)
	}
	for _, want := range []string{"collector_url", "token", "interval", "spool_dir"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("problem %q not listed:\n%s", want, out)
		}
	}
}

// TestBadLabelsRefusedAtStart: a label the collector would not store
// stops `run` and `collect` at start, before anything is read or sent,
// with every bad key named and why; the rest of the configuration is fine.
func TestBadLabelsRefusedAtStart(t *testing.T) {
	bin := agentBin(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "agent.yaml")
	yaml := "collector_url: http://127.0.0.1:1\ntoken: t0ken\nspool_dir: " + filepath.Join(dir, "spool") +
		"\nlabels: {Asset-Tag: x, hostname: y, site: Rinkeby skola}\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, command := range []string{"run", "collect"} {
		cmd := exec.Command(bin, "--config", cfg, command)
		cmd.Env = append(os.Environ(), "KRETSLOPP_TOKEN=", "KRETSLOPP_COLLECTOR_URL=", "KRETSLOPP_SPOOL_DIR=")
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
			t.Fatalf("%s: exit %v, want 2\n%s", command, err, out)
		}
		for _, want := range []string{
			`label key "Asset-Tag": use lower-case letters, digits and _`,
			`label key "hostname" is reserved: it is a tag or field of the device measurements`,
		} {
			if !bytes.Contains(out, []byte(want)) {
				t.Errorf("%s: %q not in:\n%s", command, want, out)
			}
		}
		if bytes.Contains(out, []byte(`"site"`)) || bytes.Contains(out, []byte("DEVICE")) {
			t.Errorf("%s: the good label listed, or something read:\n%s", command, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "spool")); !os.IsNotExist(err) {
		t.Errorf("run made the spool before refusing: %v", err)
	}
}

func TestVersion(t *testing.T) {
	out, err := exec.Command(agentBin(t), "version").Output()
	if err != nil || !bytes.HasPrefix(out, []byte("kretslopp-agent ")) {
		t.Fatalf("%s %v", out, err)
	}
}
