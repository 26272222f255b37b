package ingest

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/auth"
	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/collector/internal/influxtest"
	"github.com/kretslopp/kretslopp/internal/schema"
)

func TestMain(m *testing.M) { os.Exit(influxtest.Main(m)) }

var (
	rinkeby   = auth.Identity{Name: "rinkeby", Site: "Rinkeby skola", Named: true}
	vallingby = auth.Identity{Name: "vallingby", Site: "Vällingby skola", Named: true}
)

// A device belongs to the first token that reports it; another token is
// refused with 403 and nothing changes for the owner.
func TestRegistryBindsToTheFirstToken(t *testing.T) {
	r := NewRegistry(100, 10, nil)
	r.MarkLoaded()
	a := r.Admit(rinkeby, "laptop-1")
	if a.Refused != nil || a.Binding == nil || !a.New || a.Binding.Tags["token"] != "rinkeby" || a.Binding.Fields["site"] != "Rinkeby skola" {
		t.Fatalf("first report: %+v", a)
	}
	if err := schema.Check(a.Binding.Measurement, a.Binding.Tags, a.Binding.Fields); err != nil {
		t.Error(err)
	}
	// Two devices bound at once are two points of the token's series.
	if b := r.Admit(rinkeby, "laptop-3"); !b.Binding.Time.After(a.Binding.Time) {
		t.Errorf("bindings at %s and %s: the second would overwrite the first", a.Binding.Time, b.Binding.Time)
	}
	// Not yet confirmed written: the binding comes again, but it is no
	// new device any more.
	if a := r.Admit(rinkeby, "laptop-1"); a.Refused != nil || a.Binding == nil || a.New {
		t.Errorf("second report before the write: %+v", a)
	}
	r.Confirm([]string{"laptop-1"})
	if a := r.Admit(rinkeby, "laptop-1"); a.Refused != nil || a.Binding != nil {
		t.Errorf("report after the write: %+v", a)
	}
	a = r.Admit(vallingby, "laptop-1")
	if a.Refused == nil || a.Refused.Status != http.StatusForbidden {
		t.Fatalf("another token: %+v, want 403", a)
	}
	if a := r.Admit(rinkeby, "laptop-1"); a.Refused != nil {
		t.Errorf("the owner after a forgery attempt: %+v", a.Refused)
	}
	// Tokens without a name are one group, as before names existed.
	old1, old2 := auth.Identity{Name: "sha256:aaaaaaaaaaaa"}, auth.Identity{Name: "sha256:bbbbbbbbbbbb"}
	if a := r.Admit(old1, "laptop-2"); a.Refused != nil || a.Binding.Tags["token"] != auth.UnnamedGroup {
		t.Errorf("unnamed token: %+v", a)
	}
	if a := r.Admit(old2, "laptop-2"); a.Refused != nil {
		t.Errorf("another unnamed token: %v", a.Refused)
	}
	if a := r.Admit(rinkeby, "laptop-2"); a.Refused == nil {
		t.Error("a named token may not write a device of the unnamed tokens")
	}
}

// The new-device budget: at most perHour at once, then perHour an hour;
// known devices are never counted, and each token has its own.
func TestRegistryNewDeviceBudget(t *testing.T) {
	now := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	r := NewRegistry(1000, 4, func() time.Time { return now })
	r.MarkLoaded()
	for _, id := range []string{"a", "b", "c", "d"} {
		if a := r.Admit(rinkeby, id); a.Refused != nil {
			t.Fatalf("device %s within the budget: %v", id, a.Refused)
		}
	}
	a := r.Admit(rinkeby, "e")
	if a.Refused == nil || a.Refused.Status != http.StatusTooManyRequests || a.Refused.Budget != "new_devices_per_hour" {
		t.Fatalf("fifth new device: %+v, want 429 naming the budget", a)
	}
	if a.Refused.RetryAfter <= 0 || a.Refused.RetryAfter > 15*time.Minute {
		t.Errorf("Retry-After %s, want up to a quarter of an hour (4 an hour)", a.Refused.RetryAfter)
	}
	if a := r.Admit(rinkeby, "a"); a.Refused != nil {
		t.Errorf("a known device over the budget: %v", a.Refused)
	}
	if a := r.Admit(vallingby, "x"); a.Refused != nil {
		t.Errorf("another token's budget: %v", a.Refused)
	}
	now = now.Add(15 * time.Minute)
	if a := r.Admit(rinkeby, "e"); a.Refused != nil {
		t.Errorf("after a quarter of an hour: %v", a.Refused)
	}
}

