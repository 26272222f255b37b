// Package testkit is what Kretslopp's tests share: a real InfluxDB with a
// fresh database per test, the real binaries built once per test process,
// one collector harness, and the rule that a test needing a tool or a
// server skips only outside CI. Agent-style reports are in the subpackage
// agentsim.
//
// The collector harness runs the real kretslopp-collector binary, built
// with the flags of `make build` so that the build cache is shared (under
// `make test`, KRETSLOPP_BIN_DIR points at the bin/ that `make build` has
// just written, and nothing is built). A binary, not the server package,
// because a top-level package may not import collector/internal (Go's
// internal rule) and because the dashboards' and deployment tests should
// see what operators run. The collector's own server tests pass
// CollectorOptions.Serve to run the same configuration in their process,
// so that the race detector sees the server's goroutines.
//
// Packages that use the shared InfluxDB or a binary call Main from
// TestMain, which stops the server and removes the binaries at the end.
package testkit

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// InCI reports whether the tests run in CI (CI=true, as .ci/run sets it).
func InCI() bool { return os.Getenv("CI") == "true" }

// Require stops the test when err says something it needs is missing:
// under CI=true the test fails, elsewhere it is skipped with the reason. A
// CI without the tool must never pass by checking nothing.
func Require(tb testing.TB, what string, err error) {
	tb.Helper()
	if err == nil {
		return
	}
	if InCI() {
		tb.Fatalf("%s is required (CI=true): %v", what, err)
		return
	}
	tb.Skipf("%s not available: %v", what, err)
}

// Tool returns the path of the first of names found on PATH; when none
// is, Require stops the test. `make test` installs every tool the tests
// name (see the Makefile's tools target).
func Tool(tb testing.TB, names ...string) string {
	tb.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	Require(tb, names[0], fmt.Errorf("%v not on PATH (make tools installs it)", names))
	return ""
}

// Root stops the test unless it runs as root, under the CI rule.
func Root(tb testing.TB, why string) {
	tb.Helper()
	if os.Geteuid() != 0 {
		Require(tb, "root", fmt.Errorf("%s (running as uid %d)", why, os.Geteuid()))
	}
}

// Main runs the tests and then stops the shared InfluxDB and removes the
// binaries built for them: os.Exit(testkit.Main(m)) from TestMain.
func Main(m *testing.M) int {
	code := m.Run()
	stopShared()
	removeBinaries()
	return code
}
