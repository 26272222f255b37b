package carbon_test

import (
	"context"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"

	"github.com/kretslopp/kretslopp/collector/internal/carbon"
	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/collector/internal/influxtest"
	"github.com/kretslopp/kretslopp/collector/internal/lifecycle"
	"github.com/kretslopp/kretslopp/internal/schema"
	"github.com/kretslopp/kretslopp/internal/testkit"
	"github.com/kretslopp/kretslopp/internal/testkit/agentsim"
)

func TestMain(m *testing.M) { os.Exit(influxtest.Main(m)) }

// handInventory is the hand-checked fleet as the asset system exports it.
const handInventory = `serial,manufacturer,model,class,purchase date,status,status date
EXACT-1,Dell Inc.,Latitude 7480,laptop,2017-03-01,recycled,2023-03-01
RULE-1,Hewlett-Packard,,laptop,2022-03-01,sold for reuse,2023-09-01
OVR-1,LENOVO,ThinkPad T14 Gen 2i,laptop,2021-03-01,in use,
NONE-1,Acer,Veriton X2690G,desktop,2015-01-01,recycled,2023-01-01
`

// fillHandFleet posts each serial's first and last report through the real
// collector and writes the inventory through the inventory reader.
func fillHandFleet(t *testing.T, db *influxtest.DB, inventory string) {
	t.Helper()
	c := testkit.StartCollector(t, db.DB, testkit.CollectorOptions{})
	var rms []*metricpb.ResourceMetrics
	for i, r := range handFleet {
		d := agentsim.Laptop(100 + i)
		d.ID, d.Serial, d.Manufacturer, d.Model = "device-"+r.serial, r.serial, r.manufacturer, r.reported
		if r.class == "desktop" {
			d.Batteries = nil
		}
		for _, s := range []string{r.firstSeen, r.lastSeen} {
			ts := day(s).Add(12 * time.Hour)
			d.BootTime, d.UptimeS = ts.Add(-time.Hour).Unix(), 3600
			rms = append(rms, d.ResourceMetrics(ts))
		}
	}
	resp := agentsim.Post(t, c.URL, testkit.AgentToken, agentsim.Request(rms...), false)
	if ps := resp.GetPartialSuccess(); ps.GetRejectedDataPoints() != 0 {
		t.Fatalf("collector rejected reports: %v", ps)
	}
	writeInventory(t, db.Client(t), inventory)
}

func writeInventory(t *testing.T, c *influx.Client, inventory string) {
	t.Helper()
	res, err := lifecycle.DecodeInventory(context.Background(), strings.NewReader(inventory), lifecycle.InventoryOptions{File: "inventory.csv", Now: func() time.Time { return asOf }})
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Write(context.Background(), lifecycle.Points(res.Items)); err != nil {
		t.Fatal(err)
	}
}

