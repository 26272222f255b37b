package dashboards_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/internal/testkit"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

// dashboardsDir is the committed JSON, as Grafana loads it.
const dashboardsDir = "json"

// maxDataPoints stands in for a panel's width in pixels, from which Grafana
// derives $__interval.
const maxDataPoints = 1000

// chosen are the values picked in the dashboards' variables: "$__all" picks
// All. Every query variable of every dashboard must be listed.
var chosen = map[string]string{
	"hostname": "$__all",
	"device":   richDevice,
}

// expect are figures the fleet, seed and simulator must give, by
// dashboard uid, panel title and refId: the first value of the first row.
var expect = map[string]map[string]float64{
	"kretslopp-device-longevity": {
		"Devices reporting/A":               fleetDevices,
		"Devices not seen for 14 days/A":    notSeen14Days,
		"Devices not rebooted in 30 days/A": notRebooted30Days,
		"Batteries reporting/A":             fleetBatteries,
		"Batteries under 80 % health/A":     100 * float64(batteriesUnder80) / fleetBatteries,
		"Batteries over 1,000 cycles/A":     100 * float64(batteriesOver1000) / batteriesWithCount,
		"Fleet by age since first seen/A":   4, // devices 4–7: first report 35 days ago
		"Fleet by age since first seen/B":   1, // device 1: 540 days
		"Fleet by age since first seen/C":   3, // device 3: 910 days; its hardware's earlier installations 950 and 1,000 days (fillLifecycle)
		"Fleet by age since first seen/D":   2, // device 2: 1,280 days; its hardware's earlier installation 1,300 days
	},
	"kretslopp-lifecycle": {
		"Hardware reporting/A":                     lifecycleHardware,
		"Device IDs reporting/A":                   fleetDevices,
		"In the second round/A":                    secondRoundPct,
		"In the third round or later/A":            thirdRoundPct,
		"Batteries replaced/A":                     batteriesReplaced,
		"Mean rounds per device/A":                 meanRounds,
		"Hardware by number of rounds/A":           oneRound,
		"Hardware by number of rounds/B":           twoRound,
		"Hardware by number of rounds/C":           1,
		"Median service life of retired devices/A": medianServiceLife,
		"Past planned life, still healthy/A":       reuseCandidates,
		"Reporting, not in the inventory/A":        notInInventory,
		"In the inventory, never reported/A":       neverReported,
	},
	"kretslopp-device-diagnostics": {
		"Spool drops in range/A":                3,
		"Batteries with implausible readings/A": implausible,
	},
}

// check says what is wrong with a target's result ("" if nothing).
type check func(series []testkit.Series) string

// checks are further assertions on results, by dashboard uid and
// panel/refId, added by the fills that know the figures (paper, carbon,
// implausible batteries). Every one must run: a renamed panel fails.
type checks map[string]map[string]check

func (c checks) add(uid, name string, f check) {
	if c[uid] == nil {
		c[uid] = map[string]check{}
	}
	c[uid][name] = f
}

// TestEveryPanelReturnsData fills a real InfluxDB through the real
// pipeline, then runs every target of every committed dashboard with
// Grafana's macros and variables expanded, and fails for a target that
// errors or returns nothing of the shape its panel draws.
func TestEveryPanelReturnsData(t *testing.T) {
	dashboards, err := Load(dashboardsDir)
	if err != nil {
		t.Fatal(err)
	}
	db := testkit.NewDatabase(t)
	start := time.Now().UTC().Truncate(time.Second)
	c := testkit.StartCollector(t, db, testkit.CollectorOptions{})
	n := sendFleet(t, c.URL, start)
	t.Logf("%d device reports posted through the collector", n)
	fillLifecycle(t, c, start)
	pullFromGraphSimulator(t, c)
	importMeetings(t, c)
	more := checks{}
	implausibleChecks(more)
	fillPaper(t, c, start, more)
	fillCarbon(t, c, db, start, more)
	client := db
	spec := loadSpec(t)
	ran := map[string]bool{}

	targets := 0
	for _, d := range dashboards {
		t.Run(d.UID, func(t *testing.T) {
			now := time.Now().UTC()
			values := resolveVariables(t, client, d, now)
			for _, p := range d.AllPanels() {
				r, err := d.PanelRange(p, now)
				if err != nil {
					t.Fatalf("panel %q: %v", p.Title, err)
				}
				iv, err := Interval(r, maxDataPoints, p.Interval)
				if err != nil {
					t.Fatalf("panel %q: %v", p.Title, err)
				}
				e := Expander{Range: r, Interval: iv, Values: values}
				if len(p.Targets) == 0 {
					t.Errorf("panel %q has no target", p.Title)
				}
				for _, tg := range p.Targets {
					targets++
					q := e.Expand(tg.Query)
					name := p.Title + "/" + tg.RefID
					if l := Leftover(q); l != "" {
						t.Errorf("%s: %s left unexpanded in %s", name, l, q)
						continue
					}
					series, err := query(client, q)
					if err != nil {
						t.Errorf("%s: %v\n%s", name, err, q)
						continue
					}
					if msg := shape(tg.ResultFormat, series); msg != "" {
						t.Errorf("%s (%s panel, %s): %s\n%s", name, p.Type, tg.ResultFormat, msg, q)
						continue
					}
					for _, msg := range datesOnTimes(spec, p, tg.ResultFormat, series) {
						t.Errorf("%s: %s", name, msg)
					}
					if testing.Verbose() {
						rows := 0
						for _, s := range series {
							rows += len(s.Values)
						}
						t.Logf("%s: %d series, %d rows, first %v", name, len(series), rows, series[0].Values[0])
					}
					if name == "Meetings and growth per year/A" {
						if got := cell(series, "teams", "2020-01-01T00:00:00Z", "growth %"); got != 12950.0 {
							t.Errorf("%s: Teams growth 2020 = %v, want 12950 (the seed's +13,000 %%)", name, got)
						}
					}
					if want, ok := expect[d.UID][name]; ok {
						ran[d.UID+"/"+name] = true
						got, ok := firstValue(series)
						if !ok || math.Abs(got-want) > 0.01 {
							t.Errorf("%s = %v, want %v\n%s", name, got, want, q)
						}
					}
					if f, ok := more[d.UID][name]; ok {
						ran[d.UID+"/"+name] = true
						if msg := f(series); msg != "" {
							t.Errorf("%s: %s\n%s", name, msg, q)
						}
					}
				}
			}
		})
	}
	if targets < 40 {
		t.Errorf("only %d targets ran; the dashboards were not read", targets)
	}
	for uid, names := range expect {
		for name := range names {
			if !ran[uid+"/"+name] {
				t.Errorf("%s: no target %q: the figure was not checked", uid, name)
			}
		}
	}
	for uid, names := range more {
		for name := range names {
			if !ran[uid+"/"+name] {
				t.Errorf("%s: no target %q: the check did not run", uid, name)
			}
		}
	}
}

