package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/protobuf/proto"

	"github.com/kretslopp/kretslopp/internal/influxserver"
	"github.com/kretslopp/kretslopp/internal/testkit/agentsim"
)

// maxSizeShapes are requests of the largest size a client may send (8 MiB
// after decompression, agentsim's hostile reports), each built to cost
// the collector as much memory as it can:
//   - "accepted": agentsim.CostlyReport, just inside the collector's
//     decode and output bounds, so it is decoded, mapped and written;
//   - "issue-14": agentsim.ManyPoints, the report of issue 14 (129,055
//     battery points), which took the collector from 67 to 527 MB before
//     the bounds and is now refused (413) before it is decoded.
func maxSizeShapes(now time.Time) map[string][]byte {
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).Add(-24 * time.Hour)
	out := map[string][]byte{}
	for name, req := range map[string]*colmetricpb.ExportMetricsServiceRequest{
		"accepted": agentsim.CostlyReport("bench-max-accepted", day),
		"issue-14": agentsim.ManyPoints("bench-max-issue", day),
	} {
		b, err := proto.Marshal(req)
		if err != nil {
			panic(err)
		}
		out[name] = b
	}
	return out
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
	cmd, url, stop, err := serveCollector(collectorBin, port, srv.URL, "maxsize/autogen", filepath.Join(dir, "tokens"))
	if err != nil {
		return err
	}
	defer stop()
	shapes := maxSizeShapes(time.Now().UTC())
	names := make([]string, 0, len(shapes))
	for name := range shapes {
		names = append(names, name)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(names))) // the shape first: its peak is the lower
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
