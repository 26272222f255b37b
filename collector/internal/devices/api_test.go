package devices_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/devices"
	"github.com/kretslopp/kretslopp/collector/internal/devices/devicestest"
	"github.com/kretslopp/kretslopp/collector/internal/influxtest"
	"github.com/kretslopp/kretslopp/internal/testkit"
)

const readToken = testkit.ReadToken

func get(t *testing.T, url, token string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestReadAPI(t *testing.T) {
	db := influxtest.NewDatabase(t)
	now := time.Now().UTC()
	c := testkit.StartCollector(t, db.DB, testkit.CollectorOptions{ReadTokens: []string{readToken}})
	devicestest.Fill(t, c.URL, now)
	api := c.URL + "/api/v1/devices"

	for name, tok := range map[string]string{"no token": "", "wrong token": "read-token-wrong-0123456789", "agent token": testkit.AgentToken} {
		for _, u := range []string{api, api + "/device-000001"} {
			if code, body := get(t, u, tok); code != http.StatusUnauthorized {
				t.Errorf("%s on %s: %d %s, want 401", name, u, code, body)
			}
		}
	}
	if code, _ := get(t, api+"/no-such-device", readToken); code != http.StatusNotFound {
		t.Errorf("unknown device: %d, want 404", code)
	}
	if code, _ := get(t, api+"?flag=bogus", readToken); code != http.StatusBadRequest {
		t.Errorf("unknown flag: %d, want 400", code)
	}

	code, body := get(t, api+"/skola-lap-0002", readToken)
	if code != http.StatusOK {
		t.Fatalf("device: %d %s", code, body)
	}
	var d map[string]any
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatal(err)
	}
	if d["device_id"] != "device-000002" || d["boots_30d"] != 0.0 || len(d["batteries"].([]any)) != 2 {
		t.Errorf("device 2: %s", body)
	}
	flags, _ := json.Marshal(d["flags"])
	if string(flags) != `["battery_health_below_80","battery_cycles_over_1000","not_rebooted_30d"]` {
		t.Errorf("flags %s", flags)
	}

	code, body = get(t, api+"?flag=not_seen_14d", readToken)
	var list devices.ListResponse
	if err := json.Unmarshal(body, &list); code != http.StatusOK || err != nil {
		t.Fatalf("list: %d %v %s", code, err, body)
	}
	if list.Count != 1 || list.Devices[0].ID != "device-000003" || list.Devices[0].Hostname != "kontor-lap-0003" {
		t.Errorf("not seen list: %s", body)
	}
	code, body = get(t, api, readToken)
	if err := json.Unmarshal(body, &list); code != http.StatusOK || err != nil || list.Count != 3 {
		t.Errorf("full list: %d %s", code, body)
	}

	// The story as text, for the device command.
	story, err := devices.Story(t.Context(), db.Client(t), "device-000001", now)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := devices.WriteStory(&buf, story, now); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"skola-lap-0001", "boots in 30 days 3", "battery BAT0 health 87.0 %, cycles 359", "per 90 days: health -4.5 pp, cycles +90.0", "flags none"} {
		if !strings.Contains(strings.Join(strings.Fields(buf.String()), " "), s) {
			t.Errorf("story lacks %q:\n%s", s, buf.String())
		}
	}
}
