package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalSliceInOrder marshals the elements of a list of objects one after another, in the goroutine of
// the field that holds the list. The generated code calls it where gqlgen would call
// graphql.MarshalSliceConcurrently (see graph/generate), with the same arguments and results.
//
// gqlgen gives each element its own goroutine so that the resolvers of siblings can wait on their I/O
// together. In the hub they never need to: the first row of a statement to ask a loader for something
// asks for the whole statement's rows at once (db.Batch, resolvers/loaders.go), so its siblings find
// their answer waiting. The goroutines were then pure cost: creating them, growing their stacks through
// the resolvers and SQL they run, and the garbage, were 45% of the hub's CPU on the README's members
// query at 100,000 practices (docs/benchmarks.md). The statement-count tests (hubtest.CountStatements)
// hold with the elements in order.
//
// The worker limit does not apply to one goroutine. A panic in one element is recovered into a null
// element and an error, as gqlgen does, unless the panic handler is turned off.
func MarshalSliceInOrder(ctx context.Context, length int, _ int64, omitPanicHandler bool,
	marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, length)
	for i := range length {
		childCtx := graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &i})
		if omitPanicHandler {
			ret[i] = marshalElement(childCtx, i)
			continue
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					graphql.AddError(childCtx, graphql.Recover(childCtx, r))
					ret[i] = graphql.Null
				}
			}()
			ret[i] = marshalElement(childCtx, i)
		}()
	}
	return ret
}

// NewDeferredGroupFor is graphql.NewDeferredGroup(ctx) for an object whose fields are fields, where the
// generated code would call that (see graph/generate). The group only serves fields marked @defer, and
// gqlgen's computes the object's path for it every time, whether any is: that was an eighth of all the
// allocations of the README's members query. Without a deferred field, the group is left empty: nothing
// reads its path, field set or labels then (graphql.FieldSet.ResolveConcurrently touches them only for
// a deferred field, and the generated code processes the group only when it holds a label).
func NewDeferredGroupFor(ctx context.Context, fields []graphql.CollectedField) graphql.DeferredGroup {
	for _, f := range fields {
		if len(f.Deferrables) > 0 {
			return graphql.NewDeferredGroup(ctx)
		}
	}
	return graphql.DeferredGroup{Context: ctx}
}
