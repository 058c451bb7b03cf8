package resolvers

import (
	"context"
	"errors"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/graph/model"
	"github.com/smartcommunities/hub/search"
)

// searchError gives the search's refusals their GraphQL codes.
func searchError(err error) error {
	var qe *search.QueryError
	var unavailable *search.ErrUnavailable
	switch {
	case errors.As(err, &qe):
		return &gqlerror.Error{Message: qe.Error(), Extensions: map[string]any{"code": "BAD_QUERY", "position": qe.Pos}}
	case errors.Is(err, search.ErrBadArgs):
		return &gqlerror.Error{Message: err.Error(), Extensions: map[string]any{"code": "BAD_USER_INPUT"}}
	case errors.As(err, &unavailable):
		return &gqlerror.Error{Message: err.Error(), Extensions: map[string]any{"code": "SEARCH_UNAVAILABLE"}}
	}
	return err
}

// hitNodes loads the entities of search hits, one statement per type; nil for those deleted since.
func hitNodes(ctx context.Context, hits []search.Hit) ([]db.Node, error) {
	thunks := make([]func() (db.Node, error), len(hits))
	for i, h := range hits {
		thunks[i] = entityNode(ctx, h.Entity, h.ID)
	}
	return await(thunks)
}

// present drops the nil entries of a loaded list: rows deleted meanwhile.
func present[T any](xs []*T) []*T {
	out := make([]*T, 0, len(xs))
	for _, x := range xs {
		if x != nil {
			out = append(out, x)
		}
	}
	return out
}

func enumStrings(types []model.SearchType) []string {
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = string(t)
	}
	return out
}

// facetLabel names a facet bucket for people, from the reference data where it has the name.
func facetLabel(ref *db.Reference, b *search.Bucket) string {
	switch b.Field {
	case "theme":
		if t := ref.Theme(b.Value); t != nil {
			return t.Name
		}
	case "country":
		if c := ref.Country(b.Value); c != nil {
			return c.Name
		}
	case "programme":
		if p := ref.Programme(b.Value); p != nil {
			return p.Name
		}
	case "language":
		if tag, err := language.Parse(b.Value); err == nil {
			if name := display.English.Languages().Name(tag); name != "" {
				return name
			}
		}
	case "type", "status":
		return db.EnumLabel(b.Value)
	}
	return b.Value
}

// matchedConcepts names a hit's concepts in the reader's language.
func matchedConcepts(ids []string, lang string) []*model.MatchedConcept {
	out := make([]*model.MatchedConcept, 0, len(ids))
	for _, id := range ids {
		if label, ok := search.ConceptLabel(id, lang); ok {
			out = append(out, &model.MatchedConcept{ID: id, Label: label})
		}
	}
	return out
}
