package meetings

import (
	"bytes"
	"context"
	"fmt"
	"testing"
)

// BenchmarkDecodeUserDetail streams a 50,000-user getTeamsUserActivityUserDetail
// report through the reader and aggregation; see also ./bench for rows/s
// and peak RSS on a file.
func BenchmarkDecodeUserDetail(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("\ufeffReport Refresh Date,User Id,User Principal Name,Is Deleted,Meeting Count,Meetings Organized Count,Meetings Attended Count,Ad Hoc Meetings Organized Count,Scheduled One-time Meetings Organized Count,Scheduled Recurring Meetings Organized Count,Call Count,Audio Duration,Audio Duration In Seconds,Video Duration In Seconds,Screen Share Duration In Seconds,Is Licensed,Report Period\r\n")
	const users = 50000
	for i := 0; i < users; i++ {
		fmt.Fprintf(&buf, "2021-03-31,%08x-0000-4000-8000-%012x,user%d@kommun.example.se,False,%d,%d,%d,%d,%d,%d,%d,PT%dM,%d,%d,%d,Yes,7\r\n",
			i, i, i, i%17, i%5, i%13, i%2, i%3, i%4, i%6, i%90, i%90*60, i%30*60, i%10*60)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		res, err := Decode(context.Background(), FormatTeamsUserDetail, bytes.NewReader(data), Options{File: "bench.csv", Now: testNow})
		if err != nil || res.BadRows != 0 || res.Rows != users {
			b.Fatalf("err=%v bad=%d rows=%d", err, res.BadRows, res.Rows)
		}
	}
	b.ReportMetric(float64(users*b.N)/b.Elapsed().Seconds(), "rows/s")
}
