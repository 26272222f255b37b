// Command ingestload measures the collector's ingest path against a real
// InfluxDB: simulated agents post realistic OTLP reports as fast as the
// collector acknowledges them, then at a fixed 1,000 reports/s, and in the
// same run the same points are written straight to InfluxDB as line
// protocol in 5,000-line batches, the baseline the collector is compared to.
// Baseline and collector each get a fresh InfluxDB; -profile keeps CPU
// profiles of both InfluxDBs and the collector for a closer look.
// It prints the figures; `make bench` runs it.
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/collector/internal/ingest"
	"github.com/kretslopp/kretslopp/internal/influxserver"
	"github.com/kretslopp/kretslopp/internal/testkit/agentsim"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "ingestload:", err)
		os.Exit(1)
	}
}

func run() error {
	reports := flag.Int("reports", 100000, "reports in the throughput phase")
	devices := flag.Int("devices", 10000, "distinct simulated devices")
	agents := flag.Int("agents", 64, "concurrent simulated agents")
	rate := flag.Int("rate", 1000, "reports per second in the latency phase")
	rateSeconds := flag.Int("rate-seconds", 10, "length of the latency phase")
	collectorBin := flag.String("collector", "bin/kretslopp-collector", "collector binary")
	writeConcurrency := flag.Int("write-concurrency", 2, "collector ingest.write_concurrency")
	linger := flag.Duration("linger", 5*time.Millisecond, "collector ingest.batch_linger")
	influxGzip := flag.Bool("influx-gzip", true, "collector compresses its writes to InfluxDB (influx.no_gzip: false)")
	collectors := flag.Int("collectors", 1, "collector processes behind a round-robin client, all writing to the one InfluxDB")
	sink := flag.Bool("sink", false, "the collector writes to a sink that accepts and discards every write instead of InfluxDB: the collector's own capacity, as if InfluxDB had a host of its own")
	snapshotSize := flag.String("cache-snapshot-size", "", "InfluxDB [data] cache-snapshot-memory-size for both phases (empty: the project's recommended setting, see docs/operations.md)")
	profileDir := flag.String("profile", "", "write CPU profiles of the collector and InfluxDB taken during the throughput phase into this folder")
	maxSize := flag.Bool("max-size", false, "instead of the throughput phases: the collector's memory under the largest requests (8 MiB), -max-size-clients at once")
	maxSizeClients := flag.Int("max-size-clients", 8, "clients sending the largest requests at once (-max-size)")
	maxSizeRounds := flag.Int("max-size-rounds", 2, "requests of each shape per client (-max-size)")
	deviceTable := flag.Int("device-table", 0, "instead of the throughput phases: the collector's start-up with this many devices in InfluxDB (its device table)")
	flag.Parse()

	ctx := context.Background()
	if *maxSize {
		return runMaxSize(ctx, *collectorBin, *maxSizeClients, *maxSizeRounds)
	}
	if *deviceTable > 0 {
		return runDeviceTable(ctx, *collectorBin, *deviceTable)
	}

	start := time.Now().UTC().Add(-24 * time.Hour).Truncate(time.Hour)
	reportAt := func(i int) ([]byte, []influx.Point) {
		d := agentsim.Laptop(i % *devices)
		d.UptimeS = float64(i)
		ts := start.Add(time.Duration(i/(*devices)) * time.Second).Add(time.Duration(i%1000) * time.Microsecond)
		req := agentsim.Request(d.ResourceMetrics(ts))
		return agentsim.Protobuf(req, true), ingest.Map(req, time.Now()).Points
	}

	fmt.Printf("preparing %d reports for %d devices…\n", *reports, *devices)
	bodies := make([][]byte, *reports)
	var lines [][]byte
	var batch []byte
	var err error
	batchLines, totalPoints := 0, 0
	for i := range bodies {
		var points []influx.Point
		bodies[i], points = reportAt(i)
		for _, p := range points {
			if batch, err = p.AppendLine(batch); err != nil {
				return err
			}
			batchLines++
			totalPoints++
			if batchLines == influx.MaxLinesPerWrite {
				lines, batch, batchLines = append(lines, batch), nil, 0
			}
		}
	}
	if batchLines > 0 {
		lines = append(lines, batch)
	}
	pointsPerReport := float64(totalPoints) / float64(*reports)
	rateBodies := make([][]byte, *rate**rateSeconds)
	for i := range rateBodies {
		rateBodies[i], _ = reportAt(*reports + i)
	}

	// Each phase gets an InfluxDB of its own, so that neither pays for the
	// other's data (its cache in the heap, its snapshots and compactions).
	// InfluxDB snapshots a cold cache after coldSnapshot, so that the work a
	// phase left behind (the snapshot, the compactions after it) is done
	// and counted right after the phase instead of hiding outside it.
	influxEnv := []string{fmt.Sprintf("INFLUXDB_DATA_CACHE_SNAPSHOT_WRITE_COLD_DURATION=%ds", int(coldSnapshot.Seconds()))}
	if *snapshotSize != "" {
		influxEnv = append(influxEnv, "INFLUXDB_DATA_CACHE_SNAPSHOT_MEMORY_SIZE="+*snapshotSize)
	}
	startInflux := func(db string) (*influxserver.Server, error) {
		srv, err := influxserver.Start(ctx, influxserver.Options{Env: influxEnv})
		if err != nil {
			return nil, err
		}
		if err := srv.Exec(ctx, "CREATE DATABASE "+db); err != nil {
			srv.Close()
			return nil, err
		}
		return srv, nil
	}

	// Baseline: the same points written directly, 4 writers like the collector.
	srv, err := startInflux("direct")
	if err != nil {
		return err
	}
	direct, err := influx.New(influx.Config{URL: srv.URL, Bucket: "direct/autogen"}, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	if *profileDir != "" {
		profile(*profileDir, "influxd-direct.pprof", srv.URL)
	}
	directInfluxCPU0, directSelfCPU0 := cpuTime(srv.PID()), cpuTime(os.Getpid())
	t0 := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	var directErr atomic.Value
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(lines) {
					return
				}
				if err := direct.WriteBody(ctx, lines[i], influx.MaxLinesPerWrite); err != nil {
					directErr.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if e := directErr.Load(); e != nil {
		return e.(error)
	}
	directDur := time.Since(t0)
	directInfluxCPU, directSelfCPU := cpuTime(srv.PID())-directInfluxCPU0, cpuTime(os.Getpid())-directSelfCPU0
	directPointsPerSec := float64(totalPoints) / directDur.Seconds()
	directInfluxTail := tailCPU(srv.PID())
	srv.Close()

	// The collector's InfluxDB: a fresh one, or the sink.
	var influxURL string
	influxPID := -1
	var sinkLines *atomic.Int64
	if *sink {
		var closeSink func()
		influxURL, sinkLines, closeSink, err = startSink()
		if err != nil {
			return err
		}
		defer closeSink()
	} else {
		srv, err = startInflux("collector")
		if err != nil {
			return err
		}
		defer srv.Close()
		influxURL, influxPID = srv.URL, srv.PID()
	}

	// The collector as a separate process, as in production.
	dir, err := os.MkdirTemp("", "ingestload-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	token := "bench-token-0123456789abcdef"
	if err := os.WriteFile(filepath.Join(dir, "tokens"), []byte(token+"\n"), 0o600); err != nil {
		return err
	}
	// One token stands for the whole simulated fleet here, so the per-token
	// rate limit is off and the new-device budget holds the fleet.
	cfgFile := filepath.Join(dir, "collector.yaml")
	collectorYAML := fmt.Sprintf("ingest:\n  token_rate: 0\n  new_devices_per_hour: %d\n  batch_linger: %s\n  write_concurrency: %d\n", max(*devices, 2000), *linger, *writeConcurrency)
	if !*influxGzip {
		collectorYAML += "influx:\n  no_gzip: true\n"
	}
	if err := os.WriteFile(cfgFile, []byte(collectorYAML), 0o600); err != nil {
		return err
	}
	var urls, debugURLs []string
	var pids []int
	for range *collectors {
		port, err := influxserver.FreePort()
		if err != nil {
			return err
		}
		debugPort, err := influxserver.FreePort()
		if err != nil {
			return err
		}
		cmd, url, stop, err := serveCollector(*collectorBin, port, influxURL, "collector/autogen", filepath.Join(dir, "tokens"),
			"KRETSLOPP_CONFIG="+cfgFile, "KRETSLOPP_DEBUG_LISTEN=127.0.0.1:"+strconv.Itoa(debugPort))
		if err != nil {
			return err
		}
		defer stop()
		urls = append(urls, url)
		debugURLs = append(debugURLs, fmt.Sprintf("http://127.0.0.1:%d", debugPort))
		pids = append(pids, cmd.Process.Pid)
	}
	collectorsCPU := func() time.Duration {
		var sum time.Duration
		for _, pid := range pids {
			sum += cpuTime(pid)
		}
		return sum
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *agents}, Timeout: 30 * time.Second}
	post := func(i int, body []byte) (time.Duration, int, error) {
		req, _ := http.NewRequest(http.MethodPost, urls[i%len(urls)]+"/v1/metrics", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-protobuf")
		req.Header.Set("Content-Encoding", "gzip")
		req.Header.Set("Authorization", "Bearer "+token)
		t := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, 0, err
		}
		resp.Body.Close()
		return time.Since(t), resp.StatusCode, nil
	}

	settle(influxPID)
	var failures atomic.Int64
	var failMu sync.Mutex
	failedBy := map[string]int{} // status code or error, for the summary
	fail := func(status int, err error) {
		failures.Add(1)
		why := strconv.Itoa(status)
		if err != nil {
			why = err.Error()
		}
		failMu.Lock()
		failedBy[why]++
		failMu.Unlock()
	}
	// Latency at a fixed rate first, on a settled InfluxDB, with reports
	// of their own (the throughput phase then writes new points again).
	n := *rate * *rateSeconds
	fixed := make([]time.Duration, n)
	interval := time.Second / time.Duration(*rate)
	t0 = time.Now()
	for i := range n {
		if wait := time.Until(t0.Add(time.Duration(i) * interval)); wait > 0 {
			time.Sleep(wait)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, status, err := post(i, rateBodies[i%len(rateBodies)])
			if err != nil || status != http.StatusOK {
				fail(status, err)
			}
			fixed[i] = d
		}()
	}
	wg.Wait()
	// Throughput: every agent posts as soon as its last report was acked.
	next.Store(0)
	collectorCPU0, influxCPU0, selfCPU0 := collectorsCPU(), cpuTime(influxPID), cpuTime(os.Getpid())
	latencies := make([]time.Duration, len(bodies))
	if *profileDir != "" {
		// Profiles cover the first seconds of the phase; use enough -reports.
		if !*sink {
			profile(*profileDir, "influxd.pprof", influxURL)
		}
		for i, u := range debugURLs {
			profile(*profileDir, fmt.Sprintf("collector-%d.pprof", i), u)
		}
	}
	t0 = time.Now()
	for range *agents {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(bodies) {
					return
				}
				d, status, err := post(i, bodies[i])
				if err != nil || status != http.StatusOK {
					fail(status, err)
				}
				latencies[i] = d
			}
		}()
	}
	wg.Wait()
	collectorDur := time.Since(t0)
	collectorCPU, influxCPU, selfCPU := collectorsCPU()-collectorCPU0, cpuTime(influxPID)-influxCPU0, cpuTime(os.Getpid())-selfCPU0
	var influxTail time.Duration
	if !*sink {
		influxTail = tailCPU(influxPID)
	}
	reportsPerSec := float64(len(bodies)) / collectorDur.Seconds()
	collectorPointsPerSec := reportsPerSec * pointsPerReport

	var peak int64
	var writes, writtenLines float64
	for i, pid := range pids {
		peak = max(peak, peakRSS(pid))
		w, l := writeStats(urls[i])
		writes, writtenLines = writes+w, writtenLines+w*l
	}
	linesPerWrite := writtenLines / max(writes, 1)

	target := "InfluxDB"
	if *sink {
		target = "a discarding sink instead of InfluxDB"
	}
	fmt.Printf("\n== ingest benchmark (%d reports, %.1f points each, %d devices, %d concurrent agents, %d collector(s) writing to %s) ==\n", len(bodies), pointsPerReport, *devices, *agents, *collectors, target)
	fmt.Printf("direct line protocol:   %10.0f points/s  (%d-line batches, 4 writers, %.1fs)\n", directPointsPerSec, influx.MaxLinesPerWrite, directDur.Seconds())
	fmt.Printf("collector throughput:   %10.0f reports/s %10.0f points/s (%.1fs)\n", reportsPerSec, collectorPointsPerSec, collectorDur.Seconds())
	if *sink {
		fmt.Printf("collector/direct:       not comparable (no InfluxDB behind the collector)\n")
	} else {
		fmt.Printf("collector/direct:       %10.0f %%\n", 100*collectorPointsPerSec/directPointsPerSec)
	}
	perThousand := func(d time.Duration) float64 { return 1e6 * d.Seconds() / float64(len(bodies)) }
	fmt.Printf("CPU per 1,000 reports:  collector %.0f ms, InfluxDB %.0f ms + %.0f ms after the phase (snapshot, compactions), load generator (and sink) %.0f ms\n",
		perThousand(collectorCPU), perThousand(influxCPU), perThousand(influxTail), perThousand(selfCPU))
	fmt.Printf("CPU per 1,000 reports in the baseline: InfluxDB %.0f ms + %.0f ms after the phase, writer %.0f ms\n",
		perThousand(directInfluxCPU), perThousand(directInfluxTail), perThousand(directSelfCPU))
	if !*sink {
		// A phase can leave InfluxDB work for later (the cache it has not
		// snapshotted yet). What the machine sustains is its CPU over all
		// the work a report causes, the deferred part included.
		cores := float64(runtime.NumCPU())
		viaCollector := perThousand(collectorCPU + influxCPU + influxTail + selfCPU)
		directly := perThousand(directInfluxCPU + directInfluxTail + directSelfCPU)
		fmt.Printf("sustained on %.0f cores, all CPU counted: %10.0f reports/s through the collector, %.0f directly (%.0f %%)\n",
			cores, cores*1e6/viaCollector, cores*1e6/directly, 100*directly/viaCollector)
		// What the collector may cost if everything shares this machine:
		// the CPU the cores give per 1,000 reports at the target rate, less
		// InfluxDB's (at its baseline cost) and the load generator's share.
		const targetRate = 10000
		budget := cores*1e6/targetRate - perThousand(directInfluxCPU+directInfluxTail) - perThousand(selfCPU)
		fmt.Printf("collector CPU budget for %d reports/s on %.0f cores: %.0f ms per 1,000 reports, spent: %.0f ms\n",
			targetRate, cores, budget, perThousand(collectorCPU))
	}
	fmt.Printf("ack latency at max rate: p50 %s  p99 %s\n", pct(latencies, 50), pct(latencies, 99))
	fmt.Printf("ack latency at %d/s:   p50 %s  p99 %s\n", *rate, pct(fixed, 50), pct(fixed, 99))
	fmt.Printf("InfluxDB writes:        %10.0f (%.0f lines each on average)\n", writes, linesPerWrite)
	fmt.Printf("collector peak RSS (largest process):     %10.1f MB\n", float64(peak)/1024)
	fmt.Printf("failed requests:        %10d\n", failures.Load())
	if failures.Load() > 0 {
		return fmt.Errorf("%d requests failed (by answer: %v)", failures.Load(), failedBy)
	}
	if sinkLines != nil {
		// Every acknowledged report must have reached the sink.
		want := int64(pointsPerReport * float64(len(bodies)+len(fixed)))
		fmt.Printf("lines at the sink:      %10d (expected %d)\n", sinkLines.Load(), want)
		if sinkLines.Load() != want {
			return fmt.Errorf("the sink received %d lines, want %d", sinkLines.Load(), want)
		}
	}
	return nil
}

