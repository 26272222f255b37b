package schema

import (
	"encoding/json"
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/schema.md's generated tables")

const docPath = "../../docs/schema.md"

var region = regexp.MustCompile(`(?s)<!-- generated: internal/schema ([a-z-]+) -->\n(.*?)<!-- end generated -->`)

// TestDocTables: docs/schema.md's tables are exactly what the package
// renders, and every part of the package is in the document.
func TestDocTables(t *testing.T) {
	data, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	seen := map[string]bool{}
	var failed error
	out := region.ReplaceAllStringFunc(doc, func(r string) string {
		part := region.FindStringSubmatch(r)[1]
		seen[part] = true
		md, err := Markdown(part)
		if err != nil {
			failed = err
			return r
		}
		return "<!-- generated: internal/schema " + part + " -->\n" + md + "<!-- end generated -->"
	})
	if failed != nil {
		t.Fatal(failed)
	}
	parts := []string{PartResource, PartMetrics, PartBattery, PartLabels}
	for _, a := range Areas {
		parts = append(parts, string(a))
	}
	for _, part := range parts {
		if !seen[part] {
			t.Errorf("docs/schema.md has no generated %q table", part)
		}
	}
	if out == doc {
		return
	}
	if *update {
		if err := os.WriteFile(docPath, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("docs/schema.md's tables differ from internal/schema: run go test ./internal/schema -update")
}

func TestEveryMeasurementIsInADocumentedArea(t *testing.T) {
	for _, m := range Measurements() {
		if md, err := Markdown(string(m.Area)); err != nil || !strings.Contains(md, "| `"+m.Name+"` |") {
			t.Errorf("%s: area %q does not render it (%v)", m.Name, m.Area, err)
		}
		for _, f := range m.Fields {
			switch f.Type {
			case Float, Integer, String:
			default:
				t.Errorf("%s.%s: type %q", m.Name, f.Name, f.Type)
			}
		}
	}
	for _, mt := range Metrics {
		m, ok := Lookup(mt.Measurement)
		if !ok {
			t.Fatalf("metric %s maps to unknown measurement %s", mt.Name, mt.Measurement)
		}
		if f, ok := m.Field(mt.Field); !ok || f.Type != mt.Type {
			t.Errorf("metric %s maps to %s.%s of type %s; the measurement says %+v", mt.Name, mt.Measurement, mt.Field, mt.Type, f)
		}
	}
	for attrs, m := range map[*[]Attribute]string{&ResourceAttributes: Device, &BatteryAttributes: Battery} {
		meas, _ := Lookup(m)
		for _, a := range *attrs {
			if a.Field != "" {
				if f, ok := meas.Field(a.Field); !ok || f.Type != a.Type {
					t.Errorf("attribute %s maps to %s.%s; the measurement says %+v", a.Name, m, a.Field, f)
				}
			}
			if a.Tag != "" && a.Tag != "<key>" && !meas.HasTag(a.Tag) {
				t.Errorf("attribute %s maps to tag %s, which %s does not have", a.Name, a.Tag, m)
			}
		}
	}
}

func TestLabelRule(t *testing.T) {
	for key, want := range map[string]string{
		"site": "", "department": "", "cost_centre_2": "",
		"Asset-Tag": "lower-case", "Site": "lower-case", "": "lower-case", "2nd": "lower-case", "a.b": "lower-case",
		strings.Repeat("a", 65): "lower-case",
		"hostname":              "reserved", "serial": "reserved", "uptime_s": "reserved", "last_seen": "reserved",
		"device_id": "reserved", "battery": "reserved", "model": "reserved", "health_pct": "reserved", "time": "reserved",
	} {
		err := ValidLabelKey(key)
		switch {
		case want == "" && err != nil:
			t.Errorf("%q refused: %v", key, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), strconv.Quote(key))):
			t.Errorf("%q: error %v, want one naming the key and saying %q", key, err, want)
		}
	}
	for _, k := range KnownLabels {
		if err := ValidLabelKey(k); err != nil {
			t.Error(err)
		}
	}
}

func TestCheck(t *testing.T) {
	ok := []struct {
		m      string
		tags   map[string]string
		fields map[string]any
	}{
		{Device, map[string]string{"device_id": "d", "site": "x"}, map[string]any{"uptime_s": 1.5, "boot_time": int64(2), "hostname": "h"}},
		{TeamsClients, nil, map[string]any{"web": int64(1), "smart_fridge": int64(2)}},
	}
	for _, c := range ok {
		if err := Check(c.m, c.tags, c.fields); err != nil {
			t.Errorf("%s: %v", c.m, err)
		}
	}
	for _, c := range []struct {
		m      string
		tags   map[string]string
		fields map[string]any
		want   string
	}{
		{"devices", nil, nil, `"devices" is not in the schema`},
		{Battery, map[string]string{"site": "x"}, nil, `tag "site"`},
		{Device, nil, map[string]any{"uptime_s": int64(1)}, `"uptime_s" is integer, want float`},
		{Meetings, nil, map[string]any{"meetngs": int64(1)}, `field "meetngs"`},
		{TeamsClients, nil, map[string]any{"web": "x"}, `"web" is string`},
	} {
		if err := Check(c.m, c.tags, c.fields); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %v %v: error %v, want %q", c.m, c.tags, c.fields, err, c.want)
		}
	}
}

