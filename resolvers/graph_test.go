package resolvers_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/smartcommunities/hub/hubtest"
)

func TestNodeResolvesEveryType(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	var data struct {
		Members              struct{ Nodes []struct{ ID string } }
		BestPractices        struct{ Nodes []struct{ ID string } }
		FundingOpportunities struct{ Nodes []struct{ ID string } }
		DigitalTools         struct{ Nodes []struct{ ID string } }
		Countries, Themes    []struct{ ID string }
		Programmes, Mims     []struct{ ID string }
	}
	h.Query(`{ members(first: 1) { nodes { id } } bestPractices(first: 1) { nodes { id } }
		fundingOpportunities(first: 1) { nodes { id } } digitalTools(first: 1) { nodes { id } }
		countries { id } themes { id } programmes { id } mims { id } }`, nil, &data)
	ids := map[string]string{
		"Member": data.Members.Nodes[0].ID, "BestPractice": data.BestPractices.Nodes[0].ID,
		"FundingOpportunity": data.FundingOpportunities.Nodes[0].ID, "DigitalTool": data.DigitalTools.Nodes[0].ID,
		"Country": data.Countries[0].ID, "Theme": data.Themes[0].ID, "Programme": data.Programmes[0].ID, "Mim": data.Mims[0].ID,
	}
	var all []string
	for typ, id := range ids {
		var got struct {
			Node *struct {
				Typename string `json:"__typename"`
				ID       string
			}
		}
		h.Query(`query($id: ID!) { node(id: $id) { __typename id } }`, map[string]any{"id": id}, &got)
		if got.Node == nil || got.Node.Typename != typ || got.Node.ID != id {
			t.Errorf("node(%s) = %+v, want a %s with that id", id, got.Node, typ)
		}
		all = append(all, id)
	}
	// nodes keeps the order, and gives null for IDs that are malformed or name nothing.
	ids2 := append(all, "bm9wZQ", "TWVtYmVyOjk5OTk5OQ", "not base64!")
	var many struct {
		Nodes []*struct{ ID string }
	}
	h.Query(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": ids2}, &many)
	if len(many.Nodes) != len(ids2) {
		t.Fatalf("nodes returned %d entries for %d ids", len(many.Nodes), len(ids2))
	}
	for i, n := range many.Nodes {
		if i < len(all) && (n == nil || n.ID != all[i]) {
			t.Errorf("nodes[%d] = %+v, want %s", i, n, all[i])
		}
		if i >= len(all) && n != nil {
			t.Errorf("nodes[%d] for %q = %+v, want null", i, ids2[i], n)
		}
	}
}

// listCase is one filtered or ordered list query and what every node it returns must satisfy.
type listCase struct {
	name   string
	field  string // root field
	args   string // GraphQL arguments
	fields string // node selection
	check  func(node map[string]any) bool
}

func TestFiltersKeepOnlyMatchingItems(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t).Admin() // admins see drafts too: every status can be filtered on
	hasString := func(key string, want ...string) func(map[string]any) bool {
		return func(n map[string]any) bool { s, _ := n[key].(string); return slices.Contains(want, s) }
	}
	listHas := func(list, key, want string) func(map[string]any) bool {
		return func(n map[string]any) bool {
			items, _ := n[list].([]any)
			for _, it := range items {
				if m, ok := it.(map[string]any); ok && fmt.Sprint(m[key]) == want {
					return true
				}
			}
			return false
		}
	}
	nested := func(obj, key, want string) func(map[string]any) bool {
		return func(n map[string]any) bool { m, _ := n[obj].(map[string]any); return m != nil && m[key] == want }
	}
	// Status filters are tested in TestFundingStatusFollowsTheDates and TestMemberStatusFilter, on data
	// whose dates and statuses the tests set, since the demo's calls move from open to closed as time passes.
	cases := []listCase{
		{"members by country", "members", `filter: {country: ["BE"]}`, "country { code }", nested("country", "code", "BE")},
		{"members by kind", "members", `filter: {kind: [NETWORK_OR_INITIATIVE]}`, "kind", hasString("kind", "NETWORK_OR_INITIATIVE")},
		{"members by name", "members", `filter: {nameContains: "munic"}`, "name nativeName acronym", func(n map[string]any) bool {
			return strings.Contains(strings.ToLower(fmt.Sprint(n["name"], n["nativeName"], n["acronym"])), "munic")
		}},
		{"members joined in 2024", "members", `filter: {joinedOn: {from: "2024-01-01", to: "2024-12-31"}}`, "joinedOn", func(n map[string]any) bool {
			return strings.HasPrefix(n["joinedOn"].(string), "2024-")
		}},
		{"practices by language", "bestPractices", `filter: {language: ["de"]}`, "language", hasString("language", "de")},
		{"practices by country", "bestPractices", `filter: {country: ["ES"]}`, "country { code }", nested("country", "code", "ES")},
		{"practices by theme", "bestPractices", `filter: {theme: ["mobility"]}`, "themes { code }", listHas("themes", "code", "mobility")},
		{"practices by status", "bestPractices", `filter: {status: [DRAFT]}`, "status", hasString("status", "DRAFT")},
		{"practices by year", "bestPractices", `filter: {year: {from: 2023, to: 2024}}`, "year", func(n map[string]any) bool {
			y := n["year"].(float64)
			return y >= 2023 && y <= 2024
		}},
		{"practices by tool", "bestPractices", `filter: {tool: "decidim"}`, "tools { slug }", listHas("tools", "slug", "decidim")},
		{"practices by author", "bestPractices", `filter: {author: "vng"}`, "authors { slug }", listHas("authors", "slug", "vng")},
		{"practices by MIM", "bestPractices", `filter: {mim: {code: "MIM1", edition: "2022"}}`, "mims { code edition }", listHas("mims", "code", "MIM1")},
		{"funding by programme", "fundingOpportunities", `filter: {programme: ["HORIZON"]}`, "programme { code }", nested("programme", "code", "HORIZON")},
		{"funding by theme", "fundingOpportunities", `filter: {theme: ["local-digital-twins"]}`, "themes { code }", listHas("themes", "code", "local-digital-twins")},
		{"funding eligible in ES", "fundingOpportunities", `filter: {eligibleCountry: "ES"}`, "eligibleCountries { code }", listHas("eligibleCountries", "code", "ES")},
		{"funding with deadline in 2025", "fundingOpportunities", `filter: {deadlineAfter: "2025-01-01", deadlineBefore: "2025-12-31"}`, "deadlines", func(n map[string]any) bool {
			d := n["deadlines"].([]any)
			last := d[len(d)-1].(string)
			return last >= "2025-01-01" && last <= "2025-12-31"
		}},
		{"funding opening in 2026", "fundingOpportunities", `filter: {openingDate: {from: "2026-01-01", to: "2026-12-31"}}`, "openingDate", func(n map[string]any) bool {
			return strings.HasPrefix(n["openingDate"].(string), "2026-")
		}},
		{"tools by licence", "digitalTools", `filter: {licence: ["AGPL-3.0-only"]}`, "licence", hasString("licence", "AGPL-3.0-only")},
		{"tools not open source", "digitalTools", `filter: {openSource: false}`, "openSource", func(n map[string]any) bool { return n["openSource"] == false }},
		{"tools by MIM", "digitalTools", `filter: {mim: {code: "MIM7", edition: "2022"}}`, "mims { code }", listHas("mims", "code", "MIM7")},
		{"tools by theme", "digitalTools", `filter: {theme: ["citizen-participation"]}`, "themes { code }", listHas("themes", "code", "citizen-participation")},
		{"tools by status", "digitalTools", `filter: {developmentStatus: [UNDER_DEVELOPMENT]}`, "developmentStatus", hasString("developmentStatus", "UNDER_DEVELOPMENT")},
		{"tools used in IT", "digitalTools", `filter: {country: "IT"}`, "countries { code }", listHas("countries", "code", "IT")},
		{"tools in Spanish", "digitalTools", `filter: {language: "es"}`, "languages", func(n map[string]any) bool {
			return slices.Contains(n["languages"].([]any), any("es"))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var all, filtered map[string]struct {
				TotalCount int
				Nodes      []map[string]any
			}
			h.Query(fmt.Sprintf("{ list: %s(first: 100) { totalCount } }", c.field), nil, &all)
			h.Query(fmt.Sprintf("{ list: %s(first: 100, %s) { totalCount nodes { %s } } }", c.field, c.args, c.fields), nil, &filtered)
			got := filtered["list"]
			if len(got.Nodes) == 0 || got.TotalCount != len(got.Nodes) {
				t.Fatalf("%d nodes with totalCount %d: want some, and all on one page", len(got.Nodes), got.TotalCount)
			}
			if got.TotalCount >= all["list"].TotalCount {
				t.Errorf("the filter kept all %d items", got.TotalCount)
			}
			for _, n := range got.Nodes {
				if !c.check(n) {
					t.Errorf("does not match the filter: %v", n)
				}
			}
		})
	}
}

