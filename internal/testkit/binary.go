package testkit

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// The binaries Binary builds.
const (
	Agent     = "kretslopp-agent"
	Collector = "kretslopp-collector"
	GraphSim  = "graphsim"
)

// builds are the `go build` arguments of each binary: those of `make
// build` for the two that it builds, so that the compiled packages come
// from the same build cache.
var builds = map[string][]string{
	Agent:     {"-tags", "nethttpomithttp2", "-trimpath", "-ldflags", "-s -w -X main.version=test", "./agent/cmd/kretslopp-agent"},
	Collector: {"-ldflags", "-s -w -X main.version=test", "./collector/cmd/kretslopp-collector"},
	GraphSim:  {"./collector/cmd/graphsim"},
}

var (
	binMu    sync.Mutex
	binDir   string
	binPaths = map[string]string{}
	binErrs  = map[string]error{}
)

// Binary returns the path of a freshly built binary (Agent, Collector or
// GraphSim), built once per test process. With KRETSLOPP_BIN_DIR set (the
// Makefile sets it to the bin/ that `make build` has just written) the
// binary found there is used instead.
func Binary(tb testing.TB, name string) string {
	tb.Helper()
	binMu.Lock()
	defer binMu.Unlock()
	if p, ok := binPaths[name]; ok {
		return p
	}
	if err, ok := binErrs[name]; ok {
		tb.Fatalf("build %s: %v", name, err)
	}
	args, ok := builds[name]
	if !ok {
		tb.Fatalf("testkit: no binary %q", name)
	}
	if dir := os.Getenv("KRETSLOPP_BIN_DIR"); dir != "" {
		if p := filepath.Join(dir, name); isExecutable(p) {
			binPaths[name] = p
			return p
		}
	}
	p, err := build(name, args)
	if err != nil {
		binErrs[name] = err
		tb.Fatalf("build %s: %v", name, err)
	}
	binPaths[name] = p
	return p
}

func build(name string, args []string) (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	if binDir == "" {
		if binDir, err = os.MkdirTemp("", "kretslopp-testbin-"); err != nil {
			return "", err
		}
	}
	out := filepath.Join(binDir, name)
	cmd := exec.Command("go", append([]string{"build", "-o", out}, args...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", errors.New(err.Error() + "\n" + string(msg))
	}
	return out, nil
}

func removeBinaries() {
	binMu.Lock()
	defer binMu.Unlock()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
		binDir = ""
	}
	clear(binPaths)
}

// ModuleRoot is the repository root: the nearest directory upwards from
// the working directory that holds go.mod.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0
}

// BinaryDir returns the one directory that holds all the named binaries,
// for packaging them together.
func BinaryDir(tb testing.TB, names ...string) string {
	tb.Helper()
	dir := ""
	for _, n := range names {
		switch d := filepath.Dir(Binary(tb, n)); {
		case dir == "":
			dir = d
		case d != dir:
			tb.Fatalf("testkit: %s is in %s, the others in %s (KRETSLOPP_BIN_DIR lacks one?)", n, d, dir)
		}
	}
	return dir
}
