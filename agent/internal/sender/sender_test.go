package sender_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	colmetrics "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	"google.golang.org/protobuf/proto"

	"github.com/kretslopp/kretslopp/agent/internal/inventory"
	"github.com/kretslopp/kretslopp/agent/internal/report"
	"github.com/kretslopp/kretslopp/agent/internal/sender"
	"github.com/kretslopp/kretslopp/agent/internal/spool"
	"github.com/kretslopp/kretslopp/internal/schema"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// collector is a fake OTLP receiver that decodes each request with the
// official OTLP protobuf types and answers from a script.
type collector struct {
	mu       sync.Mutex
	answers  []int // status codes to answer in order; 200 afterwards
	retry    string
	requests []*colmetrics.ExportMetricsServiceRequest
	times    []time.Time
	headers  []http.Header
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.times = append(c.times, time.Now())
	c.headers = append(c.headers, r.Header.Clone())
	if r.URL.Path != "/v1/metrics" || r.Method != http.MethodPost {
		http.Error(w, "not found", 404)
		return
	}
	code := 200
	if len(c.answers) > 0 {
		code, c.answers = c.answers[0], c.answers[1:]
	}
	if code != 200 {
		if c.retry != "" {
			w.Header().Set("Retry-After", c.retry)
		}
		http.Error(w, "try later", code)
		return
	}
	zr, err := gzip.NewReader(r.Body)
	if err != nil {
		http.Error(w, "not gzip", 400)
		return
	}
	body, _ := io.ReadAll(zr)
	var req colmetrics.ExportMetricsServiceRequest
	if err := proto.Unmarshal(body, &req); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	c.requests = append(c.requests, &req)
	w.Header().Set("Content-Type", "application/x-protobuf")
	out, _ := proto.Marshal(&colmetrics.ExportMetricsServiceResponse{})
	w.Write(out)
}

func snapshot(at time.Time, host string) inventory.Snapshot {
	f := func(v float64) *float64 { return &v }
	cc := int64(212)
	return inventory.Snapshot{
		Time: at,
		Device: inventory.Device{
			ID: "3d1219c7-c4c5-404a-aa1f-6d2a48adfda4", Hostname: host, OS: "linux", OSVersion: "12.5",
			OSDescription: "debian 12.5", Arch: "amd64", Manufacturer: "LENOVO", Model: "ThinkPad T14 Gen 2i", ModelIdentifier: "20W000Q2MX",
			Serial: "PF2ABCDE", FirmwareDate: "2021-03-15", OSInstallTime: 1680000000, MemoryBytes: 16 << 30,
			DiskBytes: 512 << 30, DiskMount: "/", UptimeS: 3600, BootTime: at.Unix() - 3600, AgentVersion: "1.0.0",
		},
		Batteries: []inventory.Battery{{
			Name: "BAT0", CycleCount: &cc, DesignWh: f(50), FullWh: f(43.21), HealthPct: f(86.42), ChargePct: f(72),
			State: "discharging", VoltageV: f(12.043), Vendor: "Celxpert", Model: "5B10W51867", Chemistry: "Li-poly",
			Serial: "2419", ManufactureDate: "2021-02-01",
		}},
		Labels: map[string]string{"site": "Rinkeby skola", "department": "utbildning"},
	}
}

func newSpool(t *testing.T) *spool.Spool {
	t.Helper()
	sp, err := spool.Open(spool.Options{Dir: t.TempDir(), MaxBytes: 1 << 20, MaxAge: 30 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sp.Close() })
	return sp
}

func enqueue(t *testing.T, sp *spool.Spool, s inventory.Snapshot, dropped uint64) {
	t.Helper()
	if _, err := sp.Append(sender.Gzip(report.Build(s, dropped).Marshal()), s.Time, dropped); err != nil {
		t.Fatal(err)
	}
}

func depth(t *testing.T, sp *spool.Spool) int {
	st, err := sp.Stats()
	if err != nil {
		t.Fatal(err)
	}
	return st.Depth
}

