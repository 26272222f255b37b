package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	"google.golang.org/protobuf/proto"

	"github.com/kretslopp/kretslopp/internal/influxserver"
	"github.com/kretslopp/kretslopp/internal/schema"
	"github.com/kretslopp/kretslopp/internal/testkit/agentsim"
)

// maxBody is the collector's default ingest.max_body_bytes.
const maxBody = 8 << 20

// maxSizeShapes are requests of the largest size a client may send (8 MiB
// after decompression), each built to cost the collector as much memory
// as it can:
//   - "accepted": one device with 120,000 uptime points in one day and a
//     padding attribute up to 8 MiB, just inside the collector's decode
//     and output bounds, so it is decoded, mapped and written in full;
//   - "issue-14": the report of issue 14, one device with 129,055 battery
//     points, padded to 8 MiB, which took the collector from 67 to 527 MB
//     before the bounds and is now refused (413) before it is decoded.
func maxSizeShapes(now time.Time) map[string][]byte {
	str := func(k, v string) *commonpb.KeyValue {
		return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}}
	}
	resource := func(id string, extra ...*commonpb.KeyValue) *resourcepb.Resource {
		return &resourcepb.Resource{Attributes: append([]*commonpb.KeyValue{str(schema.AttrHostID, id), str(schema.AttrHostName, id), str(schema.AttrOSType, "linux")}, extra...)}
	}
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).Add(-24 * time.Hour)

	uptime := &metricpb.Gauge{}
	for i := range 120000 {
		uptime.DataPoints = append(uptime.DataPoints, &metricpb.NumberDataPoint{TimeUnixNano: uint64(day.Add(time.Duration(i) * 500 * time.Millisecond).UnixNano()), Value: &metricpb.NumberDataPoint_AsDouble{AsDouble: float64(i)}})
	}
	accepted := &colmetricpb.ExportMetricsServiceRequest{ResourceMetrics: []*metricpb.ResourceMetrics{{
		Resource:     resource("bench-max-accepted"),
		ScopeMetrics: []*metricpb.ScopeMetrics{{Metrics: []*metricpb.Metric{{Name: schema.MetricUptime, Data: &metricpb.Metric_Gauge{Gauge: uptime}}}}},
	}}}
	padTo(accepted, maxBody)

	charge := &metricpb.Gauge{}
	for i := range 129055 {
		charge.DataPoints = append(charge.DataPoints, &metricpb.NumberDataPoint{TimeUnixNano: uint64(day.Add(time.Duration(i) * time.Second).UnixNano()),
			Attributes: []*commonpb.KeyValue{str(schema.AttrBatteryID, "BAT0")},
			Value:      &metricpb.NumberDataPoint_AsDouble{AsDouble: 0.5}})
	}
	issue := &colmetricpb.ExportMetricsServiceRequest{ResourceMetrics: []*metricpb.ResourceMetrics{{
		Resource:     resource("bench-max-issue"),
		ScopeMetrics: []*metricpb.ScopeMetrics{{Metrics: []*metricpb.Metric{{Name: schema.MetricBatteryCharge, Data: &metricpb.Metric_Gauge{Gauge: charge}}}}},
	}}}
	padTo(issue, maxBody)
	out := map[string][]byte{}
	for name, req := range map[string]*colmetricpb.ExportMetricsServiceRequest{"accepted": accepted, "issue-14": issue} {
		b, err := proto.Marshal(req)
		if err != nil {
			panic(err)
		}
		out[name] = b
	}
	return out
}

// padTo adds a resource attribute the collector does not store, so that
// req is exactly size bytes.
func padTo(req *colmetricpb.ExportMetricsServiceRequest, size int) {
	attrs := &req.ResourceMetrics[0].Resource.Attributes
	*attrs = append(*attrs, &commonpb.KeyValue{Key: "bench.padding", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{}}})
	pad := (*attrs)[len(*attrs)-1].Value.Value.(*commonpb.AnyValue_StringValue)
	for n := size - proto.Size(req); n != 0; n = size - proto.Size(req) {
		pad.StringValue = strings.Repeat("p", max(0, len(pad.StringValue)+n))
	}
}

// runMaxSize measures the collector's memory under the largest requests:
// `workers` clients each send every shape `rounds` times at once (gzip, as
// agents do), against a fresh collector with default settings and a real
// InfluxDB, and it prints the answers and the collector's peak RSS.
func runMaxSize(ctx context.Context, collectorBin string, workers, rounds int) error {
	srv, err := influxserver.Start(ctx, influxserver.Options{})
	if err != nil {
		return err
	}
	defer srv.Close()
	if err := srv.Exec(ctx, "CREATE DATABASE maxsize"); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "ingestload-maxsize-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	token := "bench-token-0123456789abcdef"
	if err := os.WriteFile(filepath.Join(dir, "tokens"), []byte("bench - "+token+"\n"), 0o600); err != nil {
		return err
	}
	port, err := influxserver.FreePort()
	if err != nil {
		return err
	}
	cmd := exec.Command(collectorBin, "serve")
	cmd.Env = append(os.Environ(),
		"KRETSLOPP_CONFIG=",
		"KRETSLOPP_LISTEN=127.0.0.1:"+strconv.Itoa(port),
		"KRETSLOPP_INFLUX_URL="+srv.URL,
		"KRETSLOPP_INFLUX_BUCKET=maxsize/autogen",
		"KRETSLOPP_AGENT_TOKENS_FILE="+filepath.Join(dir, "tokens"),
		"KRETSLOPP_LOG_LEVEL=warn",
	)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }()
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	if err := waitHealthy(url); err != nil {
		return err
	}
	shapes := maxSizeShapes(time.Now().UTC())
	names := make([]string, 0, len(shapes))
	for name := range shapes {
		names = append(names, name)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(names))) // the issue's shape first: its peak is the lower
	fmt.Printf("\n== the largest requests: %d clients at once, %d rounds each, 8 MiB after decompression, default settings ==\n", workers, rounds)
	fmt.Printf("collector RSS after start:  %6.1f MB\n", float64(peakRSS(cmd.Process.Pid))/1024)
	client := &http.Client{Timeout: 2 * time.Minute}
	for _, name := range names {
		gz := agentsim.Gzip(shapes[name])
		var mu sync.Mutex
		statuses := map[int]int{}
		var wg sync.WaitGroup
		t0 := time.Now()
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range rounds {
					req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/v1/metrics", bytes.NewReader(gz))
					req.Header.Set("Content-Type", "application/x-protobuf")
					req.Header.Set("Content-Encoding", "gzip")
					req.Header.Set("Authorization", "Bearer "+token)
					status := 0
					if resp, err := client.Do(req); err == nil {
						status = resp.StatusCode
						resp.Body.Close()
					}
					mu.Lock()
					statuses[status]++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		fmt.Printf("%-9s %d bytes (%d gzipped): answers %v in %.1fs; collector peak RSS so far %6.1f MB\n",
			name, len(shapes[name]), len(gz), statuses, time.Since(t0).Seconds(), float64(peakRSS(cmd.Process.Pid))/1024)
	}
	return nil
}
