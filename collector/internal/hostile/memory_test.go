//go:build linux

package hostile

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/influxtest"
	"github.com/kretslopp/kretslopp/internal/testkit/agentsim"
)

// Attack 2: the largest requests at once. Eight clients each send the
// issue's 8 MiB report of 129,055 points (refused before it is decoded)
// and a report of the same size built to be accepted at the collector's
// bounds; every answer is a status an agent handles, the accepted reports
// land in full, and the collector's memory stays bounded. The bound here
// is generous for a loaded test machine; `make bench` measures the figure
// (docs/benchmarks.md: under 512 MB).
func TestLargestRequestsAtOnceStayBounded(t *testing.T) {
	db := influxtest.NewDatabase(t)
	c := start(t, db, "")
	if c.PID() == 0 {
		t.Fatal("no collector process to measure")
	}
	day := time.Now().UTC().Truncate(24 * time.Hour).Add(-24 * time.Hour)
	issue := agentsim.Protobuf(agentsim.ManyPoints("issue14-laptop", day), true)
	costly := agentsim.Protobuf(agentsim.CostlyReport("costly-laptop", day), true)
	var mu sync.Mutex
	statuses := map[string]map[int]int{"issue": {}, "costly": {}}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name, body := range map[string][]byte{"issue": issue, "costly": costly} {
				a := postBody(t, c.URL, rinkebyToken, body)
				mu.Lock()
				statuses[name][a.status]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	must(t, statuses["issue"][http.StatusRequestEntityTooLarge] == 8, "the issue's report: %v, want 8×413", statuses["issue"])
	for status := range statuses["costly"] {
		must(t, status == http.StatusOK || status == http.StatusServiceUnavailable, "the costly report: %v, want 200 (or 503 with Retry-After when no room is left)", statuses["costly"])
	}
	must(t, statuses["costly"][http.StatusOK] > 0, "no costly report was accepted: %v", statuses["costly"])
	if n := count(t, db, `SELECT count("uptime_s") FROM "device" WHERE "device_id" = 'costly-laptop'`); n != 120000 {
		t.Errorf("%d of the costly report's 120,000 points stored", n)
	}
	must(t, count(t, db, `SELECT count("charge_pct") FROM "battery"`) == 0, "points of the refused report were stored")
	peak := vmHWM(t, c.PID())
	t.Logf("collector peak RSS %d MB after 8×2 requests of 8 MiB; answers %v", peak>>20, statuses)
	must(t, peak < 1<<30, "collector peak RSS %d MB, want it bounded (under 1 GB here; make bench: 512 MB)", peak>>20)
}

// vmHWM is a process's peak resident set in bytes (Linux).
func vmHWM(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM")
	return 0
}
