package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/collector/internal/meetings"
	"github.com/kretslopp/kretslopp/collector/internal/paper"
)

type paperFlags struct {
	dryRun, skipInvalid, rollups bool
	source, siteMap, cfgPath     string
}

// writeBatch is the number of points sent to InfluxDB in one write.
const writeBatch = 5000

// importPaper imports printing or mail files one at a time: each file is
// checked whole, and its points written (or, with --dry-run, printed)
// only when it has no bad rows or --skip-invalid asks for its good ones;
// points go out in batches of writeBatch across files. Reading file by
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
		pending []meetings.Record // accepted, not yet written: writes go out in full batches
	)
	flush := func(all bool) error {
		for len(pending) >= writeBatch || all && len(pending) > 0 {
			n := min(writeBatch, len(pending))
			if err := client.Write(ctx, meetings.Points(pending[:n])); err != nil {
				return fmt.Errorf("import: %w", err)
			}
			pending = pending[n:]
		}
		pending = append([]meetings.Record(nil), pending...) // let the written ones go
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
		if fl.dryRun {
			for _, r := range res.Records {
				if line, err = r.Point().AppendLine(line[:0]); err != nil {
					return err
				}
				if _, err := env.Stdout.Write(line); err != nil {
					return err
				}
			}
		} else {
			pending = append(pending, res.Records...)
			if err := flush(false); err != nil {
				return err
			}
		}
		sum.Add(res)
		paper.AddRollups(rollups, res.Records)
		env.Logger.Debug("file imported", "file", name, "rows", res.Rows, "points", len(res.Records))
	}
	if !fl.dryRun {
		if err := flush(true); err != nil {
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
	r, done, err := openInput(env, name)
	if err != nil {
		return nil, err
	}
	defer done()
	opts.File = name
	return paper.Decode(ctx, f, r, opts)
}
