package httpapi

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
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
	h := inTurn(1, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/stuck" {
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
	time.Sleep(100 * time.Millisecond) // the stuck ones hold every turn
	start := time.Now()
	late := make(chan time.Time, 1)
	go serve("/late", late)
	before := testutil.ToFloat64(operationsUntimely)
	if waited := (<-late).Sub(start); waited < 900*time.Millisecond || waited > 5*time.Second {
		t.Errorf("an operation behind stuck ones ran after %v; want about %v", waited, maxTurnWait)
	}
	if n := testutil.ToFloat64(operationsUntimely) - before; n != 1 {
		t.Errorf("hub_operations_past_turn_total rose by %v; want 1", n)
	}

	// Queued behind the turns, a and then b run in the order they came as one turn frees.
	queued := make(chan time.Time, 2)
	go serve("/a", queued)
	time.Sleep(50 * time.Millisecond)
	go serve("/b", queued)
	time.Sleep(50 * time.Millisecond)
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
