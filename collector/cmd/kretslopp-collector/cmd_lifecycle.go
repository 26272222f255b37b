package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/config"
	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/collector/internal/lifecycle"
	"github.com/kretslopp/kretslopp/collector/internal/safetext"
	"github.com/kretslopp/kretslopp/collector/internal/server"
)

func init() {
	register(command{Name: "lifecycle", Summary: "hardware lifecycle: recompute the hardware, procurement_yearly and carbon measurements (--update) or show one serial's rounds", Run: runLifecycle})
	serveJobs = append(serveJobs, serveJob{
		Name:    "lifecycle",
		Enabled: func(cfg config.Config) bool { return cfg.LifecycleInterval > 0 },
		Run:     runLifecycleJob,
	})
}

// runLifecycleJob keeps the Lifecycle (and carbon) dashboards' derived
// measurements fresh from inside serve: once at start, then every
// lifecycle_interval. Several collectors may run it; the points it writes
// overwrite each other. Each run's outcome is on /metrics (task "lifecycle").
func runLifecycleJob(ctx context.Context, env *cliEnv, cfg config.Config, srv *server.Server) error {
	opts, err := carbonOptions(cfg) // serve validated it at start-up
	if err != nil {
		return err
	}
	ticker := time.NewTicker(cfg.LifecycleInterval)
	defer ticker.Stop()
	for {
		err := updateDerived(ctx, env, srv.Influx(), srv.Influx(), opts, lifecycle.DefaultPlannedLife, time.Now(), true)
		if ctx.Err() != nil {
			return nil
		}
		srv.Background.Observe(ctx, "lifecycle", time.Now(), err)
		if err != nil {
			env.Logger.Warn("lifecycle update failed; next try at the next interval", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// reportLeftOut names on standard error the points a write left out (a
// serial that an older collector stored with a control character, say),
// safe for the terminal.
func reportLeftOut(env *cliEnv, pe *influx.PartialError) {
	for _, r := range pe.Refused {
		fmt.Fprintf(env.Stderr, "left out: %s\n", safetext.Terminal(r.String()))
	}
}

// leftOutOnly turns a write that InfluxDB refused for some points only
// into success, naming those points: on standard error, or in the log
// when quiet (serve's background job). Any other error is returned.
func leftOutOnly(env *cliEnv, what string, err error, quiet bool) error {
	pe, ok := influx.AsPartial(err)
	if !ok {
		return err
	}
	if quiet {
		env.Logger.Warn(what+" update left out points it cannot write; the rest is written",
			"left_out", len(pe.Refused), "first", safetext.Terminal(pe.Refused[0].String()))
		return nil
	}
	reportLeftOut(env, pe)
	return nil
}

func runLifecycle(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "lifecycle", "--update [--planned-life YEARS] | --serial SERIAL")
	update := fs.Bool("update", false, "recompute the derived measurements hardware (one point per serial, today), procurement_yearly, carbon_hardware and carbon_yearly that the dashboards read")
	serial := fs.String("serial", "", "print one hardware serial's life as JSON: first and last seen, rounds, device IDs, inventory")
	life := fs.Float64("planned-life", lifecycle.DefaultPlannedLife, "planned life of a device in years")
	cfgPath := fs.String("config", "", "YAML configuration file (default $KRETSLOPP_CONFIG)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if *update == (*serial != "") {
		fs.Usage()
		return usageError{"give either --update or --serial"}
	}
	if *life <= 0 {
		return usageError{fmt.Sprintf("--planned-life %v: must be positive", *life)}
	}
	client, cfg, err := openInfluxConfig(env, *cfgPath)
	if err != nil {
		return err
	}
	defer client.Close()
	now := time.Now()
	if *update {
		opts, err := carbonOptions(cfg)
		if err != nil {
			return err
		}
		return updateDerived(ctx, env, client, client, opts, *life, now, false)
	}
	items, err := lifecycle.LoadInventory(ctx, client)
	if err != nil {
		return err
	}
	hw, _, err := lifecycle.Derive(ctx, client, now.Add(time.Second), items)
	if err != nil {
		return err
	}
	for _, h := range hw {
		if h.Serial == *serial {
			enc := json.NewEncoder(env.Stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(lifecycle.Story(h))
		}
	}
	return fmt.Errorf("lifecycle: serial %q: no report and no inventory row", *serial)
}
