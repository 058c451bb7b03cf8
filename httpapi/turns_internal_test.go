package httpapi

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// Operations beyond the turns wait in order of arrival, and one whose turn never comes (every turn
// held by an operation stuck on I/O) runs after a second anyway.
func TestOperationsRunInTurn(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var order []string
	var entered atomic.Int32
	until := func(what string, ok func() bool) {
		for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("still not %s after 10 s", what)
			}
		}
	}
	h := inTurn(1, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/stuck" {
			entered.Add(1)
			<-release
		}
		mu.Lock()
		order = append(order, r.URL.Path)
		mu.Unlock()
	}))
	serve := func(path string, done chan<- time.Time) {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", path, nil))
		done <- time.Now()
	}
	stuck := make(chan time.Time, runtime.GOMAXPROCS(0))
	for range runtime.GOMAXPROCS(0) {
		go serve("/stuck", stuck)
	}
	until("holding every turn", func() bool { return int(entered.Load()) == runtime.GOMAXPROCS(0) })
	start := time.Now()
	late := make(chan time.Time, 1)
	go serve("/late", late)
	before := testutil.ToFloat64(operationsPastTurn)
	if waited := (<-late).Sub(start); waited < 900*time.Millisecond || waited > 5*time.Second {
		t.Errorf("an operation behind stuck ones ran after %v; want about %v", waited, maxTurnWait)
	}
	if n := testutil.ToFloat64(operationsPastTurn) - before; n != 1 {
		t.Errorf("hub_operations_past_turn_total rose by %v; want 1", n)
	}

	// Queued behind the turns, a and then b run in the order they came as one turn frees.
	queued := make(chan time.Time, 2)
	go serve("/a", queued)
	until("waiting", func() bool { return testutil.ToFloat64(operationsWaiting) == 1 })
	go serve("/b", queued)
	until("both waiting", func() bool { return testutil.ToFloat64(operationsWaiting) == 2 })
	release <- struct{}{}
	<-queued
	<-queued
	close(release)
	for range runtime.GOMAXPROCS(0) {
		<-stuck
	}
	mu.Lock()
	defer mu.Unlock()
	if got := strings.Join(order, " "); !strings.Contains(got, "/a /b") {
		t.Errorf("order %v; want /a before /b", order)
	}
}
