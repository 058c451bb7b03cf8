package httpapi

import (
	"context"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/smartcommunities/hub/auth"
	"golang.org/x/time/rate"
)

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
