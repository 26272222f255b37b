package hostile

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/collector/internal/influxtest"
	"github.com/kretslopp/kretslopp/internal/schema"
	"github.com/kretslopp/kretslopp/internal/testkit"
)

// Attack 7: output that could be abused. Text that came from outside
// (an imported model name with HTML, a hostname with terminal escapes
// that an older collector stored) is printed harmless: Markdown without
// raw HTML, the terminal without control sequences.
func TestOutputCannotBeAbused(t *testing.T) {
	db := influxtest.NewDatabase(t)
	c := start(t, db, "")
	year := time.Now().Year()
	inventory := filepath.Join(t.TempDir(), "inventory.csv")
	csv := "Serial Number,Manufacturer,Model,Class,Purchase Date,Status,Status Date\n" +
		`HW-X,ACME,"<img src=x onerror=alert(1)>|*x*",laptop,2018-01-10,recycled,` + strconv.Itoa(year) + "-01-15\n"
	if err := os.WriteFile(inventory, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	c.Run(t, "import", "--format", "inventory", inventory)
	md := c.Run(t, "report", "--from", strconv.Itoa(year), "--to", strconv.Itoa(year), "--format", "md")
	must(t, strings.Contains(md, `&lt;img src=x onerror=alert(1)&gt;\|\*x\*`), "the model is not escaped in the Markdown report:\n%s", md)
	must(t, !strings.Contains(md, "<img"), "raw HTML in the Markdown report")

	// A device an older collector stored with escapes in its hostname.
	now := time.Now().Add(-time.Minute)
	fields := map[string]any{"hostname": "evil\x1b]0;pwned\x07host", "serial": "SN\u202eLIVE", "uptime_s": 10.0}
	daily := map[string]any{"hostname": fields["hostname"], "serial": fields["serial"], "last_seen": now.Unix()}
	if err := db.Client(t).Write(context.Background(), []influx.Point{
		{Measurement: schema.Device, Tags: map[string]string{"device_id": "old-device"}, Fields: fields, Time: now},
		{Measurement: schema.DeviceDaily, Tags: map[string]string{"device_id": "old-device"}, Fields: daily, Time: now.Truncate(24 * time.Hour)},
	}); err != nil {
		t.Fatal(err)
	}
	story := c.Run(t, "device", "old-device")
	must(t, strings.Contains(story, `evil\x1b]0;pwned\x07host`) && strings.Contains(story, `SN\u202eLIVE`), "device story does not show the escapes visibly:\n%q", story)
	must(t, !strings.ContainsAny(story, "\x1b\x07\u202e"), "raw control characters on the terminal: %q", story)
}

// Credentials in URLs are never printed: not by `config check`, not in the
// start-up log, not in an error.
func TestCredentialsInURLsAreRedacted(t *testing.T) {
	db := influxtest.NewDatabase(t)
	withPassword := strings.Replace(db.URL, "http://", "http://kretslopp:s3cret-pw@", 1)
	c := testkit.StartCollector(t, db.DB, testkit.CollectorOptions{AgentTokens: tokenLines, YAML: "lifecycle_interval: 0s\n", Env: []string{"KRETSLOPP_INFLUX_URL=" + withPassword}})
	out := c.Run(t, "config", "check")
	must(t, strings.Contains(out, "kretslopp:xxxxx@") && !strings.Contains(out, "s3cret-pw"), "config check:\n%s", out)
	must(t, strings.Contains(c.Log(), "collector serving") && !strings.Contains(c.Log(), "s3cret-pw"), "start-up log:\n%s", c.Log())

	cmd := c.Command(t, "device", "no-such-device")
	cmd.Env = append(cmd.Env, "KRETSLOPP_INFLUX_URL=http://kretslopp:s3cret-pw@127.0.0.1:1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	must(t, err != nil && stderr.Len() > 0 && !strings.Contains(stderr.String(), "s3cret-pw"), "an error with the URL: %v\n%s", err, stderr.String())
}

// A read-API lookup with a control character is "not found", without a
// query to InfluxDB or an ERROR in the log.
func TestReadAPILookupWithControlCharacter(t *testing.T) {
	db := influxtest.NewDatabase(t)
	const readToken = "read-token-helpdesk-0123456789"
	c := testkit.StartCollector(t, db.DB, testkit.CollectorOptions{AgentTokens: tokenLines, ReadTokens: []string{readToken}, YAML: "lifecycle_interval: 0s\n"})
	r, err := http.NewRequest(http.MethodGet, c.URL+"/api/v1/devices/evil%0Aid%1B", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Authorization", "Bearer "+readToken)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	must(t, resp.StatusCode == http.StatusNotFound, "status %d, want 404", resp.StatusCode)
	must(t, !strings.Contains(c.Log(), "level=ERROR"), "an ERROR in the log:\n%s", c.Log())
}