// startSink serves the parts of the InfluxDB 1.x HTTP API the collector
// uses (/ping, /write, /api/v2/write, /query) and discards every write
// after counting its lines, so that the collector can be measured without
// InfluxDB's CPU on the same machine.
func startSink() (url string, lines *atomic.Int64, stop func(), err error) {
	lines = new(atomic.Int64)
	mux := http.NewServeMux()
	mux.HandleFunc("/ping", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("/query", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"results":[{"statement_id":0}]}`)
	})
	write := func(w http.ResponseWriter, r *http.Request) {
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = zr
		}
		b, err := io.ReadAll(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		lines.Add(int64(bytes.Count(b, []byte("\n"))))
		w.WriteHeader(http.StatusNoContent)
	}
	mux.HandleFunc("/write", write)
	mux.HandleFunc("/api/v2/write", write)
	port, err := influxserver.FreePort()
	if err != nil {
		return "", nil, nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return "", nil, nil, err
	}
	s := &http.Server{Handler: mux}
	go func() { _ = s.Serve(ln) }()
	return "http://" + ln.Addr().String(), lines, func() { _ = s.Close() }, nil
}

// profile fetches a 5-second CPU profile from a Go pprof endpoint in the
// background and writes it to dir/name.
func profile(dir, name, baseURL string) {
	go func() {
		resp, err := http.Get(baseURL + "/debug/pprof/profile?seconds=5")
		if err != nil {
			fmt.Fprintln(os.Stderr, "profile:", err)
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("%s from %s", resp.Status, baseURL)
		}
		if err == nil {
			err = os.MkdirAll(dir, 0o755)
		}
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, name), b, 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "profile:", err)
		}
	}()
}

// serveCollector starts `kretslopp-collector serve` on port, writing to
// bucket of the InfluxDB at influxURL, with extra environment settings,
// and waits until it is healthy; stop ends it.
func serveCollector(bin string, port int, influxURL, bucket, tokensFile string, env ...string) (cmd *exec.Cmd, url string, stop func(), err error) {
	cmd = exec.Command(bin, "serve")
	cmd.Env = append(append(os.Environ(),
		"KRETSLOPP_CONFIG=",
		"KRETSLOPP_LISTEN=127.0.0.1:"+strconv.Itoa(port),
		"KRETSLOPP_INFLUX_URL="+influxURL,
		"KRETSLOPP_INFLUX_BUCKET="+bucket,
		"KRETSLOPP_AGENT_TOKENS_FILE="+tokensFile,
		"KRETSLOPP_LOG_LEVEL=warn",
	), env...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, "", nil, err
	}
	stop = func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }
	url = fmt.Sprintf("http://127.0.0.1:%d", port)
	if err := waitHealthy(url); err != nil {
		stop()
		return nil, "", nil, err
	}
	return cmd, url, stop, nil
}

func waitHealthy(url string) error {
	for range 100 {
		if resp, err := http.Get(url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("collector at %s not ready", url)
}

func pct(ds []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[(len(s)-1)*p/100].Round(10 * time.Microsecond)
}

// peakRSS reads VmHWM (kB) of a process from /proc.
func peakRSS(pid int) int64 { return procStatus(pid, "VmHWM:") }

// rss reads VmRSS (kB) of a process from /proc.
func rss(pid int) int64 { return procStatus(pid, "VmRSS:") }

func procStatus(pid int, key string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb
		}
	}
	return 0
}

// cpuTime is the user+system CPU time a process used so far (Linux).
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses.
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	if len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ
}

// writeStats reads the collector's own /metrics: InfluxDB writes and the
// mean lines per write (the group-commit batch size).
func writeStats(url string) (writes, linesPerWrite float64) {
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		return 0, 0
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var sum float64
	for _, line := range strings.Split(string(body), "\n") {
		name, value, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		v, _ := strconv.ParseFloat(value, 64)
		switch {
		case strings.HasPrefix(name, "kretslopp_influx_write_lines_sum"):
			sum = v
		case strings.HasPrefix(name, "kretslopp_influx_write_lines_count"):
			writes = v
		}
	}
	if writes > 0 {
		linesPerWrite = sum / writes
	}
	return writes, linesPerWrite
}

// coldSnapshot is how soon after the last write the bench's InfluxDB
// snapshots its cache.
const coldSnapshot = 5 * time.Second

// tailCPU waits until InfluxDB has snapshotted its cold cache
// (coldSnapshot after the last write) and is idle again, and returns the
// CPU it used meanwhile: work a phase caused but did not wait for.
func tailCPU(pid int) time.Duration {
	c0 := cpuTime(pid)
	time.Sleep(coldSnapshot + 2*time.Second)
	settle(pid)
	return cpuTime(pid) - c0
}

// settle waits until InfluxDB is idle (under 5 % of a core for a second,
// at most 60 s), so that compaction after one phase does not count against
// the next.
func settle(pid int) {
	for range 60 {
		before := cpuTime(pid)
		time.Sleep(time.Second)
		if cpuTime(pid)-before < 50*time.Millisecond {
			return
		}
	}
}
