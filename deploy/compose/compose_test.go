package compose

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

type service struct {
	Image       string         `yaml:"image"`
	Build       *build         `yaml:"build"`
	Command     []string       `yaml:"command"`
	Entrypoint  []string       `yaml:"entrypoint"`
	Environment map[string]any `yaml:"environment"`
	Secrets     []string       `yaml:"secrets"`
	Volumes     []string       `yaml:"volumes"`
	Ports       []string       `yaml:"ports"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck *struct {
		Test        []string `yaml:"test"`
		Disable     bool     `yaml:"disable"`
		Interval    string   `yaml:"interval"`
		Timeout     string   `yaml:"timeout"`
		Retries     int      `yaml:"retries"`
		StartPeriod string   `yaml:"start_period"`
	} `yaml:"healthcheck"`
	Profiles    []string `yaml:"profiles"`
	ReadOnly    bool     `yaml:"read_only"`
	CapDrop     []string `yaml:"cap_drop"`
	SecurityOpt []string `yaml:"security_opt"`
	User        string   `yaml:"user"`
	Tmpfs       []string `yaml:"tmpfs"`
	Restart     string   `yaml:"restart"`
}

type build struct {
	Context    string            `yaml:"context"`
	Dockerfile string            `yaml:"dockerfile"`
	Args       map[string]string `yaml:"args"`
}

type composeFile struct {
	Name     string             `yaml:"name"`
	Services map[string]service `yaml:"services"`
	Secrets  map[string]struct {
		File string `yaml:"file"`
	} `yaml:"secrets"`
	Volumes map[string]any `yaml:"volumes"`
}

func load(t *testing.T) composeFile {
	t.Helper()
	data, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	// The x-hardening anchor is merged into services with <<; top-level
	// x- keys are compose extensions, so decode leniently there and
	// strictly below (a misspelt service key fails).
	var top map[string]yaml.Node
	if err := yaml.Unmarshal(data, &top); err != nil {
		t.Fatalf("compose.yaml is not YAML: %v", err)
	}
	for k := range top {
		if !strings.HasPrefix(k, "x-") && !slices.Contains([]string{"name", "services", "secrets", "volumes"}, k) {
			t.Errorf("unexpected top-level key %q", k)
		}
	}
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	for name, node := range servicesNodes(t, top) {
		var s service
		if err := decodeStrict(node, &s); err != nil {
			t.Errorf("service %s: %v", name, err)
		}
	}
	if len(c.Services) == 0 {
		t.Fatal("no services")
	}
	return c
}

func servicesNodes(t *testing.T, top map[string]yaml.Node) map[string]*yaml.Node {
	t.Helper()
	n := top["services"]
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		out[n.Content[i].Value] = n.Content[i+1]
	}
	return out
}

// decodeStrict re-encodes a node (merges resolved) and decodes it with
// KnownFields, so an unknown or misspelt key is an error.
func decodeStrict(n *yaml.Node, v any) error {
	var generic map[string]any
	if err := n.Decode(&generic); err != nil {
		return err
	}
	b, err := yaml.Marshal(generic)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	return dec.Decode(v)
}

func TestServices(t *testing.T) {
	c := load(t)
	for _, want := range []string{"influxdb", "influx-setup", "collector", "graph-pull", "influx-retention", "grafana"} {
		if _, ok := c.Services[want]; !ok {
			t.Errorf("service %s missing", want)
		}
	}
	if s := c.Services["collector"]; !slices.ContainsFunc(s.Ports, func(p string) bool { return strings.HasSuffix(p, ":4318") }) {
		t.Errorf("collector does not publish 4318: %v", s.Ports)
	}
	if s := c.Services["influxdb"]; !slices.ContainsFunc(s.Ports, func(p string) bool { return strings.HasPrefix(p, "127.0.0.1:") }) {
		t.Errorf("influxdb must publish on loopback only: %v", s.Ports)
	}
	if p := c.Services["graph-pull"].Profiles; !slices.Contains(p, "graph") {
		t.Errorf("graph-pull must be opt-in (profile graph), has %v", p)
	}
	if env := c.Services["collector"].Environment; env["KRETSLOPP_GRAPH_CLIENT_SECRET_FILE"] != nil {
		t.Error("serve gets Graph credentials: with an empty secret its config check fails; only graph-pull needs them")
	}
}

// Every image is pinned to an exact version (or digest), or built here.
func TestImagesPinned(t *testing.T) {
	c := load(t)
	pinned := regexp.MustCompile(`^[a-z0-9./-]+(:[0-9]+\.[0-9]+\.[0-9]+[A-Za-z0-9.-]*)?(@sha256:[0-9a-f]{64})?$`)
	built := map[string]bool{}
	for _, s := range c.Services {
		if s.Build != nil {
			built[s.Image] = true
		}
	}
	for name, s := range c.Services {
		switch {
		case s.Build != nil:
			ctx := filepath.Join(".", s.Build.Context)
			if _, err := os.Stat(filepath.Join(ctx, "go.mod")); err != nil {
				t.Errorf("%s: build context %s is not the repository root", name, s.Build.Context)
			}
			if _, err := os.Stat(filepath.Join(ctx, s.Build.Dockerfile)); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		case built[s.Image]:
			// the image another service builds
		case s.Image == "":
			t.Errorf("%s: no image", name)
		case strings.HasSuffix(s.Image, ":latest") || !strings.ContainsAny(s.Image, ":@"):
			t.Errorf("%s: image %q is not pinned", name, s.Image)
		case !pinned.MatchString(s.Image) || !(strings.Contains(s.Image, ":") || strings.Contains(s.Image, "@")):
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
	c := load(t)
	for name, s := range c.Services {
		if s.Healthcheck == nil || s.Healthcheck.Disable || len(s.Healthcheck.Test) < 2 {
			t.Errorf("%s: no healthcheck", name)
			continue
		}
		if k := s.Healthcheck.Test[0]; k != "CMD" && k != "CMD-SHELL" {
			t.Errorf("%s: healthcheck test starts with %q", name, k)
		}
	}
	if hc := strings.Join(c.Services["collector"].Healthcheck.Test, " "); !strings.Contains(hc, "/readyz") {
		t.Errorf("collector healthcheck %q: want /readyz (InfluxDB reachable)", hc)
	}
	// Services that need the tokens wait for the setup to finish.
	for _, name := range []string{"collector", "grafana", "influx-retention", "graph-pull"} {
		if got := c.Services[name].DependsOn["influx-setup"].Condition; got != "service_completed_successfully" {
			t.Errorf("%s depends_on influx-setup: %q", name, got)
		}
	}
	for name, s := range c.Services {
		for dep := range s.DependsOn {
			if _, ok := c.Services[dep]; !ok {
				t.Errorf("%s depends on unknown service %s", name, dep)
			}
		}
	}
}

// Every bind-mounted file exists; named volumes are declared.
func TestBindMountsExist(t *testing.T) {
	c := load(t)
	for name, s := range c.Services {
		for _, v := range s.Volumes {
			parts := strings.Split(v, ":")
			src := parts[0]
			if strings.HasPrefix(src, ".") || strings.HasPrefix(src, "/") {
				if _, err := os.Stat(src); err != nil {
					t.Errorf("%s: bind mount %s: %v", name, src, err)
				}
				if len(parts) < 3 || parts[2] != "ro" {
					t.Errorf("%s: bind mount %s should be read-only", name, src)
				}
				continue
			}
			if _, ok := c.Volumes[src]; !ok {
				t.Errorf("%s: volume %s is not declared", name, src)
			}
		}
		for _, sec := range s.Secrets {
			if _, ok := c.Secrets[sec]; !ok {
				t.Errorf("%s: secret %s is not declared", name, sec)
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
	c := load(t)
	g := c.Services["grafana"]
	targets := map[string]string{}
	for _, v := range g.Volumes {
		parts := strings.Split(v, ":")
		if len(parts) >= 2 {
			targets[parts[1]] = parts[0]
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
	for _, p := range providers {
		data, err := os.ReadFile(p)
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
			t.Fatalf("%s: %v", p, err)
		}
		for _, pr := range prov.Providers {
			// The deepest mount that holds the path is where it comes from.
			best := ""
			for target := range targets {
				if (pr.Options.Path == target || strings.HasPrefix(pr.Options.Path, target+"/")) && len(target) > len(best) {
					best = target
				}
			}
			from := targets[best]
			if best == "" || !strings.HasPrefix(from, ".") {
				t.Errorf("%s: provider path %q is not bind-mounted from the repository (mounts: %v)", p, pr.Options.Path, targets)
				continue
			}
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
	for _, p := range sources {
		data, _ := os.ReadFile(p)
		for _, m := range regexp.MustCompile(`\$\{([A-Z0-9_]+)\}`).FindAllStringSubmatch(string(data), -1) {
			if _, ok := g.Environment[m[1]]; !ok && !strings.Contains(entry, "export "+m[1]+"=") {
				t.Errorf("%s reads ${%s}, which grafana's environment does not set", p, m[1])
			}
		}
	}
}

// Secrets are files: no secret value in the environment, every *_FILE
// points at a mounted secret or the token volume, and the secret files are
// created by init-secrets.sh and ignored by git.
func TestSecretsAreFiles(t *testing.T) {
	c := load(t)
	script, err := os.ReadFile("init-secrets.sh")
	if err != nil {
		t.Fatal(err)
	}
	ignore, _ := os.ReadFile("secrets/.gitignore")
	if !strings.Contains(string(ignore), "*\n") {
		t.Error("secrets/.gitignore must ignore every secret file")
	}
	for name, s := range c.Secrets {
		if !strings.HasPrefix(s.File, "./secrets/") {
			t.Errorf("secret %s file %q: keep secrets in ./secrets", name, s.File)
		}
		base := strings.TrimPrefix(s.File, "./secrets/")
		if _, err := os.Stat(s.File); err != nil && !strings.Contains(string(script), base) {
			t.Errorf("secret %s: %s neither exists nor is created by init-secrets.sh", name, s.File)
		}
	}
	secretish := regexp.MustCompile(`(?i)(PASSWORD|TOKEN|SECRET)$`)
	for name, s := range c.Services {
		for k, v := range s.Environment {
			val, _ := v.(string)
			if secretish.MatchString(k) && val != "" {
				t.Errorf("%s: %s holds a secret in the environment; use %s_FILE", name, k, k)
			}
			if strings.HasSuffix(k, "_FILE") || strings.HasSuffix(k, "__FILE") {
				switch {
				case strings.HasPrefix(val, "/run/secrets/"):
					if !slices.Contains(s.Secrets, strings.TrimPrefix(val, "/run/secrets/")) {
						t.Errorf("%s: %s=%s but the service does not mount that secret", name, k, val)
					}
				case strings.HasPrefix(val, "/tokens/"):
					if !slices.ContainsFunc(s.Volumes, func(v string) bool { return strings.HasPrefix(v, "influx-tokens:/tokens") }) {
						t.Errorf("%s: %s=%s without the influx-tokens volume", name, k, val)
					}
				default:
					t.Errorf("%s: %s=%q is neither a secret nor a token file", name, k, val)
				}
			}
		}
	}
}
