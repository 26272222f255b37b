package dashboards

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode/utf8"
)

// DocsMarker separates the hand-written head of docs/dashboards.md from
// the part Docs generates.
const DocsMarker = "<!-- Everything below is generated from dashboards/*.go by `make dashboards` (go run ./dashboards/cmd/gen); TestDocsAreGenerated fails when it differs. -->"

// Docs returns docs/dashboards.md: its hand-written head (everything up
// to the marker line) and, for every dashboard, a picture of what a user
// sees (the grid as Grafana lays it out, each panel with its title, kind,
// unit and what it shows), the variables, and every panel's description
// and queries.
func Docs(current []byte) ([]byte, error) {
	head, _, ok := bytes.Cut(current, []byte(DocsMarker))
	if !ok {
		return nil, fmt.Errorf("docs/dashboards.md has no marker line %q", DocsMarker)
	}
	var b strings.Builder
	b.Write(head)
	b.WriteString(DocsMarker + "\n")
	for _, d := range All() {
		raw, err := Render(d)
		if err != nil {
			return nil, err
		}
		var doc docDashboard
		if err := json.Unmarshal(raw, &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", d.File, err)
		}
		if err := writeDashboardDoc(&b, d.File, doc); err != nil {
			return nil, fmt.Errorf("%s: %w", d.File, err)
		}
	}
	return []byte(b.String()), nil
}

// docDashboard is what the docs show of a dashboard's JSON.
type docDashboard struct {
	UID         string                `json:"uid"`
	Title       string                `json:"title"`
	Description string                `json:"description"`
	Time        struct{ From string } `json:"time"`
	Templating  struct {
		List []struct {
			Type, Name, Label string
			Query             any
			IncludeAll        bool `json:"includeAll"`
		} `json:"list"`
	} `json:"templating"`
	Panels []docPanel `json:"panels"`
}

type docPanel struct {
	Type        string                   `json:"type"`
	Title       string                   `json:"title"`
	Description string                   `json:"description"`
	GridPos     struct{ X, Y, W, H int } `json:"gridPos"`
	TimeFrom    string                   `json:"timeFrom"`
	FieldConfig struct {
		Defaults struct {
			Unit   string `json:"unit"`
			Custom struct {
				DrawStyle string `json:"drawStyle"`
			} `json:"custom"`
		} `json:"defaults"`
	} `json:"fieldConfig"`
	Targets []struct {
		RefID        string `json:"refId"`
		Query        string `json:"query"`
		ResultFormat string `json:"resultFormat"`
	} `json:"targets"`
}

func writeDashboardDoc(b *strings.Builder, file string, d docDashboard) error {
	fmt.Fprintf(b, "\n## %s (`%s`, uid `%s`, default range `%s`)\n\n%s\n", d.Title, file, d.UID, d.Time.From, d.Description)
	var vars []string
	for _, v := range d.Templating.List {
		switch q, _ := v.Query.(string); {
		case v.Type == "datasource":
			vars = append(vars, fmt.Sprintf("**%s** (`%s`): a data source of type %s", v.Label, v.Name, q))
		default:
			all := ""
			if v.IncludeAll {
				all = ", with All"
			}
			vars = append(vars, fmt.Sprintf("**%s** (`%s`%s): `%s`", v.Label, v.Name, all, q))
		}
	}
	fmt.Fprintf(b, "\nAt the top: %s.\n", strings.Join(vars, "; "))

	sections := splitRows(d.Panels)
	b.WriteString("\nWhat a user sees (24 grid columns of 4 characters; each panel's title, what it draws, and its series or columns):\n\n```text\n")
	for _, s := range sections {
		pic, err := picture(s)
		if err != nil {
			return err
		}
		b.WriteString(pic)
	}
	b.WriteString("```\n")

	for _, s := range sections {
		if s.title != "" {
			fmt.Fprintf(b, "\n### %s\n", s.title)
		}
		for _, p := range s.panels {
			fmt.Fprintf(b, "\n**%s** (%s). %s\n\n```sql\n", p.Title, p.Type, p.Description)
			for i, t := range p.Targets {
				if i > 0 {
					b.WriteString("\n")
				}
				fmt.Fprintf(b, "-- %s (%s)\n%s\n", t.RefID, t.ResultFormat, t.Query)
			}
			b.WriteString("```\n")
		}
	}
	return nil
}

type docSection struct {
	title  string
	top    int // grid row just below the row panel
	panels []docPanel
}

func splitRows(panels []docPanel) []docSection {
	var out []docSection
	for _, p := range panels {
		if p.Type == "row" {
			out = append(out, docSection{title: p.Title, top: p.GridPos.Y + 1})
			continue
		}
		if len(out) == 0 {
			out = append(out, docSection{})
		}
		out[len(out)-1].panels = append(out[len(out)-1].panels, p)
	}
	return out
}

// Picture scale: characters per grid column, text lines per grid row.
const (
	colChars     = 4
	linesPerUnit = 0.5
)

