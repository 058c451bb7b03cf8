package db_test

import (
	"context"
	"testing"

	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/db/seed"
)

// The kept counts (practice_count, migration 012) and the link tables' copies of title and status are
// what counting and sorting the rows would give, after writes of every kind: created, retitled,
// published, re-authored, re-themed, moved to another country, deleted, their authors deleted.
func TestKeptCountsMatchTheRows(t *testing.T) {
	d := newDB(t)
	ctx := context.Background()
	if err := d.InTx(ctx, func(d *db.DB) error { return seed.Demo(ctx, d) }); err != nil {
		t.Fatal(err)
	}
	if err := seed.Synthetic(ctx, d, 300); err != nil {
		t.Fatal(err)
	}
	f := &fixture{d: d}
	f.author = must(d.CreateMember(ctx, &db.CreateMemberInput{Name: "Counting Association", Kind: db.MemberKindOther, Country: "BE"}))(t)
	other := must(d.CreateMember(ctx, &db.CreateMemberInput{Name: "Other Counting Association", Kind: db.MemberKindOther, Country: "NL"}))(t)
	var ids []db.BestPracticeID
	for i, title := range []string{"Zoning maps", "Air quality", "Budget app", "Citizen panel"} {
		p := must(d.CreateBestPractice(ctx, &db.CreateBestPracticeInput{Title: title, Language: "en", Country: "BE", Year: 2024,
			Themes: []string{"mobility"}, Authors: []db.MemberID{memberID(f.author)}}))(t)
		ids = append(ids, db.BestPracticeID(p.ID))
		if i%2 == 0 {
			published := db.BestPracticeStatusPublished
			must(d.UpdateBestPractice(ctx, &db.UpdateBestPracticeInput{ID: db.BestPracticeID(p.ID), Status: &published}))(t)
		}
	}
	retitled, fr, archived := "A retitled practice", "FR", db.BestPracticeStatusArchived
	must(d.UpdateBestPractice(ctx, &db.UpdateBestPracticeInput{ID: ids[1], Title: &retitled, Country: &fr,
		Themes: []string{"mobility", "urban-data-platforms"}, Authors: []db.MemberID{memberID(f.author), memberID(other)}}))(t)
	must(d.UpdateBestPractice(ctx, &db.UpdateBestPracticeInput{ID: ids[2], Status: &archived, Themes: []string{}}))(t)
	body := "Only the body changes."
	must(d.UpdateBestPractice(ctx, &db.UpdateBestPracticeInput{ID: ids[3], Body: &body}))(t)
	if errs, err := d.DeleteBestPractice(ctx, ids[0]); err != nil || len(errs) > 0 {
		t.Fatal(err, errs)
	}
	if errs, err := d.DeleteMember(ctx, db.MemberID(other.ID)); err != nil || len(errs) > 0 {
		t.Fatal(err, errs)
	}

	var wrong int
	err := d.Pool.QueryRow(ctx, `
		with actual as (
			select 'member' as relation, pa.member_id::text as parent, bp.status, count(*) as n
				from best_practice_author pa join best_practice bp on bp.id = pa.practice_id group by 2, 3
			union all select 'theme', pt.theme_code, bp.status, count(*)
				from best_practice_theme pt join best_practice bp on bp.id = pt.practice_id group by 2, 3
			union all select 'tool', x.tool_id::text, bp.status, count(*)
				from best_practice_tool x join best_practice bp on bp.id = x.practice_id group by 2, 3
			union all select 'funding', x.funding_id::text, bp.status, count(*)
				from best_practice_funding x join best_practice bp on bp.id = x.practice_id group by 2, 3
			union all select 'country', country_code, status, count(*) from best_practice group by 2, 3
			union all select 'all', '', status, count(*) from best_practice group by 3),
		kept as (select relation, parent, status, n from practice_count where n <> 0)
		select count(*) from ((table actual except table kept) union all (table kept except table actual)) d`).Scan(&wrong)
	if err != nil || wrong != 0 {
		t.Errorf("%d counts differ from the rows (%v)", wrong, err)
	}
	var stale int
	err = d.Pool.QueryRow(ctx, `select count(*) from (
		select l.title, l.status from best_practice_author l join best_practice bp on bp.id = l.practice_id where (l.title, l.status) <> (bp.title, bp.status)
		union all select l.title, l.status from best_practice_theme l join best_practice bp on bp.id = l.practice_id where (l.title, l.status) <> (bp.title, bp.status)) s`).Scan(&stale)
	if err != nil || stale != 0 {
		t.Errorf("%d link rows hold another title or status than their practice (%v)", stale, err)
	}
}