// The hand-checked fleet through a real collector and a real InfluxDB:
// the report section has the figures written out in fleet_test.go.
func TestInfluxReportSection(t *testing.T) {
	db := influxtest.NewDatabase(t)
	fillHandFleet(t, db, handInventory)
	ds := dataset(t)
	none := ds.Default("desktop")
	opts := handOptions(t, true)
	// Generated in June 2024 about 2022–2023: lives run to the end of 2023.
	s, err := carbon.Build(context.Background(), db.Client(t), 2022, 2023, opts, time.Date(2024, 6, 15, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if s.Hardware != 4 || s.AsOf != "2023-12-31" || len(s.Years) != 2 || s.Travel != nil {
		t.Fatalf("section: %d hardware, as of %s, %d years, travel %v", s.Hardware, s.AsOf, len(s.Years), s.Travel)
	}
	for k, n := range map[carbon.Kind]int{carbon.KindExact: 1, carbon.KindRule: 1, carbon.KindOverride: 1, carbon.KindNone: 1} {
		if s.Matches[k] != n {
			t.Errorf("matched %s: %d, want %d (the rule match needs the agent's model: the inventory has none)", k, s.Matches[k], n)
		}
	}
	y := s.Years[1]
	dy, emb, avoided, longer, shorter := expected2023(none.EmbodiedKg, 4, 4, 4)
	if y.Devices != 3 || y.Retired != 3 {
		t.Errorf("2023: %d devices, %d retired", y.Devices, y.Retired)
	}
	near(t, "2023 device_years", y.DeviceYears, dy, 0.005)
	near(t, "2023 embodied_kg_per_device_year", *y.EmbodiedKgPerDeviceYear, emb/dy, 0.05)
	near(t, "2023 avoided_kg", y.AvoidedKg, avoided, 0.05)
	near(t, "2023 avoided_by_longer_lives_kg", y.AvoidedByLongerLivesKg, longer, 0.05)
	near(t, "2023 extra_by_shorter_lives_kg", y.ExtraByShorterLivesKg, shorter, 0.05)
}

// With travel factors the section carries an estimate, apart from the
// measured figures: meetings × share × km × kg/km.
func TestInfluxTravelEstimate(t *testing.T) {
	db := influxtest.NewDatabase(t)
	c := db.Client(t)
	var points []influx.Point
	for d := 0; d < 10; d++ {
		points = append(points, influx.Point{Measurement: schema.Meetings, Tags: map[string]string{"platform": "teams"},
			Fields: map[string]any{"meetings": int64(100), "source": "test"}, Time: time.Date(2023, 3, 1+d, 0, 0, 0, 0, time.UTC)})
	}
	points = append(points, influx.Point{Measurement: schema.Meetings, Tags: map[string]string{"platform": "zoom"},
		Fields: map[string]any{"meetings": int64(50), "source": "test"}, Time: time.Date(2023, 5, 1, 0, 0, 0, 0, time.UTC)})
	if err := c.Write(context.Background(), points); err != nil {
		t.Fatal(err)
	}
	tr := &carbon.Travel{
		ShareReplacingTrip: carbon.Factor{Value: 0.1, Source: "staff survey 2022"},
		KmPerTrip:          carbon.Factor{Value: 40, Source: "travel policy"},
		KgCO2ePerKm:        carbon.Factor{Value: 0.12, Source: "emission factor table"},
	}
	s, err := carbon.Build(context.Background(), c, 2023, 2023, carbon.Options{BaselineYears: 4, Travel: tr}, asOf)
	if err != nil {
		t.Fatal(err)
	}
	te := s.Travel
	if te == nil || !te.Estimate || te.Note != carbon.TravelNote || len(te.Years) != 1 {
		t.Fatalf("travel %+v", te)
	}
	held := 10*100 + 50.0
	want := held * 0.1 * 40 * 0.12 // 504 kg
	y := te.Years[0]
	if y.Year != 2023 || y.Meetings != 1050 {
		t.Errorf("travel year %+v", y)
	}
	near(t, "trips_replaced", y.TripsReplaced, held*0.1, 0.05)
	near(t, "km", y.Km, held*0.1*40, 0.05)
	near(t, "estimated_kg_co2e", y.EstimatedKgCO2e, want, 0.05)
	if te.Factors.KmPerTrip.Source != "travel policy" || te.Factors.KmPerTrip.Unit != "km" {
		t.Errorf("factors %+v", te.Factors)
	}
	if len(s.Years) != 0 {
		t.Errorf("no hardware, yet years %+v", s.Years)
	}
}

func queryOne(t *testing.T, db *influxtest.DB, q string) influx.Row {
	t.Helper()
	series := db.Query(t, q)
	if len(series) != 1 || len(series[0].Rows()) != 1 {
		t.Fatalf("%s: %+v", q, series)
	}
	return series[0].Rows()[0]
}

// Update writes one carbon_hardware point per serial and one carbon_yearly
// point per year and group; a second run overwrites them, and a group that
// no longer has hardware is zeroed.
func TestInfluxUpdateOverwrites(t *testing.T) {
	db := influxtest.NewDatabase(t)
	fillHandFleet(t, db, handInventory)
	c := db.Client(t)
	ctx := context.Background()
	opts := handOptions(t, true)
	n1, err := carbon.Update(ctx, c, c, opts, asOf)
	if err != nil {
		t.Fatal(err)
	}
	n2, err := carbon.Update(ctx, c, c, opts, asOf)
	if err != nil {
		t.Fatal(err)
	}
	if n1 == 0 || n1 != n2 {
		t.Errorf("points written %d then %d", n1, n2)
	}
	const all = ` WHERE time >= '2000-01-01T00:00:00Z'`
	if v, _ := queryOne(t, db, `SELECT count("match") FROM "carbon_hardware"`+all).Num("count"); v != 4 {
		t.Errorf("%v carbon_hardware points, want 4 (one per serial)", v)
	}
	r := queryOne(t, db, `SELECT "avoided_kg", "match", "product", "baseline_years", "service_life_years" FROM "carbon_hardware" WHERE "serial" = 'RULE-1' AND time >= '2000-01-01T00:00:00Z'`)
	avoided, _ := r.Num("avoided_kg")
	near(t, "RULE-1 avoided_kg in InfluxDB", avoided, embodiedRule*(daysRule/yearDays/4-1), 0.05)
	if r.Str("match") != "rule" || r.Str("product") != "ProBook 445 14 inch G9 Notebook PC" {
		t.Errorf("RULE-1 %v %v", r.Str("match"), r.Str("product"))
	}
	fleet := queryOne(t, db, `SELECT "devices", "embodied_kg_per_device_year", "avoided_kg", "dataset" FROM "carbon_yearly" WHERE "group_by" = 'fleet' AND time = '2023-01-01T00:00:00Z'`)
	ds := dataset(t)
	dy, emb, avoided23, _, _ := expected2023(ds.Default("desktop").EmbodiedKg, 4, 4, 4)
	perDY, _ := fleet.Num("embodied_kg_per_device_year")
	a23, _ := fleet.Num("avoided_kg")
	near(t, "carbon_yearly 2023 embodied_kg_per_device_year", perDY, emb/dy, 0.05)
	near(t, "carbon_yearly 2023 avoided_kg", a23, avoided23, 0.05)
	if fleet.Str("dataset") != ds.Info.Commit {
		t.Errorf("dataset field %q", fleet.Str("dataset"))
	}
	// The aggregation docs/schema.md gives dashboards: over the classes of
	// 2023 it equals the fleet's figure.
	agg := queryOne(t, db, `SELECT sum("embodied_kg") / sum("device_years") AS "per_dy" FROM "carbon_yearly" WHERE "group_by" = 'class' AND time = '2023-01-01T00:00:00Z'`)
	if v, _ := agg.Num("per_dy"); math.Abs(v-perDY) > 0.1 {
		t.Errorf("sum(embodied_kg)/sum(device_years) over the classes = %v, fleet figure %v", v, perDY)
	}
	if v, _ := queryOne(t, db, `SELECT count("devices") FROM "carbon_yearly" WHERE "group_by" = 'fleet'`+` AND time >= '2000-01-01T00:00:00Z'`).Num("count"); v != 9 {
		t.Errorf("%v fleet-year points, want 9 (2015–2023)", v)
	}

	// The inventory renames NONE-1's model: the old model's points are
	// zeroed, the new one carries the figures.
	writeInventory(t, c, strings.Replace(handInventory, "Veriton X2690G", "Veriton X4", 1))
	if _, err := carbon.Update(ctx, c, c, opts, asOf); err != nil {
		t.Fatal(err)
	}
	old := queryOne(t, db, `SELECT sum("devices") AS "devices", sum("retired") AS "retired", sum("avoided_kg") AS "avoided" FROM "carbon_yearly" WHERE "group" = 'Veriton X2690G'`+` AND time >= '2000-01-01T00:00:00Z'`)
	for _, f := range []string{"devices", "retired", "avoided"} {
		if v, _ := old.Num(f); v != 0 {
			t.Errorf("old model still has %s = %v", f, v)
		}
	}
	renamed := queryOne(t, db, `SELECT "retired" FROM "carbon_yearly" WHERE "group" = 'Veriton X4' AND time = '2023-01-01T00:00:00Z'`)
	if v, _ := renamed.Num("retired"); v != 1 {
		t.Errorf("renamed model retired %v in 2023, want 1", v)
	}
}
