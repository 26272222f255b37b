package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/meetings"
	"github.com/kretslopp/kretslopp/collector/internal/paper"
)

func init() {
	register(command{Name: "import", Summary: "import CSV exports: historical meeting statistics (Teams, Skype, Zoom, generic), the hardware inventory, printing (PaperCut print log, generic) and digital mail", Run: runImport})
}

func runImport(ctx context.Context, env *cliEnv, args []string) error {
	names := make([]string, 0, 8)
	for _, f := range meetings.Formats() {
		names = append(names, string(f))
	}
	names = append(names, formatInventory)
	for _, f := range paper.Formats() {
		names = append(names, string(f))
	}
	fs := newFlagSet(env, "import", "--format FORMAT [flags] FILE...")
	format := fs.String("format", "", "export format: "+strings.Join(names, ", "))
	cfgPath := fs.String("config", "", "YAML configuration file (default $KRETSLOPP_CONFIG)")
	dryRun := fs.Bool("dry-run", false, "check the files and print the points that would be written, write nothing")
	skipInvalid := fs.Bool("skip-invalid", false, "write the valid rows of a file that has invalid rows (default: nothing from such a file)")
	source := fs.String("source", "", "value of the source field (default: the format name)")
	rollups := fs.Bool("rollups", true, "recompute meetings_monthly and meetings_yearly for the imported years (inventory: the hardware and procurement_yearly measurements; printing, mail: printing_monthly, mail_monthly)")
	siteMap := fs.String("site-map", "", "papercut-printlog: CSV file printer,site that groups printers into sites (default: each printer is a site)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format == "" {
		fs.Usage()
		return usageError{"--format is required"}
	}
	files := fs.Args()
	if *format == formatInventory {
		if len(files) == 0 {
			fs.Usage()
			return usageError{"no FILE given"}
		}
		return importInventory(ctx, env, files, inventoryFlags{dryRun: *dryRun, skipInvalid: *skipInvalid, derived: *rollups, cfgPath: *cfgPath})
	}
	if pf, err := paper.ParseFormat(*format); err == nil {
		if len(files) == 0 {
			fs.Usage()
			return usageError{"no FILE given"}
		}
		if *siteMap != "" && pf != paper.FormatPaperCut {
			return usageError{"--site-map applies to --format " + string(paper.FormatPaperCut) + " only"}
		}
		return importPaper(ctx, env, pf, files, paperFlags{dryRun: *dryRun, skipInvalid: *skipInvalid, rollups: *rollups, source: *source, siteMap: *siteMap, cfgPath: *cfgPath})
	}
	if *siteMap != "" {
		return usageError{"--site-map applies to --format " + string(paper.FormatPaperCut) + " only"}
	}
	f, err := meetings.ParseFormat(*format)
	if err != nil {
		return usageError{fmt.Sprintf("unknown format %q (one of: %s)", *format, strings.Join(names, ", "))}
	}
	if len(files) == 0 {
		fs.Usage()
		return usageError{"no FILE given"}
	}

	var accepted [][]meetings.Record
	var failed []string
	rows := 0
	for _, name := range files {
		res, err := decodeFile(ctx, env, f, name, *source)
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			fmt.Fprintf(env.Stderr, "%v\n", err)
			failed = append(failed, name)
			continue
		}
		rows += res.Rows
		if !reportInvalidRows(env, name, res.Errors, res.BadRows, res.Rows, *skipInvalid) {
			failed = append(failed, name)
			continue
		}
		env.Logger.Debug("file read", "file", name, "rows", res.Rows, "points", len(res.Records))
		accepted = append(accepted, res.Records)
	}
	merged := meetings.Merge(accepted...)
	var failErr error
	if len(failed) > 0 {
		failErr = fmt.Errorf("%d of %d files not imported: %s", len(failed), len(files), strings.Join(failed, ", "))
	}

	if *dryRun {
		var buf []byte
		for _, r := range merged {
			buf, err = r.Point().AppendLine(buf[:0])
			if err != nil {
				return err
			}
			if _, err := env.Stdout.Write(buf); err != nil {
				return err
			}
		}
		printSummary(env.Stdout, "# dry run: would write", merged, rows, len(files)-len(failed))
		return failErr
	}
	if len(merged) == 0 {
		if failErr != nil {
			return failErr
		}
		fmt.Fprintln(env.Stdout, "nothing to import")
		return nil
	}
	client, err := openInflux(env, *cfgPath)
	if err != nil {
		return err
	}
	defer client.Close()
	if err := client.Write(ctx, meetings.Points(merged)); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	printSummary(env.Stdout, "imported", merged, rows, len(files)-len(failed))
	if from, to, ok := meetings.Years(merged); ok && *rollups {
		n, err := meetings.UpdateRollups(ctx, client, from, to+1)
		if err != nil {
			return fmt.Errorf("import: points written, but the rollups were not updated: %w", err)
		}
		fmt.Fprintf(env.Stdout, "updated %d monthly/yearly rollup points for %d-%d\n", n, from, to+1)
	}
	return failErr
}

