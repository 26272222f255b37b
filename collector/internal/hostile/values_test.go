package hostile

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"

	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/collector/internal/influxtest"
	"github.com/kretslopp/kretslopp/internal/schema"
	"github.com/kretslopp/kretslopp/internal/testkit/agentsim"
)

func setAttr(d *metricpb.ResourceMetrics, key, value string) {
	for _, kv := range d.Resource.Attributes {
		if kv.Key == key {
			kv.Value = &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: value}}
			return
		}
	}
	d.Resource.Attributes = append(d.Resource.Attributes, &commonpb.KeyValue{Key: key, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: value}}})
}

// Attack 3: poisoned values. A serial with a control character or of a
// megabyte, a model with terminal escapes, an integer beyond int64 and
// thousands of labels: each refused at the door and named in the partial
// success, and none of it in InfluxDB.
func TestPoisonedValuesAreRefusedAtTheDoor(t *testing.T) {
	db := influxtest.NewDatabase(t)
	c := start(t, db, "")
	now := time.Now().Add(-time.Minute)
	rm := agentsim.Laptop(7).ResourceMetrics(now)
	setAttr(rm, schema.AttrHardwareSerial, "EVIL\u0001SERIAL")
	setAttr(rm, schema.AttrDeviceModel, "T14\x1b]0;pwned\x07")
	setAttr(rm, schema.AttrOSDescription, strings.Repeat("x", 1<<20))
	setAttr(rm, schema.LabelPrefix+"hostname", "shadow")
	for i := range 5000 {
		setAttr(rm, fmt.Sprintf("%sl%04d", schema.LabelPrefix, i), "v")
	}
	rm.ScopeMetrics[0].Metrics = append(rm.ScopeMetrics[0].Metrics, &metricpb.Metric{Name: schema.MetricMemory, Data: &metricpb.Metric_Gauge{Gauge: &metricpb.Gauge{
		DataPoints: []*metricpb.NumberDataPoint{{TimeUnixNano: uint64(now.UnixNano()), Value: &metricpb.NumberDataPoint_AsDouble{AsDouble: 1e19}}}}}})
	p := post(t, c.URL, rinkebyToken, agentsim.Request(rm)).partial(t)
	msg := p.GetErrorMessage()
	for _, want := range []string{`kretslopp.hardware.serial "EVIL\x01SERIAL": control character U+0001`, "device.model.name", "ingest.max_labels", "system.memory.limit: value 1e+19 is outside the integer range"} {
		must(t, strings.Contains(msg, want), "partial success %q lacks %q", msg, want)
	}
	must(t, p.GetRejectedDataPoints() == 1, "rejected %d data points, want the memory one", p.GetRejectedDataPoints())
	rows := db.Query(t, `SELECT * FROM "device_daily" WHERE "device_id" = 'device-000007'`)
	must(t, len(rows) == 1 && len(rows[0].Values) == 1, "device_daily: %v", rows)
	stored := fmt.Sprint(rows)
	for _, bad := range []string{"EVIL", "pwned", "xxxxxxxx", "-9223372036854775808", "shadow"} {
		must(t, !strings.Contains(stored, bad), "%q stored: %.300s", bad, stored)
	}
	tagKeys := count(t, db, `SHOW TAG KEY EXACT CARDINALITY FROM "device"`)
	must(t, tagKeys <= 4+1+16, "%d tag keys on device, want at most the schema's 5 and 16 labels", tagKeys)
}

// Attack 5: backdated points. 500 points a week apart from 1970 are
// refused (older than ingest.max_age) and create no shards.
func TestBackdatedPointsCreateNoShards(t *testing.T) {
	db := influxtest.NewDatabase(t)
	c := start(t, db, "")
	rm := agentsim.Laptop(8).ResourceMetrics(time.Now().Add(-time.Minute))
	old := &metricpb.Gauge{}
	for i := range 500 {
		old.DataPoints = append(old.DataPoints, &metricpb.NumberDataPoint{TimeUnixNano: uint64(time.Unix(0, 0).AddDate(0, 0, 7*i+1).UnixNano()), Value: &metricpb.NumberDataPoint_AsDouble{AsDouble: 1}})
	}
	rm.ScopeMetrics[0].Metrics = append(rm.ScopeMetrics[0].Metrics, &metricpb.Metric{Name: schema.MetricUptime, Data: &metricpb.Metric_Gauge{Gauge: old}})
	p := post(t, c.URL, rinkebyToken, agentsim.Request(rm)).partial(t)
	must(t, p.GetRejectedDataPoints() == 500 && strings.Contains(p.GetErrorMessage(), "1970-01-02T00:00:00Z is older than 2328h0m0s (ingest.max_age)"), "partial success %v", p)
	shards := 0
	for _, s := range db.Query(t, `SHOW SHARDS`) {
		if s.Name == db.Name {
			shards += len(s.Values)
		}
	}
	must(t, shards <= 2, "%d shards in the database, want the current week's (at most 2)", shards)
	must(t, count(t, db, `SELECT count("uptime_s") FROM "device" WHERE time < '2020-01-01T00:00:00Z'`) == 0, "backdated points stored")
}

// Attack 3 and 4, the lifecycle: a serial with a control character that
// an older collector stored (written here straight into InfluxDB, as it
// did) costs its own hardware point, not the fleet's: lifecycle --update
// writes every other serial and names the bad one.
func TestLifecycleSkipsAPoisonedSerial(t *testing.T) {
	db := influxtest.NewDatabase(t)
	c := start(t, db, "")
	now := time.Now().Add(-time.Minute)
	for i := range 55 {
		post(t, c.URL, rinkebyToken, agentsim.Request(agentsim.Laptop(100+i).ResourceMetrics(now))).partial(t)
	}
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	for _, serial := range []string{"EVIL\u0001SERIAL", strings.Repeat("S", 1<<20)} {
		poison := influx.Point{Measurement: schema.DeviceDaily, Tags: map[string]string{"device_id": fmt.Sprintf("old-collector-%d", len(serial))},
			Fields: map[string]any{"serial": serial, "last_seen": now.Unix(), "uptime_s": 1.0}, Time: day}
		if err := db.Client(t).Write(context.Background(), []influx.Point{poison}); err != nil {
			t.Fatalf("writing the poisoned point as an older collector did: %v", err)
		}
	}
	cmd := c.Command(t, "lifecycle", "--update")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("lifecycle --update: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	must(t, strings.Contains(stderr.String(), `left out: serial "EVIL\x01SERIAL": control character U+0001`), "stderr does not name the bad serial:\n%s", stderr.String())
	must(t, strings.Contains(stderr.String(), "longer than 64 characters"), "stderr does not name the long serial:\n%.500s", stderr.String())
	must(t, !strings.Contains(stderr.String(), "\x01"), "a raw control character on the terminal")
	must(t, count(t, db, `SELECT count("rounds") FROM "hardware"`) == 55, "%d hardware points, want the 55 good serials", count(t, db, `SELECT count("rounds") FROM "hardware"`))
}
