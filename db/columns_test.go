package db_test

import (
	"context"
	"testing"

	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/db/seed"
)

// A query that shows only titles and names reads the practices' and members' other texts as empty, and
// the tools' licences too; one that shows them reads them; and a write made under a query's fields
// still keeps every column of the rows it changes.
func TestListsReadOnlyTheColumnsAsked(t *testing.T) {
	d := newDB(t)
	ctx := context.Background()
	if err := d.InTx(ctx, func(d *db.DB) error { return seed.Demo(ctx, d) }); err != nil {
		t.Fatal(err)
	}
	first := 50
	titles := db.WithFieldsAsked(ctx, func(typ, field string) bool { return field == "title" || field == "name" })
	short := read(d.BestPractices(titles, db.PageArgs{First: &first}, nil, nil))(t)
	full := read(d.BestPractices(ctx, db.PageArgs{First: &first}, nil, nil))(t)
	if len(short.Items) == 0 || len(short.Items) != len(full.Items) {
		t.Fatalf("%d practices asked for titles, %d in full", len(short.Items), len(full.Items))
	}
	for i, p := range short.Items {
		f := full.Items[i]
		if p.Title != f.Title || p.ID != f.ID || p.CountryCode != f.CountryCode || p.Status != f.Status {
			t.Errorf("practice %d: %+v, want the title, country and status of %+v", f.ID, p, f)
		}
		if f.Summary == "" || p.Summary != "" || p.Slug != "" || p.Language != "" {
			t.Errorf("practice %d asked for its title: summary %q, slug %q, language %q, want them empty (in full: %q)",
				f.ID, p.Summary, p.Slug, p.Language, f.Summary)
		}
	}
	summaries := db.WithFieldsAsked(ctx, func(typ, field string) bool { return typ == "BestPractice" && field == "summary" })
	for i, p := range read(d.BestPractices(summaries, db.PageArgs{First: &first}, nil, nil))(t).Items {
		if p.Summary != full.Items[i].Summary {
			t.Errorf("practice %d asked for its summary: %q, want %q", p.ID, p.Summary, full.Items[i].Summary)
		}
	}
	ids := make([]int64, len(full.Items))
	for i, p := range full.Items {
		ids[i] = p.ID
	}
	toolsShort, toolsFull := read(d.PracticeTools(titles, ids))(t), read(d.PracticeTools(ctx, ids))(t)
	seen := 0
	for id, tools := range toolsFull {
		for i, tool := range tools {
			seen++
			if got := toolsShort[id][i]; got.Name != tool.Name || got.Licence != "" || tool.Licence == "" {
				t.Errorf("tool %d asked for its name: name %q licence %q, want %q and no licence (in full %q)",
					tool.ID, got.Name, got.Licence, tool.Name, tool.Licence)
			}
		}
	}
	if seen == 0 {
		t.Fatal("the demo practices have no tools to compare")
	}

	members, membersFull := read(d.Members(titles, db.PageArgs{First: &first}, nil, nil))(t), read(d.Members(ctx, db.PageArgs{First: &first}, nil, nil))(t)
	described := 0
	for i, m := range members.Items {
		f := membersFull.Items[i]
		if m.Name != f.Name || m.CountryCode != f.CountryCode || m.Kind != f.Kind || m.Description != "" || m.Slug != "" || m.Website != nil {
			t.Errorf("member %d asked for its name: %+v, want the name, country and kind of %+v and no description, slug or website", f.ID, m, f)
		}
		if f.Description != "" {
			described++
		}
	}
	if described == 0 {
		t.Fatal("the demo members have no descriptions to compare")
	}
	renamed := "Renamed under a query's fields"
	m := membersFull.Items[0]
	must(d.UpdateMember(titles, &db.UpdateMemberInput{ID: db.MemberID(m.ID), Name: &renamed}))(t)
	if after := read(d.MembersByID(ctx, []int64{m.ID}))(t)[0]; after.Name != renamed || after.Description != m.Description || after.Slug != m.Slug {
		t.Errorf("after a member's write under a query's fields: %+v, want %+v renamed", after, m)
	}

	retitled := "Retitled under a query's fields"
	p := full.Items[0]
	must(d.UpdateBestPractice(titles, &db.UpdateBestPracticeInput{ID: db.BestPracticeID(p.ID), Title: &retitled}))(t)
	after := read(d.BestPracticesByID(ctx, []int64{p.ID}))(t)[0]
	if after.Title != retitled || after.Summary != p.Summary || after.Body != p.Body || after.Slug != p.Slug || after.Language != p.Language {
		t.Errorf("after a write under a query's fields: %+v, want %+v retitled", after, p)
	}
}

// read fails the test on a read's error.
func read[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
