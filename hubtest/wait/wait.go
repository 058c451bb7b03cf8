// Package wait is the tests' one way of waiting for something to become true, instead of sleeping or
// hand-written polling loops. It imports nothing of the hub, so that every package's tests can use it,
// the search package's own among them.
package wait

import (
	"testing"
	"time"
)

// For waits until cond holds and returns how long that took; the test fails, naming what it waited
// for, when cond does not hold within deadline. It checks often at first, so that a short wait is
// measured closely, then every 20 ms.
func For(t testing.TB, what string, deadline time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	interval := time.Millisecond
	for !cond() {
		if time.Since(start) > deadline {
			t.Fatalf("waited %s for %s", deadline, what)
		}
		time.Sleep(interval)
		interval = min(2*interval, 20*time.Millisecond)
	}
	return time.Since(start)
}
