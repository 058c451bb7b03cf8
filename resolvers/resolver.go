// Package resolvers translates between GraphQL and the domain: arguments into db calls, domain values into
// GraphQL fields. SQL stays in db/, wiring in server.go.
package resolvers

import (
	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/search"
)

// Resolver is the root resolver.
type Resolver struct {
	DB    *db.DB
	Index *search.Index
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

// deleted builds a delete payload's parts.
func deleted(id string, errs []db.UserError) (*string, []*db.UserError) {
	if len(errs) > 0 {
		return nil, userErrors(errs)
	}
	return &id, []*db.UserError{}
}
