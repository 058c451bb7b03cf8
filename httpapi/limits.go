package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/smartcommunities/hub/db"
)

// costedSchema prices a page by its size: a field with a `first` or `last` argument costs 1 plus that
// many times its selection (the default page size when neither is given), any other field 1 plus its
// selection. gqlgen's default counts a page of 100 like a page of 1.
type costedSchema struct{ graphql.ExecutableSchema }

// statsCost is the price of one figure of stats: an aggregate scans its whole list, so it costs like a
// page of that many rows. The dashboard's overview (14 figures and a page of members) costs about 8,000;
// a query that aliases stats over and over reaches the limit after some 30 figures.
const statsCost = 500

func (s costedSchema) Complexity(ctx context.Context, typeName, field string, child int, args map[string]any) (int, bool) {
	switch typeName {
	case "MemberStats", "BestPracticeStats", "FundingOpportunityStats", "DigitalToolStats":
		return statsCost + child, true
	}
	_, paged := args["first"]
	n := -1
	for _, k := range []string{"first", "last"} {
		// Raw argument values: int64 from a literal, json.Number or a float from variables.
		switch v := args[k].(type) {
		case int64:
			n = max(n, int(v))
		case int:
			n = max(n, v)
		case float64:
			n = max(n, int(v))
		case json.Number:
			if i, err := v.Int64(); err == nil {
				n = max(n, int(i))
			}
		}
	}
	if !paged && n < 0 {
		return s.ExecutableSchema.Complexity(ctx, typeName, field, child, args)
	}
	if n < 0 {
		n = db.DefaultPageSize
	}
	return 1 + n*child, true
}

// reportCost adds the operation's cost, as the complexity limit computed it, to the response's
// extensions, so that clients see how close they come to the limit.
func reportCost(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	// A request refused before it became an operation (malformed JSON) has no operation context, and
	// asking for its stats would panic.
	if resp == nil || !graphql.HasOperationContext(ctx) {
		return resp
	}
	if stats := extension.GetComplexityStats(ctx); stats != nil {
		if resp.Extensions == nil {
			resp.Extensions = map[string]any{}
		}
		resp.Extensions["cost"] = stats.Complexity
	}
	return resp
}

// depthLimit refuses operations nested deeper than its value; introspection fields, whose type
// references nest deeply by design, are not counted.
type depthLimit int

func (depthLimit) ExtensionName() string                   { return "DepthLimit" }
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }
func (d depthLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	if n := depth(oc.Operation.SelectionSet, oc.Doc.Fragments, map[string]bool{}); n > int(d) {
		return &gqlerror.Error{
			Message:    fmt.Sprintf("the operation is nested %d levels deep; at most %d are allowed", n, int(d)),
			Extensions: map[string]any{"code": "QUERY_TOO_DEEP"},
		}
	}
	return nil
}

func depth(set ast.SelectionSet, fragments ast.FragmentDefinitionList, visiting map[string]bool) int {
	deepest := 0
	for _, sel := range set {
		d := 0
		switch s := sel.(type) {
		case *ast.Field:
			if len(s.Name) > 1 && s.Name[:2] == "__" {
				continue
			}
			d = 1 + depth(s.SelectionSet, fragments, visiting)
		case *ast.InlineFragment:
			d = depth(s.SelectionSet, fragments, visiting)
		case *ast.FragmentSpread:
			// Validation refuses fragment cycles first; the guard keeps this safe regardless.
			if f := fragments.ForName(s.Name); f != nil && !visiting[s.Name] {
				visiting[s.Name] = true
				d = depth(f.SelectionSet, fragments, visiting)
				delete(visiting, s.Name)
			}
		}
		deepest = max(deepest, d)
	}
	return deepest
}

// withTimeout bounds each request; the SQL statements it runs are cancelled with its context, and a
// resolver cut short answers with the code TIMEOUT.
func withTimeout(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(&timeoutWriter{ResponseWriter: w, ctx: ctx}, r.WithContext(ctx))
	})
}

// timeoutWriter replaces the bare `null` gqlgen writes for an operation whose time ran out before it
// started with an error that says so.
type timeoutWriter struct {
	http.ResponseWriter
	ctx context.Context
}

func (w *timeoutWriter) Write(p []byte) (int, error) {
	if w.ctx.Err() != nil && string(p) == "null" {
		err := json.NewEncoder(w.ResponseWriter).Encode(map[string]any{"errors": []map[string]any{{
			"message": "the request was cancelled or timed out", "extensions": map[string]any{"code": "TIMEOUT"},
		}}})
		return len(p), err
	}
	return w.ResponseWriter.Write(p)
}
