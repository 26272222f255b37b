package main

import (
	"context"
	"fmt"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/collector/internal/report"
)

func init() {
	register(command{Name: "report", Summary: "meetings per platform per year and month with growth (json or table)", Run: runReport})
}

func runReport(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "report", "--from YEAR --to YEAR [--format json|table]")
	thisYear := time.Now().UTC().Year()
	from := fs.Int("from", thisYear-2, "first calendar year (UTC)")
	to := fs.Int("to", thisYear, "last calendar year (UTC)")
	format := fs.String("format", "table", "output: json or table")
	cfgPath := fs.String("config", "", "YAML configuration file (default $KRETSLOPP_CONFIG)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if *format != "json" && *format != "table" {
		return usageError{fmt.Sprintf("--format %q: use json or table", *format)}
	}
	if *from < 2000 || *to > 9999 || *from > *to {
		return usageError{fmt.Sprintf("--from %d --to %d: expected years with from <= to", *from, *to)}
	}
	cfg, err := env.LoadConfig(*cfgPath)
	if err != nil {
		return err
	}
	client, err := influx.New(cfg.Influx, env.Logger)
	if err != nil {
		return err
	}
	defer client.Close()
	rep, err := report.BuildMeetings(ctx, client, *from, *to)
	if err != nil {
		return err
	}
	if *format == "json" {
		return report.WriteJSON(env.Stdout, rep)
	}
	return report.WriteTable(env.Stdout, rep)
}
