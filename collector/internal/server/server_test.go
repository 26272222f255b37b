package server

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/kretslopp/kretslopp/collector/internal/config"
	"github.com/kretslopp/kretslopp/collector/internal/influxtest"
	"github.com/kretslopp/kretslopp/internal/testkit"
	"github.com/kretslopp/kretslopp/internal/testkit/agentsim"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

const agentToken = testkit.AgentToken

type harness struct {
	url string
	db  *influxtest.DB
}

// startCollector runs this package's server in the test's process, so
// that the race detector sees its goroutines, through the project's one
// collector harness (token files, port, readiness, log on failure).
// mutate adjusts the configuration the harness's environment gives.
func startCollector(t *testing.T, db *influxtest.DB, opts testkit.CollectorOptions, mutate ...func(*config.Config)) string {
	t.Helper()
	opts.Serve = func(ctx context.Context, getenv func(string) string, log io.Writer) error {
		cfg, err := config.Load("", getenv)
		if err != nil {
			return err
		}
		cfg.Ingest.MaxBodyBytes = 1 << 20
		cfg.Ingest.TokenRate = 0 // the tests share one token; TestFloodingTokenGets429 sets a limit
		cfg.Ingest.WriteTimeout = 3 * time.Second
		for _, f := range mutate {
			f(&cfg)
		}
		if err := cfg.Validate(); err != nil {
			return err
		}
		srv, err := New(cfg, slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelWarn})))
		if err != nil {
			return err
		}
		return srv.Serve(ctx)
	}
	return testkit.StartCollector(t, db.DB, opts).URL
}

func newHarness(t *testing.T) harness {
	db := influxtest.NewDatabase(t)
	return harness{url: startCollector(t, db, testkit.CollectorOptions{}), db: db}
}

type response struct {
	status int
	body   []byte
	header http.Header
}

func post(t *testing.T, url string, body []byte, headers map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/v1/metrics", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, b, resp.Header}
}

func protoHeaders(gz bool) map[string]string {
	h := map[string]string{"Content-Type": "application/x-protobuf", "Authorization": "Bearer " + agentToken}
	if gz {
		h["Content-Encoding"] = "gzip"
	}
	return h
}

// row returns the single row of a query as column → value.
func row(t *testing.T, db *influxtest.DB, q string) map[string]any {
	t.Helper()
	series := db.Query(t, q)
	if len(series) != 1 || len(series[0].Values) != 1 {
		t.Fatalf("%s: want exactly one row, got %+v", q, series)
	}
	out := map[string]any{}
	for i, c := range series[0].Columns {
		out[c] = series[0].Values[0][i]
	}
	return out
}

func count(t *testing.T, db *influxtest.DB, measurement string) int {
	t.Helper()
	series := db.Query(t, fmt.Sprintf(`SELECT count(*) FROM %q`, measurement))
	if len(series) == 0 {
		return 0
	}
	max := 0
	for i, c := range series[0].Columns {
		if strings.HasPrefix(c, "count_") {
			if v, ok := series[0].Values[0][i].(float64); ok && int(v) > max {
				max = int(v)
			}
		}
	}
	return max
}

