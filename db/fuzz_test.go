package db

import (
	"errors"
	"testing"
)

// go test ./db -fuzz FuzzDecodeCursor: any string is a cursor of the list or a BAD_USER_INPUT error, and
// an accepted cursor's value always casts to the order's type.
func FuzzDecodeCursor(f *testing.F) {
	for _, s := range []string{"", "garbage", encodeCursor(cursor{Order: "YEAR", Value: "2024", ID: 3}),
		encodeCursor(cursor{Order: "YEAR", Value: "abc", ID: 3}), encodeCursor(cursor{Order: "CREATED_AT", Value: "2026-11-27 13:08:07.123+00", ID: 1}),
		encodeCursor(cursor{Order: "DEADLINE", Value: "2026-13-45", ID: 1})} {
		f.Add(s)
	}
	orders := []orderKey{{"YEAR", "p.year", "int"}, {"CREATED_AT", "p.created_at", "timestamptz"},
		{"DEADLINE", "f.final_deadline", "date"}, {"TITLE", "p.title", "text"}, {"TOTAL_BUDGET", "x", "numeric"}}
	f.Fuzz(func(t *testing.T, s string) {
		for _, o := range orders {
			c, err := decodeCursor(s, o)
			if err != nil && !errors.Is(err, ErrBadPageArgs) {
				t.Fatalf("%q: %v is not a page-argument error", s, err)
			}
			if err == nil && (c.ID <= 0 || c.Order != o.name || !castable(c.Value, o.sqlType)) {
				t.Fatalf("%q accepted as %+v under %s", s, c, o.name)
			}
		}
	})
}

// go test ./db -fuzz FuzzParseGlobalID: what a global ID decodes to encodes back to the same ID, and an
// entity's ID decodes to a row id that encodes back to it: one spelling per ID.
func FuzzParseGlobalID(f *testing.F) {
	for _, s := range []string{"", "QmVzdFByYWN0aWNlOjE", GlobalID("Member", 7), GlobalID("Mim", "MIM1@2022"), "////",
		GlobalID("Member", "01"), GlobalID("Member", "+1"), GlobalID("BestPractice", "-0"), GlobalID("DigitalTool", "9223372036854775808")} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		typ, key, ok := ParseGlobalID(s)
		if ok && (typ == "" || key == "" || GlobalID(typ, key) != s) {
			t.Fatalf("%q parsed as %q %q", s, typ, key)
		}
		if id, err := ParseID[MemberID](s); err == nil && (id <= 0 || id.GlobalID() != s) {
			t.Fatalf("%q parsed as Member %d", s, id)
		}
		if k, ok := ParseNodeID(s); ok && k.Row != 0 && GlobalID(k.Type, k.Row) != s {
			t.Fatalf("%q parsed as node %+v", s, k)
		}
	})
}
