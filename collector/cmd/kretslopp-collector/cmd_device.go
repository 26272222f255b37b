package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/devices"
)

func init() {
	register(command{Name: "device", Summary: "one device's story for IT support: identity, uptime, boots, batteries, flags", Run: runDevice})
}

func runDevice(ctx context.Context, env *cliEnv, args []string) error {
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
		return fmt.Errorf("%q: %w", key, err)
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
