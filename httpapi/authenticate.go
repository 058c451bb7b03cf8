package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/smartcommunities/hub/auth"
)

// authenticate tells who sent the request, after limitRate let it through. Credentials that do not
// authenticate get 401, and count against the address's rate of refused credentials, so that guessing
// tokens is as slow as any other flood. The lookup takes at most timeout (less when the request's own
// deadline comes first): a hung database answers 503.
func authenticate(a *auth.Authenticator, l rateLimits, timeout time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		p, err := a.Authenticate(r.WithContext(ctx))
		timedOut := ctx.Err() != nil
		cancel()
		if err != nil {
			if l.perAddress > 0 {
				if d := l.limiter.wait("refused:"+clientAddress(r.Context()), l.perAddress); d > 0 {
					tooMany(w, d, "too many requests from this address; retry after the time in Retry-After")
					return
				}
			}
			if !errors.Is(err, auth.ErrBadCredentials) && !errors.Is(err, auth.ErrBadScheme) {
				slog.ErrorContext(r.Context(), "authenticating", "err", err, "request_id", requestID(r.Context()))
				if timedOut {
					httpError(w, http.StatusServiceUnavailable, "TIMEOUT", "checking the credentials took too long (the database is not answering); retry shortly")
					return
				}
				httpError(w, http.StatusServiceUnavailable, "INTERNAL_SERVER_ERROR", "the hub cannot check credentials just now; retry shortly")
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			httpError(w, http.StatusUnauthorized, "UNAUTHENTICATED", err.Error())
			return
		}
		l.learnRate(r.Context(), p)
		next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	})
}
