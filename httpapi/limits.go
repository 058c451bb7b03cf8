package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/smartcommunities/hub/db"
)

// costedSchema prices a page by its size: a field with a `first` or `last` argument costs 1 plus that
// many times its selection (the default page size when neither is given), nodes(ids:) 1 plus its number
// of ids times its selection, any other field 1 plus its selection. gqlgen's default counts a page of
// 100 like a page of 1.
type costedSchema struct{ graphql.ExecutableSchema }

// statsCost is the price of one figure of stats: an aggregate scans its whole list, so it costs like a
// page of that many rows. The dashboard's overview (14 figures and a page of members) costs about 8,000;
// a query that aliases stats over and over reaches the limit after some 30 figures.
const statsCost = 500

// schemaCost is the price of __schema, which lists the whole schema whatever its selection (GraphiQL's
// introspection query answers 170 KB, and costs about 1,200 with this): a query may ask for it some
// ten times, not a thousand.
const schemaCost = 1000

func (s costedSchema) Complexity(ctx context.Context, typeName, field string, child int, args map[string]any) (int, bool) {
	switch typeName {
	case "MemberStats", "BestPracticeStats", "FundingOpportunityStats", "DigitalToolStats":
		return statsCost + child, true
	case "Query":
		switch field {
		case "nodes": // one lookup and one object per id
			ids, _ := args["ids"].([]any)
			return 1 + max(len(ids), 1)*child, true
		case "__schema":
			return schemaCost + child, true
		}
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

// reportCost adds the operation's cost, as operationBounds computed it, to the response's
// extensions, so that clients see how close they come to the limit.
func reportCost(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	// A request refused before it became an operation (malformed JSON) has no operation context, and
	// asking for its stats would panic.
	if resp == nil || !graphql.HasOperationContext(ctx) {
		return resp
	}
	if stats, ok := graphql.GetOperationContext(ctx).Stats.GetExtension("OperationBounds").(*costStats); ok {
		if resp.Extensions == nil {
			resp.Extensions = map[string]any{}
		}
		resp.Extensions["cost"] = stats.cost
	}
	return resp
}

// The bounds of a document, checked once it is parsed and before it is validated: some of validation's
// rules (fields that must merge, fragments that must not cycle) cost more than linearly in what they
// are given, and within these bounds validation takes a few milliseconds. GraphiQL's introspection
// query has 163 tokens and 3 fragments, the dashboard's overview 155 tokens.
const (
	maxTokens    = 5_000
	maxFields    = 1_000
	maxAliases   = 200
	maxFragments = 100
)

// The codes of requests refused before they run: like a validation failure, a request error of the
// GraphQL-over-HTTP specification (400 under application/graphql-response+json).
const (
	codeTooLarge  = "QUERY_TOO_LARGE"
	codeTooDeep   = "QUERY_TOO_DEEP"
	codeTooCostly = "COMPLEXITY_LIMIT_EXCEEDED"
	codeTimeout   = "TIMEOUT"
)

func init() {
	for _, c := range []string{codeTooLarge, codeTooDeep, codeTooCostly} {
		errcode.RegisterErrorType(c, errcode.KindProtocol)
	}
}

// documentBounds parses each new document itself, under the token limit, and refuses it when it has
// more fields, aliases or fragments than allowed, before gqlgen validates it; then it holds the
// variables to the types their operation declares (strictInput). Documents that passed are kept, so
// that a repeated query is not parsed again.
type documentBounds struct {
	schema *ast.Schema
	passed graphql.Cache[*ast.QueryDocument]
}

func (*documentBounds) ExtensionName() string { return "DocumentBounds" }
func (b *documentBounds) Validate(es graphql.ExecutableSchema) error {
	b.schema = es.Schema()
	return nil
}

func (b *documentBounds) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	if ctx.Err() != nil {
		return timedOut()
	}
	if params.Query == "" {
		return nil // gqlgen answers that there is no operation
	}
	doc, ok := b.passed.Get(ctx, params.Query)
	if !ok {
		var err error
		doc, err = parser.ParseQueryWithTokenLimit(&ast.Source{Input: params.Query}, maxTokens)
		if err != nil {
			var gqlErr *gqlerror.Error
			if !errors.As(err, &gqlErr) {
				gqlErr = gqlerror.Wrap(err)
			}
			if strings.HasPrefix(gqlErr.Message, "exceeded token limit") {
				return tooLarge(fmt.Sprintf("the document has more than %d tokens (names, punctuation, values); at most %d are allowed", maxTokens, maxTokens))
			}
			errcode.Set(gqlErr, errcode.ParseFailed)
			return gqlErr
		}
		if err := bounded(doc); err != nil {
			return err
		}
		b.passed.Add(ctx, params.Query, doc)
	}
	return strictInput(b.schema, doc, params.OperationName, params.Variables)
}

// bounded counts a document's fields, aliases and fragments, in operations and fragment definitions
// alike, each once as written.
func bounded(doc *ast.QueryDocument) *gqlerror.Error {
	if n := len(doc.Fragments); n > maxFragments {
		return tooLarge(fmt.Sprintf("the document defines %d fragments; at most %d are allowed", n, maxFragments))
	}
	fields, aliases := 0, 0
	var count func(ast.SelectionSet)
	count = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				fields++
				if s.Alias != "" && s.Alias != s.Name {
					aliases++
				}
				count(s.SelectionSet)
			case *ast.InlineFragment:
				count(s.SelectionSet)
			}
		}
	}
	for _, op := range doc.Operations {
		count(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		count(f.SelectionSet)
	}
	switch {
	case fields > maxFields:
		return tooLarge(fmt.Sprintf("the document selects %d fields; at most %d are allowed", fields, maxFields))
	case aliases > maxAliases:
		return tooLarge(fmt.Sprintf("the document has %d aliases; at most %d are allowed", aliases, maxAliases))
	}
	return nil
}

