package httpapi

import (
	"context"
	"net/http"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var (
	operationsWaiting = promauto.NewGauge(prometheus.GaugeOpts{
		Name: "hub_operations_waiting", Help: "GraphQL operations over HTTP waiting for their turn (HUB_OPERATIONS_PER_CORE).",
	})
	operationsPastTurn = promauto.NewCounter(prometheus.CounterOpts{
		Name: "hub_operations_past_turn_total", Help: "Operations that waited a second for a turn and ran without one: the turns were held by slow operations.",
	})
)

// maxTurnWait bounds the wait for a turn: turns held by operations stuck on I/O (a hung database, a
// slow import) delay the others by a second at most, never stop them.
const maxTurnWait = time.Second

// inTurn lets perCore × GOMAXPROCS operations run at once and queues the rest in order of arrival (a
// channel's blocked senders are served first in, first out). On two cores under twenty connections,
// operations that all share the cores finish late together: in turn, the hub's p99 falls by a third at
// the same requests/s (docs/benchmarks.md, "operations in turn"). A cached answer never waits: the
// response cache sits in front.
func inTurn(perCore int, next http.Handler) http.Handler {
	if perCore <= 0 {
		return next
	}
	turns := make(chan struct{}, perCore*runtime.GOMAXPROCS(0))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if takeTurn(r.Context(), turns) {
			defer func() { <-turns }()
		}
		next.ServeHTTP(w, r)
	})
}

// takeTurn waits for a turn, up to maxTurnWait or the end of the request, and tells whether it got one.
// Without one the operation runs anyway; a cancelled or timed-out one is answered by gqlgen as any other.
func takeTurn(ctx context.Context, turns chan struct{}) bool {
	select {
	case turns <- struct{}{}:
		return true
	default:
	}
	operationsWaiting.Inc()
	defer operationsWaiting.Dec()
	wait := time.NewTimer(maxTurnWait)
	defer wait.Stop()
	select {
	case turns <- struct{}{}:
		return true
	case <-wait.C:
		operationsPastTurn.Inc()
		return false
	case <-ctx.Done():
		return false
	}
}
