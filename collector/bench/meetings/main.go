// Command bench measures the Teams user-detail reader: it writes a
// getTeamsUserActivityUserDetail CSV with -users rows (UTF-8 BOM, every
// column Graph writes) to a temporary file, streams it through
// meetings.Decode (parse + aggregation), and prints rows/s and the peak
// resident set size. With -influx-url it also imports the result into that
// InfluxDB (-bucket db/rp) and times the write.
//
//	go run ./collector/bench/meetings -users 50000 -repeat 5
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/collector/internal/meetings"
)

func main() {
	users := flag.Int("users", 50000, "rows (users) in the generated report")
	repeat := flag.Int("repeat", 5, "times the file is read")
	influxURL := flag.String("influx-url", "", "also import into this InfluxDB (e.g. http://127.0.0.1:8086)")
	bucket := flag.String("bucket", "kretslopp/autogen", "bucket (1.8: db/rp) for -influx-url")
	flag.Parse()

	f, err := os.CreateTemp("", "teams-user-detail-*.csv")
	if err != nil {
		log.Fatal(err)
	}
	defer os.Remove(f.Name())
	size, err := generate(f, *users)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("generated %s: %d users, %.1f MB\n", f.Name(), *users, float64(size)/(1<<20))

	var best time.Duration
	var res *meetings.Result
	for i := 0; i < *repeat; i++ {
		if _, err := f.Seek(0, 0); err != nil {
			log.Fatal(err)
		}
		start := time.Now()
		res, err = meetings.Decode(context.Background(), meetings.FormatTeamsUserDetail, f, meetings.Options{File: f.Name()})
		if err != nil {
			log.Fatal(err)
		}
		if res.BadRows > 0 {
			log.Fatal(res.Err())
		}
		if d := time.Since(start); best == 0 || d < best {
			best = d
		}
	}
	rate := float64(res.Rows) / best.Seconds()
	fmt.Printf("read+aggregate: %d rows in %v (best of %d) = %.0f rows/s, %.1f MB/s -> %d points\n",
		res.Rows, best.Round(time.Millisecond), *repeat, rate, float64(size)/(1<<20)/best.Seconds(), len(res.Records))

	if *influxURL != "" {
		c, err := influx.New(influx.Config{URL: *influxURL, Bucket: *bucket}, nil)
		if err != nil {
			log.Fatal(err)
		}
		start := time.Now()
		if err := c.Write(context.Background(), meetings.Points(res.Records)); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("import into InfluxDB: %d points in %v\n", len(res.Records), time.Since(start).Round(time.Millisecond))
		c.Close()
	}
	runtime.GC()
	fmt.Printf("peak RSS: %s (target <= 64 MB); targets: >= 100000 rows/s\n", peakRSS())
}

// generate writes a user-detail report; durations alternate between the
// ISO 8601 and seconds columns as Graph writes both.
func generate(f *os.File, users int) (int64, error) {
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("\ufeffReport Refresh Date,Tenant Display Name,Shared Channel Tenant Display Names,User Id,User Principal Name,Last Activity Date,Is Deleted,Deleted Date,Assigned Products,Team Chat Message Count,Private Chat Message Count,Call Count,Meeting Count,Post Messages,Reply Messages,Urgent Messages,Meetings Organized Count,Meetings Attended Count,Ad Hoc Meetings Organized Count,Ad Hoc Meetings Attended Count,Scheduled One-time Meetings Organized Count,Scheduled One-time Meetings Attended Count,Scheduled Recurring Meetings Organized Count,Scheduled Recurring Meetings Attended Count,Audio Duration,Video Duration,Screen Share Duration,Audio Duration In Seconds,Video Duration In Seconds,Screen Share Duration In Seconds,Has Other Action,Is Licensed,Report Period\r\n")
	var b []byte
	for i := 0; i < users; i++ {
		m := i % 17
		audio := (i % 9) * 1800
		b = b[:0]
		b = append(b, "2021-03-31,Exempelkommunen,,"...)
		b = append(b, fmt.Sprintf("%08x-0000-4000-8000-%012x,user%d@kommun.example.se,2021-03-30,False,,\"Microsoft 365 E3+Microsoft Teams\",", i, i, i)...)
		for _, n := range []int{i % 40, i % 55, i % 4, m, 0, i % 3, 0, m / 3, m - m/3, m / 6, m / 5, m / 6, m / 5, m / 6, m / 5} {
			b = strconv.AppendInt(b, int64(n), 10)
			b = append(b, ',')
		}
		b = append(b, fmt.Sprintf("PT%dH%dM0S,PT%dM,PT%dM,%d,%d,%d,No,Yes,7\r\n", audio/3600, audio%3600/60, audio/120, audio/300, audio, audio/2, audio/5)...)
		w.Write(b)
	}
	if err := w.Flush(); err != nil {
		return 0, err
	}
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// peakRSS reads VmHWM from /proc/self/status (Linux).
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, _ := strconv.Atoi(strings.Fields(line)[1])
			return fmt.Sprintf("%.1f MB", float64(kb)/1024)
		}
	}
	return "unknown"
}
