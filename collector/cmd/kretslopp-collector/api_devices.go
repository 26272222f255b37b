package main

import (
	"fmt"

	"github.com/kretslopp/kretslopp/collector/internal/auth"
	"github.com/kretslopp/kretslopp/collector/internal/config"
	"github.com/kretslopp/kretslopp/collector/internal/devices"
	"github.com/kretslopp/kretslopp/collector/internal/server"
)

// The read API for IT support: GET /api/v1/devices and
// /api/v1/devices/{id}, behind the tokens of KRETSLOPP_READ_TOKENS_FILE
// (never agent tokens; no file refuses every request). See docs/api.md.
func init() {
	serveRoutes = append(serveRoutes, func(env *cliEnv, cfg config.Config, srv *server.Server) error {
		tokens, err := auth.Load(cfg.ReadTokensFile, "read tokens", env.Logger)
		if err != nil {
			return fmt.Errorf("read tokens: %w", err)
		}
		if cfg.ReadTokensFile == "" {
			env.Logger.Info("no read tokens file (KRETSLOPP_READ_TOKENS_FILE): the read API refuses every request")
		}
		(&devices.API{Q: srv.Influx(), Tokens: tokens, Log: env.Logger}).Register(srv)
		return nil
	})
}
