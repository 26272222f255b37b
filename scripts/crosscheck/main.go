// Command crosscheck type-checks Go packages for other operating systems and
// architectures without compiling them: `make test` uses it to check that
// the agent builds for every desktop OS (Makefile CROSS), where compiling
// for each target would compile the standard library again each time
// (about 40 s per target from a cold cache, docs/benchmarks.md).
// `make cross` still compiles and links for every target.
//
// For each GOOS/GOARCH it asks `go list -deps` which files build for that
// target (build tags, _windows.go and the like, CGO_ENABLED=0 as the
// release builds), then type-checks every package with go/types in
// dependency order: the named packages in full, their dependencies without
// function bodies (only their exported API matters to the named ones).
//
// Usage: crosscheck -pkgs ./agent/... windows/amd64 darwin/arm64 …
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

func main() {
	pkgs := flag.String("pkgs", "./...", "package patterns to check in full (space-separated)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: crosscheck [-pkgs patterns] GOOS/GOARCH...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	failed := false
	for _, target := range flag.Args() {
		goos, goarch, ok := strings.Cut(target, "/")
		if !ok || goos == "" || goarch == "" {
			fmt.Fprintf(os.Stderr, "crosscheck: target %q: want GOOS/GOARCH\n", target)
			os.Exit(2)
		}
		n, err := check(context.Background(), "", goos, goarch, strings.Fields(*pkgs), os.Stderr)
		if err != nil {
			fmt.Fprintf(os.Stderr, "crosscheck %s: %v\n", target, err)
			failed = true
			continue
		}
		fmt.Printf("type-checked %d packages for %s\n", n, target)
	}
	if failed {
		os.Exit(1)
	}
}

// listedPackage is what `go list -json` says of one package.
type listedPackage struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	CgoFiles   []string
	ImportMap  map[string]string
	DepOnly    bool
	Error      *struct{ Err string }
}

// check type-checks patterns (relative to dir, "" for the current one) and
// their dependencies for one target and writes every type error to errs. It
// returns how many packages it checked.
func check(ctx context.Context, dir, goos, goarch string, patterns []string, errs io.Writer) (int, error) {
	args := append([]string{"list", "-e", "-deps", "-json=ImportPath,Dir,GoFiles,CgoFiles,ImportMap,DepOnly,Error"}, patterns...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0", "GOFLAGS=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("go list: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	sizes := types.SizesFor("gc", goarch)
	if sizes == nil {
		return 0, fmt.Errorf("unknown GOARCH %q", goarch)
	}
	fset := token.NewFileSet()
	checked := map[string]*types.Package{"unsafe": types.Unsafe}
	count, bad := 0, 0
	// `go list -deps` prints every package after its dependencies.
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return count, fmt.Errorf("go list output: %w", err)
		}
		if p.ImportPath == "unsafe" {
			continue
		}
		if p.Error != nil {
			fmt.Fprintf(errs, "%s: %s\n", p.ImportPath, p.Error.Err)
			bad++
			continue
		}
		if len(p.CgoFiles) > 0 {
			return count, fmt.Errorf("%s has cgo files with CGO_ENABLED=0", p.ImportPath)
		}
		var files []*ast.File
		for _, name := range p.GoFiles {
			f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.SkipObjectResolution)
			if err != nil {
				return count, err
			}
			files = append(files, f)
		}
		conf := types.Config{
			Sizes:            sizes,
			IgnoreFuncBodies: p.DepOnly,
			Importer: importerFunc(func(path string) (*types.Package, error) {
				if mapped, ok := p.ImportMap[path]; ok {
					path = mapped
				}
				if pkg, ok := checked[path]; ok {
					return pkg, nil
				}
				return nil, fmt.Errorf("%s imports %s, listed after it or not at all", p.ImportPath, path)
			}),
			Error: func(err error) {
				fmt.Fprintln(errs, err)
				bad++
			},
		}
		pkg, _ := conf.Check(p.ImportPath, fset, files, nil)
		checked[p.ImportPath] = pkg
		count++
	}
	if bad > 0 {
		return count, fmt.Errorf("%d type errors", bad)
	}
	return count, nil
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }
