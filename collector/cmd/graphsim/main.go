// Command graphsim runs the local Microsoft Graph simulator (package
// graphsim) for the demo and for trying kretslopp-collector pull without a
// tenant. It writes its CA certificate to a file (point SSL_CERT_FILE at it)
// and prints the KRETSLOPP_GRAPH_* settings to use.
//
//	graphsim --listen 127.0.0.1:8443 --ca-out tmp/graphsim-ca.pem --env-out tmp/graphsim.env --today 2020-12-31
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/graphsim"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "graphsim:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("graphsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8443", "host:port to listen on (HTTPS)")
	caOut := fs.String("ca-out", "graphsim-ca.pem", "file to write the simulator's CA certificate to (for SSL_CERT_FILE)")
	envOut := fs.String("env-out", "", "also write the KRETSLOPP_GRAPH_* and SSL_CERT_FILE settings to this file (shell syntax)")
	today := fs.String("today", "", "the simulator's date, YYYY-MM-DD (default: the real date); its clock runs from that day's current time")
	seed := fs.Int64("seed", 2020, "seed of the deterministic municipal data")
	tenant := fs.String("tenant", "kretslopp-demo-tenant", "tenant id accepted")
	clientID := fs.String("client-id", "kretslopp-demo-app", "client id accepted")
	secret := fs.String("client-secret", "demo-secret", "client secret accepted (empty: any)")
	scale := fs.Float64("call-record-scale", 0.05, "call records per day relative to the story (1 = a few thousand per workday in 2020)")
	perDay := fs.Int("call-records-per-day", 0, "fixed number of call records every day (overrides the scale)")
	pageSize := fs.Int("page-size", 60, "call-record page size (Graph's default is 60)")
	timeScale := fs.Float64("time-scale", 1, "divide Graph's documented throttling windows by this (1: the documented rates); the collector needs the same graph.time_scale")
	identityHeader := fs.String("identity-header", "", "serve the managed identity endpoint /msi/token with this X-IDENTITY-HEADER value (point IDENTITY_ENDPOINT and IDENTITY_HEADER at it)")
	verbose := fs.Bool("v", false, "log every request")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return err
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	now := time.Now
	if *today != "" {
		day, err := time.Parse("2006-01-02", *today)
		if err != nil {
			return fmt.Errorf("--today %q: want YYYY-MM-DD", *today)
		}
		offset := day.Sub(time.Now().UTC().Truncate(24 * time.Hour))
		now = func() time.Time { return time.Now().UTC().Add(offset) }
	}
	sim, err := graphsim.Start(*listen, graphsim.Options{
		Story:    graphsim.Story{Seed: *seed, CallRecordScale: *scale, CallRecordsPerDay: *perDay},
		Now:      now,
		TenantID: *tenant, ClientID: *clientID, ClientSecret: *secret,
		PageSize: *pageSize, TimeScale: *timeScale, IdentityHeader: *identityHeader,
		Logger: logger,
	})
	if err != nil {
		return err
	}
	defer sim.Close()
	if err := os.WriteFile(*caOut, sim.CACertPEM(), 0o644); err != nil {
		return fmt.Errorf("writing the CA certificate: %w", err)
	}
	settings := []string{
		"SSL_CERT_FILE=" + *caOut,
		"KRETSLOPP_GRAPH_BASE_URL=" + sim.BaseURL(),
		"KRETSLOPP_GRAPH_AUTHORITY_HOST=" + sim.AuthorityHost(),
		"KRETSLOPP_GRAPH_TENANT_ID=" + *tenant,
		"KRETSLOPP_GRAPH_CLIENT_ID=" + *clientID,
		"KRETSLOPP_GRAPH_CLIENT_SECRET=" + *secret,
		fmt.Sprintf("KRETSLOPP_GRAPH_TIME_SCALE=%g", *timeScale),
	}
	if *envOut != "" {
		var b strings.Builder
		for _, s := range settings {
			k, v, _ := strings.Cut(s, "=")
			fmt.Fprintf(&b, "export %s='%s'\n", k, v)
		}
		if err := os.WriteFile(*envOut, []byte(b.String()), 0o600); err != nil {
			return fmt.Errorf("writing %s: %w", *envOut, err)
		}
	}
	fmt.Fprintf(stdout, "Graph simulator listening on %s (simulated today %s, reports refreshed %s)\n", sim.URL(), now().UTC().Format("2006-01-02"), sim.ReportRefreshDate().Format("2006-01-02"))
	fmt.Fprintf(stdout, "CA certificate written to %s\n", *caOut)
	for _, s := range settings {
		fmt.Fprintln(stdout, s)
	}
	fmt.Fprintf(stdout, "Fault injection: curl --cacert %s -X POST %s/_sim/faults -d '{\"match\":\"callRecords\",\"status\":429,\"retry_after_s\":2,\"times\":1}'\n", *caOut, sim.URL())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return nil
}
