package dashboards_test

// These tests check the committed dashboards against what Grafana itself
// accepts, as its published npm packages say (dashboards/testdata/grafana/grafana.json,
// extracted from @grafana/schema and @grafana/data by
// dashboards/testdata/grafana/extract.mjs, versions pinned there). They read every
// dashboard and panel in json/, so a new panel is checked without a change
// here.

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/kretslopp/kretslopp/internal/testkit"
)

// grafanaSpec is dashboards/testdata/grafana/grafana.json.
type grafanaSpec struct {
	Packages map[string]string `json:"packages"`
	Units    struct {
		Categories     map[string][]string `json:"categories"`
		CustomPrefixes []string            `json:"customPrefixes"`
	} `json:"units"`
	Enums struct {
		Dashboard   map[string][]any            `json:"dashboard"`
		Panel       map[string][]any            `json:"panel"`
		FieldConfig map[string][]any            `json:"fieldConfig"`
		Panels      map[string]map[string][]any `json:"panels"`
	} `json:"enums"`
	// Options are the paths each panel plugin's options and custom field
	// config may have, and those below which any key goes.
	Options map[string]struct {
		Known []string `json:"known"`
		Open  []string `json:"open"`
	} `json:"options"`
}

// knownOption reports whether the panel plugin has an option at path.
func (s grafanaSpec) knownOption(plugin, path string) bool {
	o := s.Options[plugin]
	if slices.Contains(o.Known, path) {
		return true
	}
	for _, open := range o.Open {
		if strings.HasPrefix(path, open+".") || strings.HasPrefix(path, open+"[]") {
			return true
		}
	}
	return false
}

// dateTimeCategory is the unit category of absolute times (epoch ms shown
// as a date); "time:<format>" is its custom form.
const dateTimeCategory = "Date & time"

func loadSpec(t *testing.T) grafanaSpec {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(grafanaDir, "grafana.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s grafanaSpec
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("testdata/grafana/grafana.json: %v", err)
	}
	if len(s.Units.Categories[dateTimeCategory]) == 0 || len(s.Enums.Panels["timeseries"]) == 0 || s.Packages["@grafana/schema"] == "" {
		t.Fatal("testdata/grafana/grafana.json holds no units, date units or panel enums: regenerate it (dashboards/testdata/grafana/README.md)")
	}
	return s
}

// unitProblem says what is wrong with a unit id ("" if nothing), and
// whether it formats an absolute time.
func (s grafanaSpec) unitProblem(unit string) (problem string, isDate bool) {
	for cat, ids := range s.Units.Categories {
		if slices.Contains(ids, unit) {
			return "", cat == dateTimeCategory
		}
	}
	// getValueFormat (@grafana/data valueFormats.ts) reads an unknown id as
	// "<prefix>:<argument>"; any other id is shown as a suffix.
	if prefix, arg, ok := strings.Cut(unit, ":"); ok && slices.Contains(s.Units.CustomPrefixes, prefix) {
		if strings.TrimSpace(arg) == "" || arg != strings.TrimLeft(arg, " ") {
			return fmt.Sprintf("custom unit %q: write the text right after the colon (Grafana adds the space)", unit), false
		}
		return "", prefix == "time"
	}
	return fmt.Sprintf("unit %q is no Grafana unit id (@grafana/data %s value formats) nor a custom unit (%s:…)",
		unit, s.Packages["@grafana/data"], strings.Join(s.Units.CustomPrefixes, ":…, ")), false
}

// rawDashboard is a committed dashboard as generic JSON.
type rawDashboard struct {
	file string
	doc  map[string]any
}

func loadRaw(t *testing.T) []rawDashboard {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dashboardsDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboards in %s: %v", dashboardsDir, err)
	}
	sort.Strings(files)
	var out []rawDashboard
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, rawDashboard{filepath.Base(f), doc})
	}
	return out
}

// panels returns every panel, rows included, and nested panels of
// collapsed rows.
func (d rawDashboard) panels() []map[string]any {
	var out []map[string]any
	var walk func([]any)
	walk = func(ps []any) {
		for _, p := range ps {
			m, _ := p.(map[string]any)
			out = append(out, m)
			if nested, ok := m["panels"].([]any); ok {
				walk(nested)
			}
		}
	}
	ps, _ := d.doc["panels"].([]any)
	walk(ps)
	return out
}

// leaves calls f for every scalar below v with its JSON path ("a.b[].c").
func leaves(v any, path string, f func(path string, v any)) {
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			leaves(c, join(k), f)
		}
	case []any:
		for _, c := range x {
			leaves(c, path+"[]", f)
		}
	default:
		f(path, v)
	}
}

