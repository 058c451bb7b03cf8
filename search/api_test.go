package search_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smartcommunities/hub/db/seed"
	"github.com/smartcommunities/hub/hubtest"
	"github.com/smartcommunities/hub/hubtest/wait"
)

func TestSearchForgivesTyposAndHighlights(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	h.WaitSearch()
	r := h.Search("parkng sensors", nil)
	if len(r.Search.Edges) == 0 || r.Search.Edges[0].Node.Slug != "cork-smart-parking-sensors" {
		t.Fatalf("parkng sensors: first hits %v, want the Cork parking sensors practice", r.Slugs())
	}
	var marked bool
	for _, hl := range r.Search.Edges[0].Highlights {
		for _, f := range hl.Fragments {
			marked = marked || strings.Contains(f, "<mark>parking</mark>") && hl.Field == "title"
		}
	}
	if !marked {
		t.Errorf("no <mark>parking</mark> in the title highlight: %+v", r.Search.Edges[0].Highlights)
	}
	sum := 0
	for _, n := range r.Facet("type") {
		sum += n
	}
	if sum != r.Search.TotalCount || sum == 0 {
		t.Errorf("type facet adds up to %d, totalCount is %d", sum, r.Search.TotalCount)
	}
}

func TestSearchLanguagesAndSyntax(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	h.WaitSearch()
	first := func(q string, vars map[string]any) string {
		t.Helper()
		r := h.Search(q, vars)
		if len(r.Search.Edges) == 0 {
			t.Errorf("%q %v: no hits", q, vars)
			return ""
		}
		return r.Search.Edges[0].Node.Slug
	}
	// Stemmed in the reader's language: the singular finds the plural (the text has "Parkplätze").
	r := h.Search("Parkplatz", map[string]any{"language": "de"})
	if len(r.Search.Edges) == 0 || r.Search.Edges[0].Node.Slug != "darmstadt-urbane-datenplattform" {
		t.Fatalf("Parkplatz (de): first hits %v", r.Slugs())
	}
	// The highlight marks the word as written in the text.
	if hl := fmt.Sprint(r.Search.Edges[0].Highlights); !strings.Contains(hl, "<mark>Parkplätze</mark>") {
		t.Errorf("Parkplatz (de): highlights %s", hl)
	}
	// Accents fold both ways.
	r = h.Search("Stadtebund", nil)
	if r.Search.TotalCount == 0 {
		t.Errorf("Stadtebund finds nothing (Städtebund is a member)")
	}
	// Search as you type: the last word is a prefix.
	if got := first("parking sens", nil); got != "cork-smart-parking-sensors" {
		t.Errorf("parking sens: first hit %q", got)
	}
	// But a word followed by a space is a word, and short words allow no typo.
	if r := h.Search("parkin ", map[string]any{"types": []string{"BEST_PRACTICE"}}); len(r.Search.Edges) == 0 {
		t.Errorf("parkin + space: a one-letter typo of a 6-letter word should still match")
	}
	if r := h.Search("lor", nil); r.Search.TotalCount != 0 && !strings.Contains(strings.ToLower(fmt.Sprint(r.Search.Edges[0].Highlights)), "lor") {
		t.Errorf("lor: hits without lor in them: %+v", r.Search.Edges[0])
	}
	// Phrases keep their order; -word excludes; field:value narrows.
	with := h.Search(`"open data"`, nil).Search.TotalCount
	without := h.Search(`"open data" -portal`, nil).Search.TotalCount
	if with == 0 || without >= with {
		t.Errorf(`"open data": %d hits, without portal: %d`, with, without)
	}
	r = h.Search("type:member country:AT", nil)
	if r.Search.TotalCount == 0 || len(r.Facet("type")) != 1 || r.Facet("type")["MEMBER"] != r.Search.TotalCount {
		t.Errorf("type:member country:AT: %d hits, type facet %v", r.Search.TotalCount, r.Facet("type"))
	}
	for _, e := range r.Search.Edges {
		if e.Node.Typename != "Member" {
			t.Errorf("type:member gave a %s", e.Node.Typename)
		}
	}
	// Drafts stay out unless asked for.
	for _, e := range h.Search("", map[string]any{"types": []string{"BEST_PRACTICE"}, "first": 100}).Search.Edges {
		if e.Node.Status == "DRAFT" {
			t.Errorf("draft %s in a search that asked for no status", e.Node.Slug)
		}
	}
}

