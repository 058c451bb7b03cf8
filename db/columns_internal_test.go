package db

import (
	"strings"
	"testing"
)

// An item of a select list that is an expression with commas is replaced whole, or left whole.
func TestReplaceColumnsKeepsExpressionsWhole(t *testing.T) {
	list := "t.id, coalesce(t.provider, t.name), (select l.open_source from licence l where l.spdx_id = t.licence), t.slug"
	got := replaceColumns(list, []string{"coalesce(t.provider, t.name)", "null::text", "t.slug", "''::text"})
	want := "t.id, null::text, (select l.open_source from licence l where l.spdx_id = t.licence), ''::text"
	if got != want {
		t.Errorf("replaceColumns:\n got %s\nwant %s", got, want)
	}
}

// Every column a list may leave out is an item of its select list: one that is not would be read always.
func TestOptionalColumnsAreItemsOfTheirLists(t *testing.T) {
	for _, c := range []*columnSet{practiceColumnsAsked, toolColumnsAsked, memberColumnsAsked} {
		items := map[string]bool{}
		for _, it := range selectItems(c.all) {
			items[strings.TrimSpace(it)] = true
		}
		for _, o := range c.optional {
			if !items[o.column] {
				t.Errorf("%s: %q is not an item of its select list", c.typ, o.column)
			}
		}
	}
}
