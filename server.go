package main

//go:generate go run github.com/99designs/gqlgen generate

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/cors"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/smartcommunities/hub/auth"
	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/db/pgcluster"
	"github.com/smartcommunities/hub/db/seed"
	"github.com/smartcommunities/hub/graph"
	"github.com/smartcommunities/hub/resolvers"
	"github.com/smartcommunities/hub/search"
	"github.com/smartcommunities/hub/web"
)

// Config is the hub's configuration, read from the environment (see the README).
type Config struct {
	Addr        string // HUB_ADDR
	DatabaseURL string // DATABASE_URL; empty: a private cluster under DataDir
	DataDir     string // HUB_DATA_DIR
	CORSOrigins []string
	// MaxBodyBytes bounds a request body (HUB_MAX_BODY_BYTES).
	MaxBodyBytes int64
	// RequestTimeout bounds a GraphQL request (HUB_REQUEST_TIMEOUT, a Go duration; 0: 15 s).
	RequestTimeout time.Duration
	// RateLimit is the requests a second one client address may make to /graphql, in bursts of twice as
	// many (HUB_RATE_LIMIT; 0 turns the limit off, the default of tests).
	RateLimit float64
	// MaxDepth and MaxCost bound one operation (HUB_MAX_DEPTH, HUB_MAX_COST); 0 means the default.
	MaxDepth, MaxCost int
	// TokenRateLimit is the requests a second one API token may make, unless the token has a limit of its
	// own (HUB_TOKEN_RATE_LIMIT; 0: none but the tokens' own).
	TokenRateLimit float64
	// ApplicationsPerHour bounds membership applications per client address (HUB_APPLICATIONS_PER_HOUR;
	// 0: no limit).
	ApplicationsPerHour int
	// ExportConcurrency bounds the CSV exports running at once (HUB_EXPORT_CONCURRENCY; 0: 2).
	ExportConcurrency int
	// TrustedProxies are the proxies whose X-Forwarded-For is believed (HUB_TRUSTED_PROXIES, CIDRs).
	TrustedProxies []netip.Prefix
	// OIDC is the identity provider whose tokens are accepted besides API tokens (HUB_OIDC_*); none
	// without an issuer.
	OIDC auth.OIDCConfig
	// NoIntrospection refuses __schema and __type queries (HUB_INTROSPECTION=false); introspection is
	// on by default, for GraphiQL and code generators.
	NoIntrospection bool
}

func configFromEnv() Config {
	c := Config{Addr: "localhost:8080", DatabaseURL: os.Getenv("DATABASE_URL"), DataDir: ".data",
		MaxBodyBytes: defaultMaxBody, NoIntrospection: os.Getenv("HUB_INTROSPECTION") == "false"}
	if v, err := strconv.ParseInt(os.Getenv("HUB_MAX_BODY_BYTES"), 10, 64); err == nil && v > 0 {
		c.MaxBodyBytes = v
	}
	c.RequestTimeout, _ = time.ParseDuration(os.Getenv("HUB_REQUEST_TIMEOUT"))
	c.RateLimit = defaultRateLimit
	if v, err := strconv.ParseFloat(os.Getenv("HUB_RATE_LIMIT"), 64); err == nil && v >= 0 {
		c.RateLimit = v
	}
	c.TokenRateLimit = defaultTokenRateLimit
	if v, err := strconv.ParseFloat(os.Getenv("HUB_TOKEN_RATE_LIMIT"), 64); err == nil && v >= 0 {
		c.TokenRateLimit = v
	}
	c.ApplicationsPerHour = defaultApplicationsPerHour
	if v, err := strconv.Atoi(os.Getenv("HUB_APPLICATIONS_PER_HOUR")); err == nil && v >= 0 {
		c.ApplicationsPerHour = v
	}
	c.OIDC = auth.OIDCConfig{Issuer: os.Getenv("HUB_OIDC_ISSUER"), Audience: os.Getenv("HUB_OIDC_AUDIENCE"),
		JWKSURL: os.Getenv("HUB_OIDC_JWKS_URL"), RolesClaim: os.Getenv("HUB_OIDC_ROLES_CLAIM"),
		RolePrefix: os.Getenv("HUB_OIDC_ROLE_PREFIX"), MemberClaim: os.Getenv("HUB_OIDC_MEMBER_CLAIM")}
	if _, set := os.LookupEnv("HUB_OIDC_ROLE_PREFIX"); !set {
		c.OIDC.RolePrefix = "hub-"
	}
	c.ExportConcurrency, _ = strconv.Atoi(os.Getenv("HUB_EXPORT_CONCURRENCY"))
	c.MaxDepth, _ = strconv.Atoi(os.Getenv("HUB_MAX_DEPTH"))
	c.MaxCost, _ = strconv.Atoi(os.Getenv("HUB_MAX_COST"))
	if v := os.Getenv("HUB_ADDR"); v != "" {
		c.Addr = v
	}
	if v := os.Getenv("HUB_DATA_DIR"); v != "" {
		c.DataDir = v
	}
	if v := os.Getenv("HUB_CORS_ORIGINS"); v != "" {
		for _, o := range strings.Split(v, ",") {
			c.CORSOrigins = append(c.CORSOrigins, strings.TrimSpace(o))
		}
	}
	return c
}