// picture draws a row of the dashboard as boxes on a character grid.
func picture(s docSection) (string, error) {
	width := 24*colChars + 1
	line := func(y int) int { return int(math.Round(float64(y-s.top) * linesPerUnit)) }
	bottom := 0
	for _, p := range s.panels {
		bottom = max(bottom, line(p.GridPos.Y+p.GridPos.H))
	}
	canvas := make([][]rune, bottom+1)
	for i := range canvas {
		canvas[i] = []rune(strings.Repeat(" ", width))
	}
	set := func(y, x int, r rune) {
		cur := canvas[y][x]
		if cur == '+' || (cur == '|' && r == '-') || (cur == '-' && r == '|') {
			r = '+'
		}
		canvas[y][x] = r
	}
	for _, p := range s.panels {
		x0, x1 := p.GridPos.X*colChars, (p.GridPos.X+p.GridPos.W)*colChars
		y0, y1 := line(p.GridPos.Y), line(p.GridPos.Y+p.GridPos.H)
		if x1 >= width || y1 <= y0 {
			return "", fmt.Errorf("panel %q at %+v does not fit the picture", p.Title, p.GridPos)
		}
		for x := x0; x <= x1; x++ {
			set(y0, x, '-')
			set(y1, x, '-')
		}
		for y := y0; y <= y1; y++ {
			set(y, x0, '|')
			set(y, x1, '|')
		}
		for _, c := range [][2]int{{y0, x0}, {y0, x1}, {y1, x0}, {y1, x1}} {
			canvas[c[0]][c[1]] = '+'
		}
		text := []string{p.Title, panelKind(p), panelShows(p)}
		for i, t := range text {
			y := y0 + 1 + i
			if y >= y1 || t == "" {
				continue
			}
			room := x1 - x0 - 3
			if utf8.RuneCountInString(t) > room {
				t = string([]rune(t)[:room-1]) + "…"
			}
			for j, r := range []rune(t) {
				canvas[y][x0+2+j] = r
			}
		}
	}
	var b strings.Builder
	if s.title != "" {
		title := "== " + s.title + " "
		b.WriteString(title + strings.Repeat("=", max(3, width-utf8.RuneCountInString(title))) + "\n")
	}
	for _, row := range canvas {
		b.WriteString(strings.TrimRight(string(row), " ") + "\n")
	}
	return b.String(), nil
}

// panelKind says what a panel draws, in words, with its unit.
func panelKind(p docPanel) string {
	kind := map[string]string{
		"stat": "big number", "timeseries": "time series", "table": "table",
		"bargauge": "bars", "histogram": "histogram", "piechart": "pie chart", "gauge": "gauge", "text": "text",
	}[p.Type]
	if kind == "" {
		kind = p.Type
	}
	if p.Type == "timeseries" && p.FieldConfig.Defaults.Custom.DrawStyle == "bars" {
		kind = "time series, bars"
	}
	if u := unitWords(p.FieldConfig.Defaults.Unit); u != "" {
		kind += " · " + u
	}
	if p.TimeFrom != "" {
		kind += " · last " + p.TimeFrom
	}
	return kind
}

func unitWords(unit string) string {
	switch unit {
	case "", "short", "none":
		return ""
	case "percent", "percentunit":
		return "%"
	case "s":
		return "duration"
	case "m":
		return "minutes"
	case "d":
		return "days"
	case "dateTimeFromNow":
		return "time ago"
	case "dateTimeAsIso":
		return "date"
	}
	if suffix, ok := strings.CutPrefix(unit, "suffix:"); ok {
		return suffix
	}
	return unit
}

var (
	quoted  = regexp.MustCompile(`"([^"]+)"`)
	aliasAs = regexp.MustCompile(`(?i)\bAS\s+"([^"]+)"\s*$`)
)

// panelShows lists the columns or series a panel's queries return (their
// aliases, else the field), and the tags they are split by.
func panelShows(p docPanel) string {
	var cols, tags []string
	add := func(list *[]string, s string) {
		for _, have := range *list {
			if have == s {
				return
			}
		}
		*list = append(*list, s)
	}
	for _, t := range p.Targets {
		sel, groupBy := outerClauses(t.Query)
		for _, item := range splitTop(sel) {
			if m := aliasAs.FindStringSubmatch(strings.TrimSpace(item)); m != nil {
				add(&cols, m[1])
			} else if m := quoted.FindAllStringSubmatch(item, -1); len(m) > 0 {
				add(&cols, m[len(m)-1][1])
			}
		}
		for _, item := range splitTop(groupBy) {
			if m := quoted.FindStringSubmatch(item); m != nil && !strings.HasPrefix(strings.TrimSpace(item), "time(") {
				add(&tags, m[1])
			}
		}
	}
	out := strings.Join(cols, ", ")
	if len(tags) > 0 {
		out += " per " + strings.Join(tags, ", ")
	}
	return out
}

// outerClauses returns the select list and the GROUP BY list of the
// outermost statement of q (subqueries are in parentheses).
func outerClauses(q string) (sel, groupBy string) {
	depth := 0
	top := make([]bool, len(q)) // q[i] is outside parentheses
	for i, r := range q {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		}
		top[i] = depth == 0 && r != ')'
	}
	find := func(word string, from int) int {
		for i := from; i+len(word) <= len(q); i++ {
			if top[i] && strings.EqualFold(q[i:i+len(word)], word) {
				return i
			}
		}
		return -1
	}
	start := find("SELECT ", 0)
	from := find(" FROM ", max(start, 0))
	if start < 0 || from < 0 {
		return "", ""
	}
	sel = q[start+len("SELECT ") : from]
	if g := find(" GROUP BY ", from); g >= 0 {
		groupBy = q[g+len(" GROUP BY "):]
		if f := strings.Index(groupBy, " fill("); f >= 0 {
			groupBy = groupBy[:f]
		}
	}
	return sel, groupBy
}

// splitTop splits s at commas outside parentheses.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	if strings.TrimSpace(s[start:]) != "" {
		out = append(out, s[start:])
	}
	return out
}
