package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/smartcommunities/hub/auth"
	"github.com/smartcommunities/hub/db"
)

// Read-your-writes over read replicas (db/replicas.go has the design). A response to a request that
// committed a write carries X-Hub-Min-LSN, the primary's WAL position after the commit; a client that
// sends it back with its next requests reads from the primary, or from a replica that has replayed past
// it, whichever hub behind a load balancer answers. Callers with an API token or an OIDC subject need not
// send it to the hub that took their write: it remembers their last position too (per process, so the
// header is what carries it across hubs).

const minLSNHeader = "X-Hub-Min-LSN"

type minLSNKey struct{}

// positions remembers the last write position of each token and OIDC subject, until every healthy
// replica has replayed past it.
type positions struct {
	replicas *db.Replicas
	mu       sync.Mutex
	by       map[string]db.LSN
}

func callerKey(p auth.Principal) string {
	switch {
	case p.Token != nil:
		return "token " + strconv.FormatInt(p.Token.ID, 10)
	case p.Subject != "":
		return "subject " + p.Subject
	}
	return ""
}

func (ps *positions) get(key string) db.LSN {
	if key == "" {
		return 0
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	lsn, ok := ps.by[key]
	if low, any := ps.replicas.Replayed(); ok && any && lsn <= low {
		delete(ps.by, key)
		return 0
	}
	return lsn
}

func (ps *positions) note(key string, lsn db.LSN) {
	if key == "" || lsn == 0 {
		return
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	// Forget the positions every replica has passed, now and then, so that the map stays small.
	if len(ps.by) > 10_000 {
		if low, any := ps.replicas.Replayed(); any {
			for k, v := range ps.by {
				if v <= low {
					delete(ps.by, k)
				}
			}
		}
	}
	ps.by[key] = max(ps.by[key], lsn)
}

// readYourWrites carries the caller's last write position into the request (from X-Hub-Min-LSN, or what
// this hub remembers of the caller) and its new one out of it. Without replicas it does nothing.
func readYourWrites(d *db.DB, next http.Handler) http.Handler {
	rs := d.Replicas()
	if rs == nil {
		return next
	}
	ps := &positions{replicas: rs, by: map[string]db.LSN{}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var sent db.LSN
		if h := r.Header.Get(minLSNHeader); h != "" {
			lsn, err := db.ParseLSN(h)
			if err != nil {
				httpError(w, http.StatusBadRequest, "BAD_REQUEST", minLSNHeader+": "+err.Error()+"; send back the value of a response's "+minLSNHeader)
				return
			}
			sent = lsn
		}
		key := callerKey(auth.From(r.Context()))
		min := max(sent, ps.get(key))
		if min <= rs.Settled() {
			min = 0
		}
		writes := &db.Writes{}
		ctx := db.TrackWrites(context.WithValue(r.Context(), minLSNKey{}, min), writes)
		next.ServeHTTP(&positionWriter{ResponseWriter: w, min: min, writes: writes, note: func(lsn db.LSN) { ps.note(key, lsn) }}, r.WithContext(ctx))
	})
}

// positionWriter sets X-Hub-Min-LSN as the response starts, when the request wrote or named a position
// not yet settled (the client may forget it once a response lacks it): the mutation has committed by then.
type positionWriter struct {
	http.ResponseWriter
	min     db.LSN
	writes  *db.Writes
	note    func(db.LSN)
	started bool
}

func (w *positionWriter) start() {
	if w.started {
		return
	}
	w.started = true
	written := w.writes.LSN()
	w.note(written)
	if lsn := max(w.min, written); lsn > 0 {
		w.Header().Set(minLSNHeader, lsn.String())
	}
}

func (w *positionWriter) WriteHeader(code int) {
	w.start()
	w.ResponseWriter.WriteHeader(code)
}

func (w *positionWriter) Write(p []byte) (int, error) {
	w.start()
	return w.ResponseWriter.Write(p)
}

func (w *positionWriter) Flush() {
	w.start()
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// routeReads is an operation interceptor of the GraphQL server: a query operation reads from a replica
// that has the caller's last write (db.RouteRead), anything else from the primary. An answer from a
// replica that may not have replayed every change the response cache has been told of is marked, so that
// the cache does not keep it.
func routeReads(d *db.DB) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		if d.Replicas() == nil {
			return next(ctx)
		}
		op := graphql.GetOperationContext(ctx).Operation
		if op == nil || op.Operation != ast.Query {
			return next(ctx)
		}
		min, _ := ctx.Value(minLSNKey{}).(db.LSN)
		ctx, route := d.RouteRead(ctx, min)
		if n, ok := ctx.Value(cacheNoteKey{}).(*cacheNote); ok && !route.Consistent {
			n.behind = true
		}
		return next(ctx)
	}
}
