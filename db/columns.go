package db

import (
	"context"
	"strings"
	"sync"
)

// A query names the fields it will show (WithFieldsAsked), and lists of practices and tools then read
// the columns that only an unasked field shows as empty constants: the scan stays the same, and
// PostgreSQL sends, and Go allocates, nothing for them. On the README's members query that was an eighth
// of the hub's allocations, and a subquery per tool (its licence's open_source). Writes never name their
// fields, so they read whole rows: they write rows back.

// FieldsAsked tells whether a request shows the GraphQL field of the type (BestPractice, summary).
type FieldsAsked func(typ, field string) bool

type fieldsAskedKey struct{}

// WithFieldsAsked returns a context whose reads of lists leave out the columns that asked does not
// need. Only for reads: a write must see every column of what it changes.
func WithFieldsAsked(ctx context.Context, asked FieldsAsked) context.Context {
	return context.WithValue(ctx, fieldsAskedKey{}, asked)
}

// optionalColumn is a column that one GraphQL field shows and nothing else reads, with the constant of
// its type that stands in for it.
type optionalColumn struct{ column, field, empty string }

// columnSet is the select list of a type, with the columns it may leave out.
type columnSet struct {
	typ      string
	all      string
	optional []optionalColumn
	lists    sync.Map // the bitmask of columns left out -> the select list
}

// sql is the select list for the request in ctx.
func (c *columnSet) sql(ctx context.Context) string {
	asked, _ := ctx.Value(fieldsAskedKey{}).(FieldsAsked)
	if asked == nil {
		return c.all
	}
	var out uint64
	for i, o := range c.optional {
		if !asked(c.typ, o.field) {
			out |= 1 << i
		}
	}
	if out == 0 {
		return c.all
	}
	if s, ok := c.lists.Load(out); ok {
		return s.(string)
	}
	var pairs []string
	for i, o := range c.optional {
		if out&(1<<i) != 0 {
			pairs = append(pairs, o.column, o.empty)
		}
	}
	s := replaceColumns(c.all, pairs)
	c.lists.Store(out, s)
	return s
}

// replaceColumns replaces whole items of a select list: pairs of (item, replacement). Items are split at
// the commas outside parentheses, so that an item may be an expression with arguments or a subquery.
func replaceColumns(list string, pairs []string) string {
	items := selectItems(list)
	for i, item := range items {
		trimmed := strings.TrimSpace(item)
		for j := 0; j < len(pairs); j += 2 {
			if trimmed == pairs[j] {
				items[i] = strings.Replace(item, trimmed, pairs[j+1], 1)
			}
		}
	}
	return strings.Join(items, ",")
}

// selectItems splits a select list at its top-level commas (the lists are the hub's own constants: no
// string literal in them holds a comma or a parenthesis).
func selectItems(list string) []string {
	var items []string
	depth, start := 0, 0
	for i, c := range list {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				items = append(items, list[start:i])
				start = i + 1
			}
		}
	}
	return append(items, list[start:])
}
