// Command bench measures the PaperCut print-log import: it writes a year
// of printlog_yyyy_mm_dd.log files for -printers printers (one file a day,
// -jobs jobs per printer and working day on average, lines in the format
// PaperCut's manual documents; see paper.PaperCutDoc) to a temporary
// directory, then
//
//  1. reads them in this process with paper.Decode (parse + aggregate),
//     and prints lines/s and this process's peak RSS;
//  2. runs the real `kretslopp-collector import --format
//     papercut-printlog --site-map …` on all files against a throw-away
//     InfluxDB 1.8 (internal/influxserver), and prints lines/s, the
//     points in InfluxDB and the importer's peak RSS (from wait4's rusage).
//
// Targets (issue 12): ≥ 200,000 lines/s in ≤ 64 MB peak RSS.
//
//	go run ./collector/bench/paper -printers 400 -jobs 25
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/paper"
	"github.com/kretslopp/kretslopp/internal/influxserver"
)

func main() {
	printers := flag.Int("printers", 400, "printers in the logs")
	jobs := flag.Int("jobs", 25, "print jobs per printer and working day, on average")
	year := flag.Int("year", 2025, "the year the logs cover")
	sites := flag.Int("sites", 40, "sites in the site map (printers are spread over them)")
	bin := flag.String("collector", "bin/kretslopp-collector", "the collector binary (make build)")
	keep := flag.Bool("keep", false, "keep the generated logs")
	flag.Parse()
	ctx := context.Background()

	dir, err := os.MkdirTemp("", "papercut-bench-")
	if err != nil {
		log.Fatal(err)
	}
	if !*keep {
		defer os.RemoveAll(dir)
	}
	start := time.Now()
	files, lines, size, siteMap, err := generate(dir, *printers, *jobs, *year, *sites)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("generated %d print logs in %s: %d lines, %.0f MB, %d printers on %d sites (%v)\n",
		len(files), dir, lines, float64(size)/(1<<20), *printers, *sites, time.Since(start).Round(time.Second))

	// 1. In this process: parse and aggregate every file.
	fh, err := os.Open(siteMap)
	if err != nil {
		log.Fatal(err)
	}
	sm, err := paper.ReadSiteMap(ctx, fh, siteMap)
	fh.Close()
	if err != nil {
		log.Fatal(err)
	}
	start = time.Now()
	var rows, points int
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			log.Fatal(err)
		}
		res, err := paper.Decode(ctx, paper.FormatPaperCut, f, paper.Options{File: name, Sites: sm, Now: func() time.Time { return time.Date(*year+1, 1, 2, 0, 0, 0, 0, time.UTC) }})
		f.Close()
		if err != nil {
			log.Fatal(err)
		}
		if err := res.Err(); err != nil {
			log.Fatal(err)
		}
		rows += res.Rows
		points += len(res.Records)
	}
	d := time.Since(start)
	fmt.Printf("read+aggregate in process: %d lines in %v = %.0f lines/s, %.1f MB/s -> %d points; peak RSS of this process %s\n",
		rows, d.Round(time.Millisecond), float64(rows)/d.Seconds(), float64(size)/(1<<20)/d.Seconds(), points, peakRSS())

	// 2. The real importer against a real InfluxDB.
	idir, err := os.MkdirTemp("", "papercut-bench-influx-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(idir)
	srv, err := influxserver.Start(ctx, influxserver.Options{Dir: idir})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Stop()
	if err := srv.Exec(ctx, "CREATE DATABASE bench"); err != nil {
		log.Fatal(err)
	}
	args := append([]string{"import", "--format", "papercut-printlog", "--site-map", siteMap}, files...)
	cmd := exec.CommandContext(ctx, *bin, args...)
	cmd.Env = append(os.Environ(), "KRETSLOPP_CONFIG=", "KRETSLOPP_INFLUX_URL="+srv.URL, "KRETSLOPP_INFLUX_BUCKET=bench/autogen", "KRETSLOPP_LOG_LEVEL=warn")
	cmd.Stderr = os.Stderr
	start = time.Now()
	out, err := cmd.Output()
	d = time.Since(start)
	if err != nil {
		log.Fatalf("%s import: %v\n%s", *bin, err, out)
	}
	rss := "unknown"
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = fmt.Sprintf("%.1f MB", float64(ru.Maxrss)/1024) // Linux: kilobytes
	}
	fmt.Printf("kretslopp-collector import (real binary, real InfluxDB, monthly rollups included): %d lines in %v = %.0f lines/s; peak RSS of the importer %s\n",
		lines, d.Round(time.Millisecond), float64(lines)/d.Seconds(), rss)
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fmt.Println("    " + l)
	}
	var got strings.Builder
	q := exec.CommandContext(ctx, "curl", "-sG", srv.URL+"/query", "--data-urlencode", "db=bench", "--data-urlencode", `q=SELECT count("jobs_logged"), sum("jobs_logged") FROM "printing"`)
	q.Stdout = &got
	if err := q.Run(); err == nil {
		fmt.Println("    in InfluxDB:", strings.TrimSpace(got.String()))
	}
	fmt.Println("targets: >= 200000 lines/s, peak RSS <= 64 MB")
}

