// Package resolvers translates between GraphQL and the domain: arguments into db calls, domain values into
// GraphQL fields. SQL stays in db/, wiring in server.go.
package resolvers

import "github.com/smartcommunities/hub/db"

// Resolver is the root resolver.
type Resolver struct {
	DB *db.DB
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

func countries(ref *db.Reference, codes []string) []*db.Country {
	out := make([]*db.Country, 0, len(codes))
	for _, c := range codes {
		out = append(out, ref.Country(c))
	}
	return out
}

func themes(ref *db.Reference, codes []string) []*db.Theme {
	out := make([]*db.Theme, 0, len(codes))
	for _, c := range codes {
		out = append(out, ref.Theme(c))
	}
	return out
}

func mims(ref *db.Reference, ids []int32) []*db.Mim {
	out := make([]*db.Mim, 0, len(ids))
	for _, id := range ids {
		out = append(out, ref.MimByID(id))
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
