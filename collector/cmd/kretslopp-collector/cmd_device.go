package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/auth"
	"github.com/kretslopp/kretslopp/collector/internal/devices"
	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/collector/internal/ingest"
	"github.com/kretslopp/kretslopp/collector/internal/safetext"
)

func init() {
	register(command{Name: "device", Summary: "one device's story for IT support: identity, uptime, boots, batteries, flags; 'device move' binds devices to another agent token", Run: runDevice})
}

func runDevice(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) > 0 && args[0] == "move" {
		return runDeviceMove(ctx, env, args[1:])
	}
	fs := newFlagSet(env, "device", "ID-or-HOSTNAME-or-SERIAL [--json]")
	asJSON := fs.Bool("json", false, "print JSON (the shape of GET /api/v1/devices/{id})")
	cfgPath := fs.String("config", "", "YAML configuration file (default $KRETSLOPP_CONFIG)")
	// Accept the flags after the device too: device skola-lap-0042 --json.
	var key string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		key, args = args[0], args[1:]
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if key == "" && fs.NArg() > 0 {
		key = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if key == "" {
		return usageError{"a device ID, hostname or serial is required"}
	}
	client, err := openInflux(env, *cfgPath)
	if err != nil {
		return err
	}
	defer client.Close()
	now := time.Now().UTC()
	d, err := devices.Story(ctx, client, key, now)
	if errors.Is(err, devices.ErrNotFound) {
		return fmt.Errorf("%q: %w", safetext.Terminal(key), err)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(d)
	}
	return devices.WriteStory(env.Stdout, d, now)
}

// runDeviceMove binds devices to another agent token: a device belongs to
// the first token that reported it, and another token writing it gets 403
// until an operator moves it here (a laptop handed to another school, a
// token renamed or replaced). The binding is a device_binding point, so
// every collector follows it within ingest.RefreshInterval.
func runDeviceMove(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "device move", "(DEVICE_ID... | --from TOKEN_NAME) --to TOKEN_NAME")
	to := fs.String("to", "", "name of the agent token the devices move to (its line in the agent tokens file; - for the tokens without a name)")
	from := fs.String("from", "", "move every device bound to the agent token of this name (- for the tokens without a name)")
	cfgPath := fs.String("config", "", "YAML configuration file (default $KRETSLOPP_CONFIG)")
	ids, rest := leadingArgs(args)
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	ids = append(ids, fs.Args()...)
	switch {
	case *to == "":
		return usageError{"--to TOKEN_NAME is required"}
	case (len(ids) == 0) == (*from == ""):
		return usageError{"give device IDs or --from TOKEN_NAME, not both"}
	}
	cfg, err := env.LoadConfig(*cfgPath)
	if err != nil {
		return err
	}
	tokens, err := auth.Load(cfg.AgentTokensFile, "agent tokens", env.Logger)
	if err != nil {
		return err
	}
	target, ok := tokens.Lookup(*to)
	if !ok {
		return fmt.Errorf("no agent token named %q in %s (names: %s)", *to, cfg.AgentTokensFile, strings.Join(tokens.Groups(), ", "))
	}
	client, err := influx.New(cfg.Influx, env.Logger)
	if err != nil {
		return err
	}
	defer client.Close()
	owners, err := ingest.Bindings(ctx, client)
	if err != nil {
		return err
	}
	if *from != "" {
		for id, owner := range owners {
			if owner == *from {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			return fmt.Errorf("no device is bound to the agent token %q", *from)
		}
		slices.Sort(ids)
	}
	now := time.Now()
	var points []influx.Point
	for i, id := range ids {
		if _, known := owners[id]; !known {
			if _, err := devices.Resolve(ctx, client, id); err != nil {
				return fmt.Errorf("device %q: %w (give the device ID, not a hostname)", safetext.Terminal(id), err)
			}
		}
		points = append(points, *ingest.BindingPoint(id, target, ingest.ReasonMove, now.Add(time.Duration(i)))) // a time each: one series
	}
	if err := client.Write(ctx, points); err != nil {
		return fmt.Errorf("device move: %w", err)
	}
	for _, id := range ids {
		was := owners[id]
		if was == "" {
			was = "(none)"
		}
		fmt.Fprintf(env.Stdout, "%s: %s -> %s\n", safetext.Terminal(id), safetext.Terminal(was), target.Group())
	}
	fmt.Fprintf(env.Stdout, "moved %d devices to agent token %q; collectors follow within %s\n", len(ids), target.Group(), ingest.RefreshInterval)
	return nil
}

// leadingArgs splits the arguments before the first flag from the rest.
func leadingArgs(args []string) (lead, rest []string) {
	for i, a := range args {
		if strings.HasPrefix(a, "-") {
			return args[:i], args[i:]
		}
	}
	return args, nil
}
