package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/carbon"
	"github.com/kretslopp/kretslopp/collector/internal/config"
	"github.com/kretslopp/kretslopp/collector/internal/lifecycle"
)

func init() {
	register(command{Name: "carbon", Summary: "embodied CO2e: list the fleet's models with their product carbon footprint match (carbon models)", Run: runCarbon})
}

func runCarbon(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "carbon", "models [--json] [--config FILE]")
	asJSON := fs.Bool("json", false, "print a JSON list (manufacturer, model, match, product, gwp_total_kg, embodied_kg, …)")
	cfgPath := fs.String("config", "", "YAML configuration file (default $KRETSLOPP_CONFIG)")
	if len(args) == 0 || args[0] != "models" {
		fs.Usage()
		return usageError{"expected 'carbon models'"}
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	client, cfg, err := openInfluxConfig(env, *cfgPath)
	if err != nil {
		return err
	}
	defer client.Close()
	opts, err := carbonOptions(cfg)
	if err != nil {
		return err
	}
	rows, err := carbon.Models(ctx, client, opts, time.Now())
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	return printModels(env, rows)
}

func printModels(env *cliEnv, rows []carbon.ModelRow) error {
	ds, err := carbon.Embedded()
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Footprints: %s\n\n", ds.Info.Citation())
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MANUFACTURER\tMODEL\tSERIALS\tCLASS\tMATCH\tPRODUCT\tGWP TOTAL kg\tEMBODIED kg\tLIFETIME y\tBASELINE y")
	for _, r := range rows {
		product := "-"
		switch {
		case r.Product != nil:
			product = r.ProductManufacturer + " " + *r.Product
		case r.ClassDefault != nil:
			product = "class default: " + *r.ClassDefault
		case r.Match == carbon.KindOverride:
			product = "own figures: " + r.Source
		}
		life := "-"
		if r.LifetimeYears != nil {
			life = strconv.FormatFloat(*r.LifetimeYears, 'f', -1, 64)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%.1f\t%.1f\t%s\t%g\n", orDash(r.Manufacturer), r.Model, r.Serials, r.Class, r.Match, product, r.GWPTotalKg, r.EmbodiedKg, life, r.BaselineYears)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, "\nClass defaults (data set medians), used for models marked none:")
	for _, d := range ds.Defaults() {
		fmt.Fprintf(env.Stdout, "  %-10s gwp_total %.1f kg, embodied share %.3f, embodied %.1f kg, lifetime %g years (%d products)\n", d.Class, d.GWPTotalKg, d.EmbodiedShare, d.EmbodiedKg, d.LifetimeYears, d.Products)
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// updateDerived recomputes the derived lifecycle measurements and then the
// carbon ones, and says so on stdout (quiet: in the debug log).
func updateDerived(ctx context.Context, env *cliEnv, q lifecycle.Querier, w lifecycle.Writer, opts carbon.Options, plannedLife float64, now time.Time, quiet bool) error {
	n, err := lifecycle.Update(ctx, q, w, plannedLife, now)
	if err := leftOutOnly(env, "lifecycle", err, quiet); err != nil {
		return err
	}
	c, err := carbon.Update(ctx, q, w, opts, now)
	if err := leftOutOnly(env, "carbon", err, quiet); err != nil {
		return err
	}
	if quiet {
		env.Logger.Debug("derived measurements updated", "lifecycle_points", n, "carbon_points", c)
		return nil
	}
	fmt.Fprintf(env.Stdout, "updated %d hardware/procurement_yearly points\n", n)
	fmt.Fprintf(env.Stdout, "updated %d %s/%s points\n", c, carbon.MeasurementHardware, carbon.MeasurementYearly)
	return nil
}

// carbonOptions checks the carbon configuration at start-up.
func carbonOptions(cfg config.Config) (carbon.Options, error) {
	opts, err := cfg.Carbon.Options()
	if err != nil {
		return opts, fmt.Errorf("configuration is invalid:\n%w", err)
	}
	return opts, nil
}