func TestSearchFacetsAndFilters(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	h.WaitSearch()
	all := h.Search("", nil)
	byType := all.Facet("type")
	var counts struct {
		Members      struct{ TotalCount int }
		DigitalTools struct{ TotalCount int }
		Funding      struct{ TotalCount int } `json:"fundingOpportunities"`
		Open         struct{ TotalCount int }
		Practices    struct{ TotalCount int } `json:"bestPractices"`
	}
	h.Query(`{ members { totalCount } digitalTools { totalCount } fundingOpportunities { totalCount }
		open: fundingOpportunities(filter: {status: [OPEN]}) { totalCount }
		bestPractices(filter: {status: [PUBLISHED, ARCHIVED]}) { totalCount } }`, nil, &counts)
	want := map[string]int{"MEMBER": counts.Members.TotalCount, "DIGITAL_TOOL": counts.DigitalTools.TotalCount,
		"FUNDING_OPPORTUNITY": counts.Funding.TotalCount, "BEST_PRACTICE": counts.Practices.TotalCount}
	for typ, n := range want {
		if byType[typ] != n {
			t.Errorf("an empty search counts %d %s, the lists %d", byType[typ], typ, n)
		}
	}
	if got := all.Facet("status")["OPEN"]; got != counts.Open.TotalCount {
		t.Errorf("status facet OPEN = %d, fundingOpportunities(status: OPEN) = %d", got, counts.Open.TotalCount)
	}
	// A filter narrows to exactly its facet bucket.
	for _, c := range []struct {
		field string
		value any
	}{{"country", []string{"IE"}}, {"theme", []string{"mobility"}}, {"language", []string{"de"}}, {"status", []string{"OPEN"}},
		{"programme", []string{"DIGITAL"}}} {
		bucket := all.Facet(c.field)[c.value.([]string)[0]]
		got := h.Search("", map[string]any{"filter": map[string]any{c.field: c.value}}).Search.TotalCount
		if bucket == 0 || got != bucket {
			t.Errorf("filter %s=%v: %d hits, its facet bucket said %d", c.field, c.value, got, bucket)
		}
	}
	r := h.Search("", map[string]any{"filter": map[string]any{"year": map[string]any{"from": 2023, "to": 2024}}})
	for y := range r.Facet("year") {
		if y != "2023" && y != "2024" {
			t.Errorf("year 2023-2024 filter let %s through", y)
		}
	}
}

func TestSearchPaging(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	h.WaitSearch()
	seen := map[string]bool{}
	var after any
	total := 0
	for page := 0; ; page++ {
		r := h.Search("city", map[string]any{"first": 7, "after": after})
		total = r.Search.TotalCount
		for _, e := range r.Search.Edges {
			if seen[e.Node.ID] {
				t.Fatalf("%s seen twice", e.Node.ID)
			}
			seen[e.Node.ID] = true
		}
		if !r.Search.PageInfo.HasNextPage {
			break
		}
		after = r.Search.PageInfo.EndCursor
	}
	if len(seen) != total || total < 8 {
		t.Errorf("paging visited %d of %d hits", len(seen), total)
	}
	first := h.Search("city", map[string]any{"first": 1})
	resp := h.Post(hubtest.SearchQuery, map[string]any{"q": "town", "after": first.Search.PageInfo.EndCursor})
	if codes := hubtest.ErrorCodes(resp.Errors); len(codes) != 1 || codes[0] != "BAD_USER_INPUT" {
		t.Errorf("a cursor of another search: %v", resp.Errors)
	}
	for _, vars := range []map[string]any{{"first": 101}, {"first": -1}, {"after": "garbage"}, {"language": "english"}} {
		vars["q"] = "city"
		if codes := hubtest.ErrorCodes(h.Post(hubtest.SearchQuery, vars).Errors); len(codes) != 1 || codes[0] != "BAD_USER_INPUT" {
			t.Errorf("%v: codes %v, want BAD_USER_INPUT", vars, codes)
		}
	}
}

