//go:build linux

package packaging

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/internal/testkit"
)

// repoRoot is the module root, two levels up from this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root not found: %v", err)
	}
	return root
}

// nfpmCommand is .tools/bin/nfpm (make packages installs it), $NFPM, or
// `go run` of the pinned version from the Go module proxy.
func nfpmCommand(t *testing.T, root string) string {
	t.Helper()
	if c := os.Getenv("NFPM"); c != "" {
		return c
	}
	if p := filepath.Join(root, ".tools", "bin", "nfpm"); isExecutable(p) {
		return p
	}
	v, err := os.ReadFile(filepath.Join(root, "deploy", "packaging", "NFPM_VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	return "go run github.com/goreleaser/nfpm/v2/cmd/nfpm@" + strings.TrimSpace(string(v))
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0
}

// fakeBinaries writes small stand-ins that print their version.
func fakeBinaries(t *testing.T, dir, version string) {
	t.Helper()
	for _, b := range []string{"kretslopp-agent", "kretslopp-collector"} {
		script := "#!/bin/sh\necho " + b + " " + version + "\n"
		if err := os.WriteFile(filepath.Join(dir, b), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

type built struct {
	dir       string // packages
	binDir    string // binaries packaged
	version   string
	realBins  bool
	agentDeb  string
	collDeb   string
	agentRPM  string
	collRPM   string
	buildLogs string
}

var (
	buildOnce sync.Map // version -> *built
	buildMu   sync.Mutex
	workDir   string // packages built once for all tests
)

func TestMain(m *testing.M) {
	var err error
	if workDir, err = os.MkdirTemp("", "kretslopp-pkg-"); err != nil {
		panic(err)
	}
	code := testkit.Main(m)
	os.RemoveAll(workDir)
	os.Exit(code)
}

// build runs build.sh (the same script `make packages` runs) for version,
// packaging the real binaries (built as `make build` builds them) or, for
// an old version to upgrade from, stand-ins.
func build(t *testing.T, version string, useReal bool) *built {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if b, ok := buildOnce.Load(version); ok {
		return b.(*built)
	}
	root := repoRoot(t)
	dir, err := os.MkdirTemp(workDir, "v"+version+"-")
	if err != nil {
		t.Fatal(err)
	}
	b := &built{dir: filepath.Join(dir, "dist"), version: version}
	if useReal {
		b.binDir, b.realBins = testkit.BinaryDir(t, testkit.Agent, testkit.Collector), true
	} else {
		b.binDir = filepath.Join(dir, "bin")
		if err := os.MkdirAll(b.binDir, 0o755); err != nil {
			t.Fatal(err)
		}
		fakeBinaries(t, b.binDir, version)
	}
	cmd := exec.Command(filepath.Join(root, "deploy", "packaging", "build.sh"), b.dir)
	cmd.Env = append(os.Environ(), "NFPM="+nfpmCommand(t, root), "PKG_VERSION="+version, "PKG_ARCH=amd64", "BIN_DIR="+b.binDir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("build.sh: %v\n%s", err, out)
	}
	b.buildLogs = string(out)
	b.agentDeb = filepath.Join(b.dir, "kretslopp-agent_"+version+"-1_amd64.deb")
	b.collDeb = filepath.Join(b.dir, "kretslopp-collector_"+version+"-1_amd64.deb")
	b.agentRPM = filepath.Join(b.dir, "kretslopp-agent-"+version+"-1.x86_64.rpm")
	b.collRPM = filepath.Join(b.dir, "kretslopp-collector-"+version+"-1.x86_64.rpm")
	for _, p := range []string{b.agentDeb, b.collDeb, b.agentRPM, b.collRPM} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("build.sh did not write %s:\n%s", filepath.Base(p), out)
		}
	}
	buildOnce.Store(version, b)
	return b
}

func need(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		testkit.Tool(t, tool)
	}
}

func run(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestDebControlConffilesAndScripts(t *testing.T) {
	need(t, "dpkg-deb")
	b := build(t, "1.1.0", true)
	cases := []struct {
		deb       string
		pkg       string
		conffiles []string
		scripts   []string
		files     map[string]string // path in the data archive -> mode
	}{
		{
			deb: b.agentDeb, pkg: "kretslopp-agent",
			conffiles: []string{"/etc/kretslopp/agent.env", "/etc/kretslopp/agent.yaml"},
			scripts:   []string{"postinst", "postrm", "prerm"},
			files: map[string]string{
				"./usr/bin/kretslopp-agent":                        "-rwxr-xr-x",
				"./usr/lib/systemd/system/kretslopp-agent.service": "-rw-r--r--",
				"./etc/kretslopp/agent.yaml":                       "-rw-r--r--",
				"./etc/kretslopp/agent.env":                        "-rw-------",
			},
		},
		{
			deb: b.collDeb, pkg: "kretslopp-collector",
			conffiles: []string{"/etc/kretslopp/agent-tokens", "/etc/kretslopp/collector.env", "/etc/kretslopp/collector.yaml"},
			scripts:   []string{"postinst", "postrm", "preinst", "prerm"},
			files: map[string]string{
				"./usr/bin/kretslopp-collector":                             "-rwxr-xr-x",
				"./usr/lib/systemd/system/kretslopp-collector.service":      "-rw-r--r--",
				"./usr/lib/systemd/system/kretslopp-collector-pull.service": "-rw-r--r--",
				"./usr/lib/systemd/system/kretslopp-collector-pull.timer":   "-rw-r--r--",
				"./usr/lib/sysusers.d/kretslopp-collector.conf":             "-rw-r--r--",
				"./etc/kretslopp/collector.yaml":                            "-rw-r-----",
				"./etc/kretslopp/collector.env":                             "-rw-r-----",
				"./etc/kretslopp/agent-tokens":                              "-rw-r-----",
			},
		},
	}
	for _, c := range cases {
		t.Run(c.pkg, func(t *testing.T) {
			for field, want := range map[string]string{"Package": c.pkg, "Version": "1.1.0-1", "Architecture": "amd64"} {
				if got := strings.TrimSpace(run(t, nil, "dpkg-deb", "-f", c.deb, field)); got != want {
					t.Errorf("control %s = %q, want %q", field, got, want)
				}
			}
			ctrl := t.TempDir()
			run(t, nil, "dpkg-deb", "-e", c.deb, ctrl)
			data, err := os.ReadFile(filepath.Join(ctrl, "conffiles"))
			if err != nil {
				t.Fatalf("no conffiles: %v", err)
			}
			conf := strings.Fields(string(data))
			slices.Sort(conf)
			if !slices.Equal(conf, c.conffiles) {
				t.Errorf("conffiles = %v, want %v", conf, c.conffiles)
			}
			for _, s := range c.scripts {
				p := filepath.Join(ctrl, s)
				if !isExecutable(p) {
					t.Errorf("maintainer script %s missing or not executable", s)
					continue
				}
				run(t, nil, "sh", "-n", p)
			}
			listing := run(t, nil, "dpkg-deb", "-c", c.deb)
			modes := map[string]string{}
			for _, line := range strings.Split(listing, "\n") {
				f := strings.Fields(line)
				if len(f) >= 6 {
					modes[f[len(f)-1]] = f[0]
				}
			}
			for path, mode := range c.files {
				if got, ok := modes[path]; !ok {
					t.Errorf("%s not in package", path)
				} else if got != mode {
					t.Errorf("%s mode %s, want %s", path, got, mode)
				}
			}
			for path := range modes {
				if strings.HasPrefix(path, "./var/lib/kretslopp") {
					t.Errorf("package ships %s: the spool must belong to the unit's StateDirectory, not to dpkg", path)
				}
			}
		})
	}
}

// dpkgRoot installs into a scratch root without chroot: dpkg runs the
// maintainer scripts with DPKG_ROOT set, as Debian's chrootless bootstrap
// does, and the scripts prefix every path with it.
type dpkgRoot struct {
	t    *testing.T
	dir  string
	path string // PATH with a logging systemctl first
	log  string // systemctl invocations
}

func newDpkgRoot(t *testing.T) *dpkgRoot {
	t.Helper()
	r := &dpkgRoot{t: t, dir: t.TempDir()}
	for _, d := range []string{"var/lib/dpkg/updates", "var/lib/dpkg/info", "etc"} {
		if err := os.MkdirAll(filepath.Join(r.dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(r.dir, "var/lib/dpkg/status"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// A systemctl in front of the real one records every call and refuses
	// any that would act on the host instead of the scratch root.
	shim := t.TempDir()
	r.log = filepath.Join(shim, "systemctl.log")
	script := "#!/bin/sh\necho \"$*\" >> " + r.log + "\n" +
		"case \"$1\" in --root=*) ;; *) echo 'systemctl called without --root' >&2; exit 1 ;; esac\n" +
		"exec " + testkit.Tool(t, "systemctl") + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(shim, "systemctl"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	r.path = shim + string(os.PathListSeparator) + os.Getenv("PATH")
	return r
}

func (r *dpkgRoot) dpkg(args ...string) string {
	r.t.Helper()
	all := append([]string{"--root=" + r.dir, "--force-script-chrootless", "--force-confdef", "--force-confold"}, args...)
	return run(r.t, []string{"PATH=" + r.path}, "dpkg", all...)
}

func (r *dpkgRoot) p(rel string) string { return filepath.Join(r.dir, rel) }

func (r *dpkgRoot) exists(rel string) bool {
	_, err := os.Lstat(r.p(rel))
	return err == nil
}

func (r *dpkgRoot) read(rel string) string {
	r.t.Helper()
	b, err := os.ReadFile(r.p(rel))
	if err != nil {
		r.t.Fatal(err)
	}
	return string(b)
}

func (r *dpkgRoot) write(rel, content string, mode os.FileMode) {
	r.t.Helper()
	if err := os.MkdirAll(filepath.Dir(r.p(rel)), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(r.p(rel), []byte(content), mode); err != nil {
		r.t.Fatal(err)
	}
}

func (r *dpkgRoot) status(pkg string) string {
	r.t.Helper()
	out, _ := exec.Command("dpkg-query", "--admindir="+r.p("var/lib/dpkg"), "-W", "-f=${Status} ${Version}", pkg).CombinedOutput()
	return strings.TrimSpace(string(out))
}

const (
	spoolFile    = "var/lib/kretslopp/spool.db"
	spoolContent = "bbolt pages with 3 batches the collector has not acknowledged"
	agentWants   = "etc/systemd/system/multi-user.target.wants/kretslopp-agent.service"
	collWants    = "etc/systemd/system/multi-user.target.wants/kretslopp-collector.service"
)

// TestDebUpgradeKeepsSpool installs version 1.0.0, lets the agent "run"
// (a spool file with unsent reports, a token, an edited config), upgrades
// to 1.1.0, removes and finally purges, checking at every step what an
// operator relies on.
func TestDebUpgradeKeepsSpool(t *testing.T) {
	need(t, "dpkg", "dpkg-deb", "dpkg-query", "systemctl")
	testkit.Root(t, "dpkg --root needs root to set file owners")
	oldPkg := build(t, "1.0.0", false)
	newPkg := build(t, "1.1.0", true)
	r := newDpkgRoot(t)

	// Install 1.0.0.
	r.dpkg("-i", oldPkg.agentDeb, oldPkg.collDeb)
	for _, pkg := range []string{"kretslopp-agent", "kretslopp-collector"} {
		if got := r.status(pkg); got != "install ok installed 1.0.0-1" {
			t.Fatalf("%s after install: %q", pkg, got)
		}
	}
	for _, l := range []string{agentWants, collWants} {
		if !r.exists(l) {
			t.Errorf("install did not enable %s", filepath.Base(l))
		}
	}
	if r.exists("etc/systemd/system/timers.target.wants/kretslopp-collector-pull.timer") {
		t.Error("install enabled the Graph pull timer; it belongs on one host per tenant")
	}
	if r.exists("var/lib/kretslopp") {
		t.Error("install created /var/lib/kretslopp; StateDirectory= should")
	}
	passwd := r.read("etc/passwd")
	var gid string
	for _, line := range strings.Split(passwd, "\n") {
		if f := strings.Split(line, ":"); len(f) >= 7 && f[0] == "kretslopp" {
			gid = f[3]
			if f[6] != "/usr/sbin/nologin" {
				t.Errorf("kretslopp user shell %q", f[6])
			}
			if uid, _ := strconv.Atoi(f[2]); uid == 0 || uid >= 1000 {
				t.Errorf("kretslopp uid %d is not a system uid", uid)
			}
		}
	}
	if gid == "" {
		t.Fatalf("preinst did not create user kretslopp:\n%s", passwd)
	}
	for _, f := range []string{"etc/kretslopp/collector.yaml", "etc/kretslopp/collector.env", "etc/kretslopp/agent-tokens"} {
		st, err := os.Stat(r.p(f))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o640 {
			t.Errorf("%s mode %o, want 640", f, st.Mode().Perm())
		}
		if g := fileGID(st); g != gid {
			t.Errorf("%s group %s, want kretslopp (%s)", f, g, gid)
		}
	}

	// The agent runs: a spool, a token, a site edit; the operator disables
	// the collector on this host.
	r.write(spoolFile, spoolContent, 0o600)
	r.write("etc/kretslopp/agent.token", "agent-token-rinkeby-0042\n", 0o644)
	edited := r.read("etc/kretslopp/agent.yaml") + "labels:\n  site: Rinkeby skola\n"
	r.write("etc/kretslopp/agent.yaml", edited, 0o644)
	r.write("etc/kretslopp/agent-tokens", "sha256:"+strings.Repeat("ab", 32)+"\n", 0o640)
	os.Remove(r.p(collWants))

	// Upgrade to 1.1.0.
	r.dpkg("-i", newPkg.agentDeb, newPkg.collDeb)
	for _, pkg := range []string{"kretslopp-agent", "kretslopp-collector"} {
		if got := r.status(pkg); got != "install ok installed 1.1.0-1" {
			t.Fatalf("%s after upgrade: %q", pkg, got)
		}
	}
	if got := r.read(spoolFile); got != spoolContent {
		t.Fatalf("spool changed by upgrade: %q", got)
	}
	if got := r.read("etc/kretslopp/agent.yaml"); got != edited {
		t.Errorf("upgrade replaced the edited agent.yaml:\n%s", got)
	}
	if got := r.read("etc/kretslopp/agent-tokens"); !strings.HasPrefix(got, "sha256:") {
		t.Errorf("upgrade replaced agent-tokens: %q", got)
	}
	if st, _ := os.Stat(r.p("etc/kretslopp/agent.token")); st == nil || st.Mode().Perm() != 0o600 {
		t.Errorf("agent.token should be 0600 after postinst, is %v", st.Mode().Perm())
	}
	if r.exists(collWants) {
		t.Error("upgrade re-enabled kretslopp-collector.service the operator had disabled")
	}
	want, _ := os.ReadFile(filepath.Join(newPkg.binDir, "kretslopp-agent"))
	if got, _ := os.ReadFile(r.p("usr/bin/kretslopp-agent")); !bytes.Equal(got, want) {
		t.Error("upgrade did not install the new agent binary")
	}
	if newPkg.realBins {
		out := run(t, nil, r.p("usr/bin/kretslopp-agent"), "version")
		if !strings.HasPrefix(out, "kretslopp-agent ") {
			t.Errorf("installed agent: version printed %q", out)
		}
	}

	// Remove: binaries and units go, spool and configuration stay.
	r.dpkg("-r", "kretslopp-agent", "kretslopp-collector")
	if r.exists("usr/bin/kretslopp-agent") || r.exists("usr/lib/systemd/system/kretslopp-agent.service") {
		t.Error("remove left the binary or unit")
	}
	if got := r.read(spoolFile); got != spoolContent {
		t.Fatalf("spool changed by remove: %q", got)
	}
	if !r.exists("etc/kretslopp/agent.yaml") || !r.exists("etc/kretslopp/agent.token") {
		t.Error("remove deleted configuration (only purge should)")
	}
	if r.exists(agentWants) {
		t.Error("remove left kretslopp-agent.service enabled")
	}

	// Purge: everything goes.
	r.dpkg("-P", "kretslopp-agent", "kretslopp-collector")
	for _, p := range []string{"var/lib/kretslopp", "etc/kretslopp"} {
		if r.exists(p) {
			entries, _ := os.ReadDir(r.p(p))
			t.Errorf("purge left /%s (%d entries)", p, len(entries))
		}
	}
	if log, _ := os.ReadFile(r.log); !strings.Contains(string(log), "enable kretslopp-agent.service") {
		t.Errorf("systemctl calls did not include enable:\n%s", log)
	}
}

// TestRPMScriptletOrder runs the scriptlets in the order rpm does on an
// upgrade (new %pre 2, new %post 2, old %preun 1, old %postun 1) and on an
// erase (%preun 0, %postun 0). rpm itself is not installed here; the
// scriptlets are the same files as in the .rpm (checked below).
func TestRPMScriptletOrder(t *testing.T) {
	root := repoRoot(t)
	r := newDpkgRoot(t)
	script := func(pkg, name string) string {
		return filepath.Join(root, "deploy", "packaging", "scripts", pkg, name)
	}
	runScript := func(pkg, name, arg string) {
		t.Helper()
		p := script(pkg, name)
		if _, err := os.Stat(p); err != nil {
			return // rpm runs nothing for a missing scriptlet
		}
		run(t, []string{"PATH=" + r.path, "DPKG_ROOT=" + r.dir}, "sh", p, arg)
	}
	// Files of an installed package.
	r.write("usr/lib/systemd/system/kretslopp-agent.service", "[Unit]\n[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n", 0o644)
	r.write("etc/kretslopp/agent.yaml", "interval: 15m\n", 0o644)
	runScript("agent", "postinst", "1")
	r.write(spoolFile, spoolContent, 0o600)
	// Upgrade.
	runScript("agent", "preinst", "2")
	runScript("agent", "postinst", "2")
	runScript("agent", "prerm", "1")
	runScript("agent", "postrm", "1")
	if got := r.read(spoolFile); got != spoolContent {
		t.Fatalf("spool changed by rpm upgrade: %q", got)
	}
	if !r.exists(agentWants) {
		t.Error("rpm upgrade disabled the agent")
	}
	// Erase: rpm has no purge, the spool stays for the operator to remove.
	runScript("agent", "prerm", "0")
	runScript("agent", "postrm", "0")
	if got := r.read(spoolFile); got != spoolContent {
		t.Fatalf("spool changed by rpm erase: %q", got)
	}
	if r.exists(agentWants) {
		t.Error("rpm erase left the agent enabled")
	}

	// The .rpm files carry these scriptlets and the config files.
	b := build(t, "1.1.0", true)
	for _, c := range []struct {
		rpm, pkg string
		files    []string
	}{
		{b.agentRPM, "agent", []string{"agent.yaml", "agent.env", "kretslopp-agent.service"}},
		{b.collRPM, "collector", []string{"collector.yaml", "collector.env", "agent-tokens", "kretslopp-collector-pull.timer"}},
	} {
		data, err := os.ReadFile(c.rpm)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(data, []byte{0xed, 0xab, 0xee, 0xdb}) {
			t.Errorf("%s: no rpm lead", filepath.Base(c.rpm))
		}
		head := data[:min(len(data), 256<<10)]
		for _, f := range c.files {
			if !bytes.Contains(head, []byte(f)) {
				t.Errorf("%s: header does not list %s", filepath.Base(c.rpm), f)
			}
		}
		entries, _ := os.ReadDir(filepath.Join(root, "deploy", "packaging", "scripts", c.pkg))
		for _, e := range entries {
			body, _ := os.ReadFile(filepath.Join(root, "deploy", "packaging", "scripts", c.pkg, e.Name()))
			// The header stores scriptlets without the shebang line.
			_, rest, _ := strings.Cut(string(body), "\n")
			if !bytes.Contains(head, []byte(strings.TrimSpace(rest))) {
				t.Errorf("%s: scriptlet %s not in header", filepath.Base(c.rpm), e.Name())
			}
		}
	}
}

// TestScriptsLeaveSpoolAlone reads the scripts: the spool path may appear
// only in the agent's purge branch.
func TestScriptsLeaveSpoolAlone(t *testing.T) {
	root := repoRoot(t)
	files, _ := filepath.Glob(filepath.Join(root, "deploy", "packaging", "scripts", "*", "*"))
	if len(files) < 7 {
		t.Fatalf("expected 7 maintainer scripts, found %d", len(files))
	}
	for _, f := range files {
		body, _ := os.ReadFile(f)
		branch := ""
		for i, line := range strings.Split(string(body), "\n") {
			trim := strings.TrimSpace(line)
			if strings.HasPrefix(trim, "#") {
				continue
			}
			if strings.HasSuffix(trim, ")") && !strings.Contains(trim, "(") {
				branch = trim
			}
			if strings.Contains(line, "/var/lib/kretslopp") && (filepath.Base(f) != "postrm" || branch != "purge)") {
				t.Errorf("%s:%d touches the spool outside the purge branch: %s", f, i+1, trim)
			}
		}
	}
}

func fileGID(st os.FileInfo) string {
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		return strconv.FormatUint(uint64(sys.Gid), 10)
	}
	return ""
}

// TestShippedConfigsAccepted runs the real binaries from bin/ on the
// configuration files the packages ship: the collector's passes
// `config check`, the agent's has no error but the missing token, which the
// operator writes after install.
func TestShippedConfigsAccepted(t *testing.T) {
	root := repoRoot(t)
	collector := testkit.Binary(t, testkit.Collector)
	agent := testkit.Binary(t, testkit.Agent)
	tokens := filepath.Join(t.TempDir(), "agent-tokens")
	if err := os.WriteFile(tokens, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(collector, "config", "check", "--config", filepath.Join(root, "deploy/packaging/collector/collector.yaml"))
	cmd.Env = append(os.Environ(), "KRETSLOPP_AGENT_TOKENS_FILE="+tokens, "KRETSLOPP_CONFIG=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("collector.yaml: config check: %v\n%s", err, out)
	}

	// A token file that surely does not exist, even on a machine where the
	// agent is installed, so that `run` stops at validation.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd = exec.CommandContext(ctx, agent, "--config", filepath.Join(root, "deploy/packaging/agent/agent.yaml"), "run")
	cmd.Env = append(os.Environ(), "KRETSLOPP_SPOOL_DIR="+t.TempDir(), "KRETSLOPP_TOKEN=", "KRETSLOPP_TOKEN_FILE="+filepath.Join(t.TempDir(), "agent.token"))
	out, _ := cmd.CombinedOutput()
	var problems []string
	for _, line := range strings.Split(string(out), "\n") {
		if p, ok := strings.CutPrefix(strings.TrimSpace(line), "- "); ok {
			problems = append(problems, p)
		}
	}
	if len(problems) == 0 {
		t.Fatalf("agent ran with the shipped config and no token; output:\n%s", out)
	}
	for _, p := range problems {
		if !strings.Contains(p, "token") || !strings.Contains(p, "agent.token") && !strings.Contains(p, "is required") {
			t.Errorf("shipped agent.yaml: unexpected problem %q", p)
		}
	}
}
