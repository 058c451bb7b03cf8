package search

import (
	"context"
	"slices"
	"testing"

	"github.com/smartcommunities/hub/db"
)

// practicesIndex is a fresh index over a member and these practices (language, title), all published,
// and the practices' document ids by title.
func practicesIndex(t *testing.T, texts [][2]string) (*Index, *db.DB, map[string]string) {
	t.Helper()
	ctx := context.Background()
	x, d := newIndex(t, false)
	m, errs, err := d.CreateMember(ctx, &db.CreateMemberInput{Name: "Ranking test association", Kind: db.MemberKindOther, Country: "BE"})
	if err != nil || len(errs) > 0 {
		t.Fatal(err, errs)
	}
	published := db.BestPracticeStatusPublished
	ids := map[string]string{}
	for _, tx := range texts {
		p, errs, err := d.CreateBestPractice(ctx, &db.CreateBestPracticeInput{Title: tx[1], Language: tx[0], Country: "BE",
			Year: 2024, Status: &published, Authors: []db.MemberID{db.MemberID(m.ID)}})
		if err != nil || len(errs) > 0 {
			t.Fatal(err, errs)
		}
		ids[tx[1]] = docID("BestPractice", p.ID)
	}
	if err := x.rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	return x, d, ids
}

func ranked(t *testing.T, x *Index, d *db.DB, r Request) []string {
	t.Helper()
	res := find(t, x, d, r)
	var out []string
	for _, h := range res.Hits {
		out = append(out, docID(h.Entity, h.ID))
	}
	return out
}

// before tells whether a ranks above b, both found.
func before(list []string, a, b string) bool {
	i, j := slices.Index(list, a), slices.Index(list, b)
	return i >= 0 && j >= 0 && i < j
}

// A text in the query's own words ranks above one that shares only its concepts, and among those, one
// that carries more of the query's concepts ranks above one that carries fewer.
func TestConceptRankingOrders(t *testing.T) {
	own, both, one := "Parking sensors in the old town of Cork", "Parkplatzsensoren zeigen freie Stellplätze in Ulm",
		"Nuevas plazas de aparcamiento en Badajoz"
	x, d, ids := practicesIndex(t, [][2]string{{"en", own}, {"de", both}, {"es", one}})
	got := ranked(t, x, d, Request{Query: "parking sensors", Language: "en", Matching: MatchMost})
	if !before(got, ids[own], ids[both]) {
		t.Errorf("the text in the query's own words does not rank above the one about the same in German: %v", got)
	}
	if !before(got, ids[both], ids[one]) {
		t.Errorf("the text with both of the query's concepts does not rank above the one with one: %v", got)
	}
	// Without matching MOST, every word must match: by concept, both do in the German text.
	all := ranked(t, x, d, Request{Query: "parking sensors", Language: "en", Matching: MatchAll})
	if !slices.Contains(all, ids[both]) || slices.Contains(all, ids[one]) {
		t.Errorf("matching ALL: %v, want the German text (both concepts) and not the Spanish one (one)", all)
	}
}

// With MOST, hits that match more of the query's words rank first; AUTO uses it when every word together
// finds less than a page.
func TestForgivingMatching(t *testing.T) {
	three, two, oneWord := "Quokka wombat numbat survey", "Quokka wombat census", "Quokka count"
	x, d, ids := practicesIndex(t, [][2]string{{"en", oneWord}, {"en", two}, {"en", three}})
	all := ranked(t, x, d, Request{Query: "quokka wombat numbat", Matching: MatchAll})
	if !slices.Equal(all, []string{ids[three]}) {
		t.Errorf("ALL: %v, want only the text with the three words", all)
	}
	most := ranked(t, x, d, Request{Query: "quokka wombat numbat", Matching: MatchMost})
	if !slices.Equal(most, []string{ids[three], ids[two]}) {
		t.Errorf("MOST: %v, want the three-word text, then the two-word one (at least half of the words)", most)
	}
	auto := ranked(t, x, d, Request{Query: "quokka wombat numbat"})
	if !slices.Equal(auto, most) {
		t.Errorf("AUTO with fewer hits than a page: %v, want MOST's %v", auto, most)
	}
}

// Typo tolerance is decided against published texts: a word that only a draft holds still gets its near
// misses; a long word forgives a wrong first letter; hyphens and spaces inside a word do not matter.
func TestTyposHyphensAndSpaces(t *testing.T) {
	ctx := context.Background()
	x, d, ids := practicesIndex(t, [][2]string{{"en", "Participatory budgeting by e-mail"}, {"en", "Budget tracking by email"}})
	draft := db.BestPracticeStatusDraft
	m, _ := d.MemberBySlug(ctx, "ranking-test-association")
	if _, errs, err := d.CreateBestPractice(ctx, &db.CreateBestPracticeInput{Title: "Participatery budgets", Language: "en",
		Country: "BE", Year: 2024, Status: &draft, Authors: []db.MemberID{db.MemberID(m.ID)}}); err != nil || len(errs) > 0 {
		t.Fatal(err, errs)
	}
	if err := x.rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	p := ids["Participatory budgeting by e-mail"]
	for _, q := range []string{"participatery", "qarticipatory"} {
		if got := ranked(t, x, d, Request{Query: q + " "}); !slices.Contains(got, p) {
			t.Errorf("%q: %v, want the published practice it misspells", q, got)
		}
	}
	e := ids["Budget tracking by email"]
	for _, q := range []string{"email ", "e-mail ", "e mail ", "E-Mail "} {
		got := ranked(t, x, d, Request{Query: q, Matching: MatchAll})
		if !slices.Contains(got, p) || !slices.Contains(got, e) {
			t.Errorf("%q: %v, want both the e-mail and the email text", q, got)
		}
	}
}