func checkEnums(enums map[string][]any, v any, path string, skip func(string) bool, report func(string)) {
	leaves(v, path, func(p string, val any) {
		if skip != nil && skip(p) {
			return
		}
		allowed, ok := enums[p]
		if ok && !slices.Contains(allowed, val) {
			report(fmt.Sprintf("%s = %#v, Grafana defines %v", p, val, allowed))
		}
	})
}

// TestOptionsAreGrafanaValues: every option whose type in @grafana/schema
// is a closed set of values (an enum) holds one of them, every option is
// one the panel plugin has (in the place it has it), no option or field
// config is an empty string, and every panel type is a panel plugin
// Grafana ships.
func TestOptionsAreGrafanaValues(t *testing.T) {
	spec := loadSpec(t)
	checked := 0
	for _, d := range loadRaw(t) {
		report := func(where string) func(string) {
			return func(msg string) { t.Errorf("%s: %s: %s", d.file, where, msg) }
		}
		checkEnums(spec.Enums.Dashboard, d.doc, "", func(p string) bool { return strings.HasPrefix(p, "panels") }, report("dashboard"))
		for _, p := range d.panels() {
			typ, _ := p["type"].(string)
			title, _ := p["title"].(string)
			where := fmt.Sprintf("panel %q (%s)", title, typ)
			checkEnums(spec.Enums.Panel, p, "", func(p string) bool {
				return strings.HasPrefix(p, "options") || strings.HasPrefix(p, "fieldConfig") || strings.HasPrefix(p, "panels")
			}, report(where))
			if typ == "row" {
				continue
			}
			plugin, ok := spec.Enums.Panels[typ]
			if !ok {
				t.Errorf("%s: %s: no panel plugin %q in @grafana/schema %s", d.file, where, typ, spec.Packages["@grafana/schema"])
				continue
			}
			checked++
			cfg := map[string]any{"options": p["options"], "fieldConfig": p["fieldConfig"]}
			checkEnums(plugin, cfg, "", nil, report(where))
			checkEnums(spec.Enums.FieldConfig, cfg, "", nil, report(where))
			leaves(cfg, "", func(path string, v any) {
				if (strings.HasPrefix(path, "options.") || strings.HasPrefix(path, "fieldConfig.defaults.custom.")) && !spec.knownOption(typ, path) {
					t.Errorf("%s: %s: %s is no option of Grafana's %s panel (@grafana/schema %s); Grafana ignores it",
						d.file, where, path, typ, spec.Packages["@grafana/schema"])
				}
				if v == "" {
					t.Errorf("%s: %s: %s is an empty string (unset it, or give a value Grafana defines)", d.file, where, path)
				}
			})
			// Overrides set the same options by id.
			fc, _ := p["fieldConfig"].(map[string]any)
			overrides, _ := fc["overrides"].([]any)
			for _, o := range overrides {
				props, _ := o.(map[string]any)["properties"].([]any)
				for _, prop := range props {
					pm, _ := prop.(map[string]any)
					id, _ := pm["id"].(string)
					path := "fieldConfig.defaults." + id
					for _, enums := range []map[string][]any{plugin, spec.Enums.FieldConfig} {
						checkEnums(enums, pm["value"], path, nil, report(where+" override"))
					}
				}
			}
		}
	}
	if checked < 40 {
		t.Errorf("only %d panels checked", checked)
	}
}

// panelUnits returns the panel's default unit and the units its overrides
// set, with the override's matcher.
func panelUnits(p map[string]any) (def string, overrides map[string]string) {
	fc, _ := p["fieldConfig"].(map[string]any)
	defaults, _ := fc["defaults"].(map[string]any)
	def, _ = defaults["unit"].(string)
	overrides = map[string]string{}
	list, _ := fc["overrides"].([]any)
	for _, o := range list {
		om, _ := o.(map[string]any)
		m, _ := om["matcher"].(map[string]any)
		matcher := fmt.Sprintf("%v=%v", m["id"], m["options"])
		props, _ := om["properties"].([]any)
		for _, prop := range props {
			pm, _ := prop.(map[string]any)
			if pm["id"] == "unit" {
				u, _ := pm["value"].(string)
				overrides[matcher] = u
			}
		}
	}
	return def, overrides
}

