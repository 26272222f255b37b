package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/auth"
	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/collector/internal/ingest"
	"github.com/kretslopp/kretslopp/internal/influxserver"
	"github.com/kretslopp/kretslopp/internal/schema"
)

// runDeviceTable measures what the device table costs on a big fleet:
// InfluxDB gets n devices (a device_daily point and a binding each), then
// a collector starts and loads its table from there before it serves.
// It prints the time to ready and the collector's RSS with the table.
func runDeviceTable(ctx context.Context, collectorBin string, n int) error {
	srv, err := influxserver.Start(ctx, influxserver.Options{})
	if err != nil {
		return err
	}
	defer srv.Close()
	if err := srv.Exec(ctx, "CREATE DATABASE fleet"); err != nil {
		return err
	}
	client, err := influx.New(influx.Config{URL: srv.URL, Bucket: "fleet/autogen"}, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer client.Close()
	day := time.Now().UTC().Truncate(24 * time.Hour)
	tokens := []auth.Identity{{Name: "rinkeby", Site: "Rinkeby skola", Named: true}, {Name: "vallingby", Site: "Vällingby skola", Named: true}}
	t0 := time.Now()
	var points []influx.Point
	for i := range n {
		id := fmt.Sprintf("%08x-fleet-%07d", i*2654435761, i)
		points = append(points,
			influx.Point{Measurement: schema.DeviceDaily, Tags: map[string]string{"device_id": id}, Fields: map[string]any{"uptime_s": 1.0, "last_seen": day.Unix()}, Time: day},
			*ingest.BindingPoint(id, tokens[i%2], ingest.ReasonFirstReport, day.Add(time.Duration(i)*time.Millisecond)))
		if len(points) >= 10000 || i == n-1 {
			if err := client.Write(ctx, points); err != nil {
				return err
			}
			points = points[:0]
		}
	}
	fmt.Printf("\n== device table: %d devices in InfluxDB (written in %.1fs) ==\n", n, time.Since(t0).Seconds())
	for _, q := range []string{`SHOW TAG VALUES FROM "device_daily" WITH KEY = "device_id"`, `SELECT "device_id", "token" FROM "device_binding" WHERE time >= '1970-01-01T00:00:00Z'`} {
		t := time.Now()
		series, err := client.Query(ctx, q)
		if err != nil {
			return err
		}
		rows := 0
		for _, s := range series {
			rows += len(s.Values)
		}
		fmt.Printf("query %-60.60s %7d rows in %.2fs\n", q, rows, time.Since(t).Seconds())
	}
	dir, err := os.MkdirTemp("", "ingestload-devicetable-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "tokens"), []byte("rinkeby - bench-token-0123456789abcdef\n"), 0o600); err != nil {
		return err
	}
	port, err := influxserver.FreePort()
	if err != nil {
		return err
	}
	t0 = time.Now()
	cmd, _, stop, err := serveCollector(collectorBin, port, srv.URL, "fleet/autogen", filepath.Join(dir, "tokens"))
	if err != nil {
		return err
	}
	defer stop()
	fmt.Printf("collector start to ready (table loaded): %.2fs; RSS %.1f MB (peak %.1f MB)\n", time.Since(t0).Seconds(), float64(rss(cmd.Process.Pid))/1024, float64(peakRSS(cmd.Process.Pid))/1024)
	return nil
}
