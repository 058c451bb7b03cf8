// Package httpapi is the hub's HTTP surface: GraphQL over HTTP, the limits every request is held to
// (body, depth, cost, time, rate), who the caller is, request ids and logs, how errors are presented,
// CSV exports, health and metrics. The GraphQL schema and its resolvers live in graph/ and resolvers/;
// this package only carries requests to them.
package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/cors"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"

	"github.com/smartcommunities/hub/auth"
	"github.com/smartcommunities/hub/backend"
	"github.com/smartcommunities/hub/config"
	"github.com/smartcommunities/hub/feeds"
	"github.com/smartcommunities/hub/publiccode"
	"github.com/smartcommunities/hub/web"
)

// NewHandler wires the HTTP surface: GraphQL, CSV exports, GraphiQL, the dashboard, health and metrics.
func NewHandler(b *backend.Backend, cfg config.Config) http.Handler {
	d := b.DB
	limiter := newKeyedLimiter()
	if cfg.RedisURL != "" {
		limiter.shared = newSharedLimiter(cfg.RedisURL)
	}
	gql := newGraphQL(b, cfg, limiter)
	limits := rateLimits{limiter: limiter, perAddress: cfg.RateLimit, perToken: cfg.TokenRateLimit}
	authn := &auth.Authenticator{DB: d, OIDC: b.OIDC}
	// Whether the caller is over their rate is settled before their credential is looked up, and who
	// they are before any GraphQL work.
	caller := func(next http.Handler) http.Handler {
		return withClientAddress(cfg.TrustedProxies, limitRate(limits, authenticate(authn, limits, cfg.RequestTimeout, next)))
	}

	mux := http.NewServeMux()
	// The request's time runs from its start, the token lookup included: with the database hung, an
	// authenticated request answers when an anonymous one does.
	cache := newResponseCache(cfg.ResponseCacheBytes, d)
	overHTTP := withTimeout(cfg.RequestTimeout, caller(withRequestContext(d, graphqlOverHTTP(cfg.MaxBodyBytes, readYourWrites(d, cache.serve(inTurn(cfg.OperationsPerCore, gql)))))))
	// A WebSocket lives past any request timeout, and its caller is authenticated by connection_init
	// (websocket.go); its handshake is rate limited as a request is.
	overWebSocket := withClientAddress(cfg.TrustedProxies, limitRate(limits, withRequestContext(d, gql)))
	mux.Handle("/graphql", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isWebSocket(r) {
			overWebSocket.ServeHTTP(w, r)
			return
		}
		overHTTP.ServeHTTP(w, r)
	}))
	mux.Handle("GET /export/{file}", caller(exportCSV(withRequestContext(d, withTimeout(cfg.RequestTimeout, readYourWrites(d, gql))),
		make(chan struct{}, cfg.ExportConcurrency))))
	mux.Handle("GET /digital-tools/{slug}/publiccode.yml", withTimeout(cfg.RequestTimeout, publiccode.Handler(d)))
	graphiql, graphiqlFiles := web.GraphiQL()
	mux.Handle("GET /{$}", graphiql)
	mux.Handle("GET /graphiql/", graphiqlFiles)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) { ready(w, r, b) })
	mux.Handle("GET /metrics", promhttp.Handler())
	mux.Handle("GET /feeds/", withTimeout(cfg.RequestTimeout, caller(feeds.Handler(d))))
	mux.Handle("GET /dashboard/", web.Dashboard())
	mux.Handle("GET /dashboard", http.RedirectHandler("/dashboard/", http.StatusMovedPermanently))

	// Without a list any origin may read the public API, but never with credentials; with a list, only
	// those origins, and they may send credentials.
	origins := slices.DeleteFunc(slices.Clone(cfg.CORSOrigins), func(o string) bool { return o == "" || o == "*" })
	c := cors.New(cors.Options{
		AllowedOrigins:   origins,
		AllowCredentials: len(origins) > 0,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost},
		AllowedHeaders:   []string{"Content-Type", "Authorization", "Accept", minLSNHeader},
		ExposedHeaders:   []string{minLSNHeader},
		MaxAge:           600,
	})
	// The span of a request is opened first, so that its log line and everything under it carry its ids.
	return otelhttp.NewHandler(logRequests(c.Handler(mux)), "hub",
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + r.URL.Path }))
}

// ready answers /readyz: 200 while the database answers. The API serves while the search index is
// rebuilt or catches up, so neither makes the hub unready; both are reported.
func ready(w http.ResponseWriter, r *http.Request, b *backend.Backend) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "application/json")
	if err := b.DB.Pool.Ping(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		json.NewEncoder(w).Encode(map[string]any{"ready": false, "database": "unreachable"})
		return
	}
	out := map[string]any{"ready": true, "database": "ok"}
	if b.Search != nil {
		st, err := b.Search.Status(ctx)
		if err != nil {
			st.Error = "reading the index lag failed"
		}
		out["search"] = st
	}
	json.NewEncoder(w).Encode(out)
}
