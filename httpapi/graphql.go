package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	lru "github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/smartcommunities/hub/auth"
	"github.com/smartcommunities/hub/backend"
	"github.com/smartcommunities/hub/config"
	"github.com/smartcommunities/hub/graph"
	"github.com/smartcommunities/hub/resolvers"
	"github.com/smartcommunities/hub/telemetry"
	"github.com/smartcommunities/hub/webhooks"
	"github.com/vektah/gqlparser/v2/ast"
)

// newGraphQL is gqlgen's server for the hub's schema, with the hub's limits, error presenter and audit
// log. Its transports are gqlgen's; graphqlOverHTTP corrects them where they differ from the
// specification.
func newGraphQL(b *backend.Backend, cfg config.Config, limiter *keyedLimiter) *handler.Server {
	res := &resolvers.Resolver{DB: b.DB, Index: b.Search, Live: b.Live, Webhooks: webhooks.Config(cfg.Webhooks)}
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
	gql.AddTransport(postJSON{})
	// Subscriptions (websocket.go); NewHandler routes WebSocket handshakes past the HTTP-only layers.
	gql.AddTransport(websocketTransport(b, cfg, &auth.Authenticator{DB: b.DB, OIDC: b.OIDC}))
	gql.AroundResponses(freshLoaders(b.DB))
	gql.AddTransport(transport.MultipartForm{MaxUploadSize: maxUploadBytes, MaxMemory: maxUploadBytes})
	gql.SetQueryCache(smallOnly[*ast.QueryDocument]{lru.New[*ast.QueryDocument](1000)})
	if cfg.Introspection {
		gql.Use(extension.Introspection{})
	}
	// No field middleware here (AroundFields, an extension that is a graphql.FieldInterceptor): the fields
	// read off their objects would not pass through it (graph/fields.go).
	gql.Use(&operationBounds{maxDepth: cfg.MaxDepth, maxCost: cfg.MaxCost})
	gql.Use(telemetry.Operations{})
	gql.AroundResponses(reportCost)
	gql.AroundResponses(noteReusable)
	gql.AroundOperations(auditMutations)
	gql.AroundOperations(routeReads(b.DB))
	gql.AroundOperations(resolvers.AskFields)
	gql.AroundOperations(subscriptionsOnWebSocket)
	// Automatic persisted queries: a client may send a query's SHA-256 alone once the hub has seen it.
	gql.Use(extension.AutomaticPersistedQuery{Cache: smallPersisted{lru.New[string](1000)}})
	// After the persisted queries, which may supply the document it bounds.
	gql.Use(&documentBounds{passed: smallOnly[*ast.QueryDocument]{lru.New[*ast.QueryDocument](1000)}})
	gql.SetParserTokenLimit(maxTokens)
	gql.SetErrorPresenter(presentError)
	gql.SetRecoverFunc(func(ctx context.Context, p any) error {
		slog.ErrorContext(ctx, "panic in resolver", "panic", p, "request_id", requestID(ctx))
		return errInternal
	})
	return gql
}

// maxUploadBytes bounds a multipart request, its files included: a CSV of some 100,000 best practices.
const maxUploadBytes = 32 << 20

// maxCachedQuery is the longest query the caches keep: a document's tokens are bounded, its comments
// and strings are not, and a thousand cached megabyte documents would hold a gigabyte.
const maxCachedQuery = 32 << 10

// smallOnly is a cache keyed by queries that keeps only those up to maxCachedQuery bytes; longer ones are
// parsed at each request, which costs them time linear in their length.
type smallOnly[T any] struct{ graphql.Cache[T] }

func (c smallOnly[T]) Add(ctx context.Context, key string, value T) {
	if len(key) <= maxCachedQuery {
		c.Cache.Add(ctx, key, value)
	}
}

// smallPersisted is the persisted queries' cache (hash to query), keeping only queries up to
// maxCachedQuery bytes.
type smallPersisted struct{ graphql.Cache[string] }

func (c smallPersisted) Add(ctx context.Context, hash, query string) {
	if len(query) <= maxCachedQuery {
		c.Cache.Add(ctx, hash, query)
	}
}

