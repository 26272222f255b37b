// Command sink is the benchmark's loopback HTTP receiver: it accepts any POST
// (OTLP /v1/metrics from the agent, /api/v2/write from Telegraf), counts
// requests and bytes per path, and answers GET /count?path=P with
// "requests bytes" (all paths without ?path).
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
)

func main() {
	portFile := flag.String("port-file", "", "write the chosen port here")
	flag.Parse()
	// Counts per request path, so that the agent (/v1/metrics) and the
	// reference (/api/v2/write) can post to one sink at the same time.
	var mu sync.Mutex
	type tally struct{ reqs, bytes int64 }
	counts := map[string]*tally{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /count", func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.Query().Get("path")
		var t tally
		mu.Lock()
		for p, c := range counts {
			if path == "" || p == path {
				t.reqs += c.reqs
				t.bytes += c.bytes
			}
		}
		mu.Unlock()
		fmt.Fprintf(w, "%d %d\n", t.reqs, t.bytes)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		mu.Lock()
		c := counts[r.URL.Path]
		if c == nil {
			c = &tally{}
			counts[r.URL.Path] = c
		}
		c.reqs++
		c.bytes += n
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if *portFile != "" {
		if err := os.WriteFile(*portFile, []byte(fmt.Sprint(port)), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	if err := http.Serve(ln, mux); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
