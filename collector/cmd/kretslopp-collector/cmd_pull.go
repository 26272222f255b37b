package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/config"
	"github.com/kretslopp/kretslopp/collector/internal/graph"
	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/collector/internal/meetings"
	"github.com/kretslopp/kretslopp/collector/internal/pull"
	"github.com/kretslopp/kretslopp/collector/internal/server"
)

func init() {
	register(command{Name: "pull", Summary: "pull Teams usage reports and call records from Microsoft Graph into InfluxDB", Run: runPull})
	serveJobs = append(serveJobs, serveJob{
		Name:    "graph-pull",
		Enabled: func(cfg config.Config) bool { return cfg.Graph.PullInterval > 0 },
		Run: func(ctx context.Context, env *cliEnv, cfg config.Config, srv *server.Server) error {
			// The same counters as `pull --metrics-file`, on serve's /metrics.
			metrics, err := pull.NewMetrics(srv.Meter)
			if err != nil {
				return err
			}
			return pullLoop(ctx, env, cfg, pullRun{metrics: metrics}, cfg.Graph.PullInterval)
		},
	})
}

// pullRun is what one pull needs besides the configuration.
type pullRun struct {
	opts        pull.Options
	metrics     *pull.Metrics
	metricsFile string
}

func runPull(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "pull", "[--once] [--config FILE] [--period D7|D30|D90|D180] [--since YYYY-MM-DD] [--metrics-file FILE]")
	once := fs.Bool("once", false, "pull once and exit (non-zero exit if any step failed or the pull was interrupted); without it, pull every graph.pull_interval (default 24h)")
	cfgPath := fs.String("config", "", "YAML configuration file (default $KRETSLOPP_CONFIG)")
	period := fs.String("period", "", "report period to request (default: D180 on the first run, then the shortest period that covers the days since the last pull); call records: relist that many days")
	since := fs.String("since", "", "pull from this UTC day (YYYY-MM-DD) instead of from where InfluxDB ends")
	noCalls := fs.Bool("no-call-records", false, "skip call records (for an app without CallRecords.Read.All)")
	noReports := fs.Bool("no-reports", false, "skip the usage reports (call records only)")
	today := fs.String("today", "", "treat this UTC day (YYYY-MM-DD) as today: for replaying against the Graph simulator set to a past date")
	metricsFile := fs.String("metrics-file", "", "after each run write the pull's metrics here in the Prometheus text format (node_exporter textfile collector)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	opts := pull.Options{Period: *period, SkipCallRecords: *noCalls, SkipReports: *noReports}
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
	run := pullRun{opts: opts, metricsFile: *metricsFile}
	if *once {
		return pullOnce(ctx, env, cfg, run)
	}
	interval := cfg.Graph.PullInterval
	if interval <= 0 {
		interval = 24 * time.Hour
	}
	return pullLoop(ctx, env, cfg, run, interval)
}

