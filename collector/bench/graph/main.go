// Command graph measures the Graph call-record pull of a large tenant: it
// starts the Graph simulator in-process as a 20,000-user tenant with 6,000
// call records a day, throttling at Graph's documented limits sped up by
// -time-scale, pulls the 29 full days Graph keeps through the real
// msgraph-sdk-go client and pull.Runner (the same code path as
// `kretslopp-collector pull`, participants_v2 of every group meeting
// included) into a real InfluxDB, and prints: failed days, double counts,
// requests against the documented budget (the simulator counts every 429),
// the peak RSS of this process (VmHWM, simulator included) and the wall
// time an unscaled tenant would need.
//
//	go run ./collector/bench/graph -time-scale 300
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
	perDay := flag.Int("records-per-day", 6000, "call records every day")
	users := flag.Int("users", 20000, "Teams users of the simulated tenant")
	scale := flag.Float64("time-scale", 300, "divide Graph's documented throttling windows by this (simulator and client alike)")
	latency := flag.Duration("latency", 150*time.Millisecond, "assumed round trip of one request to Graph, for the unscaled estimate")
	influxURL := flag.String("influx-url", os.Getenv("KRETSLOPP_INFLUX_URL"), "InfluxDB URL (1.8 or 2.x)")
	bucket := flag.String("bucket", envOr("KRETSLOPP_INFLUX_BUCKET", "kretslopp_bench/autogen"), "bucket (db/rp on 1.8)")
	token := flag.String("token", os.Getenv("KRETSLOPP_INFLUX_TOKEN"), "InfluxDB token")
	org := flag.String("org", envOr("KRETSLOPP_INFLUX_ORG", "kretslopp"), "InfluxDB org")
	flag.Parse()
	ctx := context.Background()
	if *influxURL == "" {
		srv, err := influxserver.Start(ctx, influxserver.Options{})
		if err != nil {
			return fmt.Errorf("start InfluxDB (or pass -influx-url): %w", err)
		}
		defer srv.Close()
		*influxURL = srv.URL
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	now := time.Date(2020, 6, 15, 6, 0, 0, 0, time.UTC)
	sim, err := graphsim.Start("", graphsim.Options{
		Story:    graphsim.Story{Seed: 1, CallRecordsPerDay: *perDay, Users: *users},
		Now:      func() time.Time { return now },
		TenantID: "t", ClientID: "c", ClientSecret: "s",
		DuplicateAcrossPages: true, TimeScale: *scale, RequestLog: -1,
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
	if _, err := store.Query(ctx, "DROP DATABASE "+fmt.Sprintf("%q", db)); err != nil {
		logger.Warn("drop database", "err", err)
	}
	if _, err := store.Query(ctx, "CREATE DATABASE "+fmt.Sprintf("%q", db)); err != nil {
		logger.Warn("create database", "err", err)
	}
	client, err := graph.New(config.GraphConfig{TenantID: "t", ClientID: "c", ClientSecret: "s", BaseURL: sim.BaseURL(), AuthorityHost: sim.AuthorityHost(),
		MaxWait: config.DefaultGraphMaxWait, TimeScale: *scale, Participants: true},
		graph.Options{Transport: sim.HTTPClient().Transport, Logger: logger})
	if err != nil {
		return err
	}
	runtime.GC()
	before := rssKB("VmRSS")
	r := &pull.Runner{Source: client, Store: store, Opts: pull.Options{Now: func() time.Time { return now }, SkipReports: true,
		Participants: true, Stats: client.Stats(), Logger: logger}}
	start := time.Now()
	sum := r.Run(ctx)
	elapsed := time.Since(start)
	peak := rssKB("VmHWM")
	o := sum.Outcomes[0]
	if o.Err != nil {
		return fmt.Errorf("call records: %w", o.Err)
	}

	// Check against the simulator, day by day streamed (no list kept).
	from, to := pull.CallRecordDays(now)
	w := sim.CallRecordTotals(from, to)
	// Participants are read for every group meeting.
	want := counted{w.Records, w.GroupCalls, w.PeerToPeer, w.Unknown, w.Participants, w.GroupCalls}
	got, days, err := totals(ctx, store)
	if err != nil {
		return err
	}
	failed := o.DaysLeft + o.Days - int(days)
	double := got.Records - want.Records
	throttled := sim.Throttled()

	// Requests by documented limit, from the days and pages the run made.
	stats := client.Stats()
	pagesPerDay := (*perDay + 59) / 60
	firstPages := int(o.Days)
	nextPages := int(o.Days) * (pagesPerDay - 1)
	records := stats.Attempts.Load() - int64(firstPages+nextPages)
	bound := func(n int, l pull.Limit) time.Duration {
		if n <= l.N {
			return 0
		}
		return time.Duration(float64(n-l.N) / float64(l.N) * float64(l.Window))
	}
	byList := max(bound(nextPages, pull.CallRecordsListNext), bound(firstPages, pull.CallRecordsListFirst))
	byApp := bound(int(stats.Attempts.Load()), pull.CallRecordsAppLimit)
	byLatency := time.Duration(stats.Attempts.Load()) * *latency

	fmt.Printf("tenant:        %d users, %d call records a day, %d days listed (Graph keeps 30; today is not over)\n", *users, *perDay, o.Days)
	fmt.Printf("pulled:        %d records (%d group meetings, %d peer-to-peer, %d unknown), %d participants in %d group meetings\n",
		got.Records, got.GroupCalls, got.PeerToPeer, got.Unknown, got.Participants, got.ParticipantsMeetings)
	fmt.Printf("simulator:     %d records (%d group, %d peer-to-peer, %d unknown), %d participants\n", w.Records, w.GroupCalls, w.PeerToPeer, w.Unknown, w.Participants)
	fmt.Printf("failed days:   %d (days in InfluxDB: %d, left for the next run: %d)\n", failed, days, o.DaysLeft)
	fmt.Printf("double counts: %d (records in InfluxDB minus records served; duplicates across pages were served on purpose)\n", double)
	fmt.Printf("requests:      %d: %d first list pages, %d later list pages, %d record GETs (participants_v2), %d retries\n",
		stats.Attempts.Load(), firstPages, nextPages, records, stats.Retries.Load())
	fmt.Printf("budget:        the simulator answered 429 %d times %v (0: every documented limit kept)\n", sumMap(throttled), throttled)
	fmt.Printf("RSS:           %d kB before the pull, peak %d kB (VmHWM, simulator included)\n", before, peak)
	fmt.Printf("wall time:     %s at time scale %g\n", elapsed.Round(time.Millisecond), *scale)
	fmt.Printf("unscaled:      %s by the documented list limits (%d later pages at 55 per 5 min), %s by the per-app limit; %s if every request took %s: about %s for a first 29-day backfill\n",
		byList.Round(time.Minute), nextPages, byApp.Round(time.Second), byLatency.Round(time.Minute), *latency, max(byList, byLatency).Round(time.Minute))
	if failed != 0 || double != 0 || got != want || sumMap(throttled) != 0 {
		return fmt.Errorf("the pull does not match the simulator or went over a documented limit")
	}
	return nil
}

type counted struct {
	Records, GroupCalls, PeerToPeer, Unknown, Participants, ParticipantsMeetings int64
}

func sumMap(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func totals(ctx context.Context, store *influx.Client) (got counted, days int64, err error) {
	series, err := store.Query(ctx, `SELECT sum("records"), sum("group_meetings"), sum("peer_to_peer_calls"), sum("unknown_calls"), sum("participants"), sum("participants_meetings"), count("records") FROM "call_records_daily"`)
	if err != nil || len(series) == 0 || len(series[0].Values) == 0 {
		return got, 0, fmt.Errorf("reading the totals: %v", err)
	}
	v := series[0].Values[0]
	n := func(i int) int64 {
		var f float64
		fmt.Sscan(fmt.Sprint(v[i]), &f)
		return int64(f)
	}
	return counted{n(1), n(2), n(3), n(4), n(5), n(6)}, n(7), nil
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