func query(db *testkit.DB, q string) ([]testkit.Series, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return db.TryQuery(ctx, q)
}

// shape says what is wrong with a result for a panel target ("" if
// nothing): a time series needs a series with a time column and a non-null
// value; a table (and a stat) needs a row with a non-null value.
func shape(format string, series []testkit.Series) string {
	if len(series) == 0 {
		return "no data"
	}
	for _, s := range series {
		if format == "time_series" && (len(s.Columns) < 2 || s.Columns[0] != "time") {
			return "a series without a time column: " + s.Name
		}
		for _, row := range s.Values {
			for i, v := range row {
				if i > 0 && v != nil {
					return ""
				}
			}
		}
	}
	return "rows with nothing but nulls"
}

// cell is the value of column in the row at time of the series whose
// platform tag is platform.
func cell(series []testkit.Series, platform, time, column string) any {
	for _, s := range series {
		if s.Tags["platform"] != platform {
			continue
		}
		col := slices.Index(s.Columns, column)
		for _, row := range s.Values {
			if col > 0 && row[0] == time {
				return row[col]
			}
		}
	}
	return nil
}

// firstValue is the first non-null value after time in the first row.
func firstValue(series []testkit.Series) (float64, bool) {
	if len(series) == 0 || len(series[0].Values) == 0 {
		return 0, false
	}
	for i, v := range series[0].Values[0] {
		if f, ok := v.(float64); ok && i > 0 {
			return f, true
		}
	}
	return 0, false
}

// variableOptions are the options Grafana's InfluxDB data source (InfluxQL,
// Grafana 10–13, server-side queries) offers for a variable query's
// result: the backend makes a frame of each column after time of each
// series (pkg/tsdb/influxdb/influxql/converter/converter.go,
// handleTimeSeriesFormatWithTimeColumn), and metricFindQuery takes the
// values of every frame's first string field (else its first field that
// is not the time) as options whose value is their text, without
// duplicates (public/app/plugins/datasource/influxdb/datasource.ts,
// toMetricFindValue). Columns named __text and __value get no special
// treatment there. The old browser-side parser read only the first column
// after time; with one column both agree.
func variableOptions(series []testkit.Series) []string {
	var out []string
	for _, s := range series {
		for col := range s.Columns {
			if col == 0 && s.Columns[0] == "time" {
				continue
			}
			for _, row := range s.Values {
				if col >= len(row) || row[col] == nil {
					continue
				}
				v := fmt.Sprint(row[col])
				if f, ok := row[col].(float64); ok {
					v = strconv.FormatFloat(f, 'f', -1, 64)
				}
				if !slices.Contains(out, v) {
					out = append(out, v)
				}
			}
		}
	}
	return out
}