// parseConfig reads the settings that can be wrong; configFromEnv takes the rest as given.
func parseConfig(c *Config) error {
	for _, v := range strings.Split(os.Getenv("HUB_TRUSTED_PROXIES"), ",") {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		p, err := netip.ParsePrefix(v)
		if err != nil {
			a, aerr := netip.ParseAddr(v)
			if aerr != nil {
				return fmt.Errorf("HUB_TRUSTED_PROXIES: %q is neither an address nor a CIDR prefix", v)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		c.TrustedProxies = append(c.TrustedProxies, p.Masked())
	}
	return nil
}

func orDefault(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// defaultRateLimit is generous for a browser or a dashboard and stops a single client from flooding the
// hub; load tests from one machine need HUB_RATE_LIMIT=0.
const defaultRateLimit = 50

// defaultTokenRateLimit lets a dashboard refresh many panels at once; a token may have its own limit.
const defaultTokenRateLimit = 100

// defaultApplicationsPerHour is plenty for an organisation that mistyped, and slows down spam.
const defaultApplicationsPerHour = 5

// defaultExportConcurrency keeps exports, each many pages of a list, from crowding out the API's
// requests on a small machine.
const defaultExportConcurrency = 2

// defaultRequestTimeout is far above any query of the demo or synthetic data (docs/benchmarks.md).
const defaultRequestTimeout = 15 * time.Second

// defaultMaxBody fits any real query with its variables; a larger body is refused before it is decoded.
const defaultMaxBody = 1 << 20

// Backend is what serving needs besides HTTP: the database and, when the hub started it, the private
// PostgreSQL cluster.
type Backend struct {
	DB      *db.DB
	Search  *search.Index // nil until startSearch
	DSN     string
	cluster *pgcluster.Cluster
	// OIDC verifies the identity provider's tokens; nil without one (startOIDC).
	OIDC *auth.OIDC
	// stopSearch stops the indexer and closes the index.
	stopSearch func()
}

// migrated finds the database (DATABASE_URL, or the private cluster started when it is unset) and
// migrates it. It opens no pool: `hub migrate` needs nothing more.
func migrated(ctx context.Context, cfg Config) (*Backend, error) {
	b := &Backend{DSN: cfg.DatabaseURL}
	if b.DSN == "" {
		dir, err := filepath.Abs(filepath.Join(cfg.DataDir, "postgres"))
		if err != nil {
			return nil, err
		}
		if b.cluster, err = pgcluster.Start(ctx, dir, "hub", slog.Default()); err != nil {
			return nil, fmt.Errorf("starting the private PostgreSQL (set DATABASE_URL to use another): %w", err)
		}
		b.DSN = b.cluster.DSN("hub")
	}
	applied, err := db.Migrate(ctx, b.DSN)
	if err != nil {
		b.Close(ctx)
		return nil, err
	}
	slog.Info("database migrated", "applied", applied)
	return b, nil
}

// openBackend migrates the database, then opens the pool and reads the reference data.
func openBackend(ctx context.Context, cfg Config) (*Backend, error) {
	b, err := migrated(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if b.DB, err = db.Open(ctx, b.DSN); err != nil {
		b.Close(ctx)
		return nil, err
	}
	if err := b.DB.LoadReference(ctx); err != nil {
		b.Close(ctx)
		return nil, err
	}
	return b, nil
}

// startSearch opens the search index and starts keeping it in step with the database, rebuilding it
// in the background when it must.
func (b *Backend) startSearch(ctx context.Context, cfg Config) error {
	idx, err := search.Open(ctx, cfg.DataDir, b.DB, slog.Default())
	if err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		idx.Run(runCtx)
	}()
	b.Search = idx
	b.stopSearch = func() {
		cancel()
		<-done
		idx.Close()
	}
	return nil
}

// Close stops the search indexer, closes the pool and stops the private cluster if this process started
// it.
func (b *Backend) Close(ctx context.Context) {
	if b.stopSearch != nil {
		b.stopSearch()
	}
	if b.DB != nil {
		b.DB.Close()
	}
	if b.cluster != nil {
		if err := b.cluster.Stop(ctx); err != nil {
			slog.Error("stopping PostgreSQL", "err", err)
		}
	}
}

// startOIDC prepares the verification of the identity provider's tokens, when one is configured.
func (b *Backend) startOIDC(ctx context.Context, cfg Config) error {
	if cfg.OIDC.Issuer == "" {
		return nil
	}
	o, err := auth.NewOIDC(ctx, cfg.OIDC, b.DB)
	if err != nil {
		return err
	}
	b.OIDC = o
	slog.Info("accepting OIDC tokens", "issuer", cfg.OIDC.Issuer, "audience", cfg.OIDC.Audience)
	return nil
}

// seedDemoIfEmpty loads the demo data into a database that has none.
func seedDemoIfEmpty(ctx context.Context, d *db.DB) error {
	seeded, err := d.SeedIfEmpty(ctx, func(ctx context.Context) error {
		return d.InTx(ctx, func(d *db.DB) error { return seed.Demo(ctx, d) })
	})
	if seeded && err == nil {
		slog.Info("the database was empty: demo data loaded")
	}
	return err
}

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

// NewHandler wires the HTTP surface: GraphQL, GraphiQL, health and metrics.
func NewHandler(b *Backend, cfg Config) http.Handler {
	d := b.DB
	limiter := newKeyedLimiter()
	res := &resolvers.Resolver{DB: d, Index: b.Search}
	if cfg.ApplicationsPerHour > 0 {
		perSecond := float64(cfg.ApplicationsPerHour) / 3600
		res.ApplicationWait = func(ctx context.Context) time.Duration {
			return limiter.waitBurst("apply:"+clientAddress(ctx), perSecond, cfg.ApplicationsPerHour)
		}
	}
	gql := handler.New(costedSchema{graph.NewExecutableSchema(graph.Config{
		Resolvers: res,
		Directives: graph.DirectiveRoot{
			HasRole: auth.HasRole,
			Owner:   auth.Owner(d),
			Private: auth.Private,
		},
	})})
	gql.AddTransport(transport.Options{})
	gql.AddTransport(transport.GET{})
	gql.AddTransport(transport.POST{})
	gql.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	if !cfg.NoIntrospection {
		gql.Use(extension.Introspection{})
	}
	gql.Use(depthLimit(orDefault(cfg.MaxDepth, defaultMaxDepth)))
	gql.Use(extension.FixedComplexityLimit(orDefault(cfg.MaxCost, defaultMaxCost)))
	gql.AroundResponses(reportCost)
	gql.AroundOperations(auditMutations)
	// Automatic persisted queries: a client may send a query's SHA-256 alone once the hub has seen it.
	gql.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	gql.AroundFields(markInternalErrors)
	gql.SetErrorPresenter(presentError)
	gql.SetRecoverFunc(func(ctx context.Context, p any) error {
		slog.ErrorContext(ctx, "panic in resolver", "panic", p, "request_id", requestID(ctx))
		return errInternal
	})

	mux := http.NewServeMux()
	maxBody := cfg.MaxBodyBytes
	if maxBody <= 0 {
		maxBody = defaultMaxBody
	}
	timeout := cfg.RequestTimeout
	if timeout <= 0 {
		timeout = defaultRequestTimeout
	}
	limits := rateLimits{limiter: limiter, perAddress: cfg.RateLimit, perToken: cfg.TokenRateLimit}
	authn := &auth.Authenticator{DB: d, OIDC: b.OIDC}
	mux.Handle("/graphql", withClientAddress(cfg.TrustedProxies, authenticate(authn, limits, limitRate(limits,
		withRequestContext(d, graphqlOverHTTP(maxBody, withTimeout(timeout, gql)))))))
	mux.Handle("GET /export/{file}", withClientAddress(cfg.TrustedProxies, authenticate(authn, limits, limitRate(limits,
		exportCSV(withRequestContext(d, withTimeout(timeout, gql)), make(chan struct{}, orDefault(cfg.ExportConcurrency, defaultExportConcurrency)))))))
	mux.Handle("GET /{$}", playground.Handler("Smart Communities Hub", "/graphql"))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "application/json")
		if err := d.Pool.Ping(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			json.NewEncoder(w).Encode(map[string]any{"ready": false, "database": "unreachable"})
			return
		}
		// The API serves while the search index is rebuilt or catches up, so neither makes the hub
		// unready; both are reported.
		out := map[string]any{"ready": true, "database": "ok"}
		if b.Search != nil {
			st, err := b.Search.Status(ctx)
			if err != nil {
				st.Error = "reading the index lag failed"
			}
			out["search"] = st
		}
		json.NewEncoder(w).Encode(out)
	})
	mux.Handle("GET /metrics", promhttp.Handler())
	mux.Handle("GET /dashboard/", web.Dashboard())
	mux.Handle("GET /dashboard", http.RedirectHandler("/dashboard/", http.StatusMovedPermanently))

	// Without a list any origin may read the public API, but never with credentials; with a list, only
	// those origins, and they may send credentials.
	origins := slices.DeleteFunc(slices.Clone(cfg.CORSOrigins), func(o string) bool { return o == "" || o == "*" })
	c := cors.New(cors.Options{
		AllowedOrigins:   origins,
		AllowCredentials: len(origins) > 0,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost},
		AllowedHeaders:   []string{"Content-Type", "Authorization", "Accept"},
		MaxAge:           600,
	})
	return logRequests(c.Handler(mux))
}

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
		attrs := []any{"fields", fields, "operation", oc.Operation.Name, "role", string(p.Role), "request_id", requestID(ctx)}
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

