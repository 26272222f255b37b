// These tests run the committed Grafana dashboards (json/) against a real
// InfluxDB filled by the real pipeline: the kretslopp-collector binary
// receiving agent reports, importing exports and pulling from the Graph
// simulator (internal/testkit). They read the dashboard JSON from disk,
// expand Grafana's macros and template variables the way Grafana's
// InfluxDB data source does ($timeFilter, $__interval,
// ${__to:date:seconds}, /^$var$/), and check that every target returns
// data of the shape its panel needs.
package dashboards_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Dashboard is the part of a dashboard's JSON the test needs.
type Dashboard struct {
	File  string `json:"-"`
	UID   string `json:"uid"`
	Title string `json:"title"`
	Time  struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"time"`
	Templating struct {
		List []Variable `json:"list"`
	} `json:"templating"`
	Panels []Panel `json:"panels"`
}

// Variable is a template variable.
type Variable struct {
	Type       string `json:"type"`
	Name       string `json:"name"`
	Query      any    `json:"query"`
	Multi      bool   `json:"multi"`
	IncludeAll bool   `json:"includeAll"`
	AllValue   string `json:"allValue"`
}

// QueryString returns the variable's query text.
func (v Variable) QueryString() string {
	s, _ := v.Query.(string)
	return s
}

// Panel is a panel or a row (rows may nest collapsed panels).
type Panel struct {
	ID          int         `json:"id"`
	Type        string      `json:"type"`
	Title       string      `json:"title"`
	Description string      `json:"description"`
	Interval    string      `json:"interval"`
	TimeFrom    string      `json:"timeFrom"`
	Targets     []Target    `json:"targets"`
	Panels      []Panel     `json:"panels"`
	FieldConfig FieldConfig `json:"fieldConfig"`
}

// FieldConfig is the part of a panel's field config that says how a
// column is shown.
type FieldConfig struct {
	Defaults struct {
		Unit string `json:"unit"`
	} `json:"defaults"`
	Overrides []struct {
		Matcher struct {
			ID      string `json:"id"`
			Options any    `json:"options"`
		} `json:"matcher"`
		Properties []struct {
			ID    string `json:"id"`
			Value any    `json:"value"`
		} `json:"properties"`
	} `json:"overrides"`
}

// Unit is the unit Grafana gives the column named name: the panel-wide
// unit unless a byName override sets one.
func (p Panel) Unit(name string) string {
	unit := p.FieldConfig.Defaults.Unit
	for _, o := range p.FieldConfig.Overrides {
		if o.Matcher.ID != "byName" || o.Matcher.Options != name {
			continue
		}
		for _, prop := range o.Properties {
			if u, ok := prop.Value.(string); ok && prop.ID == "unit" {
				unit = u
			}
		}
	}
	return unit
}

// Target is an InfluxDB target.
type Target struct {
	RefID        string `json:"refId"`
	Query        string `json:"query"`
	RawQuery     bool   `json:"rawQuery"`
	ResultFormat string `json:"resultFormat"`
	Hide         bool   `json:"hide"`
}

// Load reads every dashboard JSON file in dir.
func Load(dir string) ([]Dashboard, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no dashboard JSON in %s", dir)
	}
	sort.Strings(files)
	var out []Dashboard
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read dashboard: %w", err)
		}
		var d Dashboard
		if err := json.Unmarshal(b, &d); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		d.File = filepath.Base(f)
		out = append(out, d)
	}
	return out, nil
}

// AllPanels flattens rows into their panels (rows themselves left out).
func (d Dashboard) AllPanels() []Panel {
	var out []Panel
	var walk func([]Panel)
	walk = func(ps []Panel) {
		for _, p := range ps {
			if p.Type == "row" {
				walk(p.Panels)
				continue
			}
			out = append(out, p)
		}
	}
	walk(d.Panels)
	return out
}

// Variable returns the named template variable.
func (d Dashboard) Variable(name string) (Variable, bool) {
	for _, v := range d.Templating.List {
		if v.Name == name {
			return v, true
		}
	}
	return Variable{}, false
}

// Range is a dashboard time range.
type Range struct{ From, To time.Time }

var relative = regexp.MustCompile(`^now(?:-(\d+)([smhdwMy]))?$`)

// ParseRelative resolves a Grafana relative time ("now", "now-90d",
// "now-8y") against now.
func ParseRelative(s string, now time.Time) (time.Time, error) {
	m := relative.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, fmt.Errorf("unsupported relative time %q", s)
	}
	if m[1] == "" {
		return now, nil
	}
	n, _ := strconv.Atoi(m[1])
	switch m[2] {
	case "s":
		return now.Add(-time.Duration(n) * time.Second), nil
	case "m":
		return now.Add(-time.Duration(n) * time.Minute), nil
	case "h":
		return now.Add(-time.Duration(n) * time.Hour), nil
	case "d":
		return now.AddDate(0, 0, -n), nil
	case "w":
		return now.AddDate(0, 0, -7*n), nil
	case "M":
		return now.AddDate(0, -n, 0), nil
	default: // y
		return now.AddDate(-n, 0, 0), nil
	}
}

// PanelRange is the range Grafana queries a panel with: the dashboard's
// default range, or now-timeFrom..now when the panel overrides it.
func (d Dashboard) PanelRange(p Panel, now time.Time) (Range, error) {
	from, to := d.Time.From, d.Time.To
	if p.TimeFrom != "" {
		from, to = "now-"+p.TimeFrom, "now"
	}
	f, err := ParseRelative(from, now)
	if err != nil {
		return Range{}, err
	}
	t, err := ParseRelative(to, now)
	if err != nil {
		return Range{}, err
	}
	return Range{f, t}, nil
}

// ParseInterval reads a Grafana interval ("1d", "30m", "2h", "1w").
func ParseInterval(s string) (time.Duration, error) {
	m := regexp.MustCompile(`^(\d+)(ms|s|m|h|d|w|y)$`).FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("unsupported interval %q", s)
	}
	n, _ := strconv.Atoi(m[1])
	unit := map[string]time.Duration{"ms": time.Millisecond, "s": time.Second, "m": time.Minute, "h": time.Hour,
		"d": 24 * time.Hour, "w": 7 * 24 * time.Hour, "y": 365 * 24 * time.Hour}[m[2]]
	return time.Duration(n) * unit, nil
}

// roundInterval is Grafana's rounding of range/maxDataPoints (kbn.roundInterval).
func roundInterval(d time.Duration) time.Duration {
	ms := d.Milliseconds()
	steps := []struct {
		below int64
		to    time.Duration
	}{
		{10, time.Millisecond}, {15, 10 * time.Millisecond}, {35, 20 * time.Millisecond}, {75, 50 * time.Millisecond},
		{150, 100 * time.Millisecond}, {350, 200 * time.Millisecond}, {750, 500 * time.Millisecond},
		{1500, time.Second}, {3500, 2 * time.Second}, {7500, 5 * time.Second}, {12500, 10 * time.Second},
		{17500, 15 * time.Second}, {25000, 20 * time.Second}, {45000, 30 * time.Second}, {90000, time.Minute},
		{180000, 2 * time.Minute}, {450000, 5 * time.Minute}, {1350000, 15 * time.Minute}, {2700000, 30 * time.Minute},
		{5400000, time.Hour}, {9000000, 2 * time.Hour}, {16200000, 3 * time.Hour}, {32400000, 6 * time.Hour},
		{86400000, 12 * time.Hour}, {604800000, 24 * time.Hour}, {1814400000, 7 * 24 * time.Hour},
		{3628800000, 30 * 24 * time.Hour},
	}
	for _, s := range steps {
		if ms < s.below {
			return s.to
		}
	}
	return 365 * 24 * time.Hour
}

// Interval is $__interval for a panel: range / maxDataPoints rounded like
// Grafana, but not below the panel's minimum interval.
func Interval(r Range, maxDataPoints int, minInterval string) (time.Duration, error) {
	iv := roundInterval(r.To.Sub(r.From) / time.Duration(maxDataPoints))
	if minInterval != "" {
		m, err := ParseInterval(minInterval)
		if err != nil {
			return 0, err
		}
		iv = max(iv, m)
	}
	return iv, nil
}

// FormatInterval writes an interval the way Grafana does in queries.
func FormatInterval(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return fmt.Sprintf("%dms", d.Milliseconds())
}

// EscapeRegex escapes a value for a /regex/ the way Grafana's InfluxDB
// data source does for multi-value and include-all variables.
func EscapeRegex(s string) string {
	return regexp.MustCompile(`[\\^$*+?.()|{}\[\]/]`).ReplaceAllStringFunc(s, func(m string) string { return `\` + m })
}

// Expander expands Grafana macros and variables in an InfluxQL query.
type Expander struct {
	Range    Range
	Interval time.Duration
	// Values are variable values already formatted for the query
	// (escaped for a regex, or the variable's allValue for All).
	Values map[string]string
}

// Expand returns q as Grafana would send it to InfluxDB.
func (e Expander) Expand(q string) string {
	from, to := e.Range.From.UnixMilli(), e.Range.To.UnixMilli()
	pairs := []string{
		"$timeFilter", fmt.Sprintf("time >= %dms and time <= %dms", from, to),
		"${__to:date:seconds}", strconv.FormatInt(e.Range.To.Unix(), 10),
		"${__from:date:seconds}", strconv.FormatInt(e.Range.From.Unix(), 10),
		"$__interval_ms", strconv.FormatInt(e.Interval.Milliseconds(), 10),
		"$__interval", FormatInterval(e.Interval),
		"$interval", FormatInterval(e.Interval),
	}
	names := make([]string, 0, len(e.Values))
	for n := range e.Values {
		names = append(names, n)
	}
	// Longest first, so that $device never eats the start of $devices.
	sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	for _, n := range names {
		v := e.Values[n]
		pairs = append(pairs, "${"+n+"}", v, "[["+n+"]]", v, "$"+n, v)
	}
	return strings.NewReplacer(pairs...).Replace(q)
}

// Leftover reports a macro or variable that Expand did not resolve.
func Leftover(q string) string {
	return regexp.MustCompile(`\$\{?[A-Za-z_][A-Za-z0-9_:]*\}?|\[\[[^\]]+\]\]`).FindString(q)
}
