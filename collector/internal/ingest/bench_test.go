package ingest

import (
	"bytes"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/internal/testkit/agentsim"
)

// BenchmarkReportPath measures the collector's CPU per agent report:
// gunzip, protobuf decode, mapping and line-protocol encoding, everything
// but the HTTP server and InfluxDB.
func BenchmarkReportPath(b *testing.B) {
	ts := time.Now().Add(-time.Hour)
	body := agentsim.Protobuf(agentsim.Request(agentsim.Laptop(1).ResourceMetrics(ts)), true)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		data, err := readBody(bytes.NewReader(body), "gzip", 1<<20)
		if err != nil {
			b.Fatal(err)
		}
		req, err := Decode(data, Protobuf)
		if err != nil {
			b.Fatal(err)
		}
		mapped := Map(req, time.Now())
		if subs, _ := encode(mapped.Points, 5000); len(subs) != 1 {
			b.Fatal("no lines")
		}
	}
}
