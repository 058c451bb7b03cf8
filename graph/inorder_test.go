package graph

import (
	"bytes"
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
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

// An object with a deferred field gets gqlgen's own group, with its path; one without gets an empty group.
func TestNewDeferredGroupFor(t *testing.T) {
	ctx := graphql.WithFieldContext(context.Background(), &graphql.FieldContext{Field: graphql.CollectedField{
		Field: &ast.Field{Alias: "member"}}})
	plain := []graphql.CollectedField{{Field: &ast.Field{Name: "name"}}}
	if g := NewDeferredGroupFor(ctx, plain); g.FieldSet != nil || g.Defers != nil || g.Path != nil || g.Context != ctx {
		t.Errorf("without a deferred field the group is %+v, want only its context", g)
	}
	deferred := append(plain, graphql.CollectedField{Field: &ast.Field{Name: "bestPractices"},
		Deferrables: []*graphql.Deferrable{{Label: "later"}}})
	g := NewDeferredGroupFor(ctx, deferred)
	if g.FieldSet == nil || g.Defers == nil || g.Path.String() != "member" {
		t.Errorf("with a deferred field the group is %+v, want gqlgen's, at path member", g)
	}
}