func TestOrderings(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	cases := []struct {
		field, order, key string
		numeric           bool
	}{
		{"members", "NAME", "name", false},
		{"members", "JOINED_ON", "joinedOn", false},
		{"members", "MUNICIPALITIES_REPRESENTED", "municipalitiesRepresented", true},
		{"bestPractices", "TITLE", "title", false},
		{"bestPractices", "YEAR", "year", true},
		{"bestPractices", "CREATED_AT", "createdAt", false},
		{"fundingOpportunities", "OPENING_DATE", "openingDate", false},
		{"fundingOpportunities", "TITLE", "title", false},
		{"fundingOpportunities", "TOTAL_BUDGET", "totalBudget", true},
		{"digitalTools", "NAME", "name", false},
	}
	for _, c := range cases {
		for _, dir := range []string{"ASC", "DESC"} {
			t.Run(c.field+" "+c.order+" "+dir, func(t *testing.T) {
				var data map[string]struct{ Nodes []map[string]any }
				h.Query(fmt.Sprintf("{ list: %s(first: 100, orderBy: {field: %s, direction: %s}) { nodes { %s } } }", c.field, c.order, dir, c.key), nil, &data)
				nodes := data["list"].Nodes
				if len(nodes) < 10 {
					t.Fatalf("only %d nodes", len(nodes))
				}
				for i := 1; i < len(nodes); i++ {
					a, b := nodes[i-1][c.key], nodes[i][c.key]
					if a == nil || b == nil {
						continue // missing values sort as lowest; not compared here
					}
					cmp := compareValues(a, b, c.numeric)
					if (dir == "ASC" && cmp > 0) || (dir == "DESC" && cmp < 0) {
						t.Fatalf("out of order at %d: %v then %v", i, a, b)
					}
				}
			})
		}
	}
}

