package httpapi

import (
	"bytes"
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/lexer"

	"github.com/smartcommunities/hub/auth"
	"github.com/smartcommunities/hub/db"
)

// The response cache. An answer to a query is kept under what decides it: the document (its tokens,
// so that spacing, commas and comments do not matter), the operation name, the variables, the media type
// asked for, and the caller's access (anonymous, partner, editor of a member, admin; the token itself
// when the document asks for the viewer). It is reused while the data version (db.DataVersion) has not
// moved since the answer was computed, and on the same day, since "open", "next deadline" and the
// dashboards' windows are relative to today. An answer is only stored when the version did not move
// while it was computed, so an answer computed from before a write is never kept after it.
//
// The same answers carry an ETag (a hash of the body) on GET requests and persisted queries, and a
// conditional request whose ETag still matches gets 304 without a body, cache or no cache.

var (
	cacheHits = promauto.NewCounter(prometheus.CounterOpts{
		Name: "hub_response_cache_hits_total", Help: "Queries answered from the response cache.",
	})
	cacheMisses = promauto.NewCounter(prometheus.CounterOpts{
		Name: "hub_response_cache_misses_total", Help: "Queries the response cache could have answered but did not hold (or held from before a change).",
	})
	cacheEvictions = promauto.NewCounter(prometheus.CounterOpts{
		Name: "hub_response_cache_evictions_total", Help: "Answers dropped from the response cache to make room.",
	})
	cacheBytes = promauto.NewGauge(prometheus.GaugeOpts{
		Name: "hub_response_cache_bytes", Help: "Bytes the response cache holds.",
	})
)

// anonymousMaxAge is how long a browser or shared cache may reuse an anonymous answer without asking
// again: short, since the hub's own answers change as soon as the data does; long enough that a page
// asking the same thing several times asks the hub once.
const anonymousMaxAge = 5 * time.Second

type responseCache struct {
	maxBytes int64
	version  *db.DataVersion
	today    func() time.Time

	mu    sync.Mutex
	order *list.List // of *cachedResponse, the most recently used first
	byKey map[[sha256.Size]byte]*list.Element
	bytes int64
}

type cachedResponse struct {
	key         [sha256.Size]byte
	version     uint64
	day         time.Time
	status      int
	contentType string
	body        []byte
	reusable    bool   // false: a mutation's answer, or one with errors
	etag        string // of a reusable answer that is kept or asked for conditionally; else empty
}

// entryOverhead approximates what an entry costs besides its body: the list element, the map slot, the
// struct.
const entryOverhead = 256

func (e *cachedResponse) size() int64 { return int64(len(e.body)) + entryOverhead }

func newResponseCache(maxBytes int64, d *db.DB) *responseCache {
	return &responseCache{maxBytes: maxBytes, version: d.Version(), today: d.Today,
		order: list.New(), byKey: map[[sha256.Size]byte]*list.Element{}}
}

func (c *responseCache) get(key [sha256.Size]byte, version uint64, day time.Time) *cachedResponse {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		return nil
	}
	e := el.Value.(*cachedResponse)
	if e.version != version || !e.day.Equal(day) {
		c.remove(el)
		return nil
	}
	c.order.MoveToFront(el)
	return e
}

// put keeps e, unless the data version moved since e was computed: e may then hold what a write that
// committed meanwhile changed.
func (c *responseCache) put(e *cachedResponse) {
	// One answer may not push out a large part of the others.
	if e.size() > c.maxBytes/8 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, following := c.version.Load(); v != e.version || !following {
		return
	}
	if el, ok := c.byKey[e.key]; ok {
		c.remove(el)
	}
	c.byKey[e.key] = c.order.PushFront(e)
	c.bytes += e.size()
	for c.bytes > c.maxBytes {
		c.remove(c.order.Back())
		cacheEvictions.Inc()
	}
	cacheBytes.Set(float64(c.bytes))
}

