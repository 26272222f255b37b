package paper

import (
	"bytes"
	"context"
	"fmt"
	"testing"
)

// BenchmarkDecodePrintLog streams one day of a 400-printer PaperCut print
// log (10,000 lines) through the reader and aggregation; see ./bench for
// a whole year through the real importer, with peak RSS.
func BenchmarkDecodePrintLog(b *testing.B) {
	var buf bytes.Buffer
	const lines = 10000
	for i := range lines {
		fmt.Fprintf(&buf, "2021-03-04\t%d:%02d:%02d AM\tprintsrv01\tPRN-%03d-MFP\tu%05d\tu%05d\tWS-%04d\tBudget %d.xlsx\t%d\t%d\n",
			1+i%12, i%60, i%60, i%400, i, i, i%3000, i, 1+i%20, i%2)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		res, err := Decode(context.Background(), FormatPaperCut, bytes.NewReader(data), Options{File: "bench.log", Now: testNow})
		if err != nil || res.BadRows != 0 || res.Rows != lines {
			b.Fatalf("err=%v bad=%d rows=%d %v", err, res.BadRows, res.Rows, res.Err())
		}
	}
	b.ReportMetric(float64(lines*b.N)/b.Elapsed().Seconds(), "lines/s")
}
