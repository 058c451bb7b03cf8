package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"golang.org/x/time/rate"

	"github.com/smartcommunities/hub/auth"
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

// statsCost is the price of one figure of stats: an aggregate scans its whole list, so it costs like a
// page of that many rows. The dashboard's overview (14 figures and a page of members) costs about 8,000;
// a query that aliases stats over and over reaches the limit after some 30 figures.
const statsCost = 500

func (s costedSchema) Complexity(ctx context.Context, typeName, field string, child int, args map[string]any) (int, bool) {
	switch typeName {
	case "MemberStats", "BestPracticeStats", "FundingOpportunityStats", "DigitalToolStats":
		return statsCost + child, true
	}
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

// keyedLimiter is a token bucket per key: a client address, or a token.
type keyedLimiter struct {
	mu      sync.Mutex
	clients map[string]*client
	swept   time.Time
}

type client struct {
	limiter *rate.Limiter
	seen    time.Time
}

func newKeyedLimiter() *keyedLimiter {
	return &keyedLimiter{clients: map[string]*client{}, swept: time.Now()}
}

// wait tells how long key must wait before its next request, at perSecond requests a second in bursts of
// twice as many; 0 lets it through now.
func (l *keyedLimiter) wait(key string, perSecond float64) time.Duration {
	return l.waitBurst(key, perSecond, int(2*perSecond)+1)
}

// waitBurst is wait with bursts of burst.
func (l *keyedLimiter) waitBurst(key string, perSecond float64, burst int) time.Duration {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute { // forget keys idle for a while, so the map stays small
		for k, c := range l.clients {
			if now.Sub(c.seen) > 3*time.Minute && c.limiter.TokensAt(now) >= float64(c.limiter.Burst()) {
				delete(l.clients, k)
			}
		}
		l.swept = now
	}
	c := l.clients[key]
	if c == nil {
		c = &client{limiter: rate.NewLimiter(rate.Limit(perSecond), burst)}
		l.clients[key] = c
	} else if c.limiter.Limit() != rate.Limit(perSecond) { // a token's own limit was changed
		c.limiter.SetLimitAt(now, rate.Limit(perSecond))
		c.limiter.SetBurstAt(now, burst)
	}
	c.seen = now
	r := c.limiter.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d
	}
	return 0
}

// rateLimits are the limits of /graphql: per token (its own limit, or the default), and per client
// address for anonymous callers. A limit of 0 is none.
type rateLimits struct {
	limiter    *keyedLimiter
	perAddress float64
	perToken   float64
}

// tooMany answers 429 with Retry-After.
func tooMany(w http.ResponseWriter, d time.Duration, msg string) {
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(d.Seconds()))))
	httpError(w, http.StatusTooManyRequests, "RATE_LIMITED", msg)
}

// limitRate answers 429 to a caller over its rate: an authenticated one by its token, others by address.
func limitRate(l rateLimits, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := auth.From(r.Context())
		key, limit, who := "addr:"+clientAddress(r.Context()), l.perAddress, "address"
		if k := p.RateKey(); k != "" {
			key, limit, who = k, l.perToken, "token"
			if p.Token != nil && p.Token.RateLimit != nil {
				limit = *p.Token.RateLimit
			}
		}
		if limit > 0 {
			if d := l.limiter.wait(key, limit); d > 0 {
				tooMany(w, d, "too many requests from this "+who+"; retry after the time in Retry-After")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

type clientAddressKey struct{}

// clientAddress is the address the request came from, as withClientAddress found it.
func clientAddress(ctx context.Context) string {
	a, _ := ctx.Value(clientAddressKey{}).(string)
	return a
}

// withClientAddress finds the client's address: the TCP peer, or, when the peer is a trusted proxy, the
// nearest address in X-Forwarded-For that is not a trusted proxy. Addresses further left are the
// client's to write, so they are never believed.
func withClientAddress(trusted []netip.Prefix, next http.Handler) http.Handler {
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a.Unmap()) {
				return true
			}
		}
		return false
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr := r.RemoteAddr
		if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
			addr = ap.Addr().Unmap().String()
			if isTrusted(ap.Addr()) {
				hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
				for i := len(hops) - 1; i >= 0; i-- {
					a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
					if err != nil {
						break
					}
					addr = a.Unmap().String()
					if !isTrusted(a) {
						break
					}
				}
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientAddressKey{}, addr)))
	})
}

// authenticate tells who sent the request. Credentials that do not authenticate get 401, and count
// against the address's rate, so that guessing tokens is as slow as any other flood.
func authenticate(a *auth.Authenticator, l rateLimits, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := a.Authenticate(r)
		if err != nil {
			if l.perAddress > 0 {
				if d := l.limiter.wait("addr:"+clientAddress(r.Context()), l.perAddress); d > 0 {
					tooMany(w, d, "too many requests from this address; retry after the time in Retry-After")
					return
				}
			}
			if !errors.Is(err, auth.ErrBadCredentials) && !errors.Is(err, auth.ErrBadScheme) {
				slog.ErrorContext(r.Context(), "authenticating", "err", err, "request_id", requestID(r.Context()))
				httpError(w, http.StatusServiceUnavailable, "INTERNAL_SERVER_ERROR", "the hub cannot check credentials just now; retry shortly")
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			httpError(w, http.StatusUnauthorized, "UNAUTHENTICATED", err.Error())
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	})
}
