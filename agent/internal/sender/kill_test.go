//go:build unix

package sender_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
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
// KRETSLOPP_KILLTEST_DRAIN it only delivers what is queued and exits. Every
// request carries the process's round in its User-Agent, so that the
// receiver knows which process sent what, however late a request from a
// killed process arrives.
func killChild() int {
	dir, url := os.Getenv("KRETSLOPP_KILLTEST_DIR"), os.Getenv("KRETSLOPP_KILLTEST_URL")
	round, _ := strconv.Atoi(os.Getenv("KRETSLOPP_KILLTEST_ROUND"))
	sp, err := spool.Open(spool.Options{Dir: dir, MaxBytes: 50 << 20, MaxAge: 24 * time.Hour})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		return 1
	}
	snd, err := sender.New(sender.Options{URL: url, UserAgent: "round-" + strconv.Itoa(round)})
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
		if err := sp.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "close:", err)
			return 1
		}
		return 0
	}
	for n := 0; ; n++ {
		id := round*1_000_000 + n
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

// TestSpoolSurvivesSIGKILL kills a process that appends and delivers at
// random moments, restarts it, and checks the at-least-once bound the spool
// gives (see the package comment of spool):
//
//   - every committed batch is delivered;
//   - one process never sends a batch twice;
//   - a batch is sent again only by a process started after a kill, and per
//     kill at most two batches are: the acknowledged one whose delete waits
//     for the next commit, and the one in flight (the receiver counted it,
//     the answer did not arrive). So a batch arrives at most once per kill
//     that lands between its delivery and its delete's commit, plus once.
//
// The assertion counts per process (the round is in the User-Agent), not
// per wall-clock moment, so where a kill lands on a loaded machine changes
// which batches are resent, never whether the bound holds.
func TestSpoolSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	const kills = 8
	var mu sync.Mutex
	sentBy := map[string][]int{} // batch -> rounds that delivered it, in arrival order
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		round, err := strconv.Atoi(strings.TrimPrefix(r.UserAgent(), "round-"))
		if err != nil {
			http.Error(w, "no round in User-Agent", 400)
			return
		}
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
		sentBy[string(body)] = append(sentBy[string(body)], round)
		mu.Unlock()
		time.Sleep(time.Duration(rand.IntN(3)) * time.Millisecond)
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	dir := t.TempDir()
	committed := map[string]bool{}
	env := func(round int, extra ...string) []string {
		e := append(os.Environ(), "KRETSLOPP_KILLTEST_CHILD=1", "KRETSLOPP_KILLTEST_DIR="+dir,
			"KRETSLOPP_KILLTEST_URL="+srv.URL, fmt.Sprintf("KRETSLOPP_KILLTEST_ROUND=%d", round))
		return append(e, extra...)
	}
	for round := range kills {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = env(round)
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
	cmd.Env = env(kills, "KRETSLOPP_KILLTEST_DRAIN=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("drain: %v\n%s", err, out)
	}
	srv.Close() // waits for every request still being handled
	mu.Lock()
	defer mu.Unlock()
	if len(committed) < kills {
		t.Fatalf("only %d batches committed", len(committed))
	}
	for id := range committed {
		if len(sentBy[id]) == 0 {
			t.Errorf("%s was committed but never delivered", id)
		}
	}
	// resentAfter[k] are the batches delivered by round k or earlier and
	// again by a later round: they were delivered but not yet deleted when
	// kill k came.
	resentAfter := make([]map[string]bool, kills)
	for k := range resentAfter {
		resentAfter[k] = map[string]bool{}
	}
	resent, most := 0, 0
	for id, rounds := range sentBy {
		most = max(most, len(rounds))
		seen := map[int]bool{}
		for _, r := range rounds {
			if seen[r] {
				t.Errorf("%s sent twice by the process of round %d (rounds %v)", id, r, rounds)
			}
			seen[r] = true
		}
		first, last := slices.Min(rounds), slices.Max(rounds)
		for k := first; k < last; k++ {
			resentAfter[k][id] = true
		}
		if len(rounds) > 1 {
			resent++
		}
		// Once per kill in between, plus the first delivery.
		if len(rounds) > 1+(last-first) {
			t.Errorf("%s delivered %d times by rounds %v: more than once per kill in between, plus once", id, len(rounds), rounds)
		}
	}
	for k, ids := range resentAfter {
		if len(ids) > 2 {
			t.Errorf("kill %d: %d batches were delivered but not deleted when it came (%v); the spool allows two (one acknowledged, one in flight)", k, len(ids), slices.Sorted(maps.Keys(ids)))
		}
	}
	sp, err := spool.Open(spool.Options{Dir: dir, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	if st, _ := sp.Stats(); st.Depth != 0 {
		t.Errorf("spool not empty after drain: %+v", st)
	}
	t.Logf("%d batches committed over %d kills, %d resent, at most %d deliveries of one batch", len(committed), kills, resent, most)
}

func drain(c <-chan string) []string {
	var out []string
	for l := range c {
		out = append(out, l)
	}
	return out
}
