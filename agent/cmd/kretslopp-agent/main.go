// Command kretslopp-agent reports device identity, uptime, boots and battery
// wear to kretslopp-collector over OTLP/HTTP, through a durable on-disk
// spool. See agent/README.md and docs/agent.md.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kretslopp/kretslopp/agent/internal/agentservice"
	"github.com/kretslopp/kretslopp/agent/internal/config"
	"github.com/kretslopp/kretslopp/agent/internal/inventory"
	"github.com/kretslopp/kretslopp/agent/internal/runner"
	"github.com/kretslopp/kretslopp/agent/internal/sender"
	"github.com/kretslopp/kretslopp/agent/internal/spool"
)

// version is set with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

const usage = `usage: kretslopp-agent [--config FILE] COMMAND

commands:
  run                 run in the foreground (what the service runs)
  collect [--json] [--from FILE]...
                      print what the agent reads now, or what it makes of
                      recorded dumps (ioreg plist or text, WMI JSON, uevent)
  spool [--json]      print the delivery queue: depth, oldest, dropped, last success/error
  install             install the system service (systemd, launchd, Windows SCM)
  uninstall           remove the system service
  start | stop        start or stop the installed service
  status              print the service state
  version             print the agent version
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kretslopp-agent", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	defaultPath := config.DefaultFile(runtime.GOOS)
	cfgPath := fs.String("config", "", "configuration file (default "+defaultPath+")")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	cmd, rest := fs.Arg(0), fs.Args()[1:]
	path, optional := *cfgPath, *cfgPath == ""
	if optional {
		path = defaultPath
	}
	jsonOut := false
	var from []string
	for i := 0; i < len(rest); i++ {
		switch a := rest[i]; {
		case a == "--json" || a == "-json":
			jsonOut = true
		case (a == "--from" || a == "-from") && cmd == "collect":
			if i+1 >= len(rest) {
				fmt.Fprintln(stderr, "--from needs a file")
				return 2
			}
			i++
			from = append(from, rest[i])
		case (strings.HasPrefix(a, "--from=") || strings.HasPrefix(a, "-from=")) && cmd == "collect":
			from = append(from, a[strings.IndexByte(a, '=')+1:])
		default:
			fmt.Fprintf(stderr, "unknown argument %q\n", a)
			return 2
		}
	}

	switch cmd {
	case "version":
		fmt.Fprintf(stdout, "kretslopp-agent %s %s/%s %s\n", version, runtime.GOOS, runtime.GOARCH, runtime.Version())
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}

	cfg, cfgErr := config.Load(path, optional, os.LookupEnv)
	level := new(slog.LevelVar)
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	handler := slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})
	log := slog.New(handler)

	switch cmd {
	case "collect":
		// collect needs no collector settings: only report file errors.
		if cfgErr != nil {
			log.Warn("configuration problems", "err", cfgErr)
		}
		if len(from) > 0 {
			return collectFrom(from, log, stdout, stderr, jsonOut)
		}
		// The labels are part of what collect prints: one the collector
		// would not store is refused here as at `run`.
		if err := cfg.ValidateLabels(); err != nil {
			fmt.Fprintf(stderr, "configuration is not valid:\n%s\n", indent(err))
			return 2
		}
		return collect(cfg, log, stdout, jsonOut)
	case "spool":
		return spoolStatus(cfg, stdout, stderr, jsonOut)
	}

	svcArgs := []string{"run"}
	if *cfgPath != "" {
		abs, err := filepath.Abs(*cfgPath)
		if err == nil {
			svcArgs = []string{"--config", abs, "run"}
		}
	}
	runAgent := func(ctx context.Context, l *slog.Logger) error {
		return runLoop(ctx, cfg, l)
	}
	svc, err := agentservice.New(runAgent, svcArgs, handler, level)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	switch cmd {
	case "run":
		if err := errors.Join(cfgErr, cfg.Validate()); err != nil {
			fmt.Fprintf(stderr, "configuration is not valid:\n%s\n", indent(err))
			return 2
		}
		if err := svc.Run(); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		return 0
	case "install":
		if err := errors.Join(cfgErr, cfg.Validate()); err != nil {
			fmt.Fprintf(stderr, "configuration is not valid (fix %s first):\n%s\n", path, indent(err))
			return 2
		}
		fallthrough
	case "uninstall", "start", "stop", "restart":
		if err := svc.Control(cmd); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		fmt.Fprintf(stdout, "%s: %s done (%s)\n", agentservice.Name, cmd, agentservice.Platform())
		return 0
	case "status":
		st, err := svc.Status()
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		fmt.Fprintf(stdout, "%s: %s (%s)\n", agentservice.Name, st, agentservice.Platform())
		if st != "running" {
			return 3
		}
		return 0
	default:
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", cmd, usage)
		return 2
	}
}

func indent(err error) string {
	return "  - " + strings.ReplaceAll(err.Error(), "\n", "\n  - ")
}

func newReader(cfg config.Config, log *slog.Logger) *inventory.Reader {
	return inventory.NewReader(inventory.Options{SysfsRoot: cfg.SysfsRoot, AgentVersion: version, Labels: cfg.Labels}, log)
}

// runLoop opens the spool and runs until ctx is cancelled: the service
// manager's stop, or SIGINT/SIGTERM, which agentservice turns into a stop.
func runLoop(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	if os.Getenv("GOGC") == "" {
		// The live heap is well under 1 MB; collecting at +50 % instead of
		// +100 % keeps about 1 MB out of RSS for a negligible CPU cost.
		debug.SetGCPercent(50)
	}
	sp, err := spool.Open(spool.Options{Dir: cfg.SpoolDir, MaxBytes: cfg.SpoolMaxBytes, MaxAge: cfg.SpoolMaxAge})
	if err != nil {
		return err
	}
	defer sp.Close()
	snd, err := sender.New(sender.Options{URL: cfg.CollectorURL, Token: cfg.Token, CAFile: cfg.CAFile, UserAgent: "kretslopp-agent/" + version})
	if err != nil {
		return err
	}
	r := &runner.Runner{
		Interval:   cfg.Interval,
		Reader:     newReader(cfg, log),
		Spool:      sp,
		Sender:     snd,
		Log:        log,
		StatusDir:  cfg.SpoolDir,
		StartDelay: -1,
	}
	return r.Run(ctx)
}

func collect(cfg config.Config, log *slog.Logger, stdout io.Writer, jsonOut bool) int {
	ctx, cancel := context.WithTimeout(context.Background(), runner.MaxReadTimeout)
	defer cancel()
	snap, err := newReader(cfg, log).Read(ctx)
	if err != nil {
		log.Warn("reading incomplete", "err", err)
	}
	return printSnapshot(snap, stdout, jsonOut)
}

// collectFrom prints what the agent makes of recorded dumps. A file it
// does not know is an error naming the file, and nothing is printed.
func collectFrom(files []string, log *slog.Logger, stdout, stderr io.Writer, jsonOut bool) int {
	snap, warnings, err := inventory.ReadDumps(files, version)
	if err != nil {
		fmt.Fprintf(stderr, "collect --from: %v\n", err)
		return 1
	}
	for _, w := range warnings {
		log.Warn("value not read from the dump", "problem", w)
	}
	return printSnapshot(snap, stdout, jsonOut)
}

// printSnapshot writes snap as the contract JSON or as tables.
func printSnapshot(snap inventory.Snapshot, stdout io.Writer, jsonOut bool) int {
	if jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(snap); err != nil {
			return 1
		}
		return 0
	}
	d := snap.Device
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	row := func(k string, v any) { fmt.Fprintf(tw, "%s\t%v\n", k, v) }
	fmt.Fprintln(tw, "DEVICE\t")
	row("id", d.ID)
	row("hostname", d.Hostname)
	row("os", strings.TrimSpace(d.OS+" "+d.OSVersion+" ("+d.OSDescription+")"))
	row("arch", d.Arch)
	row("manufacturer", d.Manufacturer)
	row("model", d.Model)
	serial := orDash(d.Serial)
	if d.Serial == "" && d.OS == "linux" && runtime.GOOS == "linux" && os.Geteuid() != 0 {
		serial += " (DMI product_serial is readable by root only)"
	}
	row("serial", serial)
	row("firmware date", orDash(d.FirmwareDate))
	installed := "-"
	if d.OSInstallTime > 0 {
		installed = time.Unix(d.OSInstallTime, 0).UTC().Format(time.RFC3339)
	}
	row("os install time", installed)
	row("memory", fmt.Sprintf("%.1f GiB", float64(d.MemoryBytes)/(1<<30)))
	row("disk", fmt.Sprintf("%.1f GiB (%s)", float64(d.DiskBytes)/(1<<30), d.DiskMount))
	boot := "-"
	if d.BootTime > 0 {
		boot = time.Unix(d.BootTime, 0).Format(time.RFC3339)
	}
	row("boot time", boot)
	row("uptime", (time.Duration(d.UptimeS) * time.Second).String())
	row("agent", d.AgentVersion)
	for k, v := range snap.Labels {
		row("label "+k, v)
	}
	tw.Flush()
	fmt.Fprintln(stdout)
	if len(snap.Batteries) == 0 {
		fmt.Fprintln(stdout, "no battery")
		return 0
	}
	tw = tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "BATTERY\tCYCLES\tDESIGN Wh\tFULL Wh\tHEALTH %\tCHARGE %\tSTATE\tVENDOR\tMODEL")
	for _, b := range snap.Batteries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", b.Name, optInt(b.CycleCount), optF(b.DesignWh), optF(b.FullWh),
			optF(b.HealthPct), optF(b.ChargePct), b.State, orDash(b.Vendor), orDash(b.Model))
	}
	tw.Flush()
	for _, b := range snap.Batteries {
		for _, why := range b.Implausible {
			fmt.Fprintf(stdout, "%s: withheld as implausible: %s\n", b.Name, why)
		}
		if b.MissingSource != "" {
			fmt.Fprintf(stdout, "%s: read without %s\n", b.Name, b.MissingSource)
		}
	}
	return 0
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func optInt(v *int64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprint(*v)
}

func optF(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.2f", *v)
}

// spoolStatus prints the queue from the file, or from status.json when the
// running service holds the lock.
func spoolStatus(cfg config.Config, stdout, stderr io.Writer, jsonOut bool) int {
	var st spool.Stats
	source := "spool"
	sp, err := spool.Open(spool.Options{Dir: cfg.SpoolDir, ReadOnly: true, LockTimeout: 300 * time.Millisecond})
	if err == nil {
		st, err = sp.Stats()
		sp.Close()
	}
	if err != nil {
		var serr error
		st, serr = runner.ReadStatus(cfg.SpoolDir)
		if serr != nil {
			fmt.Fprintf(stderr, "spool %s: %v\n", cfg.SpoolDir, errors.Join(err, serr))
			return 1
		}
		source = "status file (service running)"
	}
	if jsonOut {
		out := struct {
			Dir    string `json:"dir"`
			Source string `json:"source"`
			spool.Stats
		}{cfg.SpoolDir, source, st}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return 1
		}
		return 0
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	ts := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.Local().Format(time.RFC3339) + " (" + time.Since(t).Round(time.Second).String() + " ago)"
	}
	fmt.Fprintf(tw, "spool\t%s (%s)\n", cfg.SpoolDir, source)
	fmt.Fprintf(tw, "queued batches\t%d (%d bytes, file %d bytes)\n", st.Depth, st.Bytes, st.FileBytes)
	fmt.Fprintf(tw, "oldest\t%s\n", ts(st.Oldest))
	fmt.Fprintf(tw, "dropped\t%d not yet reported, %d in total\n", st.Dropped, st.DroppedTotal)
	fmt.Fprintf(tw, "last success\t%s\n", ts(st.LastSuccess))
	if st.LastError != "" {
		fmt.Fprintf(tw, "last error\t%s: %s\n", ts(st.LastErrorAt), st.LastError)
	} else {
		fmt.Fprintf(tw, "last error\t-\n")
	}
	tw.Flush()
	return 0
}
