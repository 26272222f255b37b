package compose

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"gopkg.in/yaml.v3"
)

// load reads compose.yaml (or content, when given) as `docker compose`
// does: the Compose specification's loader, which validates the file
// against the specification's JSON schema (an unknown or misspelt key, or
// a value of the wrong type, is an error), interpolates ${VAR:-default}
// with an empty environment, resolves anchors and merges (<<), and checks
// that every volume, secret and dependency a service names is declared.
// Every profile is on, so that graph-pull is loaded too. Paths stay as
// written (relative to this folder).
func load(t *testing.T, content []byte) (*types.Project, error) {
	t.Helper()
	file := types.ConfigFile{Filename: "compose.yaml", Content: content}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: []types.ConfigFile{file},
		Environment: types.Mapping{},
	}, func(o *loader.Options) {
		o.Profiles = []string{"*"}
		o.ResolvePaths = false
	})
}

func project(t *testing.T) *types.Project {
	t.Helper()
	p, err := load(t, nil)
	if err != nil {
		t.Fatalf("compose.yaml is not a valid Compose file: %v", err)
	}
	if len(p.Services) == 0 {
		t.Fatal("no services")
	}
	return p
}

func env(s types.ServiceConfig, key string) (string, bool) {
	v, ok := s.Environment[key]
	if !ok || v == nil {
		return "", ok
	}
	return *v, true
}

func secretNames(s types.ServiceConfig) []string {
	var out []string
	for _, sec := range s.Secrets {
		out = append(out, sec.Source)
	}
	return out
}

// TestSpecificationRefusesMistakes makes sure the loader validates: a
// misspelt key, a wrong type and an undeclared secret are errors.
func TestSpecificationRefusesMistakes(t *testing.T) {
	good, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct{ old, new, want string }{
		"misspelt key":        {"    healthcheck:\n      test: [\"CMD\", \"influx\"", "    healthcheck:\n      tset: [\"CMD\", \"influx\"", "tset"},
		"wrong type":          {"      retries: 12", "      retries: twelve", "retries"},
		"undeclared secret":   {"      - agent_tokens\n", "      - agent_tokenz\n", "agent_tokenz"},
		"unknown service key": {"    restart: unless-stopped\n    command: [\"serve\"]", "    restart: unless-stopped\n    comand: [\"serve\"]", "comand"},
	} {
		if !strings.Contains(string(good), c.old) {
			t.Fatalf("%s: compose.yaml has no %q to change", name, c.old)
		}
		bad := strings.Replace(string(good), c.old, c.new, 1)
		_, err := load(t, []byte(bad))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one naming %q", name, err, c.want)
		}
	}
}

func TestServices(t *testing.T) {
	p := project(t)
	for _, want := range []string{"influxdb", "influx-setup", "collector", "graph-pull", "influx-retention", "grafana"} {
		if _, ok := p.Services[want]; !ok {
			t.Errorf("service %s missing", want)
		}
	}
	if s := p.Services["collector"]; !slices.ContainsFunc(s.Ports, func(p types.ServicePortConfig) bool { return p.Target == 4318 && p.Published != "" }) {
		t.Errorf("collector does not publish 4318: %+v", s.Ports)
	}
	for _, port := range p.Services["influxdb"].Ports {
		if port.HostIP != "127.0.0.1" {
			t.Errorf("influxdb must publish on loopback only: %+v", port)
		}
	}
	if len(p.Services["influxdb"].Ports) == 0 {
		t.Error("influxdb publishes no port (for the influx CLI on the host)")
	}
	if pr := p.Services["graph-pull"].Profiles; !slices.Contains(pr, "graph") {
		t.Errorf("graph-pull must be opt-in (profile graph), has %v", pr)
	}
	if _, ok := env(p.Services["collector"], "KRETSLOPP_GRAPH_CLIENT_SECRET_FILE"); ok {
		t.Error("serve gets Graph credentials: with an empty secret its config check fails; only graph-pull needs them")
	}
}

