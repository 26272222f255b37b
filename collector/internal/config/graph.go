package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"time"
)

// GraphConfig is the Microsoft Graph pull: app registration credentials
// (client secret or certificate) and the endpoints, overridable for
// sovereign clouds and for the local Graph simulator.
type GraphConfig struct {
	TenantID         string `yaml:"tenant_id"`
	ClientID         string `yaml:"client_id"`
	ClientSecret     string `yaml:"client_secret"`
	ClientSecretFile string `yaml:"client_secret_file"`
	// ClientCertFile is a PEM file with certificate and private key, used
	// instead of a secret.
	ClientCertFile string `yaml:"client_cert_file"`
	BaseURL        string `yaml:"base_url"`
	AuthorityHost  string `yaml:"authority_host"`
	// PullInterval runs the pull inside serve this often; 0 turns it off
	// (use `kretslopp-collector pull --once` from cron or a CronJob).
	PullInterval time.Duration `yaml:"pull_interval"`
}

const (
	// DefaultGraphBaseURL is the worldwide Graph v1.0 endpoint.
	DefaultGraphBaseURL = "https://graph.microsoft.com/v1.0"
	// DefaultAuthorityHost is the worldwide Entra ID authority.
	DefaultAuthorityHost = "https://login.microsoftonline.com/"
)

func graphDefaults() GraphConfig {
	return GraphConfig{BaseURL: DefaultGraphBaseURL, AuthorityHost: DefaultAuthorityHost}
}

func applyGraphEnv(g *GraphConfig, set func(*string, string)) {
	set(&g.TenantID, "KRETSLOPP_GRAPH_TENANT_ID")
	set(&g.ClientID, "KRETSLOPP_GRAPH_CLIENT_ID")
	set(&g.ClientSecret, "KRETSLOPP_GRAPH_CLIENT_SECRET")
	set(&g.ClientSecretFile, "KRETSLOPP_GRAPH_CLIENT_SECRET_FILE")
	set(&g.ClientCertFile, "KRETSLOPP_GRAPH_CLIENT_CERT_FILE")
	set(&g.BaseURL, "KRETSLOPP_GRAPH_BASE_URL")
	set(&g.AuthorityHost, "KRETSLOPP_GRAPH_AUTHORITY_HOST")
}

// Configured reports whether any Graph credential is set.
func (g GraphConfig) Configured() bool {
	return g.TenantID != "" || g.ClientID != "" || g.ClientSecret != "" || g.ClientSecretFile != "" || g.ClientCertFile != ""
}

// Validate checks what a pull needs and lists every problem.
func (g GraphConfig) Validate() error {
	var errs []error
	if g.TenantID == "" {
		errs = append(errs, errors.New("graph tenant_id is empty (KRETSLOPP_GRAPH_TENANT_ID)"))
	}
	if g.ClientID == "" {
		errs = append(errs, errors.New("graph client_id is empty (KRETSLOPP_GRAPH_CLIENT_ID)"))
	}
	credentials := 0
	for _, v := range []string{g.ClientSecret, g.ClientSecretFile, g.ClientCertFile} {
		if v != "" {
			credentials++
		}
	}
	if credentials == 0 {
		errs = append(errs, errors.New("graph needs a credential: client_secret, client_secret_file or client_cert_file (KRETSLOPP_GRAPH_CLIENT_SECRET)"))
	}
	for name, path := range map[string]string{"graph client_secret_file": g.ClientSecretFile, "graph client_cert_file": g.ClientCertFile} {
		if path != "" {
			if _, err := os.Stat(path); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
		}
	}
	for name, raw := range map[string]string{"graph base_url (KRETSLOPP_GRAPH_BASE_URL)": g.BaseURL, "graph authority_host (KRETSLOPP_GRAPH_AUTHORITY_HOST)": g.AuthorityHost} {
		if u, err := url.Parse(raw); err != nil || u.Scheme != "https" || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s %q is not an https URL", name, raw))
		}
	}
	if g.PullInterval < 0 || (g.PullInterval > 0 && g.PullInterval < time.Minute) {
		errs = append(errs, fmt.Errorf("graph pull_interval %s must be 0 (off) or at least 1m", g.PullInterval))
	}
	return errors.Join(errs...)
}

func (g GraphConfig) validateIfSet() error {
	if !g.Configured() && g.PullInterval == 0 {
		return nil
	}
	return g.Validate()
}
