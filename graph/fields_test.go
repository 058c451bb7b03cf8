package graph

import (
	"bytes"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// ObjectInOrder writes an object as gqlgen's FieldSet does: fields in order, a repeated alias once (the
// first), nulls as null.
func TestObjectInOrderWritesWhatFieldSetWrites(t *testing.T) {
	for _, aliases := range [][]string{{}, {"a"}, {"a", "b", "c"}, {"a", "b", "a"}, {"a", "a", "b", "b", "__typename"}} {
		fields := make([]graphql.CollectedField, len(aliases))
		for i, a := range aliases {
			fields[i] = graphql.CollectedField{Field: &ast.Field{Alias: a, Name: a}}
		}
		set := graphql.NewFieldSet(fields)
		for i := range fields {
			set.Values[i] = graphql.MarshalInt(i)
		}
		if len(fields) > 1 {
			set.Values[1] = graphql.Null
		}
		var want, got bytes.Buffer
		set.MarshalGQL(&want)
		ObjectInOrder(fields, set).MarshalGQL(&got)
		if got.String() != want.String() {
			t.Errorf("fields %q: %s, want %s", aliases, got.String(), want.String())
		}
	}
}
