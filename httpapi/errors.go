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

// presentError gives every error a code. The errors of resolvers are sorted here, not in a field
// middleware, so that no field pays a call for the few that fail: those the caller caused (bad page
// arguments, errors that already carry a code, a value PostgreSQL refused) are answered as they are,
// everything else is internal, logged with the request id and answered with a generic message, so no
// SQL or internal detail reaches a response. Errors raised before any resolver runs (parsing,
// validation, variables, the bounds) and arguments that fail to coerce stay visible to the caller.
func presentError(ctx context.Context, err error) *gqlerror.Error {
	gqlErr := graphql.DefaultErrorPresenter(ctx, err)
	if gqlErr.Extensions == nil {
		gqlErr.Extensions = map[string]any{}
	}
	var pgErr *pgconn.PgError
	var invalidNull *graphql.InvalidNullError
	switch {
	case gqlErr.Extensions["code"] != nil:
	case errors.Is(err, errInternal) || fromResolver(ctx, gqlErr) && !errors.As(err, &invalidNull):
		switch {
		case errors.Is(err, db.ErrBadPageArgs):
			gqlErr.Extensions["code"] = "BAD_USER_INPUT"
		case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
			gqlErr.Message = "the request was cancelled or timed out"
			gqlErr.Extensions["code"] = "TIMEOUT"
		// gqlgen's refusal of __schema and __type when introspection is off (HUB_INTROSPECTION) is a
		// plain error: known by its text (err's own text carries the path).
		case gqlErr.Message == "introspection disabled":
			gqlErr.Message = "introspection is turned off on this hub"
			gqlErr.Extensions["code"] = "INTROSPECTION_DISABLED"
		// PostgreSQL's data exceptions (class 22: a NUL byte in a string, a value out of range) come
		// from values the caller sent, which no validation ahead of the SQL caught: the caller's to fix.
		case errors.As(err, &pgErr) && strings.HasPrefix(pgErr.Code, "22"):
			slog.InfoContext(ctx, "a request value PostgreSQL refused", "err", err, "request_id", requestID(ctx))
			gqlErr.Message = "a value in the request cannot be used here"
			gqlErr.Extensions["code"] = "BAD_USER_INPUT"
		default:
			slog.ErrorContext(ctx, "internal error", "err", err, "request_id", requestID(ctx), "path", gqlErr.Path.String())
			gqlErr.Message = "internal error"
			gqlErr.Extensions["code"] = "INTERNAL_SERVER_ERROR"
		}
	default:
		gqlErr.Extensions["code"] = "BAD_USER_INPUT"
	}
	gqlErr.Extensions["requestId"] = requestID(ctx)
	return gqlErr
}

// fromResolver tells a resolver's error from an argument's: both are reported in the field's context,
// but gqlgen gives an argument that fails to coerce the argument's path, below the field's.
func fromResolver(ctx context.Context, gqlErr *gqlerror.Error) bool {
	fc := graphql.GetFieldContext(ctx)
	return fc != nil && len(gqlErr.Path) <= len(fc.Path())
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
