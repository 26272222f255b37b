// Command spoolsize fills a fresh spool with the batches of N days at a
// given interval while the collector is unreachable, using the agent's own
// reader, encoder and spool, and prints "batches logical_bytes file_bytes".
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/kretslopp/kretslopp/agent/internal/inventory"
	"github.com/kretslopp/kretslopp/agent/internal/report"
	"github.com/kretslopp/kretslopp/agent/internal/sender"
	"github.com/kretslopp/kretslopp/agent/internal/spool"
)

func main() {
	days := flag.Int("days", 7, "days offline")
	interval := flag.Duration("interval", 15*time.Minute, "report interval")
	sysfs := flag.String("sysfs", "/sys", "sysfs root")
	flag.Parse()
	if err := run(*days, *interval, *sysfs); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(days int, interval time.Duration, sysfs string) error {
	dir, err := os.MkdirTemp("", "kretslopp-spoolsize")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	sp, err := spool.Open(spool.Options{Dir: dir, MaxBytes: 50 << 20, MaxAge: 90 * 24 * time.Hour})
	if err != nil {
		return err
	}
	defer sp.Close()
	r := inventory.NewReader(inventory.Options{SysfsRoot: sysfs, AgentVersion: "bench",
		Labels: map[string]string{"site": "Rinkeby skola", "department": "utbildning"}}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	n := int(time.Duration(days) * 24 * time.Hour / interval)
	start := time.Now().Add(-time.Duration(days) * 24 * time.Hour)
	for i := range n {
		s, _ := r.Read(context.Background())
		s.Time = start.Add(time.Duration(i) * interval)
		if _, err := sp.Append(sender.Gzip(report.Build(s, 0).Marshal()), s.Time, 0); err != nil {
			return err
		}
	}
	st, err := sp.Stats()
	if err != nil {
		return err
	}
	fi, err := os.Stat(dir + "/" + spool.FileName)
	if err != nil {
		return err
	}
	fmt.Println(st.Depth, st.Bytes, fi.Size())
	return nil
}
