package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/smartcommunities/hub/db"
)

// AskFields tells the database layer which fields a query shows, so that its lists leave out the
// columns nobody will see (db.WithFieldsAsked). Mutations and subscriptions read whole rows.
func AskFields(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil || oc.Operation.Operation != ast.Query {
		return next(ctx)
	}
	return next(db.WithFieldsAsked(ctx, fieldsAsked(oc.Operation.SelectionSet, oc.Doc.Fragments)))
}

// fieldsAsked is every field the selection names anywhere, by the type it is asked of. A field asked of
// an interface or a union (node(id:) { ... }) counts as asked of every type: erring towards reading.
func fieldsAsked(set ast.SelectionSet, fragments ast.FragmentDefinitionList) db.FieldsAsked {
	byType := map[string]map[string]bool{}
	anyType := map[string]bool{}
	seen := map[string]bool{}
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if d := s.ObjectDefinition; d == nil || d.Kind != ast.Object {
					anyType[s.Name] = true
				} else {
					if byType[d.Name] == nil {
						byType[d.Name] = map[string]bool{}
					}
					byType[d.Name][s.Name] = true
				}
				walk(s.SelectionSet)
			case *ast.InlineFragment:
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				if !seen[s.Name] {
					seen[s.Name] = true
					if f := fragments.ForName(s.Name); f != nil {
						walk(f.SelectionSet)
					}
				}
			}
		}
	}
	walk(set)
	return func(typ, field string) bool { return byType[typ][field] || anyType[field] }
}