func TestDeliverEverySchemaNameOldestFirstWithOriginalTimestamps(t *testing.T) {
	col := &collector{}
	srv := httptest.NewServer(col)
	defer srv.Close()
	snd, err := sender.New(sender.Options{URL: srv.URL, Token: "s3cret", UserAgent: "kretslopp-agent/test"})
	if err != nil {
		t.Fatal(err)
	}
	sp := newSpool(t)
	week := time.Now().Add(-7 * 24 * time.Hour).Truncate(time.Hour).Add(123456789)
	for d := range 7 { // a week offline
		enqueue(t, sp, snapshot(week.Add(time.Duration(d)*24*time.Hour), "host"), uint64(d))
	}
	n, err := sender.Deliver(context.Background(), snd, sp, quiet)
	if err != nil || n != 7 {
		t.Fatalf("delivered %d, %v", n, err)
	}
	if depth(t, sp) != 0 {
		t.Fatal("2xx must delete the batches")
	}
	h := col.headers[0]
	if h.Get("Content-Type") != "application/x-protobuf" || h.Get("Content-Encoding") != "gzip" ||
		h.Get("Authorization") != "Bearer s3cret" || h.Get("User-Agent") != "kretslopp-agent/test" {
		t.Errorf("headers %v", h)
	}
	for d, req := range col.requests {
		want := uint64(week.Add(time.Duration(d) * 24 * time.Hour).UnixNano())
		for _, m := range req.ResourceMetrics[0].ScopeMetrics[0].Metrics {
			for _, p := range m.GetGauge().DataPoints {
				if p.TimeUnixNano != want {
					t.Fatalf("request %d %s: time %d, want %d (oldest first, original time)", d, m.Name, p.TimeUnixNano, want)
				}
			}
			if m.Name == schema.MetricSpoolDropped && m.GetGauge().DataPoints[0].GetAsInt() != int64(d) {
				t.Errorf("request %d: dropped %d", d, m.GetGauge().DataPoints[0].GetAsInt())
			}
		}
	}

	// Every name of docs/schema.md is in the request.
	req := col.requests[0]
	rm := req.ResourceMetrics[0]
	res := map[string]*commonpb.AnyValue{}
	for _, kv := range rm.Resource.Attributes {
		res[kv.Key] = kv.Value
	}
	for _, a := range schema.ResourceAttributes {
		name := strings.ReplaceAll(a.Name, "<key>", "site")
		if _, ok := res[name]; !ok {
			t.Errorf("resource attribute %s missing", name)
		}
	}
	if res[schema.LabelPrefix+"site"].GetStringValue() != "Rinkeby skola" || res[schema.AttrHostID].GetStringValue() != "3d1219c7-c4c5-404a-aa1f-6d2a48adfda4" ||
		res[schema.AttrOSInstallTime].GetIntValue() != 1680000000 || res[schema.AttrServiceName].GetStringValue() != "kretslopp-agent" {
		t.Errorf("resource values: %v", res)
	}
	got := map[string]*struct {
		unit   string
		points int
		attrs  map[string]string
		val    float64
	}{}
	for _, m := range rm.ScopeMetrics[0].Metrics {
		g := &struct {
			unit   string
			points int
			attrs  map[string]string
			val    float64
		}{unit: m.Unit, points: len(m.GetGauge().DataPoints), attrs: map[string]string{}}
		p := m.GetGauge().DataPoints[0]
		g.val = p.GetAsDouble() + float64(p.GetAsInt())
		for _, kv := range p.Attributes {
			g.attrs[kv.Key] = kv.Value.GetStringValue()
		}
		got[m.Name] = g
	}
	for _, m := range schema.Metrics {
		if g := got[m.Name]; g == nil || g.unit != m.Unit {
			t.Errorf("metric %s: %+v, want unit %q", m.Name, g, m.Unit)
		}
	}
	checks := map[string]float64{
		schema.MetricUptime: 3600, schema.MetricBootTime: float64(week.Unix() - 3600), schema.MetricMemory: 16 << 30,
		schema.MetricFilesystem: 512 << 30, schema.MetricBatteryCharge: 0.72, schema.MetricBatteryCycles: 212,
		schema.MetricBatteryDesign: 50, schema.MetricBatteryFull: 43.21, schema.MetricBatteryVoltage: 12.043,
	}
	for name, want := range checks {
		if g := got[name]; g == nil || g.val != want {
			t.Errorf("%s = %+v, want %v", name, g, want)
		}
	}
	bat := got[schema.MetricBatteryFull].attrs
	for k, v := range map[string]string{schema.AttrBatteryID: "BAT0", schema.AttrBatteryVendor: "Celxpert", schema.AttrBatteryModel: "5B10W51867", schema.AttrBatteryChemistry: "Li-poly",
		schema.AttrBatterySerial: "2419", schema.AttrBatteryManufactureDate: "2021-02-01"} {
		if bat[k] != v {
			t.Errorf("battery attribute %s = %q, want %q", k, bat[k], v)
		}
	}
	if got[schema.MetricBatteryCharge].attrs[schema.AttrBatteryState] != "discharging" || got[schema.MetricFilesystem].attrs[schema.AttrMountpoint] != "/" {
		t.Errorf("point attributes: %+v %+v", got[schema.MetricBatteryCharge].attrs, got[schema.MetricFilesystem].attrs)
	}
	if got[schema.MetricBatteryDesign].unit != "Wh" || got[schema.MetricUptime].unit != "s" {
		t.Error("units")
	}
}

