package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// longTextFields are the fields of a practice that hold pages of text, which a list reads only when
// they are asked for.
var longTextFields = map[string]bool{"body": true, "results": true, "transferability": true}

// asksLongText tells whether the selection of the field being resolved names a long text anywhere
// below it (of whatever type: erring towards reading them).
func asksLongText(ctx context.Context) bool {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil {
		return true
	}
	var fragments ast.FragmentDefinitionList
	if graphql.HasOperationContext(ctx) {
		fragments = graphql.GetOperationContext(ctx).Doc.Fragments
	}
	seen := map[string]bool{}
	var walk func(ast.SelectionSet) bool
	walk = func(set ast.SelectionSet) bool {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if longTextFields[s.Name] || walk(s.SelectionSet) {
					return true
				}
			case *ast.InlineFragment:
				if walk(s.SelectionSet) {
					return true
				}
			case *ast.FragmentSpread:
				if seen[s.Name] {
					continue
				}
				seen[s.Name] = true
				if f := fragments.ForName(s.Name); f != nil && walk(f.SelectionSet) {
					return true
				}
			}
		}
		return false
	}
	return walk(fc.Field.Selections)
}