func TestProtobufReportLandsInInfluxDB(t *testing.T) {
	h := newHarness(t)
	ts := time.Now().UTC().Truncate(time.Second).Add(-time.Minute)
	d := agentsim.Laptop(7)
	d.UptimeS = 86400.5
	d.FirmwareDate = "2021-03-15"
	resp := post(t, h.url, agentsim.Protobuf(agentsim.Request(d.ResourceMetrics(ts)), true), protoHeaders(true))
	if resp.status != http.StatusOK {
		t.Fatalf("status %d: %s", resp.status, resp.body)
	}
	var out colmetricpb.ExportMetricsServiceResponse
	if err := proto.Unmarshal(resp.body, &out); err != nil {
		t.Fatalf("response is not an ExportMetricsServiceResponse: %v", err)
	}
	if out.GetPartialSuccess().GetRejectedDataPoints() != 0 {
		t.Fatalf("unexpected partial success: %v", out.GetPartialSuccess())
	}

	dev := row(t, h.db, `SELECT * FROM device WHERE device_id = 'device-000007'`)
	want := map[string]any{
		"time": ts.Format(time.RFC3339), "uptime_s": 86400.5, "boot_time": float64(1700000000),
		"hostname": "skola-lap-0007", "os": "linux", "os_version": "12", "manufacturer": "LENOVO",
		"model": "ThinkPad T14 Gen 2i", "serial": "PF000007", "site": "rinkeby-skola",
		"memory_bytes": float64(16 << 30), "disk_bytes": float64(512 << 30), "agent_version": "0.1.0", "arch": "amd64",
		"firmware_date": "2021-03-15", "firmware_time": float64(time.Date(2021, 3, 15, 0, 0, 0, 0, time.UTC).Unix()),
	}
	for k, v := range want {
		if dev[k] != v {
			t.Errorf("device.%s = %v (%T), want %v", k, dev[k], dev[k], v)
		}
	}
	bat := row(t, h.db, `SELECT * FROM battery WHERE device_id = 'device-000007'`)
	wantBat := map[string]any{
		"battery": "BAT0", "cycle_count": float64(412), "design_wh": 50.0, "full_wh": 41.5,
		"health_pct": 83.0, "charge_pct": 87.0, "state": "discharging", "vendor": "SMP",
		"model": "ThinkPad T14 Gen 2i", "manufacturer": "LENOVO",
	}
	for k, v := range wantBat {
		if got, ok := bat[k].(float64); ok {
			if w, ok := v.(float64); !ok || got-w > 1e-9 || w-got > 1e-9 {
				t.Errorf("battery.%s = %v, want %v", k, got, v)
			}
			continue
		}
		if bat[k] != v {
			t.Errorf("battery.%s = %v, want %v", k, bat[k], v)
		}
	}
	daily := row(t, h.db, `SELECT last_seen, uptime_s FROM device_daily WHERE device_id = 'device-000007'`)
	midnight := time.Date(ts.Year(), ts.Month(), ts.Day(), 0, 0, 0, 0, time.UTC)
	if daily["time"] != midnight.Format(time.RFC3339) || daily["last_seen"] != float64(ts.Unix()) {
		t.Errorf("device_daily = %v, want time %s last_seen %d", daily, midnight.Format(time.RFC3339), ts.Unix())
	}
	// Integers stay integers: InfluxDB reports the field type.
	types := h.db.Query(t, `SHOW FIELD KEYS FROM battery`)
	if !strings.Contains(fmt.Sprint(types), "[cycle_count integer]") {
		t.Errorf("cycle_count should be an integer field: %v", types)
	}
}

func TestJSONReportLandsInInfluxDB(t *testing.T) {
	h := newHarness(t)
	ts := time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)
	d := agentsim.Laptop(8)
	d.Batteries = append(d.Batteries, agentsim.Battery{ID: "BAT1", DesignWh: 24, FullWh: 12, Charge: 0.5, State: "charging"})
	body, err := protojson.Marshal(agentsim.Request(d.ResourceMetrics(ts)))
	if err != nil {
		t.Fatal(err)
	}
	resp := post(t, h.url, body, map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + agentToken})
	if resp.status != http.StatusOK {
		t.Fatalf("status %d: %s", resp.status, resp.body)
	}
	if ct := resp.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("response content type %q, want application/json", ct)
	}
	bat := row(t, h.db, `SELECT health_pct, cycle_count, charge_pct FROM battery WHERE device_id = 'device-000008' AND battery = 'BAT1'`)
	if bat["health_pct"] != 50.0 || bat["charge_pct"] != 50.0 {
		t.Errorf("BAT1 = %v, want health 50 %% and charge 50 %%", bat)
	}
	if bat["cycle_count"] != nil {
		t.Errorf("BAT1 cycle_count = %v, want none (unknown)", bat["cycle_count"])
	}
	if n := count(t, h.db, "battery"); n != 2 {
		t.Errorf("battery points = %d, want 2 (one per battery)", n)
	}
}

func TestDailyPointIsOverwrittenNotAdded(t *testing.T) {
	h := newHarness(t)
	day := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	d := agentsim.Laptop(9)
	for i, hour := range []int{8, 12, 16} {
		d.UptimeS = float64(1000 * (i + 1))
		resp := post(t, h.url, agentsim.Protobuf(agentsim.Request(d.ResourceMetrics(day.Add(time.Duration(hour)*time.Hour))), false), protoHeaders(false))
		if resp.status != http.StatusOK {
			t.Fatalf("status %d: %s", resp.status, resp.body)
		}
	}
	if n := count(t, h.db, "device"); n != 3 {
		t.Errorf("raw device points = %d, want 3", n)
	}
	daily := h.db.Query(t, `SELECT uptime_s FROM device_daily`)
	if len(daily) != 1 || len(daily[0].Values) != 1 || daily[0].Values[0][1] != 3000.0 {
		t.Errorf("device_daily = %+v, want one point with the last report's uptime 3000", daily)
	}
}

