package influxtest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/influx"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func TestWriteAndQueryRoundTrip(t *testing.T) {
	db := NewDatabase(t)
	c := db.Client(t)
	ts := time.Date(2020, 3, 16, 0, 0, 0, 0, time.UTC)
	err := c.Write(context.Background(), []influx.Point{{
		Measurement: "meetings",
		Tags:        map[string]string{"platform": "teams"},
		Fields:      map[string]any{"meetings": int64(42), "source": "test"},
		Time:        ts,
	}})
	if err != nil {
		t.Fatal(err)
	}
	got := db.Query(t, `SELECT meetings, source FROM meetings WHERE platform = 'teams'`)
	if len(got) != 1 || len(got[0].Values) != 1 {
		t.Fatalf("want one row, got %+v", got)
	}
	row := got[0].Values[0]
	if row[0] != "2020-03-16T00:00:00Z" || row[1] != float64(42) || row[2] != "test" {
		t.Fatalf("row = %v", row)
	}
}

func TestQueryErrorIsReported(t *testing.T) {
	db := NewDatabase(t)
	_, err := db.Client(t).Query(context.Background(), `SELEKT nonsense`)
	if err == nil {
		t.Fatal("want an error for invalid InfluxQL")
	}
}
