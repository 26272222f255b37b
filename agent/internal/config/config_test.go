package config

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) Getenv {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func writeConfig(t *testing.T) (path, tokenFile string) {
	t.Helper()
	dir := t.TempDir()
	tokenFile = filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("\n  tok-123  \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/agent.yaml")
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(dir, "agent.yaml")
	os.WriteFile(path, []byte(strings.ReplaceAll(string(data), "TOKENFILE", tokenFile)), 0o600)
	return path, tokenFile
}

func TestLoadFileThenEnvironmentWins(t *testing.T) {
	path, _ := writeConfig(t)
	c, err := Load(path, false, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.CollectorURL != "https://kretslopp.example.se:4318" || c.Token != "tok-123" || c.SpoolMaxBytes != 20<<20 ||
		c.SpoolMaxAge != 30*24*time.Hour || c.Interval != 15*time.Minute || c.Labels["site"] != "Rinkeby skola" || c.Labels["asset_tag"] != "SKL-004211" {
		t.Errorf("%+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("valid config: %v", err)
	}
	c, err = Load(path, false, env(map[string]string{
		"KRETSLOPP_COLLECTOR_URL": "http://127.0.0.1:4318", "KRETSLOPP_TOKEN": "env-tok", "KRETSLOPP_INTERVAL": "1s",
		"KRETSLOPP_SPOOL_DIR": "/tmp/s", "KRETSLOPP_SYSFS_ROOT": "/fixture",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.CollectorURL != "http://127.0.0.1:4318" || c.Token != "env-tok" || c.Interval != time.Second || c.SpoolDir != "/tmp/s" || c.SysfsRoot != "/fixture" {
		t.Errorf("environment must win: %+v", c)
	}
}

func TestLoadMissingFile(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), true, env(nil)); err != nil {
		t.Errorf("optional default file: %v", err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), false, env(nil)); err == nil {
		t.Error("explicit file missing: want an error")
	}
}

func TestValidateListsEveryProblem(t *testing.T) {
	c := Default()
	c.CollectorURL = "ftp://x"
	c.SpoolDir = "relative"
	c.Interval = 10 * time.Millisecond
	c.SpoolMaxBytes = 10
	c.SpoolMaxAge = time.Minute
	c.LogLevel = "loud"
	c.CAFile = "/nonexistent/ca.pem"
	c.Labels = map[string]string{"Bad-Key": "x"}
	err := c.Validate()
	if err == nil {
		t.Fatal("want errors")
	}
	for _, want := range []string{"collector_url", "token", "spool_dir", "interval", "spool_max_bytes", "spool_max_age", "log_level", "ca_file", "label key"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q not listed in:\n%v", want, err)
		}
	}
}

// TestLabelsFollowTheCollectorsRule: every label the collector would not
// store is listed at once, each naming its key and why; good ones pass.
func TestLabelsFollowTheCollectorsRule(t *testing.T) {
	c := Default()
	c.Labels = map[string]string{
		"site": "Rinkeby skola", "department": "utbildning", "asset_tag": "SKL-004211", // good
		"Asset-Tag": "x", "hostname": "y", "serial": "z", "time": "t", "uptime_s": "1", "last_seen": "2", // bad keys
		"room": "", "floor": "2\n3", "note": strings.Repeat("x", 257), "cost": "\xff", // bad values
	}
	err := c.ValidateLabels()
	if err == nil {
		t.Fatal("want errors")
	}
	for _, want := range []string{
		`label key "Asset-Tag": use lower-case`, `label key "hostname" is reserved`, `label key "serial" is reserved`,
		`label key "time" is reserved`, `label key "uptime_s" is reserved`, `label key "last_seen" is reserved`,
		`label "room": empty value`, `label "floor": value control character U+000A`,
		`label "note": value longer than 256 characters`, `label "cost": value invalid UTF-8`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q not listed in:\n%v", want, err)
		}
	}
	for _, good := range []string{"site", "department", "asset_tag"} {
		if strings.Contains(err.Error(), strconv.Quote(good)) {
			t.Errorf("good label %s listed in:\n%v", good, err)
		}
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != 10 {
		t.Errorf("%d problems listed, want 10:\n%v", n, err)
	}
	// Validate lists them with the rest.
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), `"Asset-Tag"`) {
		t.Errorf("Validate: %v", err)
	}
	c.Labels = map[string]string{"site": "Rinkeby skola"}
	if err := c.ValidateLabels(); err != nil {
		t.Errorf("good labels: %v", err)
	}
}

func TestParseRejectsUnknownKeysAndBadValues(t *testing.T) {
	if _, err := Parse(strings.NewReader("colector_url: x\n"), Default()); err == nil {
		t.Error("misspelt key must be an error")
	}
	if _, err := Parse(strings.NewReader("interval: soon\nspool_max_bytes: lots\n"), Default()); err == nil ||
		!strings.Contains(err.Error(), "interval") || !strings.Contains(err.Error(), "spool_max_bytes") {
		t.Errorf("got %v", err)
	}
	c, err := ApplyEnv(Default(), env(map[string]string{"KRETSLOPP_INTERVAL": "x"}))
	if err == nil {
		t.Errorf("bad KRETSLOPP_INTERVAL accepted: %v", c.Interval)
	}
}

func TestParseSizeAndDuration(t *testing.T) {
	for in, want := range map[string]int64{"50MiB": 50 << 20, "5 MB": 5e6, "1024": 1024, "2KiB": 2048} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v", in, got, err)
		}
	}
	if _, err := ParseSize("-1"); err == nil {
		t.Error("negative size accepted")
	}
	if d, err := ParseDuration("7d"); err != nil || d != 7*24*time.Hour {
		t.Errorf("7d: %v %v", d, err)
	}
}

func TestTokenNeverInString(t *testing.T) {
	// The token is a plain field; make sure Validate's messages never echo it.
	c := Default()
	c.Token = "secret value"
	if err := c.Validate(); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("got %v", err)
	}
}

func FuzzParse(f *testing.F) {
	seed, _ := os.ReadFile("testdata/agent.yaml")
	f.Add(seed)
	f.Add([]byte("interval: 1s\nlabels: {a: b}\n"))
	f.Add([]byte("spool_max_bytes: 99999999999999999999GiB\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(strings.NewReader(string(data)), Default())
		if err != nil {
			return
		}
		if c.SpoolMaxBytes < 0 || c.Interval < 0 || c.SpoolMaxAge < 0 {
			t.Fatalf("negative value accepted: %+v", c)
		}
		_ = c.Validate()
	})
}