// pullOnce runs one pull, prints the summary, records the metrics and fails
// if any step failed or the run was interrupted. Days left for the next run
// (throttling past graph.max_wait, graph.run_budget) are not a failure.
func pullOnce(ctx context.Context, env *cliEnv, cfg config.Config, run pullRun) error {
	store, err := influx.New(cfg.Influx, env.Logger)
	if err != nil {
		return err
	}
	defer store.Close()
	src, err := graph.New(cfg.Graph, graph.Options{Logger: env.Logger})
	if err != nil {
		return err
	}
	opts := run.opts
	opts.Logger = env.Logger
	opts.Skype = cfg.Graph.Skype
	opts.Participants = cfg.Graph.Participants
	opts.Stats = src.Stats()
	if cfg.Graph.RunBudget > 0 {
		opts.Deadline = time.Now().Add(cfg.Graph.RunBudget)
		if opts.Now != nil {
			opts.Deadline = opts.Now().Add(cfg.Graph.RunBudget)
		}
	}
	progress := newPullProgress(env.Stderr)
	opts.Progress = progress.update
	env.Logger.Info("graph pull starting", "credential", cfg.Graph.DescribeCredential(), "base_url", cfg.Graph.BaseURL,
		"skype", cfg.Graph.Skype, "participants", cfg.Graph.Participants, "max_wait", cfg.Graph.MaxWait, "run_budget", cfg.Graph.RunBudget)
	r := &pull.Runner{Source: src, Store: store, Opts: opts}
	sum := r.Run(ctx)
	progress.finish()
	// Keep the monthly/yearly rollups in step with the days just written
	// (also after an interruption: what landed is kept).
	now := time.Now().UTC()
	if opts.Now != nil {
		now = opts.Now().UTC()
	}
	rollCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if n, err := meetings.UpdateRollups(rollCtx, store, now.AddDate(0, 0, -185).Year(), now.Year()); err != nil {
		env.Logger.Error("graph pull: updating meeting rollups", "err", err)
		sum.Outcomes = append(sum.Outcomes, pull.Outcome{Name: "rollups", Err: err})
	} else {
		env.Logger.Debug("graph pull: rollups updated", "points", n)
	}
	sum.WriteText(env.Stdout)
	end := time.Now()
	run.metrics.Record(context.WithoutCancel(ctx), sum, end)
	if run.metricsFile != "" {
		if err := pull.WriteTextfile(run.metricsFile, sum, end); err != nil {
			env.Logger.Error("graph pull: metrics file", "err", err)
		}
	}
	switch outcome := sum.Outcome(); outcome {
	case pull.OutcomeInterrupted:
		return fmt.Errorf("pull: interrupted; %d days left for the next run (days already written are kept)", sum.DaysLeft())
	case pull.OutcomeFailed:
		return fmt.Errorf("pull: %d of %d steps failed:\n%w", sum.Failed(), len(sum.Outcomes), sum.Err())
	case pull.OutcomePartial:
		env.Logger.Warn("graph pull left days for the next run", "days_left", sum.DaysLeft())
	}
	return nil
}

// pullLoop pulls now and then every interval (with up to 5 % jitter, so
// that several collectors do not hit Graph in step) until ctx ends.
func pullLoop(ctx context.Context, env *cliEnv, cfg config.Config, run pullRun, interval time.Duration) error {
	for {
		if err := pullOnce(ctx, env, cfg, run); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			env.Logger.Error("graph pull failed; retrying at the next interval", "err", err, "interval", interval)
		}
		// After an explicit --since/--period, later runs choose for themselves.
		run.opts.Since, run.opts.Period = time.Time{}, ""
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

// pullProgress shows on a terminal what the pull is doing, one line per step
// that is rewritten as it goes. Elsewhere (a log file, journald, a pod) it
// stays silent: the pull's log lines say the same per step and per day.
type pullProgress struct {
	mu   sync.Mutex
	w    io.Writer
	tty  bool
	last time.Time
	open bool
}

func newPullProgress(w io.Writer) *pullProgress {
	return &pullProgress{w: w, tty: isTerminal(w) && os.Getenv("TERM") != "dumb"}
}

func (p *pullProgress) update(ev pull.Progress) {
	if !p.tty {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !ev.Done && time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	var b strings.Builder
	fmt.Fprintf(&b, "%-46s", ev.Step)
	if ev.DaysTotal > 1 {
		fmt.Fprintf(&b, " %d/%d days", ev.DaysDone, ev.DaysTotal)
	}
	if !ev.Day.IsZero() && !ev.Done {
		fmt.Fprintf(&b, "  %s", ev.Day.Format("2006-01-02"))
	}
	if ev.Records > 0 && !ev.Done {
		fmt.Fprintf(&b, "  %d records", ev.Records)
	}
	if ev.Done && ev.Outcome != nil {
		switch o := ev.Outcome; {
		case o.Err != nil:
			b.WriteString("  failed")
		case o.DaysLeft > 0:
			fmt.Fprintf(&b, "  %d days left for the next run", o.DaysLeft)
		default:
			b.WriteString("  done")
		}
	}
	fmt.Fprintf(p.w, "\r\033[K%s", b.String())
	p.open = true
	if ev.Done {
		fmt.Fprintln(p.w)
		p.open = false
	}
}

func (p *pullProgress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.open {
		fmt.Fprintln(p.w)
		p.open = false
	}
}
