package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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

// keyedLimiter is a token bucket per key: a client address, or a token. With a shared limiter (Redis,
// HUB_REDIS_URL) every hub counts against the same buckets there, and the local ones only hold the
// tokens' own limits and stand in while Redis does not answer.
type keyedLimiter struct {
	mu      sync.Mutex
	clients map[string]*client
	swept   time.Time
	shared  *sharedLimiter // nil: the limits are this process's
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
	if d, ok := l.shared.wait(key, perSecond, burst, 1); ok {
		return d
	}
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

// over tells how long key must wait before its next request at perSecond, without counting one: 0 when
// it may go.
func (l *keyedLimiter) over(key string, perSecond float64) time.Duration {
	if perSecond > 0 {
		if d, ok := l.shared.wait(key, perSecond, int(2*perSecond)+1, 0); ok {
			return d
		}
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.clients[key]
	if c == nil {
		return 0
	}
	if tokens := c.limiter.TokensAt(now); tokens < 1 {
		return time.Duration((1 - tokens) / float64(c.limiter.Limit()) * float64(time.Second))
	}
	return 0
}

// limitOf is key's limit: the one learnt for it, or def.
func (l *keyedLimiter) limitOf(key string, def float64) float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c := l.clients[key]; c != nil {
		return float64(c.limiter.Limit())
	}
	return def
}

// learn gives key a limit of its own, found when its credential was looked up, and counts the request
// that found it.
func (l *keyedLimiter) learn(key string, perSecond float64) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.clients[key]
	if c == nil {
		c = &client{limiter: rate.NewLimiter(rate.Limit(perSecond), int(2*perSecond)+1), seen: now}
		l.clients[key] = c
	} else if c.limiter.Limit() == rate.Limit(perSecond) {
		return
	}
	c.limiter.SetLimitAt(now, rate.Limit(perSecond))
	c.limiter.SetBurstAt(now, int(2*perSecond)+1)
	if _, ok := l.shared.wait(key, perSecond, int(2*perSecond)+1, 1); !ok {
		c.limiter.ReserveN(now, 1)
	}
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

// limitRate answers 429 to a caller over its rate before its credential is looked up, so that a flood
// costs no SQL: a request with a credential is counted under it (by its hash; the same token is one
// key, and a token's own limit is learnt at its first lookup), others by address. Credentials that did
// not authenticate count against their address (authenticate), and past that rate the address's
// credentials are not looked up at all.
func limitRate(l rateLimits, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr := clientAddress(r.Context())
		credential := r.Header.Get("Authorization")
		if credential == "" {
			if l.perAddress > 0 {
				if d := l.limiter.wait("addr:"+addr, l.perAddress); d > 0 {
					tooMany(w, d, "too many requests from this address; retry after the time in Retry-After")
					return
				}
			}
			next.ServeHTTP(w, r)
			return
		}
		if d := l.limiter.over("refused:"+addr, l.perAddress); d > 0 {
			tooMany(w, d, "too many requests with bad credentials from this address; retry after the time in Retry-After")
			return
		}
		sum := sha256.Sum256([]byte(credential))
		key := "credential:" + hex.EncodeToString(sum[:16])
		if limit := l.limiter.limitOf(key, l.perToken); limit > 0 {
			if d := l.limiter.wait(key, limit); d > 0 {
				tooMany(w, d, "too many requests with this token; retry after the time in Retry-After")
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), rateKeyKey{}, key)))
	})
}

type rateKeyKey struct{}

// learnRate records a token's own limit under the key limitRate counted its request by.
func (l rateLimits) learnRate(ctx context.Context, p auth.Principal) {
	if key, _ := ctx.Value(rateKeyKey{}).(string); key != "" && p.Token != nil && p.Token.RateLimit != nil && *p.Token.RateLimit > 0 {
		l.limiter.learn(key, *p.Token.RateLimit)
	}
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
