package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/safetext"
)

// GraphConfig is the Microsoft Graph pull: how it authenticates (client
// secret, certificate, managed identity or workload identity), the
// endpoints (overridable for sovereign clouds and the local Graph
// simulator) and how it paces itself.
type GraphConfig struct {
	// Credential chooses the credential: "secret", "certificate",
	// "managed_identity" or "workload_identity". Empty infers it: a
	// certificate file, else a secret, else a federated token file
	// (workload identity), else managed identity when that is all there is.
	Credential       string `yaml:"credential"`
	TenantID         string `yaml:"tenant_id"`
	ClientID         string `yaml:"client_id"`
	ClientSecret     string `yaml:"client_secret"`
	ClientSecretFile string `yaml:"client_secret_file"`
	// ClientCertFile is a PEM file (certificate and unencrypted private
	// key) or a PKCS#12/PFX file, whose password is ClientCertPassword or
	// the contents of ClientCertPasswordFile.
	ClientCertFile         string `yaml:"client_cert_file"`
	ClientCertPassword     string `yaml:"client_cert_password"`
	ClientCertPasswordFile string `yaml:"client_cert_password_file"`
	// FederatedTokenFile is the Kubernetes service account token for
	// workload identity (AZURE_FEDERATED_TOKEN_FILE, which the Azure
	// workload identity webhook sets, is read when this is empty).
	FederatedTokenFile string `yaml:"federated_token_file"`
	BaseURL            string `yaml:"base_url"`
	AuthorityHost      string `yaml:"authority_host"`
	// PullInterval runs the pull inside serve this often; 0 turns it off
	// (use `kretslopp-collector pull --once` from cron or a CronJob).
	PullInterval time.Duration `yaml:"pull_interval"`
	// MaxWait is the longest Retry-After the pull waits for; a longer one
	// leaves the day for the next run.
	MaxWait time.Duration `yaml:"max_wait"`
	// RunBudget, when set, ends a run's call-record listing after this
	// long (below a CronJob's activeDeadlineSeconds); the rest waits for
	// the next run.
	RunBudget time.Duration `yaml:"run_budget"`
	// Skype also pulls the Skype for Business reports (retired 31 July
	// 2021; only for tenants that still want the old days refreshed).
	Skype bool `yaml:"skype"`
	// Participants reads participants_v2 of every group meeting.
	Participants bool `yaml:"participants"`
	// TimeScale divides the documented throttling windows and the backoff
	// after a fault: only for the Graph simulator run faster (its
	// --time-scale); 1 against Graph.
	TimeScale float64 `yaml:"time_scale"`

	envErrs []error
}

// Credential kinds.
const (
	CredentialSecret           = "secret"
	CredentialCertificate      = "certificate"
	CredentialManagedIdentity  = "managed_identity"
	CredentialWorkloadIdentity = "workload_identity"
)

const (
	// DefaultGraphBaseURL is the worldwide Graph v1.0 endpoint.
	DefaultGraphBaseURL = "https://graph.microsoft.com/v1.0"
	// DefaultAuthorityHost is the worldwide Entra ID authority.
	DefaultAuthorityHost = "https://login.microsoftonline.com/"
	// DefaultGraphMaxWait is the default graph.max_wait.
	DefaultGraphMaxWait = 30 * time.Minute
)

func graphDefaults() GraphConfig {
	return GraphConfig{BaseURL: DefaultGraphBaseURL, AuthorityHost: DefaultAuthorityHost, MaxWait: DefaultGraphMaxWait, Participants: true, TimeScale: 1}
}

func applyGraphEnv(g *GraphConfig, set func(*string, string), env func(string) string) {
	set(&g.Credential, "KRETSLOPP_GRAPH_CREDENTIAL")
	set(&g.TenantID, "KRETSLOPP_GRAPH_TENANT_ID")
	set(&g.ClientID, "KRETSLOPP_GRAPH_CLIENT_ID")
	set(&g.ClientSecret, "KRETSLOPP_GRAPH_CLIENT_SECRET")
	set(&g.ClientSecretFile, "KRETSLOPP_GRAPH_CLIENT_SECRET_FILE")
	set(&g.ClientCertFile, "KRETSLOPP_GRAPH_CLIENT_CERT_FILE")
	set(&g.ClientCertPassword, "KRETSLOPP_GRAPH_CLIENT_CERT_PASSWORD")
	set(&g.ClientCertPasswordFile, "KRETSLOPP_GRAPH_CLIENT_CERT_PASSWORD_FILE")
	set(&g.FederatedTokenFile, "AZURE_FEDERATED_TOKEN_FILE")
	set(&g.FederatedTokenFile, "KRETSLOPP_GRAPH_FEDERATED_TOKEN_FILE")
	set(&g.BaseURL, "KRETSLOPP_GRAPH_BASE_URL")
	set(&g.AuthorityHost, "KRETSLOPP_GRAPH_AUTHORITY_HOST")
	for name, dst := range map[string]*time.Duration{"KRETSLOPP_GRAPH_MAX_WAIT": &g.MaxWait, "KRETSLOPP_GRAPH_RUN_BUDGET": &g.RunBudget} {
		if v := env(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				g.envErrs = append(g.envErrs, fmt.Errorf("%s=%q is not a duration such as 30m", name, v))
				continue
			}
			*dst = d
		}
	}
	for name, dst := range map[string]*bool{"KRETSLOPP_GRAPH_SKYPE": &g.Skype, "KRETSLOPP_GRAPH_PARTICIPANTS": &g.Participants} {
		if v := env(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				g.envErrs = append(g.envErrs, fmt.Errorf("%s=%q is not true or false", name, v))
				continue
			}
			*dst = b
		}
	}
	if v := env("KRETSLOPP_GRAPH_TIME_SCALE"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			g.envErrs = append(g.envErrs, fmt.Errorf("KRETSLOPP_GRAPH_TIME_SCALE=%q is not a number", v))
		} else {
			g.TimeScale = f
		}
	}
}

// Configured reports whether any Graph credential is set.
func (g GraphConfig) Configured() bool {
	return g.Credential != "" || g.TenantID != "" || g.ClientID != "" || g.ClientSecret != "" || g.ClientSecretFile != "" || g.ClientCertFile != ""
}

// CredentialKind is the credential the pull uses: graph.credential, or
// inferred from what is set.
func (g GraphConfig) CredentialKind() string {
	switch {
	case g.Credential != "":
		return g.Credential
	case g.ClientCertFile != "":
		return CredentialCertificate
	case g.ClientSecret != "" || g.ClientSecretFile != "":
		return CredentialSecret
	case g.FederatedTokenFile != "":
		return CredentialWorkloadIdentity
	}
	return ""
}

// DescribeCredential names the credential in use for `config check` and the
// log, without any secret.
func (g GraphConfig) DescribeCredential() string {
	switch g.CredentialKind() {
	case CredentialSecret:
		if g.ClientSecretFile != "" {
			return "client secret from " + g.ClientSecretFile
		}
		return "client secret (KRETSLOPP_GRAPH_CLIENT_SECRET)"
	case CredentialCertificate:
		kind := "PEM"
		if isPFX(g.ClientCertFile) {
			kind = "PKCS#12"
		}
		return "client certificate (" + kind + ") from " + g.ClientCertFile
	case CredentialManagedIdentity:
		if g.ClientID != "" {
			return "managed identity (user-assigned, client id " + g.ClientID + ")"
		}
		return "managed identity (system-assigned)"
	case CredentialWorkloadIdentity:
		return "workload identity (federated token from " + g.FederatedTokenFile + ")"
	}
	return "none"
}

func isPFX(path string) bool {
	lower := strings.ToLower(path)
	return strings.HasSuffix(lower, ".pfx") || strings.HasSuffix(lower, ".p12")
}