func compareValues(a, b any, numeric bool) int {
	if numeric {
		var x, y float64
		fmt.Sscan(fmt.Sprint(a), &x)
		fmt.Sscan(fmt.Sprint(b), &y)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	// PostgreSQL's order for text here is the cluster's collation; compare case-insensitively in Go
	// only for ASCII-comparable keys such as dates.
	return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

// Paging with after visits every item exactly once, and paging back with before visits them in reverse.
func TestPagingVisitsEachItemOnce(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	for _, c := range []struct{ field, order string }{
		{"members", "{field: NAME}"},
		{"members", "{field: MUNICIPALITIES_REPRESENTED, direction: DESC}"}, // ties and missing values
		{"bestPractices", "{field: YEAR}"},                                  // many ties
		{"fundingOpportunities", "{field: TOTAL_BUDGET}"},
		{"fundingOpportunities", "{field: NEXT_DEADLINE}"}, // closed calls tie at the end
		{"digitalTools", "{field: NAME, direction: DESC}"},
	} {
		t.Run(c.field+c.order, func(t *testing.T) {
			type page struct {
				List struct {
					TotalCount int
					Edges      []struct {
						Cursor string
						Node   struct{ ID string }
					}
					PageInfo struct {
						HasNextPage, HasPreviousPage bool
						StartCursor, EndCursor       *string
					}
				}
			}
			seen := map[string]bool{}
			var forward []string
			var after *string
			total := -1
			for pages := 0; ; pages++ {
				if pages > 100 {
					t.Fatal("paging does not end")
				}
				var p page
				h.Query(fmt.Sprintf(`query($after: String) { list: %s(first: 7, after: $after, orderBy: %s) {
					totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`, c.field, c.order),
					map[string]any{"after": after}, &p)
				total = p.List.TotalCount
				for _, e := range p.List.Edges {
					if seen[e.Node.ID] {
						t.Fatalf("%s visited twice", e.Node.ID)
					}
					seen[e.Node.ID] = true
					forward = append(forward, e.Node.ID)
				}
				if (after != nil) != p.List.PageInfo.HasPreviousPage {
					t.Errorf("hasPreviousPage = %v after cursor %v", p.List.PageInfo.HasPreviousPage, after)
				}
				if !p.List.PageInfo.HasNextPage {
					break
				}
				after = p.List.PageInfo.EndCursor
			}
			if len(seen) != total || total == 0 {
				t.Fatalf("visited %d items, totalCount is %d", len(seen), total)
			}
			// Backwards from the end with last/before gives the same sequence reversed.
			var backward []string
			var before *string
			for pages := 0; pages < 100; pages++ {
				var p page
				h.Query(fmt.Sprintf(`query($before: String) { list: %s(last: 6, before: $before, orderBy: %s) {
					totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`, c.field, c.order),
					map[string]any{"before": before}, &p)
				for i := len(p.List.Edges) - 1; i >= 0; i-- {
					backward = append(backward, p.List.Edges[i].Node.ID)
				}
				if !p.List.PageInfo.HasPreviousPage {
					break
				}
				before = p.List.PageInfo.StartCursor
			}
			slices.Reverse(backward)
			if !slices.Equal(forward, backward) {
				t.Errorf("paging backwards gives another order:\n%v\n%v", forward, backward)
			}
		})
	}
}

func TestBadPageArgumentsAreClearErrors(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	var first struct {
		Members struct{ PageInfo struct{ EndCursor string } }
	}
	h.Query(`{ members(first: 2) { pageInfo { endCursor } } }`, nil, &first)
	for name, q := range map[string]string{
		"garbage cursor":         `{ members(after: "garbage") { totalCount } }`,
		"cursor of another list": fmt.Sprintf(`{ members(after: %q, orderBy: {field: JOINED_ON}) { totalCount } }`, first.Members.PageInfo.EndCursor),
		"page too large":         `{ members(first: 101) { totalCount } }`,
		"negative page":          `{ bestPractices(last: -1) { totalCount } }`,
		"first and last":         `{ digitalTools(first: 2, last: 2) { totalCount } }`,
		"nested bad cursor":      `{ members(first: 2) { nodes { bestPractices(after: "nope") { totalCount } } } }`,
		"bad date":               `{ members(filter: {joinedOn: {from: "yesterday"}}) { totalCount } }`,
	} {
		t.Run(name, func(t *testing.T) {
			r := h.Post(q, nil)
			if r.Status >= 500 {
				t.Fatalf("status %d", r.Status)
			}
			if len(r.Errors) == 0 {
				t.Fatalf("no error for %s", q)
			}
			for _, e := range r.Errors {
				code, _ := e.Extensions["code"].(string)
				if code == "" || code == "INTERNAL_SERVER_ERROR" || e.Message == "internal error" {
					t.Errorf("error %q has code %q: want a caller's error", e.Message, code)
				}
			}
		})
	}
}

// Every relation can be followed both ways.
func TestRelationsBothWays(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	var data struct {
		BestPractice struct {
			Slug    string
			Authors []struct{ Slug string }
			Tools   []struct {
				Slug   string
				UsedIn struct{ Nodes []struct{ Slug string } }
			}
			Themes []struct {
				Code                 string
				BestPractices        struct{ TotalCount int }
				DigitalTools         struct{ TotalCount int }
				FundingOpportunities struct{ TotalCount int }
			}
			Country struct {
				Members       struct{ TotalCount int }
				BestPractices struct{ Nodes []struct{ Slug string } }
			}
		}
	}
	h.Query(`{ bestPractice(slug: "cork-smart-parking-sensors") { slug authors { slug }
		tools { slug usedIn(first: 100) { nodes { slug } } }
		themes { code bestPractices { totalCount } digitalTools { totalCount } fundingOpportunities { totalCount } }
		country { members { totalCount } bestPractices(first: 100) { nodes { slug } } } } }`, nil, &data)
	p := data.BestPractice
	if p.Slug == "" || len(p.Authors) == 0 || len(p.Tools) == 0 || len(p.Themes) == 0 {
		t.Fatalf("the parking-sensors practice lacks relations: %+v", p)
	}
	for _, tool := range p.Tools {
		if !slices.ContainsFunc(tool.UsedIn.Nodes, func(n struct{ Slug string }) bool { return n.Slug == p.Slug }) {
			t.Errorf("tool %s.usedIn does not lead back to %s", tool.Slug, p.Slug)
		}
	}
	for _, th := range p.Themes {
		if th.BestPractices.TotalCount == 0 {
			t.Errorf("theme %s has no practices, yet %s has it", th.Code, p.Slug)
		}
	}
	// Nested counts, with and without a filter, agree with the items listed.
	var themes struct {
		Themes []struct {
			Code          string
			BestPractices struct {
				TotalCount int
				Nodes      []struct{ Status string }
			}
			Published struct{ TotalCount int }
		}
	}
	h.Query(`{ themes { code bestPractices(first: 100) { totalCount nodes { status } }
		published: bestPractices(filter: {status: [PUBLISHED]}) { totalCount } } }`, nil, &themes)
	for _, th := range themes.Themes {
		published := 0
		for _, n := range th.BestPractices.Nodes {
			if n.Status == "PUBLISHED" {
				published++
			}
		}
		if th.BestPractices.TotalCount != len(th.BestPractices.Nodes) || th.Published.TotalCount != published {
			t.Errorf("theme %s: totalCount %d for %d practices, %d published counted as %d", th.Code,
				th.BestPractices.TotalCount, len(th.BestPractices.Nodes), published, th.Published.TotalCount)
		}
	}
	if !slices.ContainsFunc(p.Country.BestPractices.Nodes, func(n struct{ Slug string }) bool { return n.Slug == p.Slug }) || p.Country.Members.TotalCount == 0 {
		t.Errorf("country does not lead back: %+v", p.Country)
	}
	var authored struct {
		Member struct {
			BestPractices struct{ Nodes []struct{ Slug string } }
		}
	}
	h.Query(`query($slug: String!) { member(slug: $slug) { bestPractices(first: 100) { nodes { slug } } } }`,
		map[string]any{"slug": p.Authors[0].Slug}, &authored)
	if !slices.ContainsFunc(authored.Member.BestPractices.Nodes, func(n struct{ Slug string }) bool { return n.Slug == p.Slug }) {
		t.Errorf("author %s.bestPractices does not lead back", p.Authors[0].Slug)
	}
	var funding struct {
		FundingOpportunity struct {
			Status    string
			Programme struct {
				Code                 string
				FundingOpportunities struct{ TotalCount int }
			}
			FundedPractices struct {
				Nodes []struct{ Funding []struct{ Identifier string } }
			}
		}
	}
	h.Query(`{ fundingOpportunity(identifier: "HORIZON-MISS-2024-CIT-01") { status programme { code fundingOpportunities { totalCount } }
		fundedPractices(first: 100) { nodes { funding { identifier } } } } }`, nil, &funding)
	f := funding.FundingOpportunity
	if f.Status != "CLOSED" || f.Programme.Code != "HORIZON" || f.Programme.FundingOpportunities.TotalCount == 0 {
		t.Errorf("HORIZON-MISS-2024-CIT-01 = %+v", f)
	}
	for _, n := range f.FundedPractices.Nodes {
		if !slices.ContainsFunc(n.Funding, func(x struct{ Identifier string }) bool { return x.Identifier == "HORIZON-MISS-2024-CIT-01" }) {
			t.Errorf("a funded practice does not name its funding: %+v", n)
		}
	}
}
