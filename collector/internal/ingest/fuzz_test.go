package ingest

import (
	"testing"
	"time"

	"github.com/influxdata/line-protocol/v2/lineprotocol"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/kretslopp/kretslopp/collector/internal/ingest/ingesttest"
)

// FuzzDecodeAndMap feeds arbitrary bodies through the path an agent's
// request takes. It must never panic, and every point it produces must be
// one InfluxDB can store.
func FuzzDecodeAndMap(f *testing.F) {
	ts := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	report := ingesttest.Request(ingesttest.Laptop(1).ResourceMetrics(ts))
	pb := ingesttest.Protobuf(report, false)
	js, _ := protojson.Marshal(report)
	f.Add(pb, false)
	f.Add(js, true)
	f.Add([]byte(`{"resourceMetrics":[{"resource":{"attributes":[{"key":"host.id","value":{"stringValue":"x"}}]},"scopeMetrics":[{"metrics":[{"name":"system.uptime","gauge":{"dataPoints":[{"timeUnixNano":"1","asDouble":"NaN"}]}}]}]}]}`), true)
	f.Add([]byte(`{"resourceMetrics":[{"resource":{"attributes":[{"key":"host.id","value":{"stringValue":"a\nb"}},{"key":"kretslopp.label.Site","value":{"stringValue":"x"}}]},"scopeMetrics":[{"metrics":[{"name":"hw.battery.charge","sum":{"dataPoints":[{"timeUnixNano":"5","asInt":"3","attributes":[{"key":"hw.id","value":{"stringValue":"B\"0"}}]}]}}]}]}]}`), true)
	f.Add([]byte{0x0a, 0x02, 0x0a, 0x00}, false)
	f.Fuzz(func(t *testing.T, body []byte, isJSON bool) {
		enc := Protobuf
		if isJSON {
			enc = JSON
		}
		req, err := Decode(body, enc)
		if err != nil {
			if StatusOf(err) != 400 {
				t.Fatalf("decode error with status %d", StatusOf(err))
			}
			return
		}
		mapped := Map(req, ts)
		if mapped.Rejected < 0 || mapped.Accepted < 0 {
			t.Fatalf("negative counts %+v", mapped)
		}
		for _, p := range mapped.Points {
			if p.Tags["device_id"] == "" {
				t.Fatalf("point without device_id: %+v", p)
			}
		}
		// What the handler would send must be valid line protocol.
		subs, _ := encode(mapped.Points, 5000)
		for _, s := range subs {
			dec := lineprotocol.NewDecoderWithBytes(s.body)
			for dec.Next() {
				if _, err := dec.Measurement(); err != nil {
					t.Fatalf("invalid line protocol %q: %v", s.body, err)
				}
				for {
					key, _, err := dec.NextTag()
					if err != nil {
						t.Fatalf("invalid tag in %q: %v", s.body, err)
					}
					if key == nil {
						break
					}
				}
				for {
					key, _, err := dec.NextField()
					if err != nil {
						t.Fatalf("invalid field in %q: %v", s.body, err)
					}
					if key == nil {
						break
					}
				}
				if _, err := dec.Time(lineprotocol.Nanosecond, time.Time{}); err != nil {
					t.Fatalf("invalid time in %q: %v", s.body, err)
				}
			}
		}
	})
}
