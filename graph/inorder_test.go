package graph

import (
	"bytes"
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

// A list marshalled in order keeps gqlgen's contract: every element is set, each sees its own index, and
// a panicking element becomes a null and an error while its siblings are still marshalled.
func TestMarshalSliceInOrder(t *testing.T) {
	ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, graphql.DefaultRecover)
	var seen []int
	arr := MarshalSliceInOrder(ctx, 3, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		seen = append(seen, *graphql.GetFieldContext(ctx).Index)
		if i == 1 {
			panic("element 1 fails")
		}
		return graphql.MarshalInt(i)
	})
	var out bytes.Buffer
	arr.MarshalGQL(&out)
	if out.String() != "[0,null,2]" {
		t.Errorf("marshalled %s, want [0,null,2]", out.String())
	}
	if len(seen) != 3 || seen[0] != 0 || seen[1] != 1 || seen[2] != 2 {
		t.Errorf("elements saw indexes %v, want [0 1 2]", seen)
	}
	if errs := graphql.GetErrors(ctx); len(errs) != 1 {
		t.Errorf("errors %v, want the one of the panic", errs)
	}
}
