package resolvers

import (
	"context"
	"fmt"
	"strings"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/smartcommunities/hub/db"
)

// MaxNodeIDs is how many ids nodes(ids:) takes: each is an object in the response, so a long list is a
// large response for a short request.
const MaxNodeIDs = 100

// nodes resolves global IDs through the per-request loaders, so that nodes(ids:) with many IDs of one type
// costs one statement. IDs that are malformed or name nothing give null, as Relay expects.
func (r *queryResolver) nodes(ctx context.Context, ids []string) ([]db.Node, error) {
	if len(ids) > MaxNodeIDs {
		return nil, &gqlerror.Error{Message: fmt.Sprintf("nodes takes at most %d ids; got %d (ask in several requests)", MaxNodeIDs, len(ids)),
			Extensions: map[string]any{"code": "BAD_USER_INPUT"}}
	}
	ref := r.DB.Reference()
	thunks := make([]func() (db.Node, error), len(ids))
	for i, id := range ids {
		k, ok := db.ParseNodeID(id)
		if !ok {
			continue
		}
		switch k.Type {
		case "Country":
			thunks[i] = found(ref.Country(k.Code))
		case "Theme":
			thunks[i] = found(ref.Theme(k.Code))
		case "Programme":
			thunks[i] = found(ref.Programme(k.Code))
		case "Mim":
			code, edition, _ := strings.Cut(k.Code, "@")
			thunks[i] = found(ref.Mim(db.MimRef{Code: code, Edition: edition}))
		default:
			thunks[i] = entityNode(ctx, k.Type, k.Row)
		}
	}
	return await(thunks)
}

// entityNode loads an entity by its GraphQL type and row id through the request's loaders; nil for a type
// that is not an entity.
func entityNode(ctx context.Context, typ string, id int64) func() (db.Node, error) {
	l := loaders(ctx)
	switch typ {
	case "Member":
		return node(l.members.LoadThunk(ctx, id))
	case "BestPractice":
		return node(l.practices.LoadThunk(ctx, id))
	case "DigitalTool":
		return node(l.tools.LoadThunk(ctx, id))
	case "FundingOpportunity":
		return node(l.funding.LoadThunk(ctx, id))
	}
	return nil
}

// await resolves thunks in order; a nil thunk, or a thunk that finds nothing, gives a nil node.
func await(thunks []func() (db.Node, error)) ([]db.Node, error) {
	out := make([]db.Node, len(thunks))
	for i, thunk := range thunks {
		if thunk == nil {
			continue
		}
		n, err := thunk()
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

// node adapts a loader thunk, turning a missing row (a nil pointer) into a nil Node rather than a typed nil.
func node[T any](thunk func() (*T, error)) func() (db.Node, error) {
	return func() (db.Node, error) {
		v, err := thunk()
		if err != nil || v == nil {
			return nil, err
		}
		return v, nil
	}
}

func found[T any](v *T) func() (db.Node, error) {
	return func() (db.Node, error) {
		if v == nil {
			return nil, nil
		}
		return v, nil
	}
}
