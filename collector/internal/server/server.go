// Package server assembles the collector's HTTP server: the OTLP receiver,
// health and readiness probes and the Prometheus endpoint for the
// collector's own metrics, over HTTP or TLS.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	promclient "github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/kretslopp/kretslopp/collector/internal/auth"
	"github.com/kretslopp/kretslopp/collector/internal/config"
	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/collector/internal/ingest"
	"github.com/kretslopp/kretslopp/collector/internal/safetext"
)

// Server is a configured collector HTTP server.
type Server struct {
	cfg      config.Config
	log      *slog.Logger
	influx   *influx.Client
	batcher  *ingest.Batcher
	registry *ingest.Registry
	mux      *http.ServeMux
	provider *sdkmetric.MeterProvider
	// Meter is for other parts of the collector that report their health.
	Meter metric.Meter
	// Background records the runs of serve's background jobs.
	Background *Background

	listener net.Listener
}

// New builds the server from a validated configuration.
func New(cfg config.Config, logger *slog.Logger) (*Server, error) {
	client, err := influx.New(cfg.Influx, logger)
	if err != nil {
		return nil, err
	}
	tokens, err := auth.Load(cfg.AgentTokensFile, "agent tokens", logger)
	if err != nil {
		return nil, err
	}
	if tokens.Count() == 0 {
		logger.Warn("no agent tokens configured: every ingest request will be refused", "agent_tokens_file", cfg.AgentTokensFile)
	}
	registry := promclient.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	exporter, err := otelprom.New(otelprom.WithRegisterer(registry))
	if err != nil {
		return nil, fmt.Errorf("prometheus exporter: %w", err)
	}
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	meter := provider.Meter("github.com/kretslopp/kretslopp/collector")
	metrics, err := ingest.NewMetrics(meter)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	background, err := newBackground(meter)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	batcher := ingest.NewBatcher(client, cfg.Ingest.BatchLines, cfg.Ingest.WriteConcurrency, cfg.Ingest.BatchLinger, cfg.Ingest.WriteTimeout, logger, metrics.ObserveWrite)
	devices := ingest.NewRegistry(cfg.Ingest.MaxDevices, cfg.Ingest.NewDevicesPerHour, nil)
	inflight := ingest.NewInflight(cfg.Ingest.MaxInflightBytes)
	metrics.Observe(inflight, devices)
	s := &Server{
		cfg: cfg, log: logger, influx: client, batcher: batcher, registry: devices,
		mux: http.NewServeMux(), provider: provider, Meter: meter, Background: background,
	}
	s.mux.Handle(ingest.Path, &ingest.Handler{
		Tokens:       tokens,
		RateLimit:    ingest.NewRateLimiter(cfg.Ingest.TokenRate, cfg.Ingest.TokenBurst, nil),
		Batcher:      batcher,
		Registry:     devices,
		Inflight:     inflight,
		Metrics:      metrics,
		Log:          logger,
		MaxBodyBytes: cfg.Ingest.MaxBodyBytes,
		MaxResources: cfg.Ingest.MaxResources,
		MaxLabels:    cfg.Ingest.MaxLabels,
		MaxAge:       cfg.Ingest.MaxAge,
		WriteTimeout: cfg.Ingest.WriteTimeout,
		RetryAfter:   cfg.Ingest.RetryAfter,
	})
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	return s, nil
}

// Handle adds a handler (the read API, for example) to the server's mux.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Influx returns the server's InfluxDB client.
func (s *Server) Influx() *influx.Client { return s.influx }

// loadWait bounds how long serve waits for the device table at start.
const loadWait = 10 * time.Second

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if !s.registry.Ready() {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("device table not loaded from InfluxDB yet\n"))
		return
	}
	if err := s.influx.Ping(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = fmt.Fprintf(w, "influxdb unreachable: %v\n", err)
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// Listen binds the configured address; Addr then tells the real port.
func (s *Server) Listen() error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", s.cfg.Listen, err)
	}
	s.listener = ln
	return nil
}

// Addr is the bound address, after Listen.
func (s *Server) Addr() string { return s.listener.Addr().String() }

// Serve serves until ctx ends, then shuts down gracefully: requests in
// flight finish (and their writes with them) before the writer stops.
func (s *Server) Serve(ctx context.Context) error {
	if s.listener == nil {
		if err := s.Listen(); err != nil {
			return err
		}
	}
	srv := &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      s.cfg.Ingest.WriteTimeout + 30*time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	tlsOn := s.cfg.TLS.CertFile != ""
	if tlsOn {
		cert, err := tls.LoadX509KeyPair(s.cfg.TLS.CertFile, s.cfg.TLS.KeyFile)
		if err != nil {
			return fmt.Errorf("tls: %w", err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	if s.cfg.DebugListen != "" {
		go s.serveDebug(ctx)
	}
	// The device table loads from InfluxDB before the first request is
	// served, if InfluxDB answers within loadWait; otherwise in the
	// background, while ingest answers 503 and /readyz fails. Then it
	// follows other collectors' bindings.
	loadCtx, cancelLoad := context.WithTimeout(ctx, loadWait)
	if err := s.registry.Load(loadCtx, s.influx, s.log); err != nil {
		s.log.Warn("device table not loaded at start; retrying in the background", "err", err)
	}
	cancelLoad()
	registryCtx, stopRegistry := context.WithCancel(ctx)
	registryDone := make(chan struct{})
	go func() { defer close(registryDone); s.registry.Run(registryCtx, s.influx, s.log) }()
	defer func() { stopRegistry(); <-registryDone }()
	errc := make(chan error, 1)
	go func() {
		var err error
		if tlsOn {
			err = srv.ServeTLS(s.listener, "", "")
		} else {
			err = srv.Serve(s.listener)
		}
		errc <- err
	}()
	s.log.Info("collector serving", "addr", s.Addr(), "tls", tlsOn, "influx", safetext.RedactURL(s.cfg.Influx.URL), "bucket", s.cfg.Influx.Bucket)
	select {
	case err := <-errc:
		s.close()
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.cfg.Ingest.WriteTimeout+5*time.Second)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	s.close()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func (s *Server) close() {
	s.batcher.Close()
	s.influx.Close()
	_ = s.provider.Shutdown(context.Background())
}

// serveDebug serves pprof on its own listener, apart from the public mux.
func (s *Server) serveDebug(ctx context.Context) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Addr: s.cfg.DebugListen, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { <-ctx.Done(); _ = srv.Close() }()
	s.log.Info("pprof serving", "addr", s.cfg.DebugListen)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		s.log.Error("pprof listener", "err", err)
	}
}
