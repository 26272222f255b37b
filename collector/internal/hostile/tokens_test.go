package hostile

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/influxtest"
	"github.com/kretslopp/kretslopp/internal/testkit"
	"github.com/kretslopp/kretslopp/internal/testkit/agentsim"
)

// Attack 4: any token overwriting any device. A laptop belongs to the
// token that first reported it: Vällingby's token cannot rewrite
// Rinkeby's laptop (403, nothing changes), every point names the token
// that wrote it, the site is the token's whatever the report says, and
// only an operator's `device move` lets the other token write it.
func TestAnotherTokenCannotOverwriteADevice(t *testing.T) {
	db := influxtest.NewDatabase(t)
	c := start(t, db, "")
	now := time.Now().Add(-time.Minute)
	laptop := agentsim.Laptop(42)
	laptop.Site = "stadshuset" // what the report claims
	post(t, c.URL, rinkebyToken, agentsim.Request(laptop.ResourceMetrics(now))).partial(t)

	forged := laptop
	forged.Hostname, forged.Serial = "forged-host", "FORGED01"
	forged.Batteries = []agentsim.Battery{{ID: "BAT0", DesignWh: 50, FullWh: 10, Charge: 0.1, State: "discharging"}}
	a := post(t, c.URL, vallingbyToken, agentsim.Request(forged.ResourceMetrics(now.Add(30*time.Second))))
	must(t, a.status == http.StatusForbidden, "another token writing the laptop: %d %s, want 403", a.status, a.body)
	must(t, strings.Contains(string(a.body), "kretslopp-collector device move"), "the 403 does not say how to move it: %s", a.body)

	rows := db.Query(t, `SELECT "hostname", "serial", "site", "token" FROM "device" WHERE "device_id" = 'device-000042'`)
	must(t, len(rows) == 1 && len(rows[0].Values) == 1, "device points: %v", rows)
	if len(rows) == 1 && len(rows[0].Values) == 1 {
		got := rows[0].Values[0][1:]
		must(t, got[0] == "skola-lap-0042" && got[1] == "PF000042" && got[2] == "Rinkeby skola" && got[3] == "rinkeby", "stored hostname, serial, site, token = %v; want the owner's report with its token's site", got)
	}
	must(t, count(t, db, `SELECT count("health_pct") FROM "battery" WHERE "device_id" = 'device-000042' AND "health_pct" < 50`) == 0, "the forged battery health was stored")
	must(t, metric(t, c, "kretslopp_ingest_devices_forbidden_total", `token="vallingby"`) == 1, "the forgery is not counted")

	// The operator moves the laptop to Vällingby; the collector follows
	// within its refresh interval, and then Rinkeby's token is the stranger.
	out := c.Run(t, "device", "move", laptop.ID, "--to", "vallingby")
	must(t, strings.Contains(out, "device-000042: rinkeby -> vallingby"), "device move printed %q", out)
	moved := laptop
	moved.Hostname = "vallingby-lap-0042"
	deadline := time.Now().Add(60 * time.Second)
	for post(t, c.URL, vallingbyToken, agentsim.Request(moved.ResourceMetrics(now.Add(time.Minute)))).status != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("the moved laptop was still refused for its new token after 60 s")
		}
		time.Sleep(200 * time.Millisecond)
	}
	must(t, post(t, c.URL, rinkebyToken, agentsim.Request(laptop.ResourceMetrics(now.Add(2*time.Minute)))).status == http.StatusForbidden, "the old token may still write the moved laptop")
	rows = db.Query(t, `SELECT "hostname", "site", "token" FROM "device" WHERE "device_id" = 'device-000042' ORDER BY time DESC LIMIT 1`)
	must(t, len(rows) == 1 && rows[0].Values[0][1] == "vallingby-lap-0042" && rows[0].Values[0][2] == "Vällingby skola" && rows[0].Values[0][3] == "vallingby", "after the move: %v", rows)
}

// The old tokens file, one token a line, is still the contract: its
// tokens work and share one group, so that nothing changes for a
// municipality that has not named its tokens.
func TestOldTokensFileStillWorks(t *testing.T) {
	db := influxtest.NewDatabase(t)
	c := testkit.StartCollector(t, db.DB, testkit.CollectorOptions{AgentTokens: []string{rinkebyToken, vallingbyToken}, YAML: "lifecycle_interval: 0s\n"})
	now := time.Now().Add(-time.Minute)
	laptop := agentsim.Laptop(43)
	post(t, c.URL, rinkebyToken, agentsim.Request(laptop.ResourceMetrics(now))).partial(t)
	post(t, c.URL, vallingbyToken, agentsim.Request(laptop.ResourceMetrics(now.Add(time.Second)))).partial(t)
	rows := db.Query(t, `SELECT "uptime_s", "site", "token" FROM "device" WHERE "device_id" = 'device-000043'`)
	must(t, len(rows) == 1 && len(rows[0].Values) == 2, "points of unnamed tokens: %v", rows)
	if len(rows) == 1 && len(rows[0].Values) == 2 {
		a, b := rows[0].Values[0], rows[0].Values[1]
		must(t, a[2] == "rinkeby-skola" && strings.HasPrefix(a[3].(string), "sha256:") && a[3] != b[3], "points of unnamed tokens: %v; want the reported site and each token's name", rows)
	}
}
