package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A module whose Windows file has a type error: the check for Linux passes
// and the one for Windows names the file, line and error; a file for
// another OS is never looked at.
func TestCheckNamesAnErrorOnlyTheTargetSees(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":       "module example.com/m\n\ngo 1.22\n",
		"m.go":         "package m\n\nimport \"fmt\"\n\nfunc Hello() string { return fmt.Sprint(greeting()) }\n",
		"m_linux.go":   "package m\n\nfunc greeting() string { return \"hej\" }\n",
		"m_windows.go": "package m\n\nfunc greeting() string { return 42 }\n",
		"m_darwin.go":  "package m\n\nfunc greeting() string { return \"hej\" }\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	for _, target := range []struct{ goos, goarch string }{{"linux", "arm64"}, {"darwin", "arm64"}} {
		var errs strings.Builder
		n, err := check(ctx, dir, target.goos, target.goarch, []string{"./..."}, &errs)
		if err != nil || errs.Len() > 0 {
			t.Fatalf("%s/%s: %v\n%s", target.goos, target.goarch, err, errs.String())
		}
		if n < 10 { // example.com/m, fmt and what fmt imports
			t.Errorf("%s/%s: checked %d packages, want m and the standard library under it", target.goos, target.goarch, n)
		}
	}
	var errs strings.Builder
	if _, err := check(ctx, dir, "windows", "amd64", []string{"./..."}, &errs); err == nil {
		t.Fatal("windows/amd64: no error for m_windows.go")
	}
	if got := errs.String(); !strings.Contains(got, "m_windows.go:3:") || !strings.Contains(got, "42") {
		t.Errorf("windows/amd64 errors do not name m_windows.go:3 and the bad value:\n%s", got)
	}
}

// An unknown target is an error, not a silent pass.
func TestCheckRefusesAnUnknownArchitecture(t *testing.T) {
	if _, err := check(context.Background(), "", "linux", "nosucharch", []string{"fmt"}, new(strings.Builder)); err == nil {
		t.Fatal("no error for GOARCH=nosucharch")
	}
}
