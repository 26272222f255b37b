// Command graph measures the Graph call-record pull: it starts the Graph
// simulator in-process with a fixed number of call records per day, pulls
// them through the real msgraph-sdk-go client (the same code path as
// `kretslopp-collector pull`) into a real InfluxDB, and prints records/s and
// the peak RSS of this process (VmHWM), which includes the simulator.
//
//	go run ./collector/bench/graph -records 100000 -influx-url http://127.0.0.1:8086 -bucket kretslopp/autogen
//
// Without -influx-url it starts the project's InfluxDB 1.8 (as the tests do).
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/config"
	"github.com/kretslopp/kretslopp/collector/internal/graph"
	"github.com/kretslopp/kretslopp/collector/internal/graphsim"
	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/collector/internal/pull"
	"github.com/kretslopp/kretslopp/internal/influxserver"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	records := flag.Int("records", 100000, "call records to pull (spread over the 29 days of the window)")
	pageSize := flag.Int("page-size", 60, "simulator page size (Graph's default is 60)")
	influxURL := flag.String("influx-url", os.Getenv("KRETSLOPP_INFLUX_URL"), "InfluxDB URL (1.8 or 2.x)")
	bucket := flag.String("bucket", envOr("KRETSLOPP_INFLUX_BUCKET", "kretslopp_bench/autogen"), "bucket (db/rp on 1.8)")
	token := flag.String("token", os.Getenv("KRETSLOPP_INFLUX_TOKEN"), "InfluxDB token")
	org := flag.String("org", envOr("KRETSLOPP_INFLUX_ORG", "kretslopp"), "InfluxDB org")
	flag.Parse()
	ctx := context.Background()
	if *influxURL == "" {
		// No server given: run the project's throw-away InfluxDB 1.8.
		srv, err := influxserver.Start(ctx, influxserver.Options{})
		if err != nil {
			return fmt.Errorf("start InfluxDB (or pass -influx-url): %w", err)
		}
		defer srv.Close()
		*influxURL = srv.URL
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	now := time.Date(2020, 6, 15, 6, 0, 0, 0, time.UTC)
	perDay := (*records + 28) / 29
	sim, err := graphsim.Start("", graphsim.Options{
		Story: graphsim.Story{Seed: 1, CallRecordsPerDay: perDay},
		Now:   func() time.Time { return now }, TenantID: "t", ClientID: "c", ClientSecret: "s", PageSize: *pageSize,
	})
	if err != nil {
		return err
	}
	defer sim.Close()
	store, err := influx.New(influx.Config{URL: *influxURL, Token: *token, Org: *org, Bucket: *bucket}, logger)
	if err != nil {
		return err
	}
	defer store.Close()
	db := strings.SplitN(*bucket, "/", 2)[0]
	if _, err := store.Query(ctx, "CREATE DATABASE "+fmt.Sprintf("%q", db)); err != nil {
		logger.Warn("create database", "err", err)
	}
	client, err := graph.New(config.GraphConfig{TenantID: "t", ClientID: "c", ClientSecret: "s", BaseURL: sim.BaseURL(), AuthorityHost: sim.AuthorityHost()},
		graph.Options{Transport: sim.HTTPClient().Transport, Logger: logger})
	if err != nil {
		return err
	}
	runtime.GC()
	before := rssKB("VmRSS")
	r := &pull.Runner{Source: client, Store: store, Opts: pull.Options{Now: func() time.Time { return now }, Since: now.AddDate(0, 0, -29), Logger: logger}}
	start := time.Now()
	o := r.Run(ctx).Outcomes
	elapsed := time.Since(start)
	var calls pull.Outcome
	for _, x := range o {
		if x.Name == pull.CallRecordsName {
			calls = x
		}
		if x.Err != nil {
			return fmt.Errorf("%s: %w", x.Name, x.Err)
		}
	}
	pages := 0
	for _, q := range sim.Requests() {
		if strings.Contains(q.Path, "callRecords") {
			pages++
		}
	}
	fmt.Printf("call records: %d in %d pages over %d days in %s (whole pull incl. 6 reports %s)\n", calls.Records, pages, calls.Days, calls.Duration.Round(time.Millisecond), elapsed.Round(time.Millisecond))
	fmt.Printf("throughput:   %.0f records/s\n", float64(calls.Records)/calls.Duration.Seconds())
	fmt.Printf("RSS:          %d kB before the pull, peak %d kB (VmHWM, simulator included)\n", before, rssKB("VmHWM"))
	return nil
}

func rssKB(key string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key+":"); ok {
			var n int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &n)
			return n
		}
	}
	return -1
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
