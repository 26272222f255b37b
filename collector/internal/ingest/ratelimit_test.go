package ingest

import (
	"testing"
	"time"
)

func TestRateLimiterPerToken(t *testing.T) {
	now := time.Unix(1000, 0)
	rl := NewRateLimiter(2, 3, func() time.Time { return now })
	for i := range 3 {
		if ok, _ := rl.Allow("token-a"); !ok {
			t.Fatalf("request %d within the burst was refused", i)
		}
	}
	ok, wait := rl.Allow("token-a")
	if ok {
		t.Fatal("the fourth request at once should be refused")
	}
	if wait <= 0 || wait > time.Second {
		t.Errorf("wait = %s, want (0, 1s] at 2 requests/s", wait)
	}
	if ok, _ := rl.Allow("token-b"); !ok {
		t.Error("another token must not be limited by token-a's flood")
	}
	now = now.Add(500 * time.Millisecond)
	if ok, _ := rl.Allow("token-a"); !ok {
		t.Error("after 0.5 s at 2/s one more request should pass")
	}
}

func TestRateLimiterOff(t *testing.T) {
	rl := NewRateLimiter(0, 0, nil)
	for range 1000 {
		if ok, _ := rl.Allow("t"); !ok {
			t.Fatal("limit 0 must not refuse")
		}
	}
}
