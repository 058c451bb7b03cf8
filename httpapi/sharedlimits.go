package httpapi

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/redis/go-redis/v9"
)

// Shared limits (HUB_REDIS_URL): the per-address, per-token and per-hour application limits counted in
// Redis by every hub, with a GCRA limiter (redis_rate), so that three hubs behind a load balancer allow
// a client what one would. When Redis does not answer (within sharedTimeout), the hub fails open to its
// own per-process limits: a client then gets up to the limit from each hub, never a refusal because
// Redis is down. Each such fall-back counts in hub_shared_limit_errors_total, and a warning is logged
// at most every 10 s.

var sharedLimitErrors = promauto.NewCounter(prometheus.CounterOpts{
	Name: "hub_shared_limit_errors_total", Help: "Rate limit checks that Redis did not answer, counted by this hub alone instead.",
})

// sharedTimeout bounds a check: a request waits no longer for Redis than this.
const sharedTimeout = 250 * time.Millisecond

type sharedLimiter struct {
	limiter *redis_rate.Limiter
	logged  atomic.Int64 // unix nanoseconds of the last warning
}

func newSharedLimiter(url string) *sharedLimiter {
	opts, err := redis.ParseURL(url) // config has checked it
	if err != nil {
		slog.Error("HUB_REDIS_URL does not parse; the limits are this hub's alone", "err", err)
		return nil
	}
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = sharedTimeout, sharedTimeout, sharedTimeout
	return &sharedLimiter{limiter: redis_rate.NewLimiter(redis.NewClient(opts))}
}

// wait counts n requests of key against perSecond in bursts of burst, and tells how long key must wait
// (n 0 counts nothing); ok is false when Redis did not answer and the caller must count locally.
func (s *sharedLimiter) wait(key string, perSecond float64, burst, n int) (d time.Duration, ok bool) {
	if s == nil || perSecond <= 0 {
		return 0, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), sharedTimeout)
	defer cancel()
	// One request per emission interval is the rate, whatever its unit (50 a second, 5 an hour).
	interval := time.Duration(float64(time.Second) / perSecond)
	res, err := s.limiter.AllowN(ctx, "hub:"+key, redis_rate.Limit{Rate: 1, Period: interval, Burst: burst}, n)
	if err != nil {
		sharedLimitErrors.Inc()
		if now := time.Now().UnixNano(); now-s.logged.Load() > int64(10*time.Second) {
			s.logged.Store(now)
			slog.Warn("the shared rate limits (Redis) do not answer; counting in this hub alone", "err", err)
		}
		return 0, false
	}
	switch {
	case n == 0 && res.Remaining < 1:
		return max(res.RetryAfter, interval), true
	case n > 0 && res.Allowed < n:
		return max(res.RetryAfter, time.Millisecond), true
	}
	return 0, true
}
