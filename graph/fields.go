package graph

import (
	"context"
	"io"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// ResolveStructField is graphql.ResolveField for a field that is read off its object: a struct field or
// a method without context or error (see graph/generate for which). The generated code calls it with
// the value where gqlgen would pass a resolver returning it.
//
// graphql.ResolveField makes every field ready for what a resolver may do, and a field read off its
// object does none of it: the value passes through an `any` twice (the resolver's result and
// FieldContext.Result), the resolver and the call of the field middleware are two more closures, and the
// context they share moves to the heap. That was nine allocations for each string of a response, and a
// fifth of the allocations of the README's members query. Here only the field's context (its
// FieldContext, and the context holding it) and the marshalled value are allocated, and the field is
// answered as gqlgen answers it: the same field context for errors and paths below it, the same
// marshalling, a panic recovered into null.
//
// What it leaves out: such fields do not pass through the field middleware (handler.Server.AroundFields
// and extensions that are graphql.FieldInterceptor), and their FieldContext.Result stays unset. The hub
// installs no field middleware (httpapi/graphql.go); one that must see every field needs the rewrite in
// graph/generate removed.
func ResolveStructField[T any](
	ctx context.Context,
	oc *graphql.OperationContext,
	field graphql.CollectedField,
	initializeFieldContext func(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error),
	value T,
	marshal func(ctx context.Context, sel ast.SelectionSet, v T) graphql.Marshaler,
	recoverFromPanic bool,
	_ bool, // non-null: a value read off an object is never a nil `any`, so the marshaller decides on null
) (ret graphql.Marshaler) {
	fc, err := initializeFieldContext(ctx, field)
	if err != nil {
		return graphql.Null
	}
	ctx = graphql.WithFieldContext(ctx, fc)
	if recoverFromPanic {
		defer func() {
			if r := recover(); r != nil {
				oc.Error(ctx, oc.Recover(ctx, r))
				ret = graphql.Null
			}
		}()
	}
	return marshal(ctx, field.Selections, value)
}

// ObjectInOrder is the answer of an object whose fields are set's values: the generated code returns it
// where gqlgen would return set itself (see graph/generate). It writes what set.MarshalGQL writes, the
// fields in order, the first of two with one alias, without what that costs for every object: a map
// of the aliases written, two closures to iterate over the fields, and each field moved to the heap.
// Those were a sixth of the allocations of the README's members query. fields are set's fields, which
// no one changes after graphql.NewFieldSet(fields) (a @defer'd field goes to another set).
func ObjectInOrder(fields []graphql.CollectedField, set *graphql.FieldSet) graphql.Marshaler {
	return objectInOrder{fields: fields, values: set.Values}
}

type objectInOrder struct {
	fields []graphql.CollectedField
	values []graphql.Marshaler
}

func (o objectInOrder) MarshalGQL(w io.Writer) {
	io.WriteString(w, "{") //nolint:errcheck // the writer keeps its first error
	for i := range o.fields {
		alias := o.fields[i].Alias
		if o.writtenBefore(i, alias) {
			continue
		}
		if i > 0 {
			io.WriteString(w, ",") //nolint:errcheck
		}
		// An alias is a GraphQL name ([_A-Za-z][_0-9A-Za-z]*, checked by the parser): nothing to escape.
		io.WriteString(w, `"`)   //nolint:errcheck
		io.WriteString(w, alias) //nolint:errcheck
		io.WriteString(w, `":`)  //nolint:errcheck
		o.values[i].MarshalGQL(w)
	}
	io.WriteString(w, "}") //nolint:errcheck
}

// writtenBefore tells whether a field before i has alias; an object has a few fields, so looking back
// costs less than the map gqlgen keeps.
func (o objectInOrder) writtenBefore(i int, alias string) bool {
	for j := range i {
		if o.fields[j].Alias == alias {
			return true
		}
	}
	return false
}