func TestRootFilesystem(t *testing.T) {
	type point struct {
		mountpoint     string
		marked, system bool
	}
	for p, want := range map[point]bool{
		// Without the mark: the usual system volumes only.
		{"/", false, false}: true, {`C:\`, false, false}: true, {"C:", false, false}: true, {"", false, false}: true,
		{"/home", false, false}: false, {`D:\`, false, false}: false, {"D:", false, false}: false,
		// The mark decides, whatever the letter: Windows on D:, and a C:
		// data drive beside it.
		{`D:\`, true, true}: true, {`E:\`, true, true}: true,
		{`C:\`, true, false}: false, {"/", true, false}: false,
	} {
		if got := RootFilesystem(p.mountpoint, p.marked, p.system); got != want {
			t.Errorf("RootFilesystem(%q, marked %v, system %v) = %v", p.mountpoint, p.marked, p.system, got)
		}
	}
}

func TestLabelValueRule(t *testing.T) {
	for _, ok := range []string{"Rinkeby skola", "Västerås", "utbildning, förskola", `a\b`, strings.Repeat("å", 256), "日本語"} {
		if err := ValidLabelValue("site", ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for value, want := range map[string]string{
		"":                       "empty",
		"bad\xffbyte":            "invalid UTF-8 at byte 3",
		"two\nlines":             "U+000A at byte 3",
		"tab\there":              "U+0009",
		"del\x7f":                "U+007F",
		"c1\u0085":               "U+0085",
		"line\u2028sep":          "U+2028",
		"evil\u202Etxt.exe":      "U+202E",
		"iso\u2066late":          "U+2066",
		strings.Repeat("å", 257): "longer than 256 characters",
		`ends in \`:              "backslash",
	} {
		err := ValidLabelValue("site", value)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), `label "site"`) {
			t.Errorf("%q: error %v, want one naming label \"site\" and saying %q", value, err, want)
		}
	}
}

// TestQueriesNameSchema: every measurement, tag and field that an InfluxQL
// query of the project names is in the schema: the committed dashboards'
// targets and variables, and every query in the collector's Go code (read
// API, report, lifecycle, rollups, pull).
func TestQueriesNameSchema(t *testing.T) {
	queries := map[string][]string{} // query -> where
	dashboards, err := filepath.Glob("../../dashboards/json/*.json")
	if err != nil || len(dashboards) == 0 {
		t.Fatalf("dashboards: %v (%d files)", err, len(dashboards))
	}
	for _, file := range dashboards {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		walkJSON(doc, func(key, s string) {
			if key == "query" && isQuery(s) {
				queries[s] = append(queries[s], filepath.Base(file))
			}
		})
	}
	fromGo := 0
	err = filepath.WalkDir("../../collector", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil && isQuery(s) && !strings.Contains(s, "\n") {
					queries[s] = append(queries[s], path)
					fromGo++
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fromGo < 15 || len(queries) < 80 {
		t.Fatalf("found %d queries (%d in Go code): the extraction is broken", len(queries), fromGo)
	}
	for q, where := range queries {
		for _, problem := range checkQuery(q) {
			t.Errorf("%s: %s\n  %s", strings.Join(slices.Compact(where), ", "), problem, q)
		}
	}
}

func TestCheckQueryFindsMistakes(t *testing.T) {
	for q, want := range map[string]string{
		`SELECT last("helth_pct") FROM "battery_daily" WHERE $timeFilter`:                                     `"helth_pct"`,
		`SELECT count("x") FROM (SELECT last("uptime_s") AS "x" FROM "devices")`:                              `measurement "devices"`,
		`SELECT "meetings" FROM %q WHERE "platfrom" = 'teams'`:                                                `"platfrom"`,
		`SHOW TAG VALUES FROM "device_daily" WITH KEY = "hostnam"`:                                            `"hostnam"`,
		`SELECT last("uptime_s") FROM "device" WHERE "site" =~ /^$site$/ GROUP BY "site"`:                     "",
		`SELECT mean("s") * 100 AS "p" FROM (SELECT last("rounds") AS "s" FROM "hardware" GROUP BY "serial")`: "",
	} {
		problems := checkQuery(q)
		switch {
		case want == "" && len(problems) > 0:
			t.Errorf("%s: %v", q, problems)
		case want != "" && (len(problems) == 0 || !strings.Contains(problems[0], want)):
			t.Errorf("%s: %v, want a problem naming %s", q, problems, want)
		}
	}
}

func isQuery(s string) bool {
	return strings.Contains(s, "SELECT ") || strings.HasPrefix(strings.TrimSpace(s), "SHOW ")
}

func walkJSON(v any, f func(key, s string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if s, ok := c.(string); ok {
				f(k, s)
			}
			walkJSON(c, f)
		}
	case []any:
		for _, c := range x {
			walkJSON(c, f)
		}
	}
}

var (
	singleQuoted = regexp.MustCompile(`'(?:[^'\\]|\\.)*'`)
	regexLiteral = regexp.MustCompile(`[=!]~\s*/(?:[^/\\]|\\.)*/`)
	doubleQuoted = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"`)
	aliasName    = regexp.MustCompile(`(?i)\bAS\s+"([^"]+)"`)
	fromTarget   = regexp.MustCompile(`(?i)\bFROM\s+("[^"]+"|%q|%s|\(|[A-Za-z_][A-Za-z0-9_]*)`)
)