// variableColumns says what is wrong with the columns a variable query
// returns ("" if nothing): exactly one column after time, because Grafana
// offers the values of every column (see variableOptions).
func variableColumns(series []testkit.Series) string {
	for _, s := range series {
		cols := s.Columns
		if len(cols) > 0 && cols[0] == "time" {
			cols = cols[1:]
		}
		if len(cols) != 1 {
			return fmt.Sprintf("returns the columns %v; Grafana's InfluxDB data source offers the values of every column "+
				"(and reads no __text/__value), so a variable query must return exactly one", cols)
		}
	}
	return ""
}

// datesOnTimes checks that a column shown with a date unit holds times:
// milliseconds since the epoch between 2000 and 2100. A date unit on a
// host name shows it as a date or NaN. In table format Grafana adds each
// GROUP BY tag as a column of its own, so tags count as columns.
func datesOnTimes(spec grafanaSpec, p Panel, format string, series []testkit.Series) []string {
	const from, to = 946684800000.0, 4102444800000.0 // 2000-01-01, 2100-01-01 in ms
	var problems []string
	seen := map[string]bool{}
	isDate := func(col string) bool {
		_, date := spec.unitProblem(p.Unit(col))
		return date
	}
	for _, s := range series {
		if format == "table" {
			for tag, v := range s.Tags {
				if isDate(tag) && !seen[tag] {
					seen[tag] = true
					problems = append(problems, fmt.Sprintf("tag column %q (%q) has the date unit %s", tag, v, p.Unit(tag)))
				}
			}
		}
		for i, col := range s.Columns {
			if col == "time" || !isDate(col) || seen[col] {
				continue
			}
			for _, row := range s.Values {
				if i >= len(row) || row[i] == nil {
					continue
				}
				if f, ok := row[i].(float64); !ok || f < from || f > to {
					seen[col] = true
					problems = append(problems, fmt.Sprintf("column %q has the date unit %s but holds %#v, not a time in ms since the epoch", col, p.Unit(col), row[i]))
					break
				}
			}
		}
	}
	return problems
}

// resolveVariables runs each query variable of d in order (later ones may
// use earlier ones), checks the chosen value is offered, and returns the
// values formatted for the queries.
func resolveVariables(t *testing.T, c *testkit.DB, d Dashboard, now time.Time) map[string]string {
	t.Helper()
	r, err := d.PanelRange(Panel{}, now)
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]string{}
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		pick, ok := chosen[v.Name]
		if !ok {
			t.Fatalf("variable %s: add the value to pick to chosen", v.Name)
		}
		q := Expander{Range: r, Values: values}.Expand(v.QueryString())
		series, err := query(c, q)
		if err != nil {
			t.Fatalf("variable %s: %v\n%s", v.Name, err, q)
		}
		if msg := variableColumns(series); msg != "" {
			t.Errorf("variable %s %s\n%s", v.Name, msg, q)
		}
		offered := variableOptions(series)
		switch {
		case pick == "$__all":
			if !v.IncludeAll || len(offered) == 0 {
				t.Fatalf("variable %s: All picked but includeAll=%v, values %v", v.Name, v.IncludeAll, offered)
			}
			if v.AllValue != "" {
				values[v.Name] = v.AllValue
			} else {
				esc := make([]string, len(offered))
				for i, o := range offered {
					esc[i] = EscapeRegex(o)
				}
				values[v.Name] = "(" + joinPipe(esc) + ")"
			}
		case !slices.Contains(offered, pick):
			t.Fatalf("variable %s offers %v, not %q\n%s", v.Name, offered, pick, q)
		case v.Multi || v.IncludeAll:
			values[v.Name] = EscapeRegex(pick)
		default:
			values[v.Name] = pick
		}
		t.Logf("variable %s = %s (%d values offered)", v.Name, values[v.Name], len(offered))
	}
	return values
}

func joinPipe(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += "|"
		}
		out += x
	}
	return out
}

// TestDeviceFollowsHostname checks the chained variables of the
// diagnostics dashboard: picking a host name offers exactly its device.
func TestDeviceFollowsHostname(t *testing.T) {
	dashboards, err := Load(dashboardsDir)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(dashboards, func(d Dashboard) bool { return d.UID == "kretslopp-device-diagnostics" })
	if i < 0 {
		t.Fatal("no diagnostics dashboard")
	}
	d := dashboards[i]
	dev, ok := d.Variable("device")
	if !ok {
		t.Fatal("no device variable")
	}
	db := testkit.NewDatabase(t)
	now := time.Now().UTC().Truncate(time.Second)
	sendFleet(t, testkit.StartCollector(t, db, testkit.CollectorOptions{}).URL, now)
	r, err := d.PanelRange(Panel{}, time.Now().UTC())
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{richHost, "kontor-0004"} {
		q := Expander{Range: r, Values: map[string]string{"hostname": EscapeRegex(host)}}.Expand(dev.QueryString())
		series, err := query(db, q)
		if err != nil {
			t.Fatal(err)
		}
		got := variableOptions(series)
		want := map[string]string{richHost: richDevice, "kontor-0004": "device-000004"}[host]
		if len(got) != 1 || got[0] != want {
			t.Errorf("hostname %s: device offers %v, want [%s]", host, got, want)
		}
	}
}
