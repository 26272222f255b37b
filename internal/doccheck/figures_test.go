package doccheck

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// root is the repository, from this package's folder.
const root = "../.."

// benchCommands lists the programs and packages scripts/bench.sh (make
// bench) runs, as paths without the leading "./": collector/bench/graph,
// agent/bench/run.sh, collector/internal/carbon, …
func benchCommands(t *testing.T) []string {
	t.Helper()
	script, err := os.ReadFile(filepath.Join(root, "scripts", "bench.sh"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var out []string
	for _, line := range strings.Split(string(script), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") || strings.HasPrefix(line, "echo") {
			continue
		}
		for _, m := range benchPath.FindAllStringSubmatch(line, -1) {
			if p := m[1]; !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	if len(out) < 5 {
		t.Fatalf("scripts/bench.sh: found only %v; has its form changed?", out)
	}
	return out
}

var benchPath = regexp.MustCompile(`\./((?:agent|collector|internal)/[\w./-]+)`)

// measured matches a figure of the kind make bench prints: a resident set,
// a rate per second, a time per operation, a latency percentile, a share
// of Telegraf's CPU.
var measured = regexp.MustCompile(`(?i)` + strings.Join([]string{
	`\bRSS\b[^.;\n]{0,40}?\d`,
	`\d[\d,.]*\s?(?:MB|MiB|GB)\b[^.;\n]{0,20}?\bRSS\b`,
	`\d[\d,.]*\s?(?:rows|lines|reports|points|records)/s\b`,
	`\d[\d,.]*\s?(?:µs|ns|ms)\s+(?:per|of the)\b`,
	`\bp99\b[^.;\n]{0,30}?\d+\s?ms`,
	`\d\s?%\s+of\s+Telegraf`,
}, "|"))

// sections splits Markdown at its headings, with the line each part
// starts on: a figure's command may be named anywhere in its section.
func sections(text string) (parts []string, lines []int) {
	var cur []string
	start := 1
	for i, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "#") && len(cur) > 0 {
			parts, lines = append(parts, strings.Join(cur, "\n")), append(lines, start)
			cur, start = nil, i+1
		}
		cur = append(cur, line)
	}
	return append(parts, strings.Join(cur, "\n")), append(lines, start)
}

func namesAny(text string, names []string) bool {
	for _, n := range names {
		if strings.Contains(text, n) {
			return true
		}
	}
	return false
}

// TestBenchmarkSectionsNameTheirCommand: each section of
// docs/benchmarks.md names a program or package that make bench runs, so
// each figure there has a command.
func TestBenchmarkSectionsNameTheirCommand(t *testing.T) {
	cmds := benchCommands(t)
	data, err := os.ReadFile(filepath.Join(root, "docs", "benchmarks.md"))
	if err != nil {
		t.Fatal(err)
	}
	sections := strings.Split(string(data), "\n## ")
	if len(sections) < 4 {
		t.Fatalf("docs/benchmarks.md has %d sections", len(sections)-1)
	}
	for _, s := range sections[1:] {
		heading, _, _ := strings.Cut(s, "\n")
		if measured.MatchString(s) && !namesAny(s, cmds) {
			t.Errorf("docs/benchmarks.md, section %q: figures without the command that prints them (one of %v, as scripts/bench.sh runs it)", heading, cmds)
		}
	}
	// And the other way: every program make bench runs has its figures here.
	for _, c := range cmds {
		if !strings.Contains(string(data), c) {
			t.Errorf("make bench runs %s, but docs/benchmarks.md never names it", c)
		}
	}
}

// TestMeasuredFiguresNameTheirCommand: outside docs/benchmarks.md, a
// section that quotes a measured figure names the command (a program or
// package make bench runs, or make bench) or links docs/benchmarks.md.
func TestMeasuredFiguresNameTheirCommand(t *testing.T) {
	cmds := append(benchCommands(t), "make bench", "benchmarks.md")
	var files []string
	for _, pattern := range []string{"*.md", "docs/*.md", "*/README.md", "deploy/*/README.md"} {
		m, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	checked := 0
	for _, f := range files {
		if filepath.Base(f) == "benchmarks.md" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, f)
		parts, lines := sections(string(data))
		for i, b := range parts {
			fig := measured.FindString(b)
			if fig == "" {
				continue
			}
			checked++
			if !namesAny(b, cmds) {
				t.Errorf("%s:%d: %q is a measured figure; name the command that prints it (make bench, or the program in scripts/bench.sh) or link benchmarks.md", rel, lines[i], fig)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no measured figure found in any document: is the pattern still right?")
	}
}