// Every image is pinned to an exact version (or digest), or built here.
func TestImagesPinned(t *testing.T) {
	p := project(t)
	pinned := regexp.MustCompile(`^[a-z0-9./-]+(:[0-9]+\.[0-9]+\.[0-9]+[A-Za-z0-9.-]*)?(@sha256:[0-9a-f]{64})?$`)
	built := map[string]bool{}
	for _, s := range p.Services {
		if s.Build != nil {
			built[s.Image] = true
		}
	}
	for name, s := range p.Services {
		switch {
		case s.Build != nil:
			if _, err := os.Stat(filepath.Join(s.Build.Context, "go.mod")); err != nil {
				t.Errorf("%s: build context %s is not the repository root", name, s.Build.Context)
			}
			if _, err := os.Stat(filepath.Join(s.Build.Context, s.Build.Dockerfile)); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		case built[s.Image]:
			// the image another service builds
		case s.Image == "":
			t.Errorf("%s: no image", name)
		case strings.HasSuffix(s.Image, ":latest") || !strings.ContainsAny(s.Image, ":@"):
			t.Errorf("%s: image %q is not pinned", name, s.Image)
		case !pinned.MatchString(s.Image):
			t.Errorf("%s: image %q: pin an exact x.y.z version or a digest", name, s.Image)
		}
	}
	df, err := os.ReadFile("../docker/collector.Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(string(df), -1) {
		if !regexp.MustCompile(`:[0-9]+\.[0-9]+\.[0-9]+`).MatchString(m[1]) {
			t.Errorf("Dockerfile base %s is not pinned to x.y.z", m[1])
		}
	}
	if !regexp.MustCompile(`(?m)^USER\s+[1-9][0-9]*:[1-9][0-9]*$`).Match(df) {
		t.Error("Dockerfile must end as a numeric non-root USER")
	}
}

func TestHealthchecks(t *testing.T) {
	p := project(t)
	for name, s := range p.Services {
		if s.HealthCheck == nil || s.HealthCheck.Disable || len(s.HealthCheck.Test) < 2 {
			t.Errorf("%s: no healthcheck", name)
			continue
		}
		if k := s.HealthCheck.Test[0]; k != "CMD" && k != "CMD-SHELL" {
			t.Errorf("%s: healthcheck test starts with %q", name, k)
		}
	}
	if hc := p.Services["collector"].HealthCheck; hc == nil || !strings.Contains(strings.Join(hc.Test, " "), "/readyz") {
		t.Errorf("collector healthcheck %v: want /readyz (InfluxDB reachable)", hc)
	}
	// Services that need the tokens wait for the setup to finish.
	for _, name := range []string{"collector", "grafana", "influx-retention", "graph-pull"} {
		if got := p.Services[name].DependsOn["influx-setup"].Condition; got != types.ServiceConditionCompletedSuccessfully {
			t.Errorf("%s depends_on influx-setup: %q", name, got)
		}
	}
}

// The services that run Kretslopp's code or a script of ours run
// hardened: read-only root file system, no new privileges, no
// capabilities.
func TestHardening(t *testing.T) {
	p := project(t)
	for _, name := range []string{"collector", "graph-pull", "influx-retention"} {
		s := p.Services[name]
		if !s.ReadOnly {
			t.Errorf("%s: root file system not read-only", name)
		}
		if !slices.Contains(s.SecurityOpt, "no-new-privileges:true") {
			t.Errorf("%s: security_opt %v lacks no-new-privileges:true", name, s.SecurityOpt)
		}
		if !slices.Contains(s.CapDrop, "ALL") {
			t.Errorf("%s: cap_drop %v lacks ALL", name, s.CapDrop)
		}
	}
}

// Every bind-mounted file exists and is mounted read-only; the scripts
// are executable.
func TestBindMountsExist(t *testing.T) {
	p := project(t)
	for name, s := range p.Services {
		for _, v := range s.Volumes {
			if v.Type != types.VolumeTypeBind {
				continue
			}
			if _, err := os.Stat(v.Source); err != nil {
				t.Errorf("%s: bind mount %s: %v", name, v.Source, err)
			}
			if !v.ReadOnly {
				t.Errorf("%s: bind mount %s should be read-only", name, v.Source)
			}
		}
	}
	for _, script := range []string{"influxdb/setup.sh", "influxdb/retention.sh", "init-secrets.sh"} {
		st, err := os.Stat(script)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode()&0o111 == 0 {
			t.Errorf("%s is not executable", script)
		}
	}
	setup, _ := os.ReadFile("influxdb/setup.sh")
	for _, want := range []string{"influx v1 dbrp create", "--rp autogen", "--write-bucket", "--read-bucket"} {
		if !strings.Contains(string(setup), want) {
			t.Errorf("setup.sh lacks %q", want)
		}
	}
}