// TestUnitsAreGrafanaUnits: every unit, panel-wide or in an override, is a
// unit id of @grafana/data's value formats or a well-formed custom unit.
// (That a date unit sits only on a column holding times is checked on the
// query results, in TestEveryPanelReturnsData.)
func TestUnitsAreGrafanaUnits(t *testing.T) {
	spec := loadSpec(t)
	units := 0
	for _, d := range loadRaw(t) {
		for _, p := range d.panels() {
			if p["type"] == "row" {
				continue
			}
			def, overrides := panelUnits(p)
			all := map[string]string{"panel-wide": def}
			for m, u := range overrides {
				all["override "+m] = u
			}
			for where, u := range all {
				if u == "" {
					continue
				}
				units++
				if problem, _ := spec.unitProblem(u); problem != "" {
					t.Errorf("%s: panel %q, %s: %s", d.file, p["title"], where, problem)
				}
			}
		}
	}
	if units < 40 {
		t.Errorf("only %d units found", units)
	}
}

func TestUnitProblemKnowsGrafanaUnits(t *testing.T) {
	spec := loadSpec(t)
	for unit, want := range map[string]struct {
		bad, date bool
	}{
		"short": {}, "percent": {}, "s": {}, "dateTimeAsIso": {date: true}, "dateTimeFromNow": {date: true},
		"suffix:years": {}, "time:YYYY": {date: true},
		"y": {bad: true}, "years": {bad: true}, "suffix: years": {bad: true}, "suffix:": {bad: true}, "": {bad: true},
	} {
		problem, date := spec.unitProblem(unit)
		if (problem != "") != want.bad || date != want.date {
			t.Errorf("unit %q: problem %q, date %v; want bad %v, date %v", unit, problem, date, want.bad, want.date)
		}
	}
}

type gridPos struct{ X, Y, W, H int }

func (d rawDashboard) grid(p map[string]any) gridPos {
	g, _ := p["gridPos"].(map[string]any)
	n := func(k string) int { f, _ := g[k].(float64); return int(f) }
	return gridPos{n("x"), n("y"), n("w"), n("h")}
}

// layoutProblems returns what is wrong with a layout: each row's panels
// must tile the full 24 columns from just below the row to the next row,
// without overlapping, leaving no empty area that Grafana would show as a
// hole (its grid moves panels up, never sideways).
func layoutProblems(titles []string, rows []bool, pos []gridPos) []string {
	var problems []string
	type section struct {
		title  string
		top    int
		panels []int
	}
	var sections []section
	for i := range pos {
		if rows[i] {
			if pos[i].W != 24 || pos[i].H != 1 || pos[i].X != 0 {
				problems = append(problems, fmt.Sprintf("row %q: gridPos %+v, want x 0, w 24, h 1", titles[i], pos[i]))
			}
			sections = append(sections, section{title: titles[i], top: pos[i].Y + 1})
			continue
		}
		if len(sections) == 0 {
			sections = append(sections, section{title: "(top)", top: 0})
		}
		sections[len(sections)-1].panels = append(sections[len(sections)-1].panels, i)
	}
	next := 0
	for si, s := range sections {
		if si > 0 || s.title != "(top)" {
			if s.top-1 != next {
				problems = append(problems, fmt.Sprintf("row %q starts at y %d, want %d (right below the panels above)", s.title, s.top-1, next))
			}
		}
		bottom := s.top
		for _, i := range s.panels {
			bottom = max(bottom, pos[i].Y+pos[i].H)
		}
		cover := make([][24]int, bottom-s.top)
		for _, i := range s.panels {
			p := pos[i]
			if p.X < 0 || p.W <= 0 || p.H <= 0 || p.X+p.W > 24 || p.Y < s.top {
				problems = append(problems, fmt.Sprintf("row %q: panel %q at %+v is outside the row's grid", s.title, titles[i], p))
				continue
			}
			for y := p.Y; y < p.Y+p.H; y++ {
				for x := p.X; x < p.X+p.W; x++ {
					cover[y-s.top][x]++
				}
			}
		}
		// One problem a row is enough to find the rest by looking.
	cells:
		for y, line := range cover {
			for x, n := range line {
				switch {
				case n == 0:
					problems = append(problems, fmt.Sprintf("row %q: a hole at x %d, y %d", s.title, x, y+s.top))
					break cells
				case n > 1:
					problems = append(problems, fmt.Sprintf("row %q: %d panels overlap at x %d, y %d", s.title, n, x, y+s.top))
					break cells
				}
			}
		}
		next = bottom
	}
	return problems
}