func tooLarge(msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": codeTooLarge}}
}

func timedOut() *gqlerror.Error {
	return &gqlerror.Error{Message: "the request was cancelled or timed out", Extensions: map[string]any{"code": codeTimeout}}
}

// operationBounds refuses operations nested deeper than maxDepth or costing more than maxCost, and
// records the cost for reportCost. Both walk each fragment once, however often it is spread, and stop
// adding at the limit, so a lattice of fragments that doubles at each level is priced at what it would
// expand to without being expanded. Introspection fields cost like any other; they are not counted
// in the depth, as their type references nest deeply by design.
type operationBounds struct {
	es                graphql.ExecutableSchema
	maxDepth, maxCost int
}

type costStats struct{ cost int }

func (operationBounds) ExtensionName() string { return "OperationBounds" }
func (o *operationBounds) Validate(es graphql.ExecutableSchema) error {
	o.es = es
	return nil
}

func (o *operationBounds) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	if ctx.Err() != nil {
		return timedOut()
	}
	d := depthWalker{fragments: map[string]int{}}
	if n := d.depth(oc.Operation.SelectionSet, oc.Doc.Fragments); n > o.maxDepth {
		return &gqlerror.Error{
			Message:    fmt.Sprintf("the operation is nested %d levels deep; at most %d are allowed", n, o.maxDepth),
			Extensions: map[string]any{"code": codeTooDeep},
		}
	}
	c := costWalker{ctx: ctx, es: o.es, vars: oc.Variables, limit: o.maxCost, fragments: map[string]int{}}
	cost := c.cost(oc.Operation.SelectionSet)
	if ctx.Err() != nil {
		return timedOut()
	}
	oc.Stats.SetExtension("OperationBounds", &costStats{cost: cost})
	if cost > o.maxCost {
		return &gqlerror.Error{
			Message:    fmt.Sprintf("the operation costs more than %d; at most %d is allowed (a page costs its size times its selection, so ask for smaller pages or fewer fields)", o.maxCost, o.maxCost),
			Extensions: map[string]any{"code": codeTooCostly},
		}
	}
	return nil
}

type depthWalker struct{ fragments map[string]int }

func (w depthWalker) depth(set ast.SelectionSet, fragments ast.FragmentDefinitionList) int {
	deepest := 0
	for _, sel := range set {
		d := 0
		switch s := sel.(type) {
		case *ast.Field:
			if strings.HasPrefix(s.Name, "__") {
				continue
			}
			d = 1 + w.depth(s.SelectionSet, fragments)
		case *ast.InlineFragment:
			d = w.depth(s.SelectionSet, fragments)
		case *ast.FragmentSpread:
			// Validation refused fragment cycles; a fragment being walked counts 0, so a cycle stops anyway.
			known, ok := w.fragments[s.Name]
			if !ok {
				w.fragments[s.Name] = 0
				if f := fragments.ForName(s.Name); f != nil {
					known = w.depth(f.SelectionSet, fragments)
				}
				w.fragments[s.Name] = known
			}
			d = known
		}
		deepest = max(deepest, d)
	}
	return deepest
}

// costWalker prices selections as gqlgen's complexity does (a field 1 plus its selection unless the
// schema says otherwise; on an interface the costliest implementation), except that every selection is
// counted as written, fragments are priced once, and sums saturate just over the limit.
type costWalker struct {
	ctx       context.Context
	es        graphql.ExecutableSchema
	vars      map[string]any
	limit     int
	fragments map[string]int
	visited   int
}

func (w *costWalker) add(a, b int) int { return min(a+b, w.limit+1) }

func (w *costWalker) cost(set ast.SelectionSet) int {
	total := 0
	for _, sel := range set {
		if total > w.limit {
			return total
		}
		if w.visited++; w.visited%1024 == 0 && w.ctx.Err() != nil {
			return w.limit + 1
		}
		switch s := sel.(type) {
		case *ast.Field:
			total = w.add(total, w.field(s))
		case *ast.InlineFragment:
			total = w.add(total, w.cost(s.SelectionSet))
		case *ast.FragmentSpread:
			known, ok := w.fragments[s.Name]
			if !ok && s.Definition != nil {
				w.fragments[s.Name] = 0 // validation refused cycles; this guards regardless
				known = w.cost(s.Definition.SelectionSet)
				w.fragments[s.Name] = known
			}
			total = w.add(total, known)
		}
	}
	return total
}

func (w *costWalker) field(f *ast.Field) int {
	if f.Definition == nil || f.ObjectDefinition == nil {
		return 1
	}
	child := w.cost(f.SelectionSet)
	args := f.ArgumentMap(w.vars)
	price := func(typeName string) int {
		if c, ok := w.es.Complexity(w.ctx, typeName, f.Name, child, args); ok && c >= 1 {
			return min(c, w.limit+1)
		}
		return w.add(1, child)
	}
	if f.ObjectDefinition.Kind != ast.Interface {
		return price(f.ObjectDefinition.Name)
	}
	costliest := 0
	for _, t := range w.es.Schema().GetPossibleTypes(f.ObjectDefinition) {
		costliest = max(costliest, price(t.Name))
	}
	return costliest
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
			"message": "the request was cancelled or timed out", "extensions": map[string]any{"code": codeTimeout, "requestId": requestID(w.ctx)},
		}}})
		return len(p), err
	}
	return w.ResponseWriter.Write(p)
}
