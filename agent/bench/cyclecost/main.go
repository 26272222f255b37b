//go:build linux

// Command cyclecost splits the agent's CPU time per cycle into its phases
// (read, encode+gzip, spool append, send+ack) with getrusage, against a
// loopback sink, to show where a cycle's time goes.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"syscall"
	"time"

	"github.com/kretslopp/kretslopp/agent/internal/inventory"
	"github.com/kretslopp/kretslopp/agent/internal/report"
	"github.com/kretslopp/kretslopp/agent/internal/sender"
	"github.com/kretslopp/kretslopp/agent/internal/spool"
)

func cpu() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func main() {
	n := flag.Int("n", 200, "cycles")
	sysfs := flag.String("sysfs", "/sys", "sysfs root")
	dir := flag.String("dir", "", "spool folder (default: a temporary folder)")
	sleep := flag.Duration("sleep", 0, "pause between cycles, as in a running agent (caches go cold)")
	flag.Parse()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	if *dir == "" {
		d, err := os.MkdirTemp("", "cyclecost")
		if err != nil {
			panic(err)
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	sp, err := spool.Open(spool.Options{Dir: *dir, MaxBytes: 50 << 20, MaxAge: 24 * time.Hour})
	if err != nil {
		panic(err)
	}
	defer sp.Close()
	snd, _ := sender.New(sender.Options{URL: srv.URL})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	r := inventory.NewReader(inventory.Options{SysfsRoot: *sysfs}, log)
	ctx := context.Background()
	var tRead, tEnc, tAppend, tSend time.Duration
	for range *n {
		time.Sleep(*sleep)
		c0 := cpu()
		s, _ := r.Read(ctx)
		c1 := cpu()
		body := sender.Gzip(report.Build(s, 0).Marshal())
		c2 := cpu()
		if _, err := sp.Append(body, s.Time, 0); err != nil {
			panic(err)
		}
		c3 := cpu()
		if _, err := sender.Deliver(ctx, snd, sp, log); err != nil {
			panic(err)
		}
		c4 := cpu()
		tRead += c1 - c0
		tEnc += c2 - c1
		tAppend += c3 - c2
		tSend += c4 - c3
	}
	per := func(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/float64(*n)/1e6) }
	fmt.Printf("per cycle (n=%d): read %s, encode+gzip %s, spool append %s, send+ack %s (includes the in-process sink), total %s\n",
		*n, per(tRead), per(tEnc), per(tAppend), per(tSend), per(tRead+tEnc+tAppend+tSend))
}
