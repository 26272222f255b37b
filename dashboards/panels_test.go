package dashboards_test

import (
	"context"
	"math"
	"os"
	"slices"
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
		"Spool drops in range/A": 3,
	},
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
	client := db

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
						got, ok := firstValue(series)
						if !ok || math.Abs(got-want) > 0.01 {
							t.Errorf("%s = %v, want %v\n%s", name, got, want, q)
						}
					}
				}
			}
		})
	}
	if targets < 40 {
		t.Errorf("only %d targets ran; the dashboards were not read", targets)
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

// variableValues reads a variable query's result the way Grafana's
// InfluxDB data source does: the second column of each row (the first one
// after time), or the only column.
func variableValues(series []testkit.Series) []string {
	var out []string
	for _, s := range series {
		for _, row := range s.Values {
			var v any
			if len(row) > 1 {
				v = row[1]
			} else if len(row) == 1 {
				v = row[0]
			}
			if str, ok := v.(string); ok && !slices.Contains(out, str) {
				out = append(out, str)
			}
		}
	}
	return out
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
		offered := variableValues(series)
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
		got := variableValues(series)
		want := map[string]string{richHost: richDevice, "kontor-0004": "device-000004"}[host]
		if len(got) != 1 || got[0] != want {
			t.Errorf("hostname %s: device offers %v, want [%s]", host, got, want)
		}
	}
}
