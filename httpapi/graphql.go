package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	lru "github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/smartcommunities/hub/auth"
	"github.com/smartcommunities/hub/backend"
	"github.com/smartcommunities/hub/config"
	"github.com/smartcommunities/hub/graph"
	"github.com/smartcommunities/hub/resolvers"
	"github.com/vektah/gqlparser/v2/ast"
)

// newGraphQL is gqlgen's server for the hub's schema, with the hub's limits, error presenter and audit
// log. Its transports are gqlgen's; graphqlOverHTTP corrects them where they differ from the
// specification.
func newGraphQL(b *backend.Backend, cfg config.Config, limiter *keyedLimiter) *handler.Server {
	res := &resolvers.Resolver{DB: b.DB, Index: b.Search}
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
			Owner:   auth.Owner,
			Private: auth.Private,
		},
	})})
	gql.AddTransport(transport.Options{})
	gql.AddTransport(transport.GET{})
	gql.AddTransport(transport.POST{})
	gql.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	if cfg.Introspection {
		gql.Use(extension.Introspection{})
	}
	gql.Use(depthLimit(cfg.MaxDepth))
	gql.Use(extension.FixedComplexityLimit(cfg.MaxCost))
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
	return gql
}

// graphqlOverHTTP holds the /graphql endpoint to the GraphQL-over-HTTP specification where gqlgen's
// transports do not already: a request body over the limit is refused with 413 before it is decoded,
// a POST that is not JSON with 415, a mutation over GET with 405 and Allow: POST (gqlgen answers 406),
// and a well-formed request that fails GraphQL validation gets 200 under application/json (gqlgen
// answers 422; under application/graphql-response+json its 400 is the specification's). Content
// negotiation between the two media types is gqlgen's.
func graphqlOverHTTP(maxBody int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
				protocolError(w, http.StatusUnsupportedMediaType, "send the request as application/json")
				return
			}
			if r.ContentLength > maxBody {
				protocolError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is over %d bytes", maxBody))
				return
			}
			body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
			if err != nil {
				protocolError(w, http.StatusBadRequest, "the request body could not be read")
				return
			}
			if int64(len(body)) > maxBody {
				protocolError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is over %d bytes", maxBody))
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		case http.MethodGet, http.MethodOptions:
		default:
			w.Header().Set("Allow", "GET, POST, OPTIONS")
			protocolError(w, http.StatusMethodNotAllowed, "use GET for queries, POST for any operation")
			return
		}
		next.ServeHTTP(&specStatus{ResponseWriter: w, get: r.Method == http.MethodGet}, r)
	})
}

// specStatus rewrites the two status codes of gqlgen's that differ from the specification's.
type specStatus struct {
	http.ResponseWriter
	get bool
}

func (w *specStatus) WriteHeader(code int) {
	switch {
	case code == http.StatusNotAcceptable && w.get: // a mutation over GET
		w.Header().Set("Allow", "POST")
		code = http.StatusMethodNotAllowed
	case code == http.StatusUnprocessableEntity && w.Header().Get("Content-Type") == "application/json":
		code = http.StatusOK
	}
	w.ResponseWriter.WriteHeader(code)
}