var errInternal = errors.New("internal error")

// internalError is a resolver's failure that the caller cannot fix (the database is down, a bug): its
// detail is for the log, not the response.
type internalError struct{ err error }

func (e internalError) Error() string { return e.err.Error() }
func (e internalError) Unwrap() error { return e.err }

// markInternalErrors sorts the errors of resolvers: those the caller caused (bad page arguments, errors
// that already carry a code) pass as they are, everything else is internal. Errors raised before a
// resolver runs (argument coercion, validation) never pass here and so stay visible to the caller.
func markInternalErrors(ctx context.Context, next graphql.Resolver) (any, error) {
	res, err := next(ctx)
	if err == nil || errors.Is(err, db.ErrBadPageArgs) {
		return res, err
	}
	var gqlErr *gqlerror.Error
	if errors.As(err, &gqlErr) && gqlErr.Extensions["code"] != nil {
		return res, err
	}
	// PostgreSQL's data exceptions (class 22: a NUL byte in a string, a value out of range) come from
	// values the caller sent, which no validation ahead of the SQL caught: the caller's to fix.
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && strings.HasPrefix(pgErr.Code, "22") {
		slog.InfoContext(ctx, "a request value PostgreSQL refused", "err", err, "request_id", requestID(ctx))
		return res, &gqlerror.Error{Message: "a value in the request cannot be used here",
			Extensions: map[string]any{"code": "BAD_USER_INPUT"}}
	}
	return res, internalError{err}
}

// presentError gives every error a code. Internal errors are logged with the request id and answered
// with a generic message, so no SQL or internal detail reaches a response.
func presentError(ctx context.Context, err error) *gqlerror.Error {
	gqlErr := graphql.DefaultErrorPresenter(ctx, err)
	if gqlErr.Extensions == nil {
		gqlErr.Extensions = map[string]any{}
	}
	var internal internalError
	switch {
	case errors.As(err, &internal) || errors.Is(err, errInternal):
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			gqlErr.Message = "the request was cancelled or timed out"
			gqlErr.Extensions["code"] = "TIMEOUT"
			break
		}
		slog.ErrorContext(ctx, "internal error", "err", err, "request_id", requestID(ctx), "path", gqlErr.Path.String())
		gqlErr.Message = "internal error"
		gqlErr.Extensions["code"] = "INTERNAL_SERVER_ERROR"
	case gqlErr.Extensions["code"] == nil:
		gqlErr.Extensions["code"] = "BAD_USER_INPUT"
	}
	gqlErr.Extensions["requestId"] = requestID(ctx)
	return gqlErr
}
