package ingest

import (
	"bytes"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/auth"
	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/internal/testkit/agentsim"
)

var token = auth.Identity{Name: "rinkeby", Site: "rinkeby-skola"}

// BenchmarkReportPath measures the collector's CPU per agent report:
// gunzip, the decode-cost walk, protobuf decode, mapping with the checks
// at the door and line-protocol encoding, everything but the HTTP server,
// the device table and InfluxDB.
func BenchmarkReportPath(b *testing.B) {
	ts := time.Now().Add(-time.Hour)
	body := agentsim.Protobuf(agentsim.Request(agentsim.Laptop(1).ResourceMetrics(ts)), true)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		data, err := readBody(bytes.NewReader(body), "gzip", 1<<20, nil)
		if err != nil {
			b.Fatal(err)
		}
		if decodeCost(data, 4<<20) > 4<<20 {
			b.Fatal("over the decode bound")
		}
		req, err := Decode(data, Protobuf)
		if err != nil {
			b.Fatal(err)
		}
		var lines []byte
		if _, err := MapTo(req, MapOptions{Now: time.Now(), MaxAge: 97 * 24 * time.Hour, MaxResources: 100, MaxLabels: 16, Token: token}, func(p influx.Point) error {
			lines, err = p.AppendLine(lines)
			return err
		}); err != nil || len(lines) == 0 {
			b.Fatal("no lines", err)
		}
	}
}