// checkQuery lists the names q uses that the schema lacks: a FROM target
// that is no measurement, and a double-quoted identifier that is neither a
// tag, a field or label of the measurements q reads, nor an alias q
// defines. A FROM filled in by a format verb (%q) allows every
// measurement's names.
func checkQuery(q string) []string {
	q = regexLiteral.ReplaceAllString(singleQuoted.ReplaceAllString(q, "''"), "=~ //")
	aliases := map[string]bool{"time": true}
	for _, m := range aliasName.FindAllStringSubmatch(q, -1) {
		aliases[m[1]] = true
	}
	var problems []string
	allowed := map[string]bool{}
	from := map[string]bool{}
	allow := func(m *Measurement) {
		for _, f := range append(slices.Clone(m.Tags), m.Fields...) {
			allowed[f.Name] = true
		}
		if m.Labels {
			for _, l := range KnownLabels {
				allowed[l] = true
			}
		}
	}
	for _, m := range fromTarget.FindAllStringSubmatch(q, -1) {
		switch target := strings.Trim(m[1], `"`); target {
		case "(":
		case "%q", "%s":
			for _, meas := range Measurements() {
				allow(meas)
			}
		default:
			meas, ok := Lookup(target)
			if !ok {
				problems = append(problems, "measurement "+strconv.Quote(target)+" is not in the schema")
				continue
			}
			from[target] = true
			allow(meas)
		}
	}
	for _, m := range doubleQuoted.FindAllStringSubmatch(q, -1) {
		name := m[1]
		if aliases[name] || from[name] || allowed[name] || strings.HasPrefix(name, "$") {
			continue
		}
		problems = append(problems, strconv.Quote(name)+" is no tag or field of the measurements the query reads")
	}
	return problems
}
