package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/smartcommunities/hub/auth"
	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/resolvers"
	"github.com/vektah/gqlparser/v2/ast"
)

var (
	requestDuration = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name: "hub_http_request_duration_seconds", Help: "HTTP requests by path and status.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
	}, []string{"path", "status"})
	sqlStatements = promauto.NewHistogram(prometheus.HistogramOpts{
		Name: "hub_graphql_sql_statements", Help: "SQL statements per GraphQL request.",
		Buckets: prometheus.LinearBuckets(0, 2, 16),
	})
)

// auditMutations logs every mutation with who sent it: the operators' record of who changed what. The
// fields and the caller are logged, not the variables, which may hold contact data.
func auditMutations(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation != nil && oc.Operation.Operation == ast.Mutation {
		var fields []string
		for _, sel := range oc.Operation.SelectionSet {
			if f, ok := sel.(*ast.Field); ok {
				fields = append(fields, f.Name)
			}
		}
		p := auth.From(ctx)
		attrs := []any{"fields", fields, "operation", cut(oc.Operation.Name, maxLoggedName), "role", string(p.Role), "request_id", requestID(ctx)}
		if p.Token != nil {
			attrs = append(attrs, "token", db.GlobalID("ApiToken", p.Token.ID))
		}
		if p.Subject != "" {
			attrs = append(attrs, "subject", p.Subject)
		}
		if p.Anonymous() {
			attrs = append(attrs, "client", clientAddress(ctx))
		}
		slog.InfoContext(ctx, "mutation", attrs...)
	}
	return next(ctx)
}

// maxLoggedName bounds an operation's name in the audit log: the name is the client's to choose, and a
// log line should not be theirs to fill.
const maxLoggedName = 200

// cut is s, cut to its first n characters and marked so when longer.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

type requestIDKey struct{}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// withRequestContext gives each GraphQL request its own loaders, and records how many SQL statements it
// ran (counted under the context logRequests made).
func withRequestContext(d *db.DB, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := resolvers.WithLoaders(r.Context(), resolvers.NewLoaders(d))
		next.ServeHTTP(w, r.WithContext(ctx))
		sqlStatements.Observe(float64(db.StatementCount(ctx)))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

// Unwrap lets http.ResponseController and coder/websocket reach the connection (a WebSocket hijacks it).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// logRequests gives each request an id (returned in X-Request-Id) and a SQL statement counter, and logs
// it with its duration and statement count. A counter already in the context (a test's) is kept.
func logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		b := make([]byte, 8)
		rand.Read(b)
		id := hex.EncodeToString(b)
		w.Header().Set("X-Request-Id", id)
		ctx := context.WithValue(r.Context(), requestIDKey{}, id)
		if !db.HasStatementCounter(ctx) {
			ctx = db.WithStatementCounter(ctx, new(atomic.Int64))
		}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r.WithContext(ctx))
		elapsed := time.Since(start)
		path := r.URL.Path
		if path != "/graphql" && path != "/healthz" && path != "/readyz" && path != "/metrics" && path != "/" {
			path = "other" // bounded label values
		}
		requestDuration.WithLabelValues(path, fmt.Sprint(sw.status)).Observe(elapsed.Seconds())
		slog.Debug("request", "request_id", id, "method", r.Method, "path", r.URL.Path, "status", sw.status,
			"duration_ms", elapsed.Milliseconds(), "sql_statements", db.StatementCount(ctx))
	})
}
