package systemd

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kretslopp/kretslopp/internal/testkit"
)

// unit is a parsed unit file: section -> key -> values in order.
type unit map[string]map[string][]string

func parse(t *testing.T, path string) unit {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := unit{}
	section := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.Trim(line, "[]")
			u[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s:%d: not key=value in a section: %q", path, n, line)
			}
			u[section][k] = append(u[section][k], v)
		}
	}
	return u
}

// last is the effective value of a single-valued key.
func (u unit) last(section, key string) (string, bool) {
	v, ok := u[section][key]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[len(v)-1], true
}

var services = []string{"kretslopp-agent.service", "kretslopp-collector.service", "kretslopp-collector-pull.service"}

// TestHardening checks by parsing what the brief of every service promises.
// It runs everywhere; systemd-analyze below adds systemd's own checks.
func TestHardening(t *testing.T) {
	want := map[string]string{
		"NoNewPrivileges":         "yes",
		"CapabilityBoundingSet":   "",
		"AmbientCapabilities":     "",
		"ProtectSystem":           "strict",
		"ProtectHome":             "yes",
		"PrivateTmp":              "yes",
		"PrivateDevices":          "yes",
		"ProtectKernelTunables":   "yes",
		"ProtectKernelModules":    "yes",
		"ProtectControlGroups":    "yes",
		"RestrictSUIDSGID":        "yes",
		"MemoryDenyWriteExecute":  "yes",
		"SystemCallArchitectures": "native",
		"LockPersonality":         "yes",
		"RestrictNamespaces":      "yes",
		"UMask":                   "0077",
	}
	for _, name := range services {
		t.Run(name, func(t *testing.T) {
			u := parse(t, name)
			for k, v := range want {
				got, ok := u.last("Service", k)
				if !ok || got != v {
					t.Errorf("%s=%q (set: %v), want %q", k, got, ok, v)
				}
			}
			if fams, _ := u.last("Service", "RestrictAddressFamilies"); strings.Contains(fams, "AF_PACKET") || fams == "" {
				t.Errorf("RestrictAddressFamilies=%q", fams)
			}
			exec, _ := u.last("Service", "ExecStart")
			if !strings.HasPrefix(exec, "/usr/bin/kretslopp-") || !strings.Contains(exec, "--config /etc/kretslopp/") {
				t.Errorf("ExecStart=%q: want the packaged binary and an explicit config", exec)
			}
			if env, _ := u.last("Service", "EnvironmentFile"); !strings.HasPrefix(env, "-/etc/kretslopp/") {
				t.Errorf("EnvironmentFile=%q: want an optional file under /etc/kretslopp", env)
			}
		})
	}

	agent := parse(t, "kretslopp-agent.service")
	if v, _ := agent.last("Service", "StateDirectory"); v != "kretslopp" {
		t.Errorf("agent StateDirectory=%q: the spool /var/lib/kretslopp must be the unit's state directory", v)
	}
	if v, _ := agent.last("Service", "ReadOnlyPaths"); !strings.Contains(v, "/sys") {
		t.Errorf("agent ReadOnlyPaths=%q: want /sys read-only", v)
	}
	if v, _ := agent.last("Service", "Restart"); v != "always" {
		t.Errorf("agent Restart=%q", v)
	}
	if v, _ := agent.last("Unit", "ConditionFileNotEmpty"); v != "/etc/kretslopp/agent.token" {
		t.Errorf("agent ConditionFileNotEmpty=%q", v)
	}
	if v, _ := agent.last("Install", "WantedBy"); v != "multi-user.target" {
		t.Errorf("agent WantedBy=%q", v)
	}
	if v, _ := parse(t, "kretslopp-collector.service").last("Unit", "ConditionFileNotEmpty"); v != "/etc/kretslopp/agent-tokens" {
		t.Errorf("collector ConditionFileNotEmpty=%q", v)
	}
	for _, name := range []string{"kretslopp-collector.service", "kretslopp-collector-pull.service"} {
		u := parse(t, name)
		if v, _ := u.last("Service", "User"); v != "kretslopp" {
			t.Errorf("%s User=%q: the collector must not run as root", name, v)
		}
	}
	pull := parse(t, "kretslopp-collector-pull.service")
	if v, _ := pull.last("Service", "Type"); v != "oneshot" {
		t.Errorf("pull Type=%q", v)
	}
	if v, _ := pull.last("Service", "ExecStart"); !strings.Contains(v, " pull --once ") {
		t.Errorf("pull ExecStart=%q", v)
	}
	timer := parse(t, "kretslopp-collector-pull.timer")
	if v, _ := timer.last("Timer", "Persistent"); v != "true" {
		t.Errorf("timer Persistent=%q: a pull missed while down must run at boot", v)
	}
	if v, _ := timer.last("Timer", "Unit"); v != "kretslopp-collector-pull.service" {
		t.Errorf("timer Unit=%q", v)
	}
	if v, _ := timer.last("Timer", "OnCalendar"); v == "" {
		t.Error("timer has no OnCalendar")
	}
}

// stage copies the units into a temporary folder with ExecStart pointing
// at stand-in executables, since systemd-analyze verify insists that the
// binaries exist.
func stage(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"kretslopp-agent", "kretslopp-collector"} {
		if err := os.WriteFile(filepath.Join(bin, b), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := filepath.Glob("*.service")
	timers, _ := filepath.Glob("*.timer")
	for _, f := range append(files, timers...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		data = []byte(strings.ReplaceAll(string(data), "/usr/bin/", bin+"/"))
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestSystemdAnalyzeVerify(t *testing.T) {
	analyze := testkit.Tool(t, "systemd-analyze")
	dir := stage(t)
	args := []string{"verify"}
	for _, f := range append(append([]string{}, services...), "kretslopp-collector-pull.timer") {
		args = append(args, filepath.Join(dir, f))
	}
	out, err := exec.Command(analyze, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	// verify exits 0 on unknown keys and bad values, only warning.
	for _, bad := range []string{"Unknown key", "Unknown section", "Failed to parse", "Invalid", "is not executable", "ignoring"} {
		if strings.Contains(string(out), bad) {
			t.Errorf("systemd-analyze verify warns (%q):\n%s", bad, out)
		}
	}
}

// TestSystemdAnalyzeSecurity keeps every service at systemd's "OK" level
// (exposure below 3.0 of 10).
func TestSystemdAnalyzeSecurity(t *testing.T) {
	analyze := testkit.Tool(t, "systemd-analyze")
	dir := stage(t)
	re := regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`)
	for _, name := range services {
		out, err := exec.Command(analyze, "security", "--offline=yes", filepath.Join(dir, name)).CombinedOutput()
		if err != nil {
			t.Fatalf("systemd-analyze security %s: %v\n%s", name, err, out)
		}
		m := re.FindSubmatch(out)
		if m == nil {
			t.Fatalf("no exposure level in output:\n%s", out)
		}
		level, _ := strconv.ParseFloat(string(m[1]), 64)
		t.Logf("%s exposure %.1f", name, level)
		if level >= 3.0 {
			t.Errorf("%s exposure %.1f, want below 3.0", name, level)
		}
	}
}
