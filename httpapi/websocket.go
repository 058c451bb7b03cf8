package httpapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	coderws "github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/smartcommunities/hub/auth"
	"github.com/smartcommunities/hub/backend"
	"github.com/smartcommunities/hub/config"
	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/live"
	"github.com/smartcommunities/hub/resolvers"
)

// Subscriptions over WebSocket: gqlgen's transport, in the graphql-transport-ws protocol (and the
// older graphql-ws one), on /graphql. The caller is who connection_init's token says, checked as an
// Authorization header is (authenticate.go's Authenticator), so a subscription reads what a query by
// the same caller would.

// closeGoingAway is the close code of a hub shutting down; closeTooMany that of a connection over its
// address's limit (4000-4999 are the application's).
const (
	closeGoingAway = 1001
	closeTooMany   = 4429
)

// isWebSocket tells a WebSocket handshake from a GraphQL-over-HTTP request.
func isWebSocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// websockets tracks the open connections, per client address and for closing them at shutdown.
type websockets struct {
	maxPerAddress int
	mu            sync.Mutex
	perAddress    map[string]int
	conns         map[*trackedConn]struct{}
	closing       bool
}

// shutdown closes every connection with 1001: http.Server.Shutdown does not touch hijacked ones.
func (ws *websockets) shutdown() {
	ws.mu.Lock()
	ws.closing = true
	conns := make([]*trackedConn, 0, len(ws.conns))
	for c := range ws.conns {
		conns = append(conns, c)
	}
	ws.mu.Unlock()
	for _, c := range conns {
		c.WriteClose(closeGoingAway, "the hub is shutting down")
	}
}

// implementation accepts connections through coder/websocket and tracks them; one over the address's
// limit is accepted and closed at once with closeTooMany, which a client can tell from a failure.
type implementation struct {
	ws    *websockets
	inner transport.CoderWebsocketImplementation
}

func (im implementation) Accept(w http.ResponseWriter, r *http.Request, o transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	conn, err := im.inner.Accept(w, r, o)
	if err != nil {
		return nil, err
	}
	addr := clientAddress(r.Context())
	c := &trackedConn{WebsocketConn: conn, release: func() {}}
	ws := im.ws
	ws.mu.Lock()
	switch {
	case ws.closing:
		ws.mu.Unlock()
		c.WriteClose(closeGoingAway, "the hub is shutting down")
		return c, nil
	case ws.perAddress[addr] >= ws.maxPerAddress:
		ws.mu.Unlock()
		c.WriteClose(closeTooMany, "too many connections from this address")
		return c, nil
	}
	ws.perAddress[addr]++
	ws.conns[c] = struct{}{}
	ws.mu.Unlock()
	var once sync.Once
	c.release = func() {
		once.Do(func() {
			ws.mu.Lock()
			if ws.perAddress[addr]--; ws.perAddress[addr] <= 0 {
				delete(ws.perAddress, addr)
			}
			delete(ws.conns, c)
			ws.mu.Unlock()
		})
	}
	return c, nil
}

// trackedConn is a connection that leaves the count when closed, and whose first close code is the
// one sent (gqlgen's own close after ours sends nothing more).
type trackedConn struct {
	transport.WebsocketConn
	mu      sync.Mutex
	closed  bool
	release func()
}

func (c *trackedConn) WriteClose(code int, msg string) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()
	c.release()
	return c.WebsocketConn.WriteClose(code, msg)
}

func (c *trackedConn) Close() error {
	c.release()
	return c.WebsocketConn.Close()
}

func (c *trackedConn) NextReader() (int, io.Reader, error) {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		// Once we have closed, the only reads left are the peer's close; the connection is done.
		t, r, err := c.WebsocketConn.NextReader()
		if err == nil {
			return t, r, nil
		}
		return t, r, transport.ErrWebsocketClosed
	}
	return c.WebsocketConn.NextReader()
}

func (c *trackedConn) SetReadLimit(n int64) {
	if l, ok := c.WebsocketConn.(transport.WebsocketReadLimiter); ok {
		l.SetReadLimit(n)
	}
}

func (c *trackedConn) SetReadDeadline(t time.Time) error {
	if d, ok := c.WebsocketConn.(transport.WebsocketReadDeadliner); ok {
		return d.SetReadDeadline(t)
	}
	return nil
}

// websocketTransport is the transport, with the caller authenticated from connection_init.
func websocketTransport(b *backend.Backend, cfg config.Config, authn *auth.Authenticator) transport.Websocket {
	ws := &websockets{maxPerAddress: cfg.WSMaxConnections, perAddress: map[string]int{}, conns: map[*trackedConn]struct{}{}}
	if b.Live != nil {
		b.Live.OnShutdown(ws.shutdown)
	}
	var patterns []string
	for _, o := range cfg.CORSOrigins {
		if u, err := url.Parse(o); err == nil && u.Host != "" {
			patterns = append(patterns, u.Host)
		}
	}
	return transport.Websocket{
		Implementation: implementation{ws: ws, inner: transport.CoderWebsocketImplementation{
			// The browser's own origin always; other sites' pages only when HUB_CORS_ORIGINS names them.
			AcceptOptions: coderws.AcceptOptions{OriginPatterns: patterns},
		}},
		InitTimeout:           10 * time.Second,
		PingPongInterval:      cfg.WSPingInterval,
		KeepAlivePingInterval: cfg.WSPingInterval,
		InitFunc: func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
			credential := p.Authorization()
			if credential == "" {
				if t := p.GetString("token"); t != "" {
					credential = "Bearer " + t
				}
			}
			r, _ := http.NewRequestWithContext(ctx, http.MethodGet, "/graphql", nil)
			if credential != "" {
				r.Header.Set("Authorization", credential)
			}
			lookup, cancel := context.WithTimeout(ctx, cfg.RequestTimeout)
			principal, err := authn.Authenticate(r.WithContext(lookup))
			cancel()
			if err != nil {
				if !errors.Is(err, auth.ErrBadCredentials) && !errors.Is(err, auth.ErrBadScheme) {
					err = errors.New("the hub cannot check credentials just now; retry shortly")
				}
				return transport.WithWebsocketCloseCode(ctx, 4403), nil, err
			}
			ctx = auth.WithPrincipal(ctx, principal)
			return live.WithConnection(ctx, cfg.WSMaxSubscriptions), nil, nil
		},
	}
}

// freshLoaders gives each event of a subscription, and each query sent over a WebSocket, loaders of
// its own: a connection lives long, and loaders made for it would answer later operations from what
// earlier ones read (and with the columns those asked for: db.WithFieldsAsked).
func freshLoaders(d *db.DB) graphql.ResponseMiddleware {
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		if oc := graphql.GetOperationContext(ctx); oc.Operation != nil && (oc.Operation.Operation == ast.Subscription || live.OnConnection(ctx)) {
			ctx = resolvers.WithLoaders(ctx, resolvers.NewLoaders(d))
		}
		return next(ctx)
	}
}

// subscriptionsOnWebSocket refuses a subscription sent over HTTP, which would wait for its first event
// and then end: it has a WebSocket of its own.
func subscriptionsOnWebSocket(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if oc := graphql.GetOperationContext(ctx); oc.Operation != nil && oc.Operation.Operation == ast.Subscription && !live.OnConnection(ctx) {
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{
			Message:    "subscriptions are served over a WebSocket at /graphql, in the graphql-transport-ws protocol",
			Extensions: map[string]any{"code": "BAD_REQUEST", "requestId": requestID(ctx)},
		}}})
	}
	return next(ctx)
}