func TestUnknownCycleCountIsAbsent(t *testing.T) {
	s := snapshot(time.Now(), "h")
	s.Batteries[0].CycleCount = nil
	var req colmetrics.ExportMetricsServiceRequest
	if err := proto.Unmarshal(report.Build(s, 0).Marshal(), &req); err != nil {
		t.Fatal(err)
	}
	for _, m := range req.ResourceMetrics[0].ScopeMetrics[0].Metrics {
		if m.Name == schema.MetricBatteryCycles {
			t.Fatal("unknown cycle count must not be sent as a value")
		}
	}
}

func TestFailuresKeepTheBatch(t *testing.T) {
	for _, code := range []int{500, 503, 429, 401} {
		col := &collector{answers: []int{code}}
		srv := httptest.NewServer(col)
		snd, _ := sender.New(sender.Options{URL: srv.URL + "/v1/metrics"})
		sp := newSpool(t)
		enqueue(t, sp, snapshot(time.Now(), "a"), 0)
		enqueue(t, sp, snapshot(time.Now(), "b"), 0)
		_, err := sender.Deliver(context.Background(), snd, sp, quiet)
		var se *sender.StatusError
		if !errors.As(err, &se) || se.Code != code {
			t.Fatalf("%d: err %v", code, err)
		}
		if depth(t, sp) != 2 {
			t.Fatalf("%d: batch lost", code)
		}
		st, _ := sp.Stats()
		if !strings.Contains(st.LastError, "answered") {
			t.Errorf("last error %q", st.LastError)
		}
		// The collector is back: the same batches go, oldest first.
		n, err := sender.Deliver(context.Background(), snd, sp, quiet)
		if err != nil || n != 2 || depth(t, sp) != 0 {
			t.Fatalf("%d: retry delivered %d, %v", code, n, err)
		}
		if col.requests[0].ResourceMetrics[0].Resource.Attributes[0].Key == "" || hostOf(col.requests[0]) != "a" || hostOf(col.requests[1]) != "b" {
			t.Error("not oldest first")
		}
		srv.Close()
	}
}

func hostOf(req *colmetrics.ExportMetricsServiceRequest) string {
	for _, kv := range req.ResourceMetrics[0].Resource.Attributes {
		if kv.Key == schema.AttrHostName {
			return kv.Value.GetStringValue()
		}
	}
	return ""
}