// graphqlOverHTTP holds the /graphql endpoint to the GraphQL-over-HTTP specification where gqlgen's
// transports do not already: a request body over the limit is refused with 413 before it is decoded,
// a POST that is not JSON with 415, a mutation over GET with 405 and Allow: POST (gqlgen answers 406),
// and a well-formed request that fails GraphQL validation gets 200 under application/json (gqlgen
// answers 422; under application/graphql-response+json its 400 is the specification's), without a
// data entry. The request's parameters are checked before gqlgen decodes them, so that a mistake in
// them is a 400 that names it. Content negotiation between the two media types is gqlgen's.
func graphqlOverHTTP(maxBody int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if err == nil && mt == "multipart/form-data" {
				// A file upload (importCatalogue), by the GraphQL multipart request specification: gqlgen's
				// transport reads it, bounded by maxUploadBytes; its variables are held to their types as
				// any request's are (strictInput), with the file in place of its null.
				break
			}
			if err != nil || mt != "application/json" {
				protocolError(w, http.StatusUnsupportedMediaType, "send the request as application/json (or multipart/form-data with a file to upload)")
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
			if msg := checkPostBody(body); msg != "" {
				protocolError(w, http.StatusBadRequest, msg)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		case http.MethodGet:
			if msg := checkGetParams(r.URL.RawQuery); msg != "" {
				protocolError(w, http.StatusBadRequest, msg)
				return
			}
		case http.MethodOptions:
		default:
			w.Header().Set("Allow", "GET, POST, OPTIONS")
			protocolError(w, http.StatusMethodNotAllowed, "use GET for queries, POST for any operation")
			return
		}
		next.ServeHTTP(&specStatus{ResponseWriter: w, get: r.Method == http.MethodGet}, r)
	})
}

// The parameters of a GraphQL request.
var requestKeys = []string{"query", "operationName", "variables", "extensions"}

// checkPostBody says what is wrong with a POST body's parameters, or "" when nothing is: it is a JSON
// object of requestKeys, with a query (unless it names a persisted query), variables and extensions as
// objects. A body that is not JSON is quoted up to 100 characters.
func checkPostBody(body []byte) string {
	if n := jsonValues(body); n > maxJSONValues {
		return fmt.Sprintf("the request holds %d JSON values; at most %d are allowed", n, maxJSONValues)
	}
	// One pass of a decoder over the top level, keeping each parameter's JSON as it is: the values are
	// decoded once, by gqlgen.
	dec := json.NewDecoder(bytes.NewReader(body))
	notJSON := func(err error) string {
		return fmt.Sprintf("the request body is not JSON (%v): %s", err, quote(string(body)))
	}
	if t, err := dec.Token(); err != nil {
		return notJSON(err)
	} else if t != json.Delim('{') {
		return "the request body must be a JSON object such as {\"query\": \"{ themes { code } }\"}; got " + jsonKind(body)
	}
	params := map[string]json.RawMessage{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return notJSON(err)
		}
		k, _ := t.(string)
		if !slices.Contains(requestKeys, k) {
			return fmt.Sprintf("the request has an unknown parameter %s; the parameters are query, operationName, variables and extensions", quote(k))
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return notJSON(err)
		}
		params[k] = v
	}
	if _, err := dec.Token(); err != nil {
		return notJSON(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return notJSON(errors.New("more after the request's object"))
	}
	return checkParams(func(k string) (json.RawMessage, bool) { v, ok := params[k]; return v, ok })
}

// checkGetParams is checkPostBody for a GET request's URL parameters, whose variables and extensions
// are JSON text.
func checkGetParams(rawQuery string) string {
	values, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "the URL's parameters could not be read: " + err.Error()
	}
	// Other parameters of a URL (a cache buster) are ignored, unless the query is missing and one of
	// them may be it misspelt.
	if values.Get("query") == "" && !strings.Contains(values.Get("extensions"), `"persistedQuery"`) {
		for k := range values {
			if !slices.Contains(requestKeys, k) {
				return fmt.Sprintf("the request has no query, and an unknown parameter %s; the parameters are query, operationName, variables and extensions", quote(k))
			}
		}
	}
	for _, k := range []string{"variables", "extensions"} {
		if n := jsonValues([]byte(values.Get(k))); n > maxJSONValues {
			return fmt.Sprintf("the parameter %s holds %d JSON values; at most %d are allowed", k, n, maxJSONValues)
		}
		if v := values.Get(k); v != "" && !json.Valid([]byte(v)) {
			return fmt.Sprintf("the parameter %s is not JSON: %s", k, quote(v))
		}
	}
	return checkParams(func(k string) (json.RawMessage, bool) {
		if !values.Has(k) {
			return nil, false
		}
		switch v := values.Get(k); {
		case k == "variables" || k == "extensions":
			return json.RawMessage(v), v != ""
		default:
			b, _ := json.Marshal(v)
			return b, true
		}
	})
}

