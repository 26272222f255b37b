package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/carbon"
	"github.com/kretslopp/kretslopp/collector/internal/lifecycle"
)

// formatInventory is the --format of the asset/procurement export.
const formatInventory = "inventory"

type inventoryFlags struct {
	dryRun, skipInvalid, derived bool
	cfgPath                      string
}

// importInventory checks every inventory file, writes the inventory and
// inventory_status points of the good ones (one point per serial, so a
// re-import overwrites) and recomputes the derived lifecycle measurements.
func importInventory(ctx context.Context, env *cliEnv, files []string, fl inventoryFlags) error {
	bySerial := map[string]lifecycle.Item{}
	var failed []string
	rows := 0
	for _, name := range files {
		res, err := decodeInventoryFile(ctx, env, name)
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			fmt.Fprintf(env.Stderr, "%v\n", err)
			failed = append(failed, name)
			continue
		}
		rows += res.Rows
		if !reportInvalidRows(env, name, res.Errors, res.BadRows, res.Rows, fl.skipInvalid) {
			failed = append(failed, name)
			continue
		}
		for _, it := range res.Items {
			bySerial[it.Serial] = it // a later file wins for the same serial
		}
		env.Logger.Debug("file read", "file", name, "rows", res.Rows, "items", len(res.Items))
	}
	items := make([]lifecycle.Item, 0, len(bySerial))
	for _, it := range bySerial {
		items = append(items, it)
	}
	sort.Slice(items, func(i, j int) bool { return items[i].Serial < items[j].Serial })
	points := lifecycle.Points(items)
	var failErr error
	if len(failed) > 0 {
		failErr = fmt.Errorf("%d of %d files not imported: %s", len(failed), len(files), strings.Join(failed, ", "))
	}
	if fl.dryRun {
		var buf []byte
		var err error
		for _, p := range points {
			if buf, err = p.AppendLine(buf[:0]); err != nil {
				return err
			}
			if _, err := env.Stdout.Write(buf); err != nil {
				return err
			}
		}
		printInventorySummary(env, "# dry run: would write", items, len(points), rows, len(files)-len(failed))
		return failErr
	}
	if len(points) == 0 {
		if failErr != nil {
			return failErr
		}
		fmt.Fprintln(env.Stdout, "nothing to import")
		return nil
	}
	client, cfg, err := openInfluxConfig(env, fl.cfgPath)
	if err != nil {
		return err
	}
	defer client.Close()
	var copts carbon.Options
	if fl.derived {
		if copts, err = carbonOptions(cfg); err != nil {
			return err // before writing anything
		}
	}
	if err := client.Write(ctx, points); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	printInventorySummary(env, "imported", items, len(points), rows, len(files)-len(failed))
	if fl.derived {
		if err := updateDerived(ctx, env, client, client, copts, lifecycle.DefaultPlannedLife, time.Now(), false); err != nil {
			return fmt.Errorf("import: inventory written, but the derived lifecycle and carbon measurements were not updated: %w", err)
		}
	}
	return failErr
}

func decodeInventoryFile(ctx context.Context, env *cliEnv, name string) (*lifecycle.InventoryResult, error) {
	r, done, err := openInput(env, name, true)
	if err != nil {
		return nil, err
	}
	defer done()
	return lifecycle.DecodeInventory(ctx, r, lifecycle.InventoryOptions{File: name})
}

func printInventorySummary(env *cliEnv, verb string, items []lifecycle.Item, points, rows, files int) {
	status := map[string]int{}
	purchased := 0
	for _, it := range items {
		s := string(it.Status)
		if s == "" {
			s = "unknown"
		}
		status[s]++
		if !it.Purchased.IsZero() {
			purchased++
		}
	}
	keys := make([]string, 0, len(status))
	for k := range status {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, status[k])
	}
	fmt.Fprintf(env.Stdout, "%s %d points from %d rows in %d files\n", verb, points, rows, files)
	fmt.Fprintf(env.Stdout, "  inventory: %d serials, %d with a purchase date; status: %s\n", len(items), purchased, strings.Join(parts, ", "))
}