func TestPartialSuccessNamesRejectedPoints(t *testing.T) {
	h := newHarness(t)
	ts := time.Now().UTC().Add(-time.Minute)
	good := agentsim.Laptop(10).ResourceMetrics(ts)
	anonymous := agentsim.Laptop(11).ResourceMetrics(ts)
	anonymous.Resource.Attributes = anonymous.Resource.Attributes[1:] // no host.id
	future := agentsim.Laptop(12).ResourceMetrics(ts.Add(48 * time.Hour))
	resp := post(t, h.url, agentsim.Protobuf(agentsim.Request(good, anonymous, future), false), protoHeaders(false))
	if resp.status != http.StatusOK {
		t.Fatalf("status %d: %s", resp.status, resp.body)
	}
	var out colmetricpb.ExportMetricsServiceResponse
	if err := proto.Unmarshal(resp.body, &out); err != nil {
		t.Fatal(err)
	}
	ps := out.GetPartialSuccess()
	points := 8 // per laptop report: 4 device metrics, 4 battery metrics
	if ps.GetRejectedDataPoints() != int64(2*points) {
		t.Errorf("rejected = %d, want %d", ps.GetRejectedDataPoints(), 2*points)
	}
	for _, want := range []string{"without host.id", "in the future"} {
		if !strings.Contains(ps.GetErrorMessage(), want) {
			t.Errorf("error message %q does not say %q", ps.GetErrorMessage(), want)
		}
	}
	if n := count(t, h.db, "device"); n != 1 {
		t.Errorf("device points = %d, want 1 (only the good report)", n)
	}
}

func TestRefusedRequestsWriteNothing(t *testing.T) {
	h := newHarness(t)
	ts := time.Now().UTC().Add(-time.Minute)
	valid := agentsim.Protobuf(agentsim.Request(agentsim.Laptop(1).ResourceMetrics(ts)), false)
	bomb := agentsim.Gzip(make([]byte, 64<<20)) // 64 MiB of zeros, ~64 KiB compressed
	big := bytes.Repeat([]byte{0x0a}, 2<<20)
	cases := []struct {
		name    string
		body    []byte
		headers map[string]string
		status  int
		message string
	}{
		{"no token", valid, map[string]string{"Content-Type": "application/x-protobuf"}, 401, "missing bearer token"},
		{"wrong token", valid, map[string]string{"Content-Type": "application/x-protobuf", "Authorization": "Bearer not-the-token-at-all"}, 401, "invalid bearer token"},
		{"basic auth", valid, map[string]string{"Content-Type": "application/x-protobuf", "Authorization": "Basic " + agentToken}, 401, "missing bearer token"},
		{"oversized body", big, protoHeaders(false), 413, "exceeds"},
		{"gzip bomb", bomb, protoHeaders(true), 413, "after decompression"},
		{"malformed protobuf", []byte{0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01}, protoHeaders(false), 400, "malformed OTLP protobuf"},
		{"malformed json", []byte(`{"resourceMetrics": [{"resource": 17}]}`), map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + agentToken}, 400, "malformed OTLP JSON"},
		{"wrong content type", valid, map[string]string{"Content-Type": "text/plain", "Authorization": "Bearer " + agentToken}, 415, `"text/plain" is not supported`},
		{"broken gzip", valid, protoHeaders(true), 400, "gzip"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := post(t, h.url, c.body, c.headers)
			if resp.status != c.status {
				t.Fatalf("status %d, want %d: %s", resp.status, c.status, resp.body)
			}
			if !bytes.Contains(resp.body, []byte(c.message)) {
				t.Errorf("body %q does not say %q", resp.body, c.message)
			}
		})
	}
	if n := count(t, h.db, "device"); n != 0 {
		t.Errorf("refused requests wrote %d device points", n)
	}
}

func TestNoTokensRefusesEverything(t *testing.T) {
	db := influxtest.NewDatabase(t)
	url := startCollector(t, db, testkit.CollectorOptions{AgentTokens: []string{}})
	valid := agentsim.Protobuf(agentsim.Request(agentsim.Laptop(1).ResourceMetrics(time.Now())), false)
	for _, token := range []string{"", agentToken} {
		resp := post(t, url, valid, map[string]string{"Content-Type": "application/x-protobuf", "Authorization": "Bearer " + token})
		if resp.status != http.StatusUnauthorized {
			t.Errorf("token %q: status %d, want 401 when no tokens are configured", token, resp.status)
		}
	}
}