func (c *responseCache) remove(el *list.Element) {
	e := c.order.Remove(el).(*cachedResponse)
	delete(c.byKey, e.key)
	c.bytes -= e.size()
	cacheBytes.Set(float64(c.bytes))
}

// cacheNote is how the GraphQL server tells the cache whether an answer may be reused: it ran a query
// and it has no errors. Anything else (a mutation, a refusal, an error, a request that never reached
// execution) is left false.
type cacheNote struct {
	reusable bool
	// behind: read from a replica that may not have replayed every change the data version counts.
	behind bool
}

type cacheNoteKey struct{}

// noteReusable is a response interceptor of the GraphQL server: it fills in the request's cacheNote.
func noteReusable(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if n, ok := ctx.Value(cacheNoteKey{}).(*cacheNote); ok && resp != nil && graphql.HasOperationContext(ctx) {
		op := graphql.GetOperationContext(ctx).Operation
		n.reusable = op != nil && op.Operation == ast.Query && len(resp.Errors) == 0
	}
	return resp
}

// graphqlRequest is what of a GraphQL request decides its answer.
type graphqlRequest struct {
	Query         string          `json:"query"`
	OperationName string          `json:"operationName"`
	Variables     json.RawMessage `json:"variables"`
	Extensions    struct {
		PersistedQuery *struct {
			Hash string `json:"sha256Hash"`
		} `json:"persistedQuery"`
	} `json:"extensions"`
}

// readGraphQLRequest reads the parameters of a GET or POST request that graphqlOverHTTP has checked; ok
// is false for anything else (OPTIONS).
func readGraphQLRequest(r *http.Request) (req graphqlRequest, ok bool) {
	switch r.Method {
	case http.MethodGet:
		q := r.URL.Query()
		req.Query, req.OperationName = q.Get("query"), q.Get("operationName")
		req.Variables = json.RawMessage(q.Get("variables"))
		if ext := q.Get("extensions"); ext != "" && json.Unmarshal([]byte(ext), &req.Extensions) != nil {
			return req, false
		}
		return req, true
	case http.MethodPost:
		body, err := readBody(r)
		return req, err == nil && json.Unmarshal(body, &req) == nil
	}
	return req, false
}

// readBody reads the (already bounded and buffered) body and puts it back for the next reader.
func readBody(r *http.Request) ([]byte, error) {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r.Body); err != nil {
		return nil, err
	}
	r.Body.Close()
	body := buf.Bytes()
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

// key is the cache key of req for the caller in ctx, and false when the document does not even lex
// (gqlgen will say why).
func (req *graphqlRequest) key(ctx context.Context, accept string) ([sha256.Size]byte, bool) {
	h := sha256.New()
	field := func(s string) {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
	}
	perToken := true // a persisted query's document is not known here: assume it asks for the viewer
	if req.Query != "" {
		doc, asksViewer, ok := normalisedDocument(req.Query)
		if !ok {
			return [sha256.Size]byte{}, false
		}
		field(doc)
		perToken = asksViewer
	} else if pq := req.Extensions.PersistedQuery; pq != nil {
		field("persisted " + pq.Hash)
	}
	field(req.OperationName)
	field(canonicalJSON(req.Variables))
	field(accept)
	p := auth.From(ctx)
	field(string(p.Role) + " " + strconv.FormatInt(p.Member, 10))
	if perToken && !p.Anonymous() {
		if p.Token != nil {
			field("token " + strconv.FormatInt(p.Token.ID, 10))
		} else {
			field("subject " + p.Subject)
		}
	}
	var key [sha256.Size]byte
	h.Sum(key[:0])
	return key, true
}