func TestMalformedSearchQueries(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	h.WaitSearch()
	for _, c := range []struct {
		query, code string
	}{
		{`"unclosed`, "BAD_QUERY"},
		{`title:`, "BAD_QUERY"},
		{`+`, "BAD_QUERY"},
		{`parking -`, "BAD_QUERY"},
		{`type:spaceship`, "BAD_QUERY"},
		{`year:soon`, "BAD_QUERY"},
		{strings.Repeat("smart city ", 1000), "BAD_QUERY"},
		{"the of and", ""},                    // stop words only: no hits
		{`"" ::: ***`, ""},                    // punctuation: no hits
		{"\x00\x01 zqxw * from qzxv; --", ""}, // control bytes and punctuation around words no text holds
		{`title:"smart parking`, "BAD_QUERY"},
	} {
		r := h.Post(hubtest.SearchQuery, map[string]any{"q": c.query})
		if r.Status >= 500 {
			t.Errorf("%.40q: status %d", c.query, r.Status)
		}
		codes := hubtest.ErrorCodes(r.Errors)
		switch {
		case c.code == "" && len(codes) > 0:
			t.Errorf("%.40q: errors %v, want none", c.query, r.Errors)
		case c.code == "" && !strings.Contains(string(r.Data), `"totalCount":0`):
			t.Errorf("%.40q: want no hits, got %.200s", c.query, r.Data)
		case c.code != "" && (len(codes) != 1 || codes[0] != c.code):
			t.Errorf("%.40q: codes %v, want %s", c.query, codes, c.code)
		case c.code != "" && !strings.Contains(r.Errors[0].Message, "character"):
			t.Errorf("%.40q: the message %q does not say where", c.query, r.Errors[0].Message)
		}
	}
}

// create makes a best practice through the API and returns its global ID.
func createPractice(h *hubtest.Hub, title, body string) string {
	h.T.Helper()
	var author struct {
		Members struct{ Nodes []struct{ ID string } }
	}
	h.Query(`{ members(first: 1) { nodes { id } } }`, nil, &author)
	var out struct {
		M struct {
			BestPractice *struct{ ID string }
			UserErrors   []struct {
				Field []string
				Code  string
			}
		}
	}
	h.Admin().Query(`mutation($title: String!, $body: String, $authors: [ID!]!) { m: createBestPractice(input: {title: $title,
		body: $body, language: "en", country: "IE", year: 2026, status: PUBLISHED, authors: $authors}) {
		bestPractice { id } userErrors { field code } } }`,
		map[string]any{"title": title, "body": body, "authors": []string{author.Members.Nodes[0].ID}}, &out)
	if out.M.BestPractice == nil {
		h.T.Fatalf("creating %q: %+v", title, out.M.UserErrors)
	}
	return out.M.BestPractice.ID
}

// awaitHits polls a search until it has want hits, and says how long that took.
func awaitHits(h *hubtest.Hub, q string, want int, within time.Duration) time.Duration {
	h.T.Helper()
	return wait.For(h.T, fmt.Sprintf("%d hits for %q", want, q), within, func() bool {
		return h.Search(q, map[string]any{"filter": map[string]any{"status": []string{"DRAFT", "PUBLISHED"}}}).Search.TotalCount == want
	})
}

func TestSearchFollowsWrites(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, true)
	h.WaitSearch()
	id := createPractice(h, "Quokkaboard for municipal <script>alert(1)</script> dashboards",
		"La municipalité publie ses données ouvertes.")
	took := awaitHits(h, "quokkaboard", 1, 10*time.Second)
	// Accents fold: a reader who types without them finds the word with them, and the other way round.
	for _, q := range []string{"municipalite publie", "quokkabôard"} {
		if r := h.Search(q, nil); r.Search.TotalCount == 0 || r.Search.Edges[0].Node.ID != id {
			t.Errorf("%q: %d hits, want the new practice first", q, r.Search.TotalCount)
		}
	}
	t.Logf("created practice found after %v", took)
	r := h.Search("quokkaboard", nil)
	if f := r.Search.Edges[0].Highlights[0].Fragments[0]; !strings.Contains(f, "<mark>Quokkaboard</mark>") || strings.Contains(f, "<script>") {
		t.Errorf("highlight %q: want the match marked and the HTML escaped", f)
	}
	// An update is followed too: the old word goes, the new one comes.
	var upd struct{ M struct{ UserErrors []any } }
	h.Admin().Query(`mutation($id: ID!) { m: updateBestPractice(input: {id: $id, title: "Wombatboard"}) { userErrors { code } } }`,
		map[string]any{"id": id}, &upd)
	awaitHits(h, "wombatboard", 1, 10*time.Second)
	awaitHits(h, "quokkaboard", 0, 10*time.Second)
	var del struct{ M struct{ DeletedID *string } }
	h.Admin().Query(`mutation($id: ID!) { m: deleteBestPractice(input: {id: $id}) { deletedId } }`, map[string]any{"id": id}, &del)
	awaitHits(h, "wombatboard", 0, 10*time.Second)
}

