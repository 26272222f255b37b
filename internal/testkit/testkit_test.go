package testkit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// stopper records how Require stopped a test instead of stopping it.
type stopper struct {
	testing.TB
	how string
}

func (s *stopper) Helper()                        {}
func (s *stopper) Fatalf(format string, a ...any) { s.how = "fail: " + fmt.Sprintf(format, a...) }
func (s *stopper) Skipf(format string, a ...any)  { s.how = "skip: " + fmt.Sprintf(format, a...) }

func TestRequireFailsInCIAndSkipsElsewhere(t *testing.T) {
	for ci, want := range map[string]string{
		"true": "fail: dpkg-deb is required (CI=true): not on PATH",
		"":     "skip: dpkg-deb not available: not on PATH",
	} {
		t.Setenv("CI", ci)
		s := &stopper{TB: t}
		Require(s, "dpkg-deb", errors.New("not on PATH"))
		if s.how != want {
			t.Errorf("CI=%q: %q, want %q", ci, s.how, want)
		}
		s.how = ""
		Require(s, "dpkg-deb", nil)
		if s.how != "" {
			t.Errorf("CI=%q: stopped with nothing missing: %s", ci, s.how)
		}
	}
	t.Setenv("CI", "true")
	s := &stopper{TB: t}
	if Tool(s, "no-such-tool-kretslopp", "nor-this-one"); s.how == "" {
		t.Error("a missing tool did not fail under CI=true")
	}
	if p := Tool(t, "sh"); p == "" {
		t.Error("sh not found")
	}
}

func TestDatabaseRoundTrip(t *testing.T) {
	db := NewDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := db.Server.Exec(ctx, fmt.Sprintf(`CREATE RETENTION POLICY "probe" ON %q DURATION 1d REPLICATION 1`, db.Name)); err != nil {
		t.Fatal(err)
	}
	got := db.Query(t, `SHOW RETENTION POLICIES`)
	if len(got) != 1 || len(got[0].Values) != 2 || got[0].Values[1][0] != "probe" {
		t.Fatalf("retention policies %+v, want autogen and probe", got)
	}
	if _, err := db.TryQuery(ctx, `SELEKT nonsense`); err == nil {
		t.Fatal("want an error for invalid InfluxQL")
	}
}