// normalisedDocument is the document's tokens, one space apart, and whether it names the viewer field
// (whose answer is the caller's own token).
func normalisedDocument(query string) (string, bool, bool) {
	lx := lexer.New(&ast.Source{Input: query})
	var b strings.Builder
	viewer := false
	for {
		tok, err := lx.ReadToken()
		if err != nil {
			return "", false, false
		}
		switch tok.Kind {
		case lexer.EOF:
			return b.String(), viewer, true
		case lexer.Comment:
			continue
		case lexer.String, lexer.BlockString:
			b.WriteString(strconv.Quote(tok.Value))
		case lexer.Name:
			viewer = viewer || tok.Value == "viewer"
			b.WriteString(tok.Value)
		default:
			b.WriteString(tok.Value)
		}
		b.WriteByte(' ')
	}
}

// canonicalJSON writes variables with sorted keys and no spacing, so that equal values give equal keys.
func canonicalJSON(raw json.RawMessage) string {
	if len(bytes.TrimSpace(raw)) == 0 {
		return ""
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return string(raw)
	}
	out, err := json.Marshal(v)
	if err != nil {
		return string(raw)
	}
	return string(out)
}

// recorder holds what the GraphQL server answers, to be kept and then written.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(p)
}

// serve answers from the cache what it holds, and otherwise asks next and keeps what may be reused.
func (c *responseCache) serve(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, ok := readGraphQLRequest(r)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		conditional := r.Method == http.MethodGet || req.Extensions.PersistedQuery != nil
		private := !auth.From(r.Context()).Anonymous()
		key, keyed := req.key(r.Context(), r.Header.Get("Accept"))
		caching := keyed && c.maxBytes > 0
		version, following := c.version.Load()
		day := c.today()
		// A query sent with its hash registers the hash with gqlgen's persisted queries: it must reach them.
		registers := req.Query != "" && req.Extensions.PersistedQuery != nil
		// A caller whose last write is recent may ask before this hub has been told of it: its answer
		// comes from the database (readYourWrites drops positions once they are settled).
		min, _ := r.Context().Value(minLSNKey{}).(db.LSN)
		if caching && following && !registers && min == 0 {
			if e := c.get(key, version, day); e != nil {
				cacheHits.Inc()
				writeCached(w, r, e, conditional, private)
				return
			}
			cacheMisses.Inc()
		}
		note := &cacheNote{}
		rec := &recorder{header: w.Header()}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), cacheNoteKey{}, note)))
		e := &cachedResponse{key: key, version: version, day: day, status: rec.status,
			contentType: rec.header.Get("Content-Type"), body: rec.body.Bytes()}
		if e.status == 0 {
			e.status = http.StatusOK
		}
		e.reusable = note.reusable && e.status == http.StatusOK
		keep := e.reusable && caching && following && !note.behind
		// The body's hash only where an ETag is sent or kept: a plain POST with the cache off needs none.
		if e.reusable && (conditional || keep) {
			sum := sha256.Sum256(e.body)
			e.etag = `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
		}
		if keep {
			c.put(e)
		}
		writeCached(w, r, e, conditional, private)
	})
}

// writeCached writes an answer with its caching headers: reusable answers say who may keep them and, on
// conditional requests, carry their ETag and become 304 when the client's copy is still the answer.
func writeCached(w http.ResponseWriter, r *http.Request, e *cachedResponse, conditional, private bool) {
	h := w.Header()
	if e.contentType != "" {
		h.Set("Content-Type", e.contentType)
	}
	switch {
	case !e.reusable:
		h.Set("Cache-Control", "no-store")
	case private:
		h.Set("Cache-Control", "private, no-cache")
	default:
		h.Set("Cache-Control", "public, max-age="+strconv.Itoa(int(anonymousMaxAge.Seconds())))
	}
	if e.etag != "" && conditional {
		h.Set("ETag", e.etag)
		h.Add("Vary", "Accept, Authorization")
		if etagMatches(r.Header.Get("If-None-Match"), e.etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.WriteHeader(e.status)
	w.Write(e.body) //nolint:errcheck // the client went away
}

// etagMatches tells whether an If-None-Match header names etag (or is *), weak comparison as RFC 9110
// asks for If-None-Match.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