func TestRelatedPractices(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	h.WaitSearch()
	var r struct {
		BestPractices struct {
			Nodes []struct {
				Slug    string
				Themes  []struct{ Code string }
				Related []struct {
					Slug   string
					Status string
					Themes []struct{ Code string }
				}
			}
		}
	}
	h.Query(`{ bestPractices(first: 20) { nodes { slug themes { code } related(first: 3) { slug status themes { code } } } } }`, nil, &r)
	for _, p := range r.BestPractices.Nodes {
		if len(p.Related) == 0 {
			t.Errorf("%s: no related practices", p.Slug)
		}
		for _, q := range p.Related {
			if q.Slug == p.Slug || q.Status != "PUBLISHED" {
				t.Errorf("%s: related %s (%s)", p.Slug, q.Slug, q.Status)
			}
		}
	}
	// The best related practice of the Cork parking one shares a theme with it.
	for _, p := range r.BestPractices.Nodes {
		if p.Slug != "cork-smart-parking-sensors" || len(p.Related) == 0 {
			continue
		}
		shared := false
		for _, a := range p.Themes {
			for _, b := range p.Related[0].Themes {
				shared = shared || a.Code == b.Code
			}
		}
		if !shared {
			t.Errorf("cork's first related practice %s shares no theme", p.Related[0].Slug)
		}
	}
}

// With the index deleted while the hub is stopped, the next start serves at once, reports the rebuild,
// and ends with complete results.
func TestIndexRebuiltWhenMissing(t *testing.T) {
	t.Parallel()
	cfg := hubtest.Config(t)
	h := hubtest.Start(t, cfg, true)
	if err := seed.Synthetic(t.Context(), h.DB(), 4000); err != nil {
		t.Fatal(err)
	}
	h.WaitSearch()
	all := map[string]any{"status": []string{"DRAFT", "PUBLISHED", "ARCHIVED"}}
	before := h.Search("", map[string]any{"filter": all}).Search.TotalCount
	h.Stop()
	if err := os.RemoveAll(filepath.Join(cfg.DataDir, "index")); err != nil {
		t.Fatal(err)
	}

	h = hubtest.Start(t, cfg, false)
	// The graph answers at once, and /readyz reports the rebuild.
	var members struct{ Members struct{ TotalCount int } }
	h.Query(`{ members { totalCount } }`, nil, &members)
	var progress []float64
	wait.For(t, "the rebuild to finish", 60*time.Second, func() bool {
		code, body := hubtest.Get(t, h.Server.URL+"/readyz")
		var ready struct {
			Ready  bool
			Search struct {
				State    string
				Progress float64
			}
		}
		if err := json.Unmarshal([]byte(body), &ready); err != nil || code != 200 || !ready.Ready {
			t.Fatalf("/readyz during the rebuild: %d %s", code, body)
		}
		if ready.Search.State != "building" {
			return true
		}
		progress = append(progress, ready.Search.Progress)
		// Meanwhile search says why it cannot answer.
		if r := h.Post(hubtest.SearchQuery, map[string]any{"q": "city"}); len(r.Errors) > 0 && hubtest.ErrorCodes(r.Errors)[0] != "SEARCH_UNAVAILABLE" {
			t.Errorf("search during the rebuild: %v", r.Errors)
		}
		return false
	})
	if len(progress) == 0 || progress[len(progress)-1] < progress[0] {
		t.Errorf("/readyz showed no rebuild progress: %v", progress)
	}
	t.Logf("progress seen: %v", progress)
	h.WaitSearch()
	if after := h.Search("", map[string]any{"filter": all}).Search.TotalCount; after != before {
		t.Errorf("after the rebuild %d documents match, before %d", after, before)
	}
}

