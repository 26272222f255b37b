package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/config"
	"github.com/kretslopp/kretslopp/collector/internal/graph"
	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/collector/internal/meetings"
	"github.com/kretslopp/kretslopp/collector/internal/pull"
	"github.com/kretslopp/kretslopp/collector/internal/server"
)

func init() {
	register(command{Name: "pull", Summary: "pull Teams/Skype usage reports and call records from Microsoft Graph into InfluxDB", Run: runPull})
	serveJobs = append(serveJobs, serveJob{
		Name:    "graph-pull",
		Enabled: func(cfg config.Config) bool { return cfg.Graph.PullInterval > 0 },
		Run: func(ctx context.Context, env *cliEnv, cfg config.Config, _ *server.Server) error {
			return pullLoop(ctx, env, cfg, pull.Options{}, cfg.Graph.PullInterval)
		},
	})
}

func runPull(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "pull", "[--once] [--config FILE] [--period D7|D30|D90|D180] [--since YYYY-MM-DD]")
	once := fs.Bool("once", false, "pull once and exit (non-zero exit if any report failed); without it, pull every graph.pull_interval (default 24h)")
	cfgPath := fs.String("config", "", "YAML configuration file (default $KRETSLOPP_CONFIG)")
	period := fs.String("period", "", "report period to request (default: D180 on the first run, then the shortest period that covers the days since the last pull)")
	since := fs.String("since", "", "pull from this UTC day (YYYY-MM-DD) instead of from where InfluxDB ends")
	noCalls := fs.Bool("no-call-records", false, "skip call records (for an app without CallRecords.Read.All)")
	today := fs.String("today", "", "treat this UTC day (YYYY-MM-DD) as today: for replaying against the Graph simulator set to a past date")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	opts := pull.Options{Period: *period, SkipCallRecords: *noCalls}
	if *period != "" {
		if err := pull.ValidPeriod(*period); err != nil {
			return usageError{err.Error()}
		}
	}
	if *since != "" {
		t, err := time.Parse("2006-01-02", *since)
		if err != nil {
			return usageError{fmt.Sprintf("--since %q: want YYYY-MM-DD", *since)}
		}
		opts.Since = t
	}
	if *today != "" {
		day, err := time.Parse("2006-01-02", *today)
		if err != nil {
			return usageError{fmt.Sprintf("--today %q: want YYYY-MM-DD", *today)}
		}
		offset := day.Sub(time.Now().UTC().Truncate(24 * time.Hour))
		opts.Now = func() time.Time { return time.Now().UTC().Add(offset) }
	}
	cfg, err := env.LoadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if err := cfg.Graph.Validate(); err != nil {
		return fmt.Errorf("pull: Microsoft Graph is not configured:\n%w", err)
	}
	if *once {
		return pullOnce(ctx, env, cfg, opts)
	}
	interval := cfg.Graph.PullInterval
	if interval <= 0 {
		interval = 24 * time.Hour
	}
	return pullLoop(ctx, env, cfg, opts, interval)
}

// pullOnce runs one pull, prints the summary and fails if any step failed.
func pullOnce(ctx context.Context, env *cliEnv, cfg config.Config, opts pull.Options) error {
	store, err := influx.New(cfg.Influx, env.Logger)
	if err != nil {
		return err
	}
	defer store.Close()
	src, err := graph.New(cfg.Graph, graph.Options{Logger: env.Logger})
	if err != nil {
		return err
	}
	opts.Logger = env.Logger
	r := &pull.Runner{Source: src, Store: store, Opts: opts}
	sum := r.Run(ctx)
	sum.WriteText(env.Stdout)
	// Keep the monthly/yearly rollups in step with the days just written.
	now := time.Now().UTC()
	if opts.Now != nil {
		now = opts.Now().UTC()
	}
	if n, err := meetings.UpdateRollups(ctx, store, now.AddDate(0, 0, -185).Year(), now.Year()); err != nil {
		env.Logger.Error("graph pull: updating meeting rollups", "err", err)
		sum.Outcomes = append(sum.Outcomes, pull.Outcome{Name: "rollups", Err: err})
	} else {
		env.Logger.Debug("graph pull: rollups updated", "points", n)
	}
	if n := sum.Failed(); n > 0 {
		return fmt.Errorf("pull: %d of %d steps failed:\n%w", n, len(sum.Outcomes), sum.Err())
	}
	return nil
}

// pullLoop pulls now and then every interval (with up to 5 % jitter, so
// that several collectors do not hit Graph in step) until ctx ends.
func pullLoop(ctx context.Context, env *cliEnv, cfg config.Config, opts pull.Options, interval time.Duration) error {
	for {
		if err := pullOnce(ctx, env, cfg, opts); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			env.Logger.Error("graph pull failed; retrying at the next interval", "err", err, "interval", interval)
		}
		// After an explicit --since/--period, later runs choose for themselves.
		opts.Since, opts.Period = time.Time{}, ""
		wait := interval + time.Duration(rand.Int64N(int64(interval)/20+1))
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.Canceled) {
				return nil
			}
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}
