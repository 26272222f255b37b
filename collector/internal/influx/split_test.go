package influx_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	influxhttp "github.com/influxdata/influxdb-client-go/v2/api/http"
	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/collector/internal/influxtest"
	"github.com/kretslopp/kretslopp/internal/influxserver"
	"github.com/kretslopp/kretslopp/internal/testkit"
)

func TestMain(m *testing.M) { os.Exit(influxtest.Main(m)) }

func points(n int, at time.Time) []influx.Point {
	var out []influx.Point
	for i := range n {
		out = append(out, influx.Point{Measurement: "hardware", Tags: map[string]string{"serial": fmt.Sprintf("SN%04d", i)},
			Fields: map[string]any{"rounds": int64(1)}, Time: at})
	}
	return out
}

func count(t *testing.T, db *influxtest.DB, q string) int {
	t.Helper()
	series := db.Query(t, q)
	if len(series) == 0 {
		return 0
	}
	return int(series[0].Values[0][1].(float64))
}

// One bad point among many: the others land, the bad one is named. Here
// InfluxDB refuses it (a field type conflict), or line protocol cannot
// carry it (a serial with a control character, as an older collector
// stored it), and neither stops the rest.
func TestWriteLeavesOutOnlyTheBadPoints(t *testing.T) {
	db := influxtest.NewDatabase(t)
	c := db.Client(t)
	ctx := context.Background()
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	if err := c.Write(ctx, points(1, day)); err != nil {
		t.Fatal(err)
	}
	ps := points(57, day)
	ps[20].Fields = map[string]any{"rounds": "two"}                                                                      // InfluxDB: field type conflict
	ps[40].Tags = map[string]string{"serial": "EVIL\x01SERIAL"}                                                          // encoder: invalid tag value
	ps = append(ps, influx.Point{Measurement: "hardware", Tags: map[string]string{"serial": strings.Repeat("S", 70000)}, // InfluxDB: key too long
		Fields: map[string]any{"rounds": int64(1)}, Time: day})
	err := c.Write(ctx, ps)
	pe, ok := influx.AsPartial(err)
	if !ok {
		t.Fatalf("Write = %v, want a PartialError", err)
	}
	if pe.Written != 55 || len(pe.Refused) != 3 {
		t.Errorf("written %d, refused %d (%v); want 55 and 3", pe.Written, len(pe.Refused), pe.Refused)
	}
	msg := pe.Error()
	for _, want := range []string{"field type conflict", "SN0020", `invalid tag value serial="EVIL\x01SERIAL"`} {
		if !strings.Contains(msg+fmt.Sprint(pe.Refused), want) {
			t.Errorf("refusals %v do not mention %q", pe.Refused, want)
		}
	}
	if n := count(t, db, `SELECT count("rounds") FROM "hardware"`); n != 55 {
		t.Errorf("%d points in InfluxDB, want 55", n)
	}
}

// InfluxDB's own limits are not bad data: Write returns the error (the
// caller keeps the points) instead of a PartialError that drops them.
func TestLimitIsNotAPartialSuccess(t *testing.T) {
	srv, err := influxserver.Start(context.Background(), influxserver.Options{Env: []string{"INFLUXDB_DATA_MAX_VALUES_PER_TAG=10"}})
	testkit.Require(t, "InfluxDB", err)
	t.Cleanup(srv.Close)
	db := influxtest.CreateDatabase(t, srv)
	c := db.Client(t)
	// InfluxDB counts the values a tag has before a write, so the first
	// write fills the limit and the second breaks it.
	if err := c.Write(context.Background(), points(10, time.Now())); err != nil {
		t.Fatal(err)
	}
	err = c.Write(context.Background(), points(15, time.Now()))
	if err == nil || !influx.IsLimit(err) || !influx.IsRejected(err) {
		t.Fatalf("Write over max-values-per-tag = %v; want a limit error", err)
	}
	if _, partial := influx.AsPartial(err); partial {
		t.Errorf("a limit error must not be a partial success: %v", err)
	}
	if !strings.Contains(err.Error(), "max-values-per-tag limit exceeded") {
		t.Errorf("error %v does not say which limit", err)
	}
}

// SplitWrite stops after its budget of writes and refuses the lines it
// could not isolate, naming why.
func TestSplitWriteBudget(t *testing.T) {
	writes := 0
	reject := func(context.Context, []byte, int) error {
		writes++
		return fmt.Errorf("influx write: %w", rejected)
	}
	body := strings.Repeat("m v=1i 1\n", 100)
	refused, err := influx.SplitWrite(context.Background(), reject, []byte(body), 100, 10)
	if err != nil || len(refused) != 100 || writes != 10 {
		t.Fatalf("refused %d, err %v after %d writes; want 100 refused after 10", len(refused), err, writes)
	}
	if !strings.Contains(refused[99].Reason, "too many") {
		t.Errorf("last refusal: %v", refused[99])
	}
	down := errors.New("connection refused")
	if _, err := influx.SplitWrite(context.Background(), func(context.Context, []byte, int) error { return down }, []byte(body), 100, 10); !errors.Is(err, down) {
		t.Errorf("an unreachable InfluxDB must be an error, got %v", err)
	}
}

// rejected is how the client reports InfluxDB's 400.
var rejected = &influxhttp.Error{StatusCode: 400, Code: "invalid", Message: "unable to parse"}
