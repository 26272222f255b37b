//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kretslopp/kretslopp/agent/internal/inventory"
)

const corpus = "../../internal/inventory/testdata/corpus"

// TestCollectCorpusThroughTheBinary runs every recording of the corpus
// through the real binary, as IT support would: `collect --json --from`
// for dumps, KRETSLOPP_SYSFS_ROOT for Linux trees. The batteries it prints
// are what the inventory readers make of the same files (whose figures
// inventory's TestCorpus checks against facts.json).
func TestCollectCorpusThroughTheBinary(t *testing.T) {
	bin := agentBin(t)
	data, err := os.ReadFile(filepath.Join(corpus, "facts.json"))
	if err != nil {
		t.Fatal(err)
	}
	var facts struct {
		Recordings []struct {
			ID    string `json:"id"`
			OS    string `json:"os"`
			Files struct {
				From      []string `json:"from"`
				SysfsRoot string   `json:"sysfs_root"`
			} `json:"files"`
		} `json:"recordings"`
	}
	if err := json.Unmarshal(data, &facts); err != nil {
		t.Fatal(err)
	}
	for _, r := range facts.Recordings {
		t.Run(r.ID, func(t *testing.T) {
			dir, _ := filepath.Abs(filepath.Join(corpus, filepath.FromSlash(r.ID)))
			args := []string{"--config", emptyConfig(t), "collect", "--json"}
			var env []string
			var want []inventory.Battery
			if r.Files.SysfsRoot != "" {
				root := filepath.Join(dir, r.Files.SysfsRoot)
				env = append(env, "KRETSLOPP_SYSFS_ROOT="+root)
				want, _ = inventory.ReadSysfsBatteries(context.Background(), root)
			} else {
				var files []string
				for _, f := range r.Files.From {
					files = append(files, filepath.Join(dir, f))
					args = append(args, "--from", filepath.Join(dir, f))
				}
				s, _, err := inventory.ReadDumps(files, "test")
				if err != nil {
					t.Fatal(err)
				}
				want = s.Batteries
			}
			cmd := exec.Command(bin, args...)
			cmd.Env = append(os.Environ(), env...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%v\n%s", err, stderr.String())
			}
			var got struct {
				Device    map[string]any      `json:"device"`
				Batteries []inventory.Battery `json:"batteries"`
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("not the contract JSON: %v\n%s", err, out)
			}
			if want == nil {
				want = []inventory.Battery{}
			}
			g, _ := json.Marshal(got.Batteries)
			w, _ := json.Marshal(want)
			if !bytes.Equal(g, w) {
				t.Errorf("binary\n%s\nreaders\n%s", g, w)
			}
			if r.Files.SysfsRoot == "" {
				wantOS := map[string]string{"macos": "darwin", "windows": "windows"}[r.OS]
				if got.Device["os"] != wantOS {
					t.Errorf("device.os %v, want %s (the dump's, not this machine's)", got.Device["os"], wantOS)
				}
				if got.Device["hostname"] != "" {
					t.Errorf("device.hostname %v: the dump has none; this machine's must not show", got.Device["hostname"])
				}
			}
		})
	}
}

func TestCollectFromUnknownFileFails(t *testing.T) {
	notes := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(notes, []byte("the battery dies at 40 %\n"), 0o600)
	good, _ := filepath.Abs(filepath.Join(corpus, "windows/si42-dell-laptop/wmi.json"))
	cmd := exec.Command(agentBin(t), "--config", emptyConfig(t), "collect", "--json", "--from", good, "--from", notes)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit %v, want 1\n%s", err, stderr.String())
	}
	if stdout.Len() != 0 {
		t.Errorf("printed a snapshot anyway:\n%s", stdout.String())
	}
	for _, want := range []string{notes, "not a dump this agent knows", "ioreg", "WMI", "uevent"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr.String())
		}
	}
	cmd = exec.Command(agentBin(t), "--config", emptyConfig(t), "collect", "--from")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "--from needs a file") {
		t.Errorf("--from without a file: %v\n%s", err, out)
	}
	cmd = exec.Command(agentBin(t), "--config", emptyConfig(t), "spool", "--from", good)
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "unknown argument") {
		t.Errorf("--from with spool: %v\n%s", err, out)
	}
}

// TestCollectFromTable: the table IT support reads names a battery read
// without root\WMI and a reading withheld as implausible.
func TestCollectFromTable(t *testing.T) {
	wmi, _ := filepath.Abs(filepath.Join(corpus, "windows/glpi240-thinkpad-two/wmi.json"))
	out, err := exec.Command(agentBin(t), "--config", emptyConfig(t), "collect", "--from", wmi).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte(`BAT1: read without root\WMI`)) || !bytes.Contains(out, []byte("BAT0")) {
		t.Errorf("no missing-source note:\n%s", out)
	}
	root, _ := filepath.Abs(filepath.Join(corpus, "linux/tlp762-x1-extreme-gen2/sysfs"))
	cmd := exec.Command(agentBin(t), "--config", emptyConfig(t), "collect")
	cmd.Env = append(os.Environ(), "KRETSLOPP_SYSFS_ROOT="+root)
	out, err = cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte("BAT0: withheld as implausible: health_pct 4724.28 outside 10–150")) {
		t.Errorf("no implausible note:\n%s", out)
	}
}

// TestLenovoModelIsTheSameOnLinuxAndWindows: one Lenovo's SMBIOS strings
// (Product Name 20W000Q2MX, Version ThinkPad T14 Gen 2i), read by the
// binary from a Linux sysfs tree and from a WMI dump made with the
// PowerShell lines of docs/agent.md, give the same model (the marketing
// name) and the same model_identifier (the machine type-model), so that a
// fleet split across OSes groups as one model.
func TestLenovoModelIsTheSameOnLinuxAndWindows(t *testing.T) {
	bin := agentBin(t)
	device := func(out []byte) map[string]any {
		t.Helper()
		var got struct {
			Device map[string]any `json:"device"`
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return got.Device
	}
	root, _ := filepath.Abs("../../internal/inventory/testdata/sysfs/thinkpad-t14-energy")
	cmd := exec.Command(bin, "--config", emptyConfig(t), "collect", "--json")
	cmd.Env = append(os.Environ(), "KRETSLOPP_SYSFS_ROOT="+root)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	linux := device(out)

	// ConvertTo-Json of Get-CimInstance … | Select-Object, as PowerShell 7
	// writes it: classes the lines select, in their order.
	dump := filepath.Join(t.TempDir(), "kretslopp-wmi.json")
	if err := os.WriteFile(dump, []byte(`{
  "Win32_ComputerSystem": [{"Manufacturer": "LENOVO", "Model": "20W000Q2MX"}],
  "Win32_ComputerSystemProduct": [{"Name": "20W000Q2MX", "Version": "ThinkPad T14 Gen 2i"}],
  "Win32_BIOS": [{"SerialNumber": "PF2ABCDE", "ReleaseDate": "2021-03-15T00:00:00"}]
}`), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command(bin, "--config", emptyConfig(t), "collect", "--json", "--from", dump).Output()
	if err != nil {
		t.Fatalf("collect --from: %v", err)
	}
	windows := device(out)
	for _, d := range []map[string]any{linux, windows} {
		if d["manufacturer"] != "LENOVO" || d["model"] != "ThinkPad T14 Gen 2i" || d["model_identifier"] != "20W000Q2MX" {
			t.Errorf("%s: manufacturer %v, model %v, model_identifier %v; want LENOVO, ThinkPad T14 Gen 2i, 20W000Q2MX",
				d["os"], d["manufacturer"], d["model"], d["model_identifier"])
		}
	}
}