func TestHealthReadinessAndMetrics(t *testing.T) {
	srv := influxtest.NewServer(t)
	db := influxtest.CreateDatabase(t, srv)
	url := startCollector(t, db, testkit.CollectorOptions{})
	get := func(path string) (int, string) {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("/healthz = %d", code)
	}
	if code, body := get("/readyz"); code != 200 {
		t.Errorf("/readyz = %d %s with InfluxDB up", code, body)
	}
	post(t, url, agentsim.Protobuf(agentsim.Request(agentsim.Laptop(1).ResourceMetrics(time.Now())), false), protoHeaders(false))
	post(t, url, []byte("x"), map[string]string{"Content-Type": "application/x-protobuf"})
	_, metrics := get("/metrics")
	for _, want := range []string{`kretslopp_ingest_requests_total{`, `status="200"`, `status="401"`, "kretslopp_ingest_points_written_total", "kretslopp_influx_write_duration_seconds_bucket"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// One acknowledged and one refused request, each timed under its status.
	for _, status := range []string{"200", "401"} {
		re := regexp.MustCompile(`(?m)^kretslopp_ingest_request_duration_seconds_count\{[^}]*status="` + status + `"[^}]*\} 1$`)
		if !re.MatchString(metrics) {
			t.Errorf("/metrics lacks one timed request with status %s", status)
		}
	}
	srv.Stop()
	if code, body := get("/readyz"); code != 503 || !strings.Contains(body, "influxdb unreachable") {
		t.Errorf("/readyz = %d %q with InfluxDB down, want 503", code, body)
	}
	resp := post(t, url, agentsim.Protobuf(agentsim.Request(agentsim.Laptop(2).ResourceMetrics(time.Now())), false), protoHeaders(false))
	if resp.status != 503 || resp.header.Get("Retry-After") == "" {
		t.Errorf("report with InfluxDB down: status %d Retry-After %q, want 503 with Retry-After", resp.status, resp.header.Get("Retry-After"))
	}
}

func TestFloodingTokenGets429(t *testing.T) {
	db := influxtest.NewDatabase(t)
	url := startCollector(t, db, testkit.CollectorOptions{}, func(c *config.Config) {
		c.Ingest.TokenRate = 1
		c.Ingest.TokenBurst = 3
	})
	body := agentsim.Protobuf(agentsim.Request(agentsim.Laptop(1).ResourceMetrics(time.Now().Add(-time.Minute))), false)
	statuses := map[int]int{}
	var retryAfter string
	for range 10 {
		resp := post(t, url, body, protoHeaders(false))
		statuses[resp.status]++
		if resp.status == http.StatusTooManyRequests {
			retryAfter = resp.header.Get("Retry-After")
		}
	}
	if statuses[200] != 3 || statuses[429] != 7 {
		t.Errorf("statuses = %v, want 3×200 then 7×429", statuses)
	}
	if retryAfter != "1" {
		t.Errorf("Retry-After = %q, want 1 at one request per second", retryAfter)
	}
}

func TestServesTLSFromCertAndKeyFiles(t *testing.T) {
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "kretslopp-collector test"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	_ = os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	_ = os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)

	db := influxtest.NewDatabase(t)
	httpsURL := startCollector(t, db, testkit.CollectorOptions{Env: []string{"KRETSLOPP_TLS_CERT_FILE=" + certFile, "KRETSLOPP_TLS_KEY_FILE=" + keyFile}})
	url := strings.Replace(httpsURL, "https://", "http://", 1)
	pool := x509.NewCertPool()
	cert, _ := x509.ParseCertificate(der)
	pool.AddCert(cert)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	body := agentsim.Protobuf(agentsim.Request(agentsim.Laptop(3).ResourceMetrics(time.Now().Add(-time.Minute))), false)
	req, _ := http.NewRequest(http.MethodPost, httpsURL+"/v1/metrics", bytes.NewReader(body))
	for k, v := range protoHeaders(false) {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("HTTPS request: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d over TLS", resp.StatusCode)
	}
	if n := count(t, db, "device"); n != 1 {
		t.Errorf("device points = %d after a report over TLS, want 1", n)
	}
	// Plain HTTP to the TLS port is refused, so a token never travels in clear.
	if resp, err := http.Post(url+"/v1/metrics", "application/x-protobuf", bytes.NewReader(body)); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP was accepted on the TLS listener")
		}
	}
}
