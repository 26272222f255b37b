package ingest

import (
	"testing"
	"time"

	"github.com/influxdata/line-protocol/v2/lineprotocol"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/kretslopp/kretslopp/internal/schema"
	"github.com/kretslopp/kretslopp/internal/testkit/agentsim"
)

// FuzzDecodeAndMap feeds arbitrary bodies through the path an agent's
// request takes. It must never panic, and every point it produces must be
// one InfluxDB can store.
func FuzzDecodeAndMap(f *testing.F) {
	ts := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	report := agentsim.Request(agentsim.Laptop(1).ResourceMetrics(ts))
	pb := agentsim.Protobuf(report, false)
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
		// Every data point is accounted for exactly once.
		total := 0
		for _, rm := range req.GetResourceMetrics() {
			total += countPoints(rm)
		}
		if got := mapped.Accepted + mapped.Rejected + mapped.Ignored; got != total {
			t.Fatalf("%d data points, but %d accepted + %d rejected + %d ignored", total, mapped.Accepted, mapped.Rejected, mapped.Ignored)
		}
		if mapped.Accepted == 0 && len(mapped.Points) > 0 {
			t.Fatalf("%d points written from no accepted data point", len(mapped.Points))
		}
		for _, p := range mapped.Points {
			if p.Tags["device_id"] == "" {
				t.Fatalf("point without device_id: %+v", p)
			}
			if err := schema.Check(p.Measurement, p.Tags, p.Fields); err != nil {
				t.Fatal(err)
			}
		}
		// What the handler would send must be valid line protocol: the
		// checks at the door leave nothing the encoder refuses.
		var lines []byte
		for _, p := range mapped.Points {
			var err error
			if lines, err = p.AppendLine(lines); err != nil {
				t.Fatalf("mapped a point line protocol cannot carry: %v", err)
			}
		}
		for _, s := range []struct{ body []byte }{{lines}} {
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