// Grafana's dashboard provider reads from a folder this file mounts.
func TestGrafanaProvisioning(t *testing.T) {
	p := project(t)
	g := p.Services["grafana"]
	targets := map[string]string{}
	for _, v := range g.Volumes {
		if v.Type == types.VolumeTypeBind {
			targets[v.Target] = v.Source
		}
	}
	src, ok := targets["/etc/grafana/provisioning"]
	if !ok {
		t.Fatal("grafana does not mount provisioning at /etc/grafana/provisioning")
	}
	providers, _ := filepath.Glob(filepath.Join(src, "dashboards", "*.y*ml"))
	if len(providers) == 0 {
		t.Fatalf("no dashboard provider in %s/dashboards", src)
	}
	for _, pf := range providers {
		data, err := os.ReadFile(pf)
		if err != nil {
			t.Fatal(err)
		}
		var prov struct {
			Providers []struct {
				Options struct {
					Path string `yaml:"path"`
				} `yaml:"options"`
			} `yaml:"providers"`
		}
		if err := yaml.Unmarshal(data, &prov); err != nil {
			t.Fatalf("%s: %v", pf, err)
		}
		for _, pr := range prov.Providers {
			// The deepest mount that holds the path is where it comes from.
			best := ""
			for target := range targets {
				if (pr.Options.Path == target || strings.HasPrefix(pr.Options.Path, target+"/")) && len(target) > len(best) {
					best = target
				}
			}
			if best == "" {
				t.Errorf("%s: provider path %q is not bind-mounted from the repository (mounts: %v)", pf, pr.Options.Path, targets)
				continue
			}
			from := targets[best]
			if json, _ := filepath.Glob(filepath.Join(from, strings.TrimPrefix(pr.Options.Path, best), "*.json")); len(json) == 0 {
				t.Errorf("provider path %s (from %s) holds no dashboards", pr.Options.Path, from)
			}
		}
	}

	// Every ${VAR} the data source provisioning reads is set for Grafana.
	sources, _ := filepath.Glob(filepath.Join(src, "datasources", "*.y*ml"))
	if len(sources) == 0 {
		t.Fatalf("no data source in %s/datasources", src)
	}
	entry := strings.Join(g.Entrypoint, " ")
	for _, pf := range sources {
		data, _ := os.ReadFile(pf)
		for _, m := range regexp.MustCompile(`\$\{([A-Z0-9_]+)\}`).FindAllStringSubmatch(string(data), -1) {
			if _, ok := g.Environment[m[1]]; !ok && !strings.Contains(entry, "export "+m[1]+"=") {
				t.Errorf("%s reads ${%s}, which grafana's environment does not set", pf, m[1])
			}
		}
	}
}

// Secrets are files: no secret value in the environment, every *_FILE
// points at a mounted secret or the token volume, and the secret files are
// created by init-secrets.sh and ignored by git.
func TestSecretsAreFiles(t *testing.T) {
	p := project(t)
	script, err := os.ReadFile("init-secrets.sh")
	if err != nil {
		t.Fatal(err)
	}
	ignore, _ := os.ReadFile("secrets/.gitignore")
	if !strings.Contains(string(ignore), "*\n") {
		t.Error("secrets/.gitignore must ignore every secret file")
	}
	if len(p.Secrets) == 0 {
		t.Fatal("no secrets declared")
	}
	for name, s := range p.Secrets {
		if !strings.HasPrefix(s.File, "./secrets/") {
			t.Errorf("secret %s file %q: keep secrets in ./secrets", name, s.File)
		}
		base := strings.TrimPrefix(s.File, "./secrets/")
		if _, err := os.Stat(s.File); err != nil && !strings.Contains(string(script), base) {
			t.Errorf("secret %s: %s neither exists nor is created by init-secrets.sh", name, s.File)
		}
	}
	secretish := regexp.MustCompile(`(?i)(PASSWORD|TOKEN|SECRET)$`)
	for name, s := range p.Services {
		for k := range s.Environment {
			val, _ := env(s, k)
			if secretish.MatchString(k) && val != "" {
				t.Errorf("%s: %s holds a secret in the environment; use %s_FILE", name, k, k)
			}
			if !strings.HasSuffix(k, "_FILE") {
				continue
			}
			switch {
			case strings.HasPrefix(val, "/run/secrets/"):
				if !slices.Contains(secretNames(s), strings.TrimPrefix(val, "/run/secrets/")) {
					t.Errorf("%s: %s=%s but the service does not mount that secret", name, k, val)
				}
			case strings.HasPrefix(val, "/tokens/"):
				if !slices.ContainsFunc(s.Volumes, func(v types.ServiceVolumeConfig) bool {
					return v.Type == types.VolumeTypeVolume && v.Source == "influx-tokens" && v.Target == "/tokens"
				}) {
					t.Errorf("%s: %s=%s without the influx-tokens volume", name, k, val)
				}
			default:
				t.Errorf("%s: %s=%q is neither a secret nor a token file", name, k, val)
			}
		}
	}
}
