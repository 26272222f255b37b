package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/config"
	"github.com/kretslopp/kretslopp/collector/internal/influxtest"
	"github.com/kretslopp/kretslopp/internal/testkit"
	"github.com/kretslopp/kretslopp/internal/testkit/agentsim"
)

// TestInfluxDBKilledUnderLoad kills InfluxDB while agents post reports and
// starts it again: every report acknowledged with 200 must be in InfluxDB
// exactly once, and every other one must have been answered 503 so that
// the agent keeps it.
func TestInfluxDBKilledUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("fault test is not short")
	}
	srv := influxtest.NewServer(t)
	db := influxtest.CreateDatabase(t, srv)
	url := startCollector(t, db, testkit.CollectorOptions{}, func(c *config.Config) {
		c.Ingest.WriteTimeout = 2 * time.Second
		c.Ingest.RetryAfter = time.Second
	})

	const agents = 16
	type outcome struct {
		device string
		ts     time.Time
		uptime float64
		status int
	}
	var (
		mu       sync.Mutex
		outcomes []outcome
	)
	ctx, stop := context.WithCancel(context.Background())
	base := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second}
	for a := range agents {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := agentsim.Laptop(a)
			for seq := 0; ctx.Err() == nil; seq++ {
				ts := base.Add(time.Duration(seq) * time.Millisecond)
				d.UptimeS = float64(seq)
				body := agentsim.Protobuf(agentsim.Request(d.ResourceMetrics(ts)), true)
				req, _ := http.NewRequest(http.MethodPost, url+"/v1/metrics", bytes.NewReader(body))
				for k, v := range protoHeaders(true) {
					req.Header.Set(k, v)
				}
				status := -1
				if resp, err := client.Do(req); err == nil {
					status = resp.StatusCode
					resp.Body.Close()
				}
				mu.Lock()
				outcomes = append(outcomes, outcome{d.ID, ts, d.UptimeS, status})
				mu.Unlock()
				if status != http.StatusOK {
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	srv.Kill()
	time.Sleep(2 * time.Second)
	if err := srv.Start(context.Background()); err != nil {
		t.Fatalf("restart InfluxDB: %v", err)
	}
	time.Sleep(2 * time.Second)
	stop()
	wg.Wait()

	byStatus := map[int]int{}
	acked := map[string]map[int64]float64{}
	for _, o := range outcomes {
		byStatus[o.status]++
		if o.status == http.StatusOK {
			if acked[o.device] == nil {
				acked[o.device] = map[int64]float64{}
			}
			acked[o.device][o.ts.UnixNano()] = o.uptime
		}
	}
	t.Logf("requests by status: %v", byStatus)
	for status, n := range byStatus {
		if status != http.StatusOK && status != http.StatusServiceUnavailable {
			t.Errorf("%d requests answered %d; only 200 and 503 are allowed", n, status)
		}
	}
	if byStatus[http.StatusServiceUnavailable] == 0 {
		t.Errorf("no request was answered 503 while InfluxDB was down")
	}
	if byStatus[http.StatusOK] == 0 {
		t.Fatal("no request was acknowledged")
	}
	for device, want := range acked {
		series := db.Query(t, fmt.Sprintf(`SELECT uptime_s FROM device WHERE device_id = '%s'`, device))
		got := map[int64]int{}
		gotValue := map[int64]float64{}
		if len(series) > 0 {
			for _, v := range series[0].Values {
				ts, err := time.Parse(time.RFC3339Nano, v[0].(string))
				if err != nil {
					t.Fatal(err)
				}
				got[ts.UnixNano()]++
				gotValue[ts.UnixNano()] = v[1].(float64)
			}
		}
		for ts, uptime := range want {
			switch {
			case got[ts] != 1:
				t.Errorf("%s at %s: acknowledged, found %d times", device, time.Unix(0, ts).UTC().Format(time.RFC3339Nano), got[ts])
			case gotValue[ts] != uptime:
				t.Errorf("%s at %s: uptime %v, want %v", device, time.Unix(0, ts).UTC().Format(time.RFC3339Nano), gotValue[ts], uptime)
			}
		}
	}
}
