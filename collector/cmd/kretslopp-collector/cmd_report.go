package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/report"
)

func init() {
	register(command{Name: "report", Summary: "yearly sustainability report (meetings, fleet, batteries, uptime, embodied CO2e) or, with --template policy, the policy's results document (html, md, json or table)", Run: runReport})
}

func runReport(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "report", "--from YEAR --to YEAR [--template yearly|policy] [--format html|md|json|table] [--lang sv|en] [--out FILE] [--planned-life YEARS]")
	thisYear := time.Now().UTC().Year()
	from := fs.Int("from", thisYear-2, "first calendar year (UTC)")
	to := fs.Int("to", thisYear, "last calendar year (UTC)")
	format := fs.String("format", "table", "output: html, md, json or table (policy: html, md or json)")
	tmpl := fs.String("template", "yearly", "yearly: the yearly report; policy: the results document in the policy's seven activities")
	lang := fs.String("lang", "sv", "language of html and md: sv or en")
	out := fs.String("out", "", "write to FILE instead of standard output")
	life := fs.Float64("planned-life", 5, "planned life of a device in years; older devices are due for replacement")
	cfgPath := fs.String("config", "", "YAML configuration file (default $KRETSLOPP_CONFIG)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	switch *format {
	case "html", "md", "json", "table":
	default:
		return usageError{fmt.Sprintf("--format %q: use html, md, json or table", *format)}
	}
	switch {
	case *tmpl != "yearly" && *tmpl != "policy":
		return usageError{fmt.Sprintf("--template %q: use yearly or policy", *tmpl)}
	case *tmpl == "policy" && *format == "table":
		return usageError{"--template policy: use --format html, md or json"}
	}
	l, err := report.ParseLang(*lang)
	if err != nil {
		return usageError{"--lang: " + err.Error()}
	}
	if *from < 2000 || *to > 9999 || *from > *to {
		return usageError{fmt.Sprintf("--from %d --to %d: expected years with from <= to", *from, *to)}
	}
	if *life <= 0 {
		return usageError{fmt.Sprintf("--planned-life %v: must be positive", *life)}
	}
	client, cfg, err := openInfluxConfig(env, *cfgPath)
	if err != nil {
		return err
	}
	defer client.Close()
	co2, err := carbonOptions(cfg)
	if err != nil {
		return err
	}
	opts := report.Options{PlannedLifeYears: *life, Carbon: co2}
	var (
		rep    *report.Yearly
		policy *report.Policy
	)
	if *tmpl == "policy" {
		policy, err = report.BuildPolicy(ctx, client, *from, *to, opts)
	} else {
		rep, err = report.BuildYearly(ctx, client, *from, *to, opts)
	}
	if err != nil {
		return err
	}
	var w io.Writer = env.Stdout
	var file *os.File
	if *out != "" {
		if file, err = os.Create(*out); err != nil {
			return fmt.Errorf("report: %w", err)
		}
		defer file.Close()
		w = file
	}
	switch {
	case policy != nil && *format == "json":
		err = report.WritePolicyJSON(w, policy)
	case policy != nil && *format == "html":
		err = report.WritePolicyHTML(w, policy, l)
	case policy != nil:
		err = report.WritePolicyMarkdown(w, policy, l)
	case *format == "json":
		err = report.WriteYearlyJSON(w, rep)
	case *format == "html":
		err = report.WriteHTML(w, rep, l)
	case *format == "md":
		err = report.WriteMarkdown(w, rep, l)
	default:
		err = report.WriteYearlyTable(w, rep)
	}
	if err != nil {
		return err
	}
	if file != nil {
		if err := file.Close(); err != nil {
			return fmt.Errorf("report: %w", err)
		}
		env.Logger.Info("report written", "file", *out, "template", *tmpl, "format", *format)
	}
	return nil
}
