package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/smartcommunities/hub/db"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

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
	// gqlgen's refusal of __schema and __type when introspection is off (HUB_INTROSPECTION) is a plain
	// error: known by its text.
	if err.Error() == "introspection disabled" {
		return res, &gqlerror.Error{Message: "introspection is turned off on this hub",
			Extensions: map[string]any{"code": "INTROSPECTION_DISABLED"}}
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

func protocolError(w http.ResponseWriter, status int, msg string) {
	httpError(w, status, "BAD_REQUEST", msg)
}

// httpError answers a request refused before GraphQL ran, in the shape of a GraphQL response, with the
// request id that logRequests gave it.
func httpError(w http.ResponseWriter, status int, code, msg string) {
	ext := map[string]any{"code": code}
	if id := w.Header().Get("X-Request-Id"); id != "" {
		ext["requestId"] = id
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{"message": msg, "extensions": ext}}})
}
