package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"golang.org/x/time/rate"

	"github.com/smartcommunities/hub/db"
)

// Default limits on one operation: deep enough for any query of the schema's own shape, costly enough
// for a dashboard of 100 items with a nested page of 20 each (about 8,000), and too costly for 10,000
// aliases of the cheapest list (20,000).
const (
	defaultMaxDepth = 12
	defaultMaxCost  = 15_000
)

// costedSchema prices a page by its size: a field with a `first` or `last` argument costs 1 plus that
// many times its selection (the default page size when neither is given), any other field 1 plus its
// selection. gqlgen's default counts a page of 100 like a page of 1.
type costedSchema struct{ graphql.ExecutableSchema }

func (s costedSchema) Complexity(ctx context.Context, typeName, field string, child int, args map[string]any) (int, bool) {
	_, paged := args["first"]
	n := -1
	for _, k := range []string{"first", "last"} {
		// Raw argument values: int64 from a literal, json.Number or a float from variables.
		switch v := args[k].(type) {
		case int64:
			n = max(n, int(v))
		case int:
			n = max(n, v)
		case float64:
			n = max(n, int(v))
		case json.Number:
			if i, err := v.Int64(); err == nil {
				n = max(n, int(i))
			}
		}
	}
	if !paged && n < 0 {
		return s.ExecutableSchema.Complexity(ctx, typeName, field, child, args)
	}
	if n < 0 {
		n = db.DefaultPageSize
	}
	return 1 + n*child, true
}

// reportCost adds the operation's cost, as the complexity limit computed it, to the response's
// extensions, so that clients see how close they come to the limit.
func reportCost(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	// A request refused before it became an operation (malformed JSON) has no operation context, and
	// asking for its stats would panic.
	if resp == nil || !graphql.HasOperationContext(ctx) {
		return resp
	}
	if stats := extension.GetComplexityStats(ctx); stats != nil {
		if resp.Extensions == nil {
			resp.Extensions = map[string]any{}
		}
		resp.Extensions["cost"] = stats.Complexity
	}
	return resp
}

// depthLimit refuses operations nested deeper than its value; introspection fields, whose type
// references nest deeply by design, are not counted.
type depthLimit int

func (depthLimit) ExtensionName() string                   { return "DepthLimit" }
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }
func (d depthLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	if n := depth(oc.Operation.SelectionSet, oc.Doc.Fragments, map[string]bool{}); n > int(d) {
		return &gqlerror.Error{
			Message:    fmt.Sprintf("the operation is nested %d levels deep; at most %d are allowed", n, int(d)),
			Extensions: map[string]any{"code": "QUERY_TOO_DEEP"},
		}
	}
	return nil
}

func depth(set ast.SelectionSet, fragments ast.FragmentDefinitionList, visiting map[string]bool) int {
	deepest := 0
	for _, sel := range set {
		d := 0
		switch s := sel.(type) {
		case *ast.Field:
			if len(s.Name) > 1 && s.Name[:2] == "__" {
				continue
			}
			d = 1 + depth(s.SelectionSet, fragments, visiting)
		case *ast.InlineFragment:
			d = depth(s.SelectionSet, fragments, visiting)
		case *ast.FragmentSpread:
			// Validation refuses fragment cycles first; the guard keeps this safe regardless.
			if f := fragments.ForName(s.Name); f != nil && !visiting[s.Name] {
				visiting[s.Name] = true
				d = depth(f.SelectionSet, fragments, visiting)
				delete(visiting, s.Name)
			}
		}
		deepest = max(deepest, d)
	}
	return deepest
}

// withTimeout bounds each request; the SQL statements it runs are cancelled with its context, and a
// resolver cut short answers with the code TIMEOUT.
func withTimeout(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(&timeoutWriter{ResponseWriter: w, ctx: ctx}, r.WithContext(ctx))
	})
}

// timeoutWriter replaces the bare `null` gqlgen writes for an operation whose time ran out before it
// started with an error that says so.
type timeoutWriter struct {
	http.ResponseWriter
	ctx context.Context
}

func (w *timeoutWriter) Write(p []byte) (int, error) {
	if w.ctx.Err() != nil && string(p) == "null" {
		err := json.NewEncoder(w.ResponseWriter).Encode(map[string]any{"errors": []map[string]any{{
			"message": "the request was cancelled or timed out", "extensions": map[string]any{"code": "TIMEOUT"},
		}}})
		return len(p), err
	}
	return w.ResponseWriter.Write(p)
}

// addressLimiter is a token bucket per client address: rate requests a second, bursts of burst.
type addressLimiter struct {
	rate    rate.Limit
	burst   int
	mu      sync.Mutex
	clients map[string]*client
	swept   time.Time
}

type client struct {
	limiter *rate.Limiter
	seen    time.Time
}

func newAddressLimiter(perSecond float64, burst int) *addressLimiter {
	return &addressLimiter{rate: rate.Limit(perSecond), burst: burst, clients: map[string]*client{}, swept: time.Now()}
}

// wait tells how long the address must wait before its next request; 0 lets it through now.
func (l *addressLimiter) wait(addr string) time.Duration {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute { // forget addresses idle for a while, so the map stays small
		for a, c := range l.clients {
			if now.Sub(c.seen) > 3*time.Minute {
				delete(l.clients, a)
			}
		}
		l.swept = now
	}
	c := l.clients[addr]
	if c == nil {
		c = &client{limiter: rate.NewLimiter(l.rate, l.burst)}
		l.clients[addr] = c
	}
	c.seen = now
	r := c.limiter.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d
	}
	return 0
}

// limitRate answers 429 with Retry-After to an address over its rate.
func limitRate(l *addressLimiter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			addr = r.RemoteAddr
		}
		if d := l.wait(addr); d > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(d.Seconds()))))
			protocolError(w, http.StatusTooManyRequests, "too many requests from this address; retry after the time in Retry-After")
			return
		}
		next.ServeHTTP(w, r)
	})
}