func checkParams(param func(string) (json.RawMessage, bool)) string {
	query, hasQuery := param("query")
	ext, _ := param("extensions")
	for _, k := range []string{"query", "operationName"} {
		if v, ok := param(k); ok && jsonKind(v) != "a string" && jsonKind(v) != "null" {
			return fmt.Sprintf("the parameter %s must be a string; got %s", k, jsonKind(v))
		}
	}
	for _, k := range []string{"variables", "extensions"} {
		v, ok := param(k)
		if !ok {
			continue
		}
		switch kind := jsonKind(v); kind {
		case "an object", "null":
		case "a string":
			return fmt.Sprintf("the parameter %s must be a JSON object, not a string holding one: send {\"%s\": {\"first\": 3}}, not {\"%s\": \"{\\\"first\\\": 3}\"}", k, k, k)
		default:
			return fmt.Sprintf("the parameter %s must be a JSON object; got %s", k, kind)
		}
	}
	if (!hasQuery || jsonKind(query) != "a string" || string(query) == `""`) && !bytes.Contains(ext, []byte(`"persistedQuery"`)) {
		return "the request has no query: send the GraphQL document in the parameter \"query\""
	}
	return ""
}

// maxJSONValues bounds the values in a request's JSON: decoding a value costs far more than its bytes
// (a megabyte of [1,1,1...] decodes into some 40 MB), and no request of the schema needs more.
const maxJSONValues = 10_000

// jsonValues counts the values in JSON text, about: one more than its separators and openings outside
// strings. It reads the bytes once and allocates nothing, so that a body is measured before it is decoded.
func jsonValues(b []byte) int {
	n, inString, escaped := 1, false, false
	for _, c := range b {
		switch {
		case escaped:
			escaped = false
		case inString:
			switch c {
			case '\\':
				escaped = true
			case '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == ',' || c == ':' || c == '[' || c == '{':
			n++
		}
	}
	return n
}

// jsonKind names the kind of a JSON value.
func jsonKind(v []byte) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return "nothing"
	}
	switch v[0] {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// specStatus rewrites the two status codes of gqlgen's that differ from the specification's, gives
// gqlgen's refusal of a mutation over GET a code, and drops the data entry of a request error.
type specStatus struct {
	http.ResponseWriter
	get          bool
	replaced     bool // gqlgen's body is not sent: this writer answered
	requestError bool // the response is a request error: it has no data entry
}

func (w *specStatus) WriteHeader(code int) {
	switch {
	case code == http.StatusNotAcceptable && w.get: // a mutation over GET
		w.Header().Set("Allow", "POST")
		w.replaced = true
		protocolError(w.ResponseWriter, http.StatusMethodNotAllowed, "a mutation must be sent with POST; GET is for queries only")
		return
	case code == http.StatusUnprocessableEntity && w.Header().Get("Content-Type") == "application/json":
		w.requestError = true
		code = http.StatusOK
	case code == http.StatusBadRequest:
		w.requestError = true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *specStatus) Write(p []byte) (int, error) {
	switch {
	case w.replaced:
		return len(p), nil
	case w.requestError:
		var resp map[string]json.RawMessage
		if json.Unmarshal(p, &resp) == nil && string(resp["data"]) == "null" {
			delete(resp, "data")
			b, _ := json.Marshal(resp)
			_, err := w.ResponseWriter.Write(b)
			return len(p), err
		}
	}
	return w.ResponseWriter.Write(p)
}
