// Command kretslopp-collector receives device reports from agents (serve),
// pulls meeting statistics from Microsoft Graph (pull), imports historical
// exports (import) and writes the yearly report (report). Every subcommand
// registers itself from its own file.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/kretslopp/kretslopp/collector/internal/config"
	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/collector/internal/safetext"
)

// version is stamped by `make build`.
var version = "dev"

// command is one subcommand.
type command struct {
	Name    string
	Summary string
	Run     func(ctx context.Context, env *cliEnv, args []string) error
}

// cliEnv is what a subcommand may use instead of globals.
type cliEnv struct {
	Stdout, Stderr io.Writer
	Logger         *slog.Logger
	// LoadConfig reads the file (empty: KRETSLOPP_CONFIG or none) and the
	// environment; callers validate what they need.
	LoadConfig func(path string) (config.Config, error)
	Getenv     func(string) string
	Version    string
	// Interrupted is closed at the first SIGINT or SIGTERM; reads of input
	// files stop on it (a second signal ends the process at once).
	Interrupted <-chan struct{}
}

var commands = map[string]command{}

func register(c command) {
	if _, dup := commands[c.Name]; dup {
		panic("kretslopp-collector: command registered twice: " + c.Name)
	}
	commands[c.Name] = c
}

// usageError is a mistake in the command line; main prints usage for it.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usage(w io.Writer) {
	fmt.Fprintf(w, "kretslopp-collector %s: sustainable-IT telemetry collector\n\nUsage: kretslopp-collector COMMAND [flags]\n\nCommands:\n", version)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].Summary)
	}
	fmt.Fprintln(w, "\nRun 'kretslopp-collector COMMAND -h' for a command's flags.")
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "version" || args[0] == "--version" {
		fmt.Fprintln(stdout, "kretslopp-collector", version)
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "kretslopp-collector: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	level := new(slog.LevelVar)
	if err := level.UnmarshalText([]byte(strings.ToUpper(envOr("KRETSLOPP_LOG_LEVEL", "info")))); err != nil {
		level.Set(slog.LevelInfo)
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level, ReplaceAttr: redactAttr}))
	env := &cliEnv{
		Stdout: stdout,
		Stderr: stderr,
		Logger: logger,
		Getenv: os.Getenv,
		LoadConfig: func(path string) (config.Config, error) {
			cfg, err := config.Load(path, os.Getenv)
			if err == nil {
				_ = level.UnmarshalText([]byte(strings.ToUpper(cfg.LogLevel)))
			}
			return cfg, err
		},
		Version: version,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first signal the default action is back: a second one
	// ends a command that does not stop by itself.
	context.AfterFunc(ctx, stop)
	env.Interrupted = ctx.Done()
	err := cmd.Run(ctx, env, args[1:])
	if err != nil {
		err = redactedError{err}
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(usageError)):
		fmt.Fprintf(stderr, "kretslopp-collector %s: %v\n", cmd.Name, err)
		return 2
	default:
		fmt.Fprintf(stderr, "kretslopp-collector %s: %v\n", cmd.Name, err)
		return 1
	}
}

// redactAttr hides credentials in URLs (an InfluxDB URL with
// user:password, a token in a query) in every log line.
func redactAttr(_ []string, a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindString:
		if s := a.Value.String(); strings.Contains(s, "://") {
			a.Value = slog.StringValue(safetext.RedactText(s))
		}
	case slog.KindAny:
		if err, ok := a.Value.Any().(error); ok && strings.Contains(err.Error(), "://") {
			a.Value = slog.StringValue(safetext.RedactText(err.Error()))
		}
	}
	return a
}

// redactedError is an error as main prints it: no credential in a URL.
type redactedError struct{ err error }

func (e redactedError) Error() string { return safetext.RedactText(e.err.Error()) }
func (e redactedError) Unwrap() error { return e.err }

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(env *cliEnv, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: kretslopp-collector %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, turning a flag error into a usageError.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	return nil
}

// openInflux loads the configuration and opens its InfluxDB, for the
// subcommands that read or write data.
func openInflux(env *cliEnv, cfgPath string) (*influx.Client, error) {
	client, _, err := openInfluxConfig(env, cfgPath)
	return client, err
}

// openInfluxConfig is openInflux for subcommands that need more of the
// configuration.
func openInfluxConfig(env *cliEnv, cfgPath string) (*influx.Client, config.Config, error) {
	cfg, err := env.LoadConfig(cfgPath)
	if err != nil {
		return nil, cfg, err
	}
	client, err := influx.New(cfg.Influx, env.Logger)
	return client, cfg, err
}
