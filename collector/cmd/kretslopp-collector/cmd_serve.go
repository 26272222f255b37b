package main

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/kretslopp/kretslopp/collector/internal/config"
	"github.com/kretslopp/kretslopp/collector/internal/ingest"
	"github.com/kretslopp/kretslopp/collector/internal/server"
)

func init() {
	register(command{Name: "serve", Summary: "receive agent reports over OTLP/HTTP and write them to InfluxDB", Run: runServe})
}

// serveJob is background work that serve runs beside the HTTP server (the
// scheduled Graph pull, for example); other files add to serveJobs.
type serveJob struct {
	Name string
	// Enabled says from the configuration whether the job runs.
	Enabled func(cfg config.Config) bool
	Run     func(ctx context.Context, env *cliEnv, cfg config.Config, srv *server.Server) error
}

var serveJobs []serveJob

// memoryLimit is serve's soft memory limit: a base for the runtime, the
// HTTP server and InfluxDB writes, the device table at its bound (about
// 100 bytes a device), and the most the receiver's requests can hold
// (ingest.MemoryBound: bodies in flight, their line protocol, the
// requests being decoded).
func memoryLimit(cfg config.Config) int64 {
	return 64<<20 + int64(cfg.Ingest.MaxDevices)*128 + ingest.MemoryBound(cfg.Ingest.MaxInflightBytes, cfg.Ingest.MaxBodyBytes)
}

// serveRoutes add HTTP handlers (the read API, for example) to the server
// before it starts; other files add to it.
var serveRoutes []func(env *cliEnv, cfg config.Config, srv *server.Server) error

func runServe(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "serve", "[--config FILE]")
	path := fs.String("config", "", "YAML configuration file (default $KRETSLOPP_CONFIG)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := env.LoadConfig(*path)
	if err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("configuration is invalid (see 'kretslopp-collector config check'):\n%w", err)
	}
	if env.Getenv("GOGC") == "" {
		// The collector's heap is small and short-lived (request bodies and
		// points); collecting less often saves a fifth of its CPU under
		// load for some tens of MB more memory. GOGC overrides it.
		debug.SetGCPercent(400)
	}
	if env.Getenv("GOMEMLIMIT") == "" {
		// A soft limit makes the GC work harder before the heap outgrows
		// what the in-flight bound allows (docs/benchmarks.md: eight
		// largest requests at once); GOMEMLIMIT overrides it.
		debug.SetMemoryLimit(memoryLimit(cfg))
	}
	srv, err := server.New(cfg, env.Logger)
	if err != nil {
		return err
	}
	for _, add := range serveRoutes {
		if err := add(env, cfg, srv); err != nil {
			return err
		}
	}
	if err := srv.Listen(); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for _, job := range serveJobs {
		if !job.Enabled(cfg) {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := job.Run(ctx, env, cfg, srv); err != nil && ctx.Err() == nil {
				env.Logger.Error("background job stopped", "job", job.Name, "err", err)
			}
		}()
	}
	err = srv.Serve(ctx)
	cancel()
	wg.Wait()
	return err
}