// TestLayoutsHaveNoHoles checks every dashboard's grid.
func TestLayoutsHaveNoHoles(t *testing.T) {
	for _, d := range loadRaw(t) {
		ps, _ := d.doc["panels"].([]any)
		var titles []string
		var rows []bool
		var pos []gridPos
		for _, p := range ps {
			m := p.(map[string]any)
			title, _ := m["title"].(string)
			titles = append(titles, title)
			rows = append(rows, m["type"] == "row")
			pos = append(pos, d.grid(m))
		}
		for _, problem := range layoutProblems(titles, rows, pos) {
			t.Errorf("%s: %s", d.file, problem)
		}
	}
}

func TestLayoutProblemsFindsHoles(t *testing.T) {
	row := gridPos{0, 0, 24, 1}
	for name, c := range map[string]struct {
		pos  []gridPos
		want string
	}{
		"tiled":         {[]gridPos{row, {0, 1, 12, 5}, {12, 1, 12, 5}, {0, 6, 24, 3}}, ""},
		"short stat":    {[]gridPos{row, {0, 1, 6, 5}, {6, 1, 18, 8}}, "a hole at x 0, y 6"},
		"narrow":        {[]gridPos{row, {0, 1, 12, 5}}, "a hole at x 12, y 1"},
		"overlap":       {[]gridPos{row, {0, 1, 12, 5}, {6, 1, 18, 5}}, "overlap"},
		"gap above row": {[]gridPos{row, {0, 1, 24, 5}, {0, 7, 24, 1}, {0, 8, 24, 2}}, "starts at y 7, want 6"},
	} {
		titles := make([]string, len(c.pos))
		rows := make([]bool, len(c.pos))
		for i, p := range c.pos {
			titles[i] = fmt.Sprint(i)
			rows[i] = p.W == 24 && p.H == 1
		}
		got := strings.Join(layoutProblems(titles, rows, c.pos), "; ")
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s: %q, want %q", name, got, c.want)
		}
	}
}

// grafanaDir holds the pinned npm packages, the extracted grafana.json and
// the TypeScript check.
var grafanaDir = filepath.Join("testdata", "grafana")

// TestDashboardsTypeCheckAgainstGrafanaSchema types every dashboard with
// @grafana/schema and `tsc --strict` (testdata/grafana/typecheck.mjs): the
// whole dashboard, not only the options this package's tests know of.
// `make test` installs Node's packages first (make grafana-schema); a
// machine without Node or the packages skips it, CI fails.
func TestDashboardsTypeCheckAgainstGrafanaSchema(t *testing.T) {
	spec := loadSpec(t)
	node := testkit.Tool(t, "node", "nodejs")
	b, err := os.ReadFile(filepath.Join(grafanaDir, "node_modules", "@grafana", "schema", "package.json"))
	if err != nil {
		testkit.Require(t, "@grafana/schema from npm (make grafana-schema)", err)
	}
	var installed struct{ Version string }
	if err := json.Unmarshal(b, &installed); err != nil {
		t.Fatal(err)
	}
	if installed.Version != spec.Packages["@grafana/schema"] {
		t.Fatalf("@grafana/schema %s is installed, grafana.json was extracted from %s: run make grafana-schema, or regenerate grafana.json (testdata/grafana/README.md)",
			installed.Version, spec.Packages["@grafana/schema"])
	}
	out, err := exec.Command(node, filepath.Join(grafanaDir, "typecheck.mjs"), dashboardsDir).CombinedOutput()
	if err != nil {
		t.Fatalf("the dashboards do not type-check against @grafana/schema: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

// interpretingCells are the table cell types that do not show a string as
// it is: markdown and HTML are rendered, JSON is parsed into a tree, an
// image cell loads the text as a URL (@grafana/schema TableCellDisplayMode).
var interpretingCells = []string{"markdown", "json-view", "image"}

// TestAgentTextShownAsText: tables show text from agents and exports
// (host names, models, the agent's reasons for withholding a reading) as
// text: no table sets a cell type that renders, parses or loads it, on
// the whole table or on a column.
func TestAgentTextShownAsText(t *testing.T) {
	tables := 0
	for _, d := range loadRaw(t) {
		for _, p := range d.panels() {
			if p["type"] != "table" {
				continue
			}
			tables++
			fc, _ := p["fieldConfig"].(map[string]any)
			leaves(fc, "fieldConfig", func(path string, v any) {
				if (strings.HasSuffix(path, "cellOptions.type") || strings.HasSuffix(path, "custom.displayMode") ||
					strings.HasSuffix(path, "properties[].value.type")) && slices.Contains(interpretingCells, fmt.Sprint(v)) {
					t.Errorf("%s: table %q: %s = %v: text from agents would not be shown as text", d.file, p["title"], path, v)
				}
			})
		}
	}
	if tables < 10 {
		t.Errorf("only %d tables found", tables)
	}
}
