package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/collector/internal/paper"
)

type paperFlags struct {
	dryRun, skipInvalid, rollups bool
	source, siteMap, cfgPath     string
}

// importPaper imports printing or mail files one at a time: each file is
// checked whole, and its points written (or, with --dry-run, printed)
// only when it has no bad rows or --skip-invalid asks for its good ones;
// points go out in full batches (influx.MaxLinesPerWrite) across files. Reading file by
// file keeps memory flat for a year of PaperCut logs; a point written
// again by a later file is replaced, as InfluxDB replaces it, so the
// result is that of merging the files first. Afterwards the monthly
// rollups of the touched months are recomputed.
func importPaper(ctx context.Context, env *cliEnv, f paper.Format, files []string, fl paperFlags) error {
	var sites *paper.SiteMap
	if fl.siteMap != "" {
		fh, err := os.Open(fl.siteMap)
		if err != nil {
			return fmt.Errorf("--site-map: %w", err)
		}
		sites, err = paper.ReadSiteMap(ctx, fh, fl.siteMap)
		fh.Close()
		if err != nil {
			return fmt.Errorf("--site-map: %w", err)
		}
		env.Logger.Debug("site map read", "file", fl.siteMap, "printers", sites.Len())
	}
	var client *influx.Client
	if !fl.dryRun {
		var err error
		if client, err = openInflux(env, fl.cfgPath); err != nil {
			return err
		}
		defer client.Close()
	}
	var (
		sum     paper.Summary
		failed  []string
		rollups = map[string]*paper.Rollup{}
		line    []byte
		// Accepted points not yet written, as line protocol: a file's
		// records are let go once converted, and writes go out in full
		// batches across files.
		pending      []byte
		pendingLines int
	)
	flush := func() error {
		if pendingLines == 0 {
			return nil
		}
		if err := client.WriteBody(ctx, pending, pendingLines); err != nil {
			return fmt.Errorf("import: %w", err)
		}
		pending, pendingLines = pending[:0], 0
		return nil
	}
	for _, name := range files {
		res, err := decodePaperFile(ctx, env, f, name, paper.Options{Source: fl.source, Sites: sites})
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			fmt.Fprintf(env.Stderr, "%v\n", err)
			failed = append(failed, name)
			continue
		}
		if !reportInvalidRows(env, name, res.Errors, res.BadRows, res.Rows, fl.skipInvalid) {
			failed = append(failed, name)
			continue
		}
		for _, r := range res.Records {
			if fl.dryRun {
				if line, err = r.Point().AppendLine(line[:0]); err != nil {
					return err
				}
				if _, err := env.Stdout.Write(line); err != nil {
					return err
				}
				continue
			}
			if pending, err = r.Point().AppendLine(pending); err != nil {
				return err
			}
			if pendingLines++; pendingLines == influx.MaxLinesPerWrite {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		sum.Add(res)
		paper.AddRollups(rollups, res.Records)
		env.Logger.Debug("file imported", "file", name, "rows", res.Rows, "points", len(res.Records))
	}
	if !fl.dryRun {
		if err := flush(); err != nil {
			return err
		}
	}
	var failErr error
	if len(failed) > 0 {
		failErr = fmt.Errorf("%d of %d files not imported: %s", len(failed), len(files), strings.Join(failed, ", "))
	}
	if fl.dryRun {
		sum.Print(env.Stdout, "# dry run: would write")
		return failErr
	}
	if sum.Points == 0 {
		if failErr != nil {
			return failErr
		}
		fmt.Fprintln(env.Stdout, "nothing to import")
		return nil
	}
	sum.Print(env.Stdout, "imported")
	if fl.rollups {
		for _, ru := range rollups {
			start := time.Now()
			n, err := paper.UpdateRollups(ctx, client, ru)
			env.Logger.Debug("rollups updated", "measurement", ru.Measurement, "source", ru.Source, "months", len(ru.Months), "points", n, "took", time.Since(start))
			if err != nil {
				return fmt.Errorf("import: points written, but the monthly rollups were not updated: %w", err)
			}
			fmt.Fprintf(env.Stdout, "updated %d %s_monthly rollup points for %d months\n", n, ru.Measurement, len(ru.Months))
		}
	}
	return failErr
}

func decodePaperFile(ctx context.Context, env *cliEnv, f paper.Format, name string, opts paper.Options) (*paper.Result, error) {
	r, done, err := openInput(env, name, f != paper.FormatPaperCut)
	if err != nil {
		return nil, err
	}
	defer done()
	opts.File = name
	return paper.Decode(ctx, f, r, opts)
}
