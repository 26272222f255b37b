package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func write(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "collector.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestEnvironmentWinsOverFile(t *testing.T) {
	path := write(t, "listen: 127.0.0.1:9000\ninflux:\n  url: http://file:8086\n  bucket: file/autogen\n  token: from-file\n")
	cfg, err := Load(path, env(map[string]string{"KRETSLOPP_INFLUX_URL": "http://env:8086", "KRETSLOPP_GRAPH_TENANT_ID": "tenant"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Influx.URL != "http://env:8086" || cfg.Listen != "127.0.0.1:9000" || cfg.Influx.Bucket != "file/autogen" || cfg.Graph.TenantID != "tenant" {
		t.Errorf("got %+v", cfg)
	}
	if cfg.Graph.BaseURL != DefaultGraphBaseURL || cfg.Ingest.BatchLines != 5000 {
		t.Errorf("defaults lost: %+v", cfg)
	}
}

func TestUnknownKeyNamesTheLine(t *testing.T) {
	path := write(t, "listen: :4318\ninflux:\n  urll: http://x\n")
	_, err := Load(path, env(nil))
	if err == nil || !strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), "urll") {
		t.Fatalf("error %v should name line 3 and the key", err)
	}
}

func TestValidateListsEveryProblem(t *testing.T) {
	cfg := Defaults()
	cfg.Listen = "nonsense"
	cfg.TLS.CertFile = "/missing/cert.pem"
	cfg.Ingest.BatchLines = 10000
	cfg.LogLevel = "loud"
	cfg.Graph.TenantID = "t" // a partly configured Graph is checked too
	err := cfg.Validate()
	if err == nil {
		t.Fatal("want errors")
	}
	for _, want := range []string{"KRETSLOPP_LISTEN", "cert_file and key_file go together", "tls.cert_file", "batch_lines 10000", "log_level", "KRETSLOPP_INFLUX_URL", "KRETSLOPP_INFLUX_BUCKET", "KRETSLOPP_GRAPH_CLIENT_ID", "needs a credential"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("errors do not mention %q:\n%v", want, err)
		}
	}
}

func TestValidMinimalConfiguration(t *testing.T) {
	cfg, err := Load("", env(map[string]string{"KRETSLOPP_INFLUX_URL": "http://127.0.0.1:8086", "KRETSLOPP_INFLUX_BUCKET": "kretslopp/autogen"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("a URL and a bucket should be enough: %v", err)
	}
}

func TestRedactedHidesSecrets(t *testing.T) {
	cfg := Defaults()
	cfg.Influx.Token = "influx-secret-token"
	cfg.Graph.ClientSecret = "graph-secret-value"
	out := cfg.Redacted().YAML()
	if strings.Contains(out, "influx-secret-token") || strings.Contains(out, "graph-secret-value") || !strings.Contains(out, "<redacted>") {
		t.Errorf("secrets in printed configuration:\n%s", out)
	}
	if cfg.Influx.Token != "influx-secret-token" {
		t.Error("Redacted changed the original")
	}
}

func TestIngestBudgetsAreChecked(t *testing.T) {
	cfg := Defaults()
	cfg.Ingest.MaxInflightBytes = 1 << 20
	cfg.Ingest.MaxResources = 0
	cfg.Ingest.MaxLabels = 1000
	cfg.Ingest.NewDevicesPerHour = 0
	cfg.Ingest.MaxDevices = -1
	cfg.Ingest.MaxAge = time.Minute
	err := cfg.Validate()
	for _, want := range []string{"ingest.max_inflight_bytes 1048576 is below ingest.max_body_bytes", "ingest.max_resources 0", "ingest.max_labels 1000", "ingest.new_devices_per_hour 0", "ingest.max_devices -1", "ingest.max_age 1m0s must be 0 (off) or at least 24h"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("errors do not mention %q:\n%v", want, err)
		}
	}
	d := Defaults().Ingest
	if d.MaxAge != 97*24*time.Hour || d.MaxInflightBytes != 64<<20 || d.MaxResources != 100 || d.MaxLabels != 16 || d.NewDevicesPerHour != 2000 {
		t.Errorf("defaults %+v", d)
	}
}

func TestRedactedHidesURLCredentials(t *testing.T) {
	cfg := Defaults()
	cfg.Influx.URL = "http://admin:influx-password@influx:8086"
	cfg.Graph.BaseURL = "https://graph.local/v1.0?token=abc123secret"
	out := cfg.Redacted().YAML()
	if strings.Contains(out, "influx-password") || strings.Contains(out, "abc123secret") || !strings.Contains(out, "admin:xxxxx@influx:8086") {
		t.Errorf("a URL's credential in the printed configuration:\n%s", out)
	}
	cfg.Influx.URL = "ftp://admin:influx-password@influx"
	if err := cfg.Validate(); err == nil || strings.Contains(err.Error(), "influx-password") {
		t.Errorf("Validate: %v", err)
	}
}
