//go:build unix

package sender_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/agent/internal/sender"
	"github.com/kretslopp/kretslopp/agent/internal/spool"
)

// TestMain lets the test binary act as the crash-test child.
func TestMain(m *testing.M) {
	if os.Getenv("KRETSLOPP_KILLTEST_CHILD") == "1" {
		os.Exit(killChild())
	}
	os.Exit(m.Run())
}

// killChild appends numbered batches and delivers them until killed; with
// KRETSLOPP_KILLTEST_DRAIN it only delivers what is queued and exits.
func killChild() int {
	dir, url := os.Getenv("KRETSLOPP_KILLTEST_DIR"), os.Getenv("KRETSLOPP_KILLTEST_URL")
	base, _ := strconv.Atoi(os.Getenv("KRETSLOPP_KILLTEST_BASE"))
	sp, err := spool.Open(spool.Options{Dir: dir, MaxBytes: 50 << 20, MaxAge: 24 * time.Hour})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		return 1
	}
	snd, err := sender.New(sender.Options{URL: url})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	if os.Getenv("KRETSLOPP_KILLTEST_DRAIN") == "1" {
		if _, err := sender.Deliver(ctx, snd, sp, log); err != nil {
			fmt.Fprintln(os.Stderr, "drain:", err)
			return 1
		}
		sp.Close()
		return 0
	}
	for n := 0; ; n++ {
		id := base + n
		if _, err := sp.Append(sender.Gzip([]byte(fmt.Sprintf("batch-%d", id))), time.Now(), 0); err != nil {
			fmt.Fprintln(os.Stderr, "append:", err)
			return 1
		}
		fmt.Printf("committed %d\n", id)
		if n%3 == 0 {
			if _, err := sender.Deliver(ctx, snd, sp, log); err != nil {
				fmt.Fprintln(os.Stderr, "deliver:", err)
				return 1
			}
		}
	}
}

func TestSpoolSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	var mu sync.Mutex
	received := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		body, err := io.ReadAll(zr)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		mu.Lock()
		received[string(body)]++
		mu.Unlock()
		time.Sleep(time.Duration(rand.IntN(3)) * time.Millisecond)
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	dir := t.TempDir()
	committed := map[string]bool{}
	env := func(extra ...string) []string {
		e := append(os.Environ(), "KRETSLOPP_KILLTEST_CHILD=1", "KRETSLOPP_KILLTEST_DIR="+dir, "KRETSLOPP_KILLTEST_URL="+srv.URL)
		return append(e, extra...)
	}
	for round := range 8 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = env(fmt.Sprintf("KRETSLOPP_KILLTEST_BASE=%d", round*1_000_000))
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1024)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Wait until the child works, then kill it at a random moment.
		first, ok := <-lines
		if !ok {
			cmd.Wait()
			t.Fatalf("round %d: child produced nothing (spool did not open?)", round)
		}
		time.Sleep(time.Duration(10+rand.IntN(150)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("round %d: child exited by itself: %v", round, err)
		}
		for _, l := range append([]string{first}, drain(lines)...) {
			if id, ok := strings.CutPrefix(l, "committed "); ok {
				committed["batch-"+id] = true
			}
		}
	}
	// Restart once more and let it deliver everything left.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = env("KRETSLOPP_KILLTEST_DRAIN=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("drain: %v\n%s", err, out)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(committed) < 8 {
		t.Fatalf("only %d batches committed", len(committed))
	}
	twice := 0
	for id := range committed {
		switch n := received[id]; {
		case n == 0:
			t.Errorf("%s was committed but never delivered", id)
		case n == 2:
			// Acknowledged, then killed before its delete was committed:
			// resent once.
			twice++
		case n > 2:
			t.Errorf("%s delivered %d times", id, n)
		}
	}
	// Per kill at most two: the acknowledged batch whose delete waits for
	// the next commit, and the one in flight when the kill came.
	if twice > 2*8 {
		t.Errorf("%d batches resent, at most two per kill expected", twice)
	}
	sp, err := spool.Open(spool.Options{Dir: dir, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	if st, _ := sp.Stats(); st.Depth != 0 {
		t.Errorf("spool not empty after drain: %+v", st)
	}
	t.Logf("%d batches committed over 8 kills, %d resent once", len(committed), twice)
}

func drain(c <-chan string) []string {
	var out []string
	for l := range c {
		out = append(out, l)
	}
	return out
}
