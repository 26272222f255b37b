package hostile

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/influxtest"
	"github.com/kretslopp/kretslopp/internal/influxserver"
	"github.com/kretslopp/kretslopp/internal/testkit"
	"github.com/kretslopp/kretslopp/internal/testkit/agentsim"
)

// Attack 1: invented device IDs. The one request of 125,202 new
// host.ids is refused whole (it would decode to far more than its size);
// requests of the most devices allowed then fill the token's budget of
// new devices, and past it the token gets 429 (its agents keep their
// reports) while known devices and the other site carry on.
func TestInventedDevicesCannotBlockTheFleet(t *testing.T) {
	db := influxtest.NewDatabase(t)
	c := start(t, db, "")
	now := time.Now().Add(-time.Minute)

	flood := agentsim.NewDevices("invented", 125202, time.Time{})
	gz := agentsim.Protobuf(flood, true)
	a := postBody(t, c.URL, rinkebyToken, gz)
	must(t, a.status == http.StatusRequestEntityTooLarge, "the issue's request (%d bytes gzipped): status %d (%s), want 413", len(gz), a.status, a.body)
	must(t, devices(t, db) == 0, "%d devices stored from a refused request", devices(t, db))

	// 100 devices a request (ingest.max_resources), 2,000 new an hour
	// (ingest.new_devices_per_hour).
	t.Logf("%s: the flood refused", time.Now().Format(time.StampMilli))
	stored := 0
	var refused answer
	for i := 0; ; i++ {
		a := post(t, c.URL, rinkebyToken, agentsim.NewDevices(fmt.Sprintf("batch%02d", i), 100, now))
		if a.status != http.StatusOK {
			refused = a
			break
		}
		stored += 100
		if i > 30 {
			t.Fatal("30 requests of 100 new devices each were all accepted")
		}
	}
	t.Logf("%s: the budget filled", time.Now().Format(time.StampMilli))
	must(t, stored == 2000, "%d new devices accepted before the budget refused, want 2000", stored)
	must(t, refused.status == http.StatusTooManyRequests && refused.header.Get("Retry-After") != "", "over the budget: status %d, Retry-After %q, want 429 with one", refused.status, refused.header.Get("Retry-After"))
	must(t, strings.Contains(string(refused.body), "ingest.new_devices_per_hour"), "the 429 does not name the budget: %s", refused.body)

	// A request of more devices than ingest.max_resources: the first 100
	// are taken, the rest named in the partial success (and, here, over
	// the budget: 429 for them, the agent sends again).
	over := post(t, c.URL, vallingbyToken, agentsim.NewDevices("big", 150, now))
	must(t, over.status == http.StatusOK, "150 devices with another token: %d %s", over.status, over.body)
	if over.status == http.StatusOK {
		p := over.partial(t)
		must(t, p.GetRejectedDataPoints() == 50 && strings.Contains(p.GetErrorMessage(), "ingest.max_resources: at most 100 devices per request; 50 more"), "partial success %v", p)
	}

	// A new laptop of Rinkeby's now waits (429: kept by its agent); a
	// known one and Vällingby's new one are stored.
	newLaptop := agentsim.Laptop(900001)
	a = post(t, c.URL, rinkebyToken, agentsim.Request(newLaptop.ResourceMetrics(now)))
	must(t, a.status == http.StatusTooManyRequests, "a new laptop of the flooded token: %d, want 429", a.status)
	known := agentsim.NewDevices("batch00", 1, now)
	must(t, post(t, c.URL, rinkebyToken, known).status == http.StatusOK, "a known device of the flooded token was refused")
	other := agentsim.Laptop(900002)
	a = post(t, c.URL, vallingbyToken, agentsim.Request(other.ResourceMetrics(now)))
	must(t, a.status == http.StatusOK && a.partial(t).GetRejectedDataPoints() == 0, "Vällingby's new laptop: %d %s", a.status, a.body)
	must(t, count(t, db, fmt.Sprintf(`SELECT count("uptime_s") FROM "device" WHERE "device_id" = '%s'`, other.ID)) == 1, "Vällingby's laptop is not in InfluxDB")
	must(t, devices(t, db) == 2101, "%d devices in InfluxDB, want 2,000 + 100 + Vällingby's laptop", devices(t, db))

	must(t, metric(t, c, "kretslopp_ingest_budget_exceeded_total", `budget="new_devices_per_hour"`) >= 2, "new_devices_per_hour not counted")
	must(t, metric(t, c, "kretslopp_ingest_budget_exceeded_total", `budget="max_resources"`) == 1, "max_resources not counted")
	must(t, metric(t, c, "kretslopp_ingest_budget_exceeded_total", `budget="max_decoded_bytes"`) == 1, "the refused flood not counted")
	must(t, metric(t, c, "kretslopp_ingest_devices_new_total", `token="rinkeby"`) == 2000, "new devices of rinkeby: %v", metric(t, c, "kretslopp_ingest_devices_new_total", `token="rinkeby"`))
}

// Attack 1, InfluxDB's side: when InfluxDB itself refuses new series (its
// max-values-per-tag), the collector answers 503 — the agent keeps the
// report — counts it and says so in the log, never a 200 that drops data.
func TestInfluxDBLimitIsNeverASilentSuccess(t *testing.T) {
	srv, err := influxserver.Start(context.Background(), influxserver.Options{Env: []string{"INFLUXDB_DATA_MAX_VALUES_PER_TAG=20"}})
	testkit.Require(t, "InfluxDB", err)
	t.Cleanup(srv.Close)
	db := influxtest.CreateDatabase(t, srv)
	c := start(t, db, "")
	now := time.Now().Add(-time.Minute)
	statuses := map[int]int{}
	for i := range 30 {
		statuses[post(t, c.URL, rinkebyToken, agentsim.NewDevices(fmt.Sprintf("laptop%02d", i), 1, now)).status]++
	}
	must(t, statuses[http.StatusOK] == 20 && statuses[http.StatusServiceUnavailable] == 10, "statuses %v, want 20×200 and 10×503 once InfluxDB's limit of 20 is reached", statuses)
	must(t, post(t, c.URL, rinkebyToken, agentsim.NewDevices("laptop05", 1, now)).status == http.StatusOK, "a known device after the limit was refused")
	must(t, metric(t, c, "kretslopp_influx_limit_errors_total") == 10, "limit errors counted: %v", metric(t, c, "kretslopp_influx_limit_errors_total"))
	logged := strings.Count(c.Log(), "InfluxDB refuses writes because of one of its limits")
	must(t, logged == 1, "the limit was logged %d times in under a minute, want once", logged)
}