func TestConnectionRefusedKeepsTheBatch(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	snd, _ := sender.New(sender.Options{URL: "http://" + addr})
	sp := newSpool(t)
	enqueue(t, sp, snapshot(time.Now(), "a"), 0)
	if _, err := sender.Deliver(context.Background(), snd, sp, quiet); err == nil {
		t.Fatal("want an error")
	}
	if depth(t, sp) != 1 {
		t.Fatal("batch lost")
	}
}

func TestPermanentRejectionDropsAndCounts(t *testing.T) {
	col := &collector{answers: []int{400}}
	srv := httptest.NewServer(col)
	defer srv.Close()
	snd, _ := sender.New(sender.Options{URL: srv.URL})
	sp := newSpool(t)
	enqueue(t, sp, snapshot(time.Now(), "bad"), 0)
	enqueue(t, sp, snapshot(time.Now(), "good"), 0)
	n, err := sender.Deliver(context.Background(), snd, sp, quiet)
	if err != nil || n != 1 || depth(t, sp) != 0 {
		t.Fatalf("n=%d err=%v", n, err)
	}
	if d, _ := sp.Dropped(); d != 1 {
		t.Errorf("dropped %d, want 1", d)
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	col := &collector{answers: []int{503}, retry: "2"}
	srv := httptest.NewServer(col)
	defer srv.Close()
	snd, _ := sender.New(sender.Options{URL: srv.URL})
	sp := newSpool(t)
	enqueue(t, sp, snapshot(time.Now(), "a"), 0)
	bo := sender.NewBackoff(time.Second) // own backoff would be ≤ 1 s
	_, err := sender.Deliver(context.Background(), snd, sp, quiet)
	d := bo.Next(err)
	if d != 2*time.Second {
		t.Fatalf("delay %v, want the 2 s of Retry-After", d)
	}
	time.Sleep(d)
	if _, err := sender.Deliver(context.Background(), snd, sp, quiet); err != nil {
		t.Fatal(err)
	}
	if gap := col.times[1].Sub(col.times[0]); gap < 2*time.Second {
		t.Errorf("retried after %v", gap)
	}
	// An HTTP-date counts too (internal/retry tests the parser itself).
	col.answers, col.retry = []int{429}, time.Now().Add(90*time.Second).UTC().Format(http.TimeFormat)
	enqueue(t, sp, snapshot(time.Now(), "b"), 0)
	_, err = sender.Deliver(context.Background(), snd, sp, quiet)
	if d := bo.Next(err); d < 88*time.Second || d > 90*time.Second {
		t.Errorf("HTTP-date Retry-After: %v", d)
	}
}

func TestBackoffCappedAtInterval(t *testing.T) {
	bo := sender.NewBackoff(10 * time.Second)
	var last time.Duration
	for range 30 {
		last = bo.Next(errors.New("refused"))
		if last > 10*time.Second || last < 500*time.Millisecond {
			t.Fatalf("delay %v out of [0.5s, 10s]", last)
		}
	}
	if last < 5*time.Second {
		t.Errorf("after many failures the delay should be near the cap, got %v", last)
	}
	bo.Reset()
	if d := bo.Next(errors.New("x")); d > time.Second {
		t.Errorf("after reset: %v", d)
	}
	if sender.NewBackoff(15*time.Minute).Max != 5*time.Minute {
		t.Error("cap at large intervals should be 5 min")
	}
}

func TestGzipRoundTrip(t *testing.T) {
	zr, err := gzip.NewReader(bytes.NewReader(sender.Gzip([]byte("hello"))))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(zr)
	if string(b) != "hello" {
		t.Fatal(string(b))
	}
}

// syncBuf collects log output from the sender.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestPartialSuccessIsLogged: a receiver that accepts a request but refuses
// some of its points says so in ExportMetricsServiceResponse.partial_success
// (encoded here with the official OTLP types, in the request's protobuf and
// in the JSON mapping). The batch is done with (OTLP: a partial success is
// not retried) and the refusal is logged with its reason.
func TestPartialSuccessIsLogged(t *testing.T) {
	resp := &colmetrics.ExportMetricsServiceResponse{PartialSuccess: &colmetrics.ExportMetricsPartialSuccess{
		RejectedDataPoints: 2, ErrorMessage: `label "Asset-Tag": not a valid label key`}}
	pb, err := proto.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Write(pb)
	}))
	defer srv.Close()
	snd, _ := sender.New(sender.Options{URL: srv.URL})
	sp := newSpool(t)
	enqueue(t, sp, snapshot(time.Now(), "a"), 0)
	var logs syncBuf
	n, err := sender.Deliver(context.Background(), snd, sp, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil || n != 1 || depth(t, sp) != 0 {
		t.Fatalf("delivered %d, %v, depth %d", n, err, depth(t, sp))
	}
	for _, want := range []string{"collector refused part of a batch", "rejected_points=2", `Asset-Tag`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log does not say %q:\n%s", want, logs.String())
		}
	}

	// A full success has an empty answer, or partial_success unset.
	full, _ := proto.Marshal(&colmetrics.ExportMetricsServiceResponse{})
	for _, b := range [][]byte{nil, full, []byte("\xff\xff")} {
		if ps := sender.ParsePartialSuccess("application/x-protobuf", b); ps != (sender.PartialSuccess{}) {
			t.Errorf("%x read as %+v", b, ps)
		}
	}
	js := []byte(`{"partialSuccess":{"rejectedDataPoints":"3","errorMessage":"no host.id"}}`)
	if ps := sender.ParsePartialSuccess("application/json", js); ps.Rejected != 3 || ps.Message != "no host.id" {
		t.Errorf("JSON answer read as %+v", ps)
	}
}