func decodeFile(ctx context.Context, env *cliEnv, f meetings.Format, name, source string) (*meetings.Result, error) {
	r, done, err := openInput(env, name, true)
	if err != nil {
		return nil, err
	}
	defer done()
	return meetings.Decode(ctx, f, r, meetings.Options{File: name, Source: source})
}

// printSummary prints one line per measurement and platform.
func printSummary(w io.Writer, verb string, recs []meetings.Record, rows, files int) {
	type agg struct {
		points   int
		meetings int64
		first    time.Time
		last     time.Time
	}
	m := map[string]*agg{}
	for _, r := range recs {
		k := r.Measurement
		if p := r.Tags["platform"]; p != "" {
			k += " platform=" + p
		}
		a := m[k]
		if a == nil {
			a = &agg{first: r.Day, last: r.Day}
			m[k] = a
		}
		a.points++
		if n, ok := r.Fields["meetings"].(int64); ok {
			a.meetings += n
		}
		if r.Day.Before(a.first) {
			a.first = r.Day
		}
		if r.Day.After(a.last) {
			a.last = r.Day
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(w, "%s %d points from %d rows in %d files\n", verb, len(recs), rows, files)
	for _, k := range keys {
		a := m[k]
		fmt.Fprintf(w, "  %s: %d days %s..%s, %d meetings\n", k, a.points, a.first.Format("2006-01-02"), a.last.Format("2006-01-02"), a.meetings)
	}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progress draws a progress bar on a terminal while a large file is read.
type progress struct {
	r          io.Reader
	w          io.Writer
	name       string
	size, read int64
	shown      int
}

func (p *progress) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.read += int64(n)
	if pct := int(p.read * 100 / max(p.size, 1)); pct != p.shown {
		p.shown = pct
		p.draw()
	}
	if errors.Is(err, io.EOF) {
		p.shown = 100
	}
	return n, err
}

func (p *progress) draw() {
	const width = 30
	fill := min(p.shown*width/100, width)
	fmt.Fprintf(p.w, "\r%s [%s%s] %3d%% of %.1f MB", p.name, strings.Repeat("#", fill), strings.Repeat(" ", width-fill), p.shown, float64(p.size)/(1<<20))
}

func (p *progress) done() { fmt.Fprintln(p.w) }

// reportInvalidRows prints a file's invalid rows (file:line:column each)
// and says whether its valid rows may be written: only when there are no
// invalid rows, or --skip-invalid asked for it.
func reportInvalidRows(env *cliEnv, name string, errs []*meetings.RowError, bad, rows int, skipInvalid bool) bool {
	if bad == 0 {
		return true
	}
	for _, e := range errs {
		fmt.Fprintln(env.Stderr, e)
	}
	if more := bad - len(errs); more > 0 {
		fmt.Fprintf(env.Stderr, "%s: ... and %d more invalid rows\n", name, more)
	}
	if !skipInvalid {
		fmt.Fprintf(env.Stderr, "%s: %d of %d rows are invalid; nothing from this file is written (fix the rows or use --skip-invalid)\n", name, bad, rows)
		return false
	}
	fmt.Fprintf(env.Stderr, "%s: skipping %d invalid rows of %d (--skip-invalid)\n", name, bad, rows)
	return true
}