// Facet buckets carry names for people: reference names, language names, enum values in words.
func TestFacetLabels(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	h.WaitSearch()
	var out struct {
		Search struct {
			Facets []struct {
				Field   string
				Buckets []struct{ Value, Label string }
			}
		}
	}
	h.Query(`{ search(query: "") { facets { field buckets { value label } } } }`, nil, &out)
	want := map[string]map[string]string{
		"type":      {"BEST_PRACTICE": "Best practice", "FUNDING_OPPORTUNITY": "Funding opportunity"},
		"theme":     {"mobility": "Mobility and transport"},
		"country":   {"EL": "Greece"},
		"language":  {"de": "German", "hr": "Croatian"},
		"programme": {"DIGITAL": "Digital Europe Programme"},
		"status":    {"PUBLISHED": "Published"},
	}
	found := 0
	for _, f := range out.Search.Facets {
		for _, b := range f.Buckets {
			if w, ok := want[f.Field][b.Value]; ok {
				found++
				if b.Label != w {
					t.Errorf("%s=%s is labelled %q, want %q", f.Field, b.Value, b.Label, w)
				}
			}
		}
	}
	if found < 6 {
		t.Errorf("only %d of the expected buckets found: %+v", found, out.Search.Facets)
	}
}

// A municipal employee searches in their own language for what is written only in others: the hits
// say which concepts carried them, named in the reader's language, and mark the words that did.
func TestSearchAcrossLanguages(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	h.WaitSearch()
	q := `query($q: String!, $l: String) { search(query: $q, language: $l, types: [BEST_PRACTICE], first: 10) {
		edges { node { ... on BestPractice { slug language } } matchedConcepts { id label } highlights { language fragments } } } }`
	for _, c := range []struct{ query, lang, want, concept string }{
		{"αισθητήρες στάθμευσης", "el", "cork-smart-parking-sensors", "parking"},
		{"kaasav eelarve", "et", "leuven-burgerbudget-decidim", "participatory-budgeting"},
	} {
		var out struct {
			Search struct {
				Edges []struct {
					Node            struct{ Slug, Language string }
					MatchedConcepts []struct{ ID, Label string }
					Highlights      []struct {
						Language  string
						Fragments []string
					}
				}
			}
		}
		h.Query(q, map[string]any{"q": c.query, "l": c.lang}, &out)
		found := false
		for _, e := range out.Search.Edges {
			if e.Node.Slug != c.want {
				continue
			}
			found = true
			var ids []string
			for _, m := range e.MatchedConcepts {
				ids = append(ids, m.ID)
				if m.ID == c.concept && m.Label == "" {
					t.Errorf("%q: concept %s has no label", c.query, m.ID)
				}
			}
			if !slices.Contains(ids, c.concept) {
				t.Errorf("%q: %s matched by %v, want %s among them", c.query, c.want, ids, c.concept)
			}
			marked := false
			for _, hl := range e.Highlights {
				for _, f := range hl.Fragments {
					marked = marked || strings.Contains(f, "<mark>")
				}
			}
			if !marked {
				t.Errorf("%q: %s has no marked words: %+v", c.query, c.want, e.Highlights)
			}
		}
		if !found {
			t.Errorf("%q (%s): %s is not among the hits %+v", c.query, c.lang, c.want, out.Search.Edges)
		}
	}
}

// A practice is found by the name of a tool it uses, and still after the tool is renamed: the rename
// reindexes the practices that use it.
func TestPracticeFoundByRenamedTool(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, true).Admin()
	h.WaitSearch()
	tool := h.ID("digitalTool", "decidim")
	var out struct{ M struct{ UserErrors []any } }
	h.Query(`mutation($id: ID!) { m: updateDigitalTool(input: {id: $id, name: "Quokkacivic"}) { userErrors { code } } }`,
		map[string]any{"id": tool}, &out)
	if len(out.M.UserErrors) > 0 {
		t.Fatal(out.M.UserErrors)
	}
	wait.For(t, "the practices using the renamed tool to be found by its new name", 10*time.Second, func() bool {
		r := h.Search("quokkacivic ", map[string]any{"types": []string{"BEST_PRACTICE"}})
		return slices.Contains(r.Slugs(), "leuven-burgerbudget-decidim")
	})
}