// An OTLP/HTTP error answer in protobuf is a google.rpc.Status; its
// message is what the error shows.
func TestProtobufErrorBodyIsShown(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// google.rpc.Status{code: 16, message: "invalid bearer token"}
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte("\x08\x10\x12\x14invalid bearer token"))
	}))
	defer srv.Close()
	snd, _ := sender.New(sender.Options{URL: srv.URL})
	sp := newSpool(t)
	enqueue(t, sp, snapshot(time.Now(), "a"), 0)
	_, err := sender.Deliver(context.Background(), snd, sp, quiet)
	if err == nil || !strings.Contains(err.Error(), "401: invalid bearer token") {
		t.Fatalf("err %v", err)
	}
}

func FuzzParsePartialSuccess(f *testing.F) {
	pb, _ := proto.Marshal(&colmetrics.ExportMetricsServiceResponse{PartialSuccess: &colmetrics.ExportMetricsPartialSuccess{RejectedDataPoints: 1, ErrorMessage: "x"}})
	f.Add(pb)
	f.Fuzz(func(t *testing.T, b []byte) {
		sender.ParsePartialSuccess("application/x-protobuf", b)
		sender.ParsePartialSuccess("application/json", b)
	})
}

// TestTLSTrust: a collector with a private CA is reached when the CA file
// is given (ca_file or SSL_CERT_FILE) and refused otherwise; without a CA
// file the host's roots are used, loaded at the first handshake.
func TestTLSTrust(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	send := func(caFile string) error {
		snd, err := sender.New(sender.Options{URL: srv.URL, CAFile: caFile})
		if err != nil {
			return err
		}
		_, err = snd.Send(context.Background(), sender.Gzip([]byte("x")))
		return err
	}
	t.Setenv("SSL_CERT_FILE", "")
	if err := send(""); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("an unknown CA was trusted: %v", err)
	}
	if err := send(ca); err != nil {
		t.Errorf("with ca_file: %v", err)
	}
	t.Setenv("SSL_CERT_FILE", ca)
	if err := send(""); err != nil {
		t.Errorf("with SSL_CERT_FILE: %v", err)
	}
}
