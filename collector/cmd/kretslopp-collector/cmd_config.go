package main

import (
	"context"
	"fmt"
)

func init() {
	register(command{Name: "config", Summary: "check the configuration and print it with secrets redacted", Run: runConfig})
}

func runConfig(_ context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "config", "check [--config FILE]")
	path := fs.String("config", "", "YAML configuration file (default $KRETSLOPP_CONFIG)")
	if len(args) == 0 || args[0] != "check" {
		fs.Usage()
		return usageError{"expected 'config check'"}
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	cfg, err := env.LoadConfig(*path)
	if err != nil {
		return err
	}
	verr := cfg.Validate()
	fmt.Fprintf(env.Stdout, "# effective configuration (environment over file over defaults)\n%s", cfg.Redacted().YAML())
	if cfg.Graph.Configured() {
		fmt.Fprintf(env.Stdout, "# graph credential in use: %s\n", cfg.Graph.DescribeCredential())
	}
	if verr != nil {
		return fmt.Errorf("configuration is invalid:\n%w", verr)
	}
	fmt.Fprintln(env.Stdout, "# configuration is valid")
	return nil
}