func TestRegistryMaxDevices(t *testing.T) {
	r := NewRegistry(2, 100, nil)
	r.MarkLoaded()
	r.Admit(rinkeby, "a")
	r.Admit(rinkeby, "b")
	if a := r.Admit(rinkeby, "c"); a.Refused == nil || a.Refused.Budget != "max_devices" {
		t.Errorf("third device with max_devices 2: %+v", a)
	}
	if r.Len() != 2 {
		t.Errorf("table holds %d devices", r.Len())
	}
}

// The table is rebuilt from InfluxDB: devices of device_daily are known
// (bound to the next token that reports them, without a budget), bindings
// are the newest per device, and a refresh picks up what another collector
// or `device move` wrote.
func TestRegistryLoadAndRefreshFromInfluxDB(t *testing.T) {
	db := influxtest.NewDatabase(t)
	c := db.Client(t)
	ctx := context.Background()
	t0 := time.Now().Add(-time.Hour)
	daily := func(id string) influx.Point {
		return influx.Point{Measurement: schema.DeviceDaily, Tags: map[string]string{"device_id": id}, Fields: map[string]any{"uptime_s": 1.0}, Time: day(t0)}
	}
	if err := c.Write(ctx, []influx.Point{
		daily("old-laptop"), daily("moved-laptop"),
		*BindingPoint("moved-laptop", rinkeby, ReasonFirstReport, t0),
		*BindingPoint("moved-laptop", vallingby, ReasonMove, t0.Add(time.Minute)),
	}); err != nil {
		t.Fatal(err)
	}
	r := NewRegistry(100, 1, nil)
	if r.Ready() {
		t.Fatal("ready before loading")
	}
	if err := r.Load(ctx, c, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if !r.Ready() || r.Len() != 2 {
		t.Fatalf("ready %v with %d devices, want 2", r.Ready(), r.Len())
	}
	if a := r.Admit(rinkeby, "moved-laptop"); a.Refused == nil || a.Refused.Status != http.StatusForbidden {
		t.Errorf("moved-laptop belongs to vallingby now: %+v", a)
	}
	if a := r.Admit(vallingby, "moved-laptop"); a.Refused != nil || a.Binding != nil {
		t.Errorf("vallingby's own device: %+v", a)
	}
	// Known before bindings existed: bound now, not counted as new.
	if a := r.Admit(rinkeby, "old-laptop"); a.Refused != nil || a.New || a.Binding == nil || a.Binding.Fields["reason"] != ReasonKnown {
		t.Errorf("old-laptop: %+v", a)
	}
	// The budget of 1 is still whole: a genuinely new device gets it.
	if a := r.Admit(rinkeby, "new-laptop"); a.Refused != nil || !a.New {
		t.Errorf("new-laptop: %+v", a)
	}
	// Another collector binds a device; the refresh brings it here.
	if err := c.Write(ctx, []influx.Point{*BindingPoint("elsewhere", vallingby, ReasonFirstReport, time.Now())}); err != nil {
		t.Fatal(err)
	}
	if err := r.Refresh(ctx, c); err != nil {
		t.Fatal(err)
	}
	if a := r.Admit(rinkeby, "elsewhere"); a.Refused == nil || a.Refused.Status != http.StatusForbidden {
		t.Errorf("a device another collector bound: %+v", a)
	}
	owners, err := Bindings(ctx, c)
	if err != nil || owners["moved-laptop"] != "vallingby" || owners["elsewhere"] != "vallingby" {
		t.Errorf("Bindings = %v, %v", owners, err)
	}
}