// Validate checks what a pull needs and lists every problem.
func (g GraphConfig) Validate() error {
	errs := append([]error(nil), g.envErrs...)
	kind := g.CredentialKind()
	needsApp := kind != CredentialManagedIdentity
	if g.TenantID == "" && needsApp {
		errs = append(errs, errors.New("graph tenant_id is empty (KRETSLOPP_GRAPH_TENANT_ID)"))
	}
	if g.ClientID == "" && needsApp {
		errs = append(errs, errors.New("graph client_id is empty (KRETSLOPP_GRAPH_CLIENT_ID)"))
	}
	files := map[string]string{}
	switch kind {
	case "":
		errs = append(errs, errors.New("graph needs a credential: client_secret, client_secret_file, client_cert_file, federated_token_file or credential: managed_identity (KRETSLOPP_GRAPH_CLIENT_SECRET, KRETSLOPP_GRAPH_CREDENTIAL)"))
	case CredentialSecret:
		if g.ClientSecret == "" && g.ClientSecretFile == "" {
			errs = append(errs, errors.New("graph credential secret needs client_secret or client_secret_file (KRETSLOPP_GRAPH_CLIENT_SECRET)"))
		}
		files["graph client_secret_file"] = g.ClientSecretFile
	case CredentialCertificate:
		if g.ClientCertFile == "" {
			errs = append(errs, errors.New("graph credential certificate needs client_cert_file (KRETSLOPP_GRAPH_CLIENT_CERT_FILE)"))
		}
		files["graph client_cert_file"] = g.ClientCertFile
		files["graph client_cert_password_file"] = g.ClientCertPasswordFile
	case CredentialWorkloadIdentity:
		if g.FederatedTokenFile == "" {
			errs = append(errs, errors.New("graph credential workload_identity needs federated_token_file (AZURE_FEDERATED_TOKEN_FILE or KRETSLOPP_GRAPH_FEDERATED_TOKEN_FILE)"))
		}
		files["graph federated_token_file"] = g.FederatedTokenFile
	case CredentialManagedIdentity:
	default:
		errs = append(errs, fmt.Errorf("graph credential %q is not one of secret, certificate, managed_identity, workload_identity (KRETSLOPP_GRAPH_CREDENTIAL)", g.Credential))
	}
	for name, path := range files {
		if path != "" {
			if _, err := os.Stat(path); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
		}
	}
	for name, raw := range map[string]string{"graph base_url (KRETSLOPP_GRAPH_BASE_URL)": g.BaseURL, "graph authority_host (KRETSLOPP_GRAPH_AUTHORITY_HOST)": g.AuthorityHost} {
		if u, err := url.Parse(raw); err != nil || u.Scheme != "https" || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s %q is not an https URL", name, safetext.RedactURL(raw)))
		}
	}
	if g.PullInterval < 0 || (g.PullInterval > 0 && g.PullInterval < time.Minute) {
		errs = append(errs, fmt.Errorf("graph pull_interval %s must be 0 (off) or at least 1m", g.PullInterval))
	}
	if g.MaxWait < time.Second {
		errs = append(errs, fmt.Errorf("graph max_wait %s must be at least 1s (KRETSLOPP_GRAPH_MAX_WAIT)", g.MaxWait))
	}
	if g.RunBudget < 0 || (g.RunBudget > 0 && g.RunBudget < time.Minute) {
		errs = append(errs, fmt.Errorf("graph run_budget %s must be 0 (none) or at least 1m (KRETSLOPP_GRAPH_RUN_BUDGET)", g.RunBudget))
	}
	if g.TimeScale < 1 {
		errs = append(errs, fmt.Errorf("graph time_scale %v must be at least 1 (1 against Graph; more only for the simulator)", g.TimeScale))
	}
	return errors.Join(errs...)
}

func (g GraphConfig) validateIfSet() error {
	if !g.Configured() && g.PullInterval == 0 && len(g.envErrs) == 0 {
		return nil
	}
	return g.Validate()
}
