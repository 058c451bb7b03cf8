// Package resolvers translates between GraphQL and the domain: arguments into db calls, domain values into
// GraphQL fields. SQL stays in db/, wiring in server.go.
package resolvers

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/smartcommunities/hub/auth"
	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/live"
	"github.com/smartcommunities/hub/search"
	"github.com/smartcommunities/hub/webhooks"
)

// Resolver is the root resolver.
type Resolver struct {
	DB    *db.DB
	Index *search.Index
	// ApplicationWait tells how long the caller of applyForMembership must wait before applying again
	// (per client address); 0 lets them apply now. Nil: no limit.
	ApplicationWait func(ctx context.Context) time.Duration
	// Live is the change feed's broker, for subscriptions.
	Live *live.Broker
	// Webhooks is how webhook endpoints are checked.
	Webhooks webhooks.Config
}

// allowApplication refuses an application from a client that has sent too many lately.
func (r *Resolver) allowApplication(ctx context.Context) error {
	if r.ApplicationWait == nil {
		return nil
	}
	if d := r.ApplicationWait(ctx); d > 0 {
		secs := int(math.Ceil(d.Seconds()))
		return &gqlerror.Error{Message: fmt.Sprintf("too many applications from this address; try again in %d seconds", secs),
			Extensions: map[string]any{"code": "RATE_LIMITED", "retryAfter": secs}}
	}
	return nil
}

// tokenID is the id of the token the request authenticated with, if any: recorded as who created a token.
func tokenID(ctx context.Context) *int64 {
	if t := auth.From(ctx).Token; t != nil {
		return &t.ID
	}
	return nil
}

func pageArgs(first *int, after *string, last *int, before *string) db.PageArgs {
	return db.PageArgs{First: first, After: after, Last: last, Before: before}
}

// userErrors converts the db's refusals into the GraphQL type.
func userErrors(errs []db.UserError) []*db.UserError {
	out := make([]*db.UserError, len(errs))
	for i := range errs {
		out[i] = &errs[i]
	}
	return out
}

// lookup maps reference keys to the in-memory reference items.
func lookup[K any, V any](keys []K, get func(K) *V) []*V {
	out := make([]*V, len(keys))
	for i, k := range keys {
		out[i] = get(k)
	}
	return out
}

// deleted builds a delete payload's parts: the deleted row's global ID, or the userErrors.
func deleted[ID db.EntityID](id ID, errs []db.UserError) (*string, []*db.UserError) {
	if len(errs) > 0 {
		return nil, userErrors(errs)
	}
	gid := id.GlobalID()
	return &gid, []*db.UserError{}
}

func derefOr[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}