// generate writes one print log per day of the year (weekends lighter),
// and the site map. Names of people, workstations and documents are
// invented; the importer drops them.
func generate(dir string, printers, jobs, year, sites int) (files []string, lines, size int64, siteMap string, err error) {
	rng := rand.New(rand.NewPCG(uint64(year), 12))
	names := make([]string, printers)
	siteMap = filepath.Join(dir, "sites.csv")
	sm, err := os.Create(siteMap)
	if err != nil {
		return nil, 0, 0, "", err
	}
	fmt.Fprintln(sm, "printer,site")
	for i := range names {
		names[i] = fmt.Sprintf("PRN-%03d-%s", i, []string{"MFP", "Laser", "Plotter"}[i%3])
		fmt.Fprintf(sm, "%s,Site %02d\n", names[i], i%sites)
	}
	if err := sm.Close(); err != nil {
		return nil, 0, 0, "", err
	}
	docs := []string{"Protokoll.pdf", "Budget.xlsx", "Elevlista.xlsx", "Remiss.docx", "Schema.pdf", "Faktura 2025-118.pdf"}
	for d := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == year; d = d.AddDate(0, 0, 1) {
		n := printers * jobs
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			n /= 10
		}
		name := filepath.Join(dir, "printlog_"+d.Format("2006_01_02")+".log")
		f, err := os.Create(name)
		if err != nil {
			return nil, 0, 0, "", err
		}
		w := bufio.NewWriterSize(f, 1<<20)
		var b []byte
		for i := range n {
			at := d.Add(7*time.Hour + time.Duration(i)*10*time.Hour/time.Duration(n))
			pages := 1 + rng.IntN(20)
			colour := 0
			if rng.IntN(6) == 0 {
				colour = rng.IntN(pages + 1)
			}
			user := rng.IntN(20000)
			b = b[:0]
			b = append(b, at.Format("2006-01-02\t3:04:05 PM")...)
			b = append(b, "\tprintsrv0"...)
			b = strconv.AppendInt(b, int64(1+user%4), 10)
			b = append(b, '\t')
			b = append(b, names[rng.IntN(printers)]...)
			b = append(b, fmt.Sprintf("\tu%05d\tu%05d\tWS-%04d\t%s\t", user, user, user%3000, docs[rng.IntN(len(docs))])...)
			b = strconv.AppendInt(b, int64(pages), 10)
			b = append(b, '\t')
			b = strconv.AppendInt(b, int64(colour), 10)
			b = append(b, '\n')
			w.Write(b)
			size += int64(len(b))
		}
		lines += int64(n)
		if err := w.Flush(); err != nil {
			return nil, 0, 0, "", err
		}
		if err := f.Close(); err != nil {
			return nil, 0, 0, "", err
		}
		files = append(files, name)
	}
	return files, lines, size, siteMap, nil
}

// peakRSS is this process's peak resident set size (getrusage; Linux
// reports kilobytes).
func peakRSS() string {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return "unknown (" + err.Error() + ")"
	}
	return fmt.Sprintf("%.1f MB", float64(ru.Maxrss)/1024)
}
