package resolvers_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/hubtest"
)

type mutationCase struct {
	name     string
	mutation string
	input    map[string]any
	field    string // the offending field's path, joined with dots
	code     string
}

func TestMutationsRefuseInvalidInputAndChangeNothing(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, true).Admin()
	vng, cork, decidim := h.ID("member", "vng"), h.ID("bestPractice", "cork-smart-parking-sensors"), h.ID("digitalTool", "decidim")
	horizon := h.ID("fundingOpportunity", "HORIZON-MISS-2024-CIT-01")
	missingMember, missingTool := db.GlobalID("Member", 999999), db.GlobalID("DigitalTool", 999999)
	member := func(over map[string]any) map[string]any {
		return hubtest.Merge(map[string]any{"name": "Test Association", "kind": "NATIONAL_ASSOCIATION", "country": "NL"}, over)
	}
	practice := func(over map[string]any) map[string]any {
		return hubtest.Merge(map[string]any{"title": "A test practice", "language": "en", "country": "NL", "year": 2024, "authors": []string{vng}}, over)
	}
	funding := func(over map[string]any) map[string]any {
		return hubtest.Merge(map[string]any{"identifier": "TEST-2026-01", "title": "A test call", "programme": "DIGITAL",
			"openingDate": "2026-01-10", "deadlineModel": "SINGLE_STAGE", "deadlines": []string{"2026-04-10"}}, over)
	}
	tool := func(over map[string]any) map[string]any {
		return hubtest.Merge(map[string]any{"name": "Test Tool", "licence": "EUPL-1.2", "developmentStatus": "COMPLETED"}, over)
	}
	cases := []mutationCase{
		{"member: empty name", "createMember", member(map[string]any{"name": "  "}), "input.name", "REQUIRED"},
		{"member: ISO code for Greece", "createMember", member(map[string]any{"country": "GR"}), "input.country", "UNKNOWN_REFERENCE"},
		{"member: unknown covered country", "createMember", member(map[string]any{"otherCountries": []string{"BE", "XX"}}), "input.otherCountries.1", "UNKNOWN_REFERENCE"},
		{"member: duplicate slug", "createMember", member(map[string]any{"slug": "vng"}), "input.slug", "DUPLICATE"},
		{"member: bad slug", "createMember", member(map[string]any{"slug": "Not A Slug"}), "input.slug", "INVALID"},
		{"member: bad email", "createMember", member(map[string]any{"contactPoints": []any{map[string]any{"role": "Lead", "email": "nobody"}}}), "input.contactPoints.0.email", "INVALID"},
		{"member: bad website", "createMember", member(map[string]any{"website": "javascript:alert(1)"}), "input.website", "INVALID"},
		{"member: negative municipalities", "createMember", member(map[string]any{"municipalitiesRepresented": -3}), "input.municipalitiesRepresented", "OUT_OF_RANGE"},
		{"member update: unknown id", "updateMember", map[string]any{"id": missingMember, "name": "X"}, "input.id", "NOT_FOUND"},
		{"member update: empty name", "updateMember", map[string]any{"id": vng, "name": ""}, "input.name", "REQUIRED"},
		{"member update: another's slug", "updateMember", map[string]any{"id": vng, "slug": "kl-denmark"}, "input.slug", "DUPLICATE"},
		{"member delete: unknown id", "deleteMember", map[string]any{"id": missingMember}, "input.id", "NOT_FOUND"},

		{"practice: empty title", "createBestPractice", practice(map[string]any{"title": ""}), "input.title", "REQUIRED"},
		{"practice: bad language", "createBestPractice", practice(map[string]any{"language": "xx"}), "input.language", "INVALID"},
		{"practice: unknown theme", "createBestPractice", practice(map[string]any{"themes": []string{"mobility", "space-travel"}}), "input.themes.1", "UNKNOWN_REFERENCE"},
		{"practice: unknown MIM edition", "createBestPractice", practice(map[string]any{"mims": []any{map[string]any{"code": "MIM1", "edition": "1999"}}}), "input.mims.0", "UNKNOWN_REFERENCE"},
		{"practice: unknown tool", "createBestPractice", practice(map[string]any{"tools": []string{decidim, missingTool}}), "input.tools", "UNKNOWN_REFERENCE"},
		{"practice: no author", "createBestPractice", practice(map[string]any{"authors": []string{}}), "input.authors", "REQUIRED"},
		{"practice: unknown author", "createBestPractice", practice(map[string]any{"authors": []string{missingMember}}), "input.authors", "UNKNOWN_REFERENCE"},
		{"practice: year 1800", "createBestPractice", practice(map[string]any{"year": 1800}), "input.year", "OUT_OF_RANGE"},
		{"practice: NUTS code of another country", "createBestPractice", practice(map[string]any{"nutsCode": "DE212"}), "input.nutsCode", "INVALID"},
		{"practice: translation into its own language", "createBestPractice", practice(map[string]any{"translations": []any{map[string]any{"language": "en", "title": "Again"}}}), "input.translations.0.language", "DUPLICATE"},
		{"practice: Greek title and no slug", "createBestPractice", practice(map[string]any{"title": "Ψηφιακή πόλη", "language": "el", "country": "CY"}), "input.slug", "REQUIRED"},
		{"practice: duplicate slug", "createBestPractice", practice(map[string]any{"slug": "cork-smart-parking-sensors"}), "input.slug", "DUPLICATE"},
		{"practice update: unknown id", "updateBestPractice", map[string]any{"id": db.GlobalID("BestPractice", 999999), "title": "X"}, "input.id", "NOT_FOUND"},
		{"practice update: empty title", "updateBestPractice", map[string]any{"id": cork, "title": " "}, "input.title", "REQUIRED"},
		{"practice update: remove all authors", "updateBestPractice", map[string]any{"id": cork, "authors": []string{}}, "input.authors", "REQUIRED"},
		{"practice delete: unknown id", "deleteBestPractice", map[string]any{"id": db.GlobalID("BestPractice", 999999)}, "input.id", "NOT_FOUND"},

		{"funding: deadline before opening", "createFundingOpportunity", funding(map[string]any{"deadlines": []string{"2025-12-01"}}), "input.deadlines", "OUT_OF_RANGE"},
		{"funding: unknown programme", "createFundingOpportunity", funding(map[string]any{"programme": "ERASMUS"}), "input.programme", "UNKNOWN_REFERENCE"},
		{"funding: duplicate identifier", "createFundingOpportunity", funding(map[string]any{"identifier": "HORIZON-MISS-2024-CIT-01"}), "input.identifier", "DUPLICATE"},
		{"funding: bad identifier", "createFundingOpportunity", funding(map[string]any{"identifier": "horizon 2026"}), "input.identifier", "INVALID"},
		{"funding: two-stage with one deadline", "createFundingOpportunity", funding(map[string]any{"deadlineModel": "TWO_STAGE"}), "input.deadlines", "OUT_OF_RANGE"},
		{"funding: no deadline", "createFundingOpportunity", funding(map[string]any{"deadlines": []string{}}), "input.deadlines", "REQUIRED"},
		{"funding: budget below a cent", "createFundingOpportunity", funding(map[string]any{"totalBudget": "1000.001"}), "input.totalBudget", "OUT_OF_RANGE"},
		{"funding: min above max", "createFundingOpportunity", funding(map[string]any{"minContribution": "500000", "maxContribution": "100000"}), "input.minContribution", "OUT_OF_RANGE"},
		{"funding: empty title", "createFundingOpportunity", funding(map[string]any{"title": ""}), "input.title", "REQUIRED"},
		{"funding: unknown eligible country", "createFundingOpportunity", funding(map[string]any{"eligibleCountries": []string{"UK"}}), "input.eligibleCountries.0", "UNKNOWN_REFERENCE"},
		{"funding update: unknown id", "updateFundingOpportunity", map[string]any{"id": db.GlobalID("FundingOpportunity", 999999)}, "input.id", "NOT_FOUND"},
		{"funding update: opening after the deadline", "updateFundingOpportunity", map[string]any{"id": horizon, "openingDate": "2030-01-01"}, "input.deadlines", "OUT_OF_RANGE"},
		{"funding delete: unknown id", "deleteFundingOpportunity", map[string]any{"id": db.GlobalID("FundingOpportunity", 999999)}, "input.id", "NOT_FOUND"},

		{"tool: not an SPDX licence", "createDigitalTool", tool(map[string]any{"licence": "GPL"}), "input.licence", "INVALID"},
		{"tool: empty name", "createDigitalTool", tool(map[string]any{"name": ""}), "input.name", "REQUIRED"},
		{"tool: unknown MIM", "createDigitalTool", tool(map[string]any{"mims": []any{map[string]any{"code": "MIM42", "edition": "2022"}}}), "input.mims.0", "UNKNOWN_REFERENCE"},
		{"tool: bad language", "createDigitalTool", tool(map[string]any{"languages": []string{"en", "english"}}), "input.languages.1", "INVALID"},
		{"tool: duplicate slug", "createDigitalTool", tool(map[string]any{"slug": "decidim"}), "input.slug", "DUPLICATE"},
		{"tool: bad repository URL", "createDigitalTool", tool(map[string]any{"repositoryUrl": "github.com/x"}), "input.repositoryUrl", "INVALID"},
		{"tool update: unknown id", "updateDigitalTool", map[string]any{"id": missingTool, "name": "X"}, "input.id", "NOT_FOUND"},
		{"tool update: bad licence", "updateDigitalTool", map[string]any{"id": decidim, "licence": "Apache 2"}, "input.licence", "INVALID"},
		{"tool delete: unknown id", "deleteDigitalTool", map[string]any{"id": missingTool}, "input.id", "NOT_FOUND"},
	}
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.mutation] = true
		t.Run(c.name, func(t *testing.T) {
			before := h.Snapshot()
			r := h.Post(fmt.Sprintf(`mutation($input: %s!) { m: %s(input: $input) { userErrors { field message code } } }`,
				inputType(c.mutation), c.mutation), map[string]any{"input": c.input})
			if len(r.Errors) > 0 {
				t.Fatalf("GraphQL errors instead of userErrors: %+v", r.Errors)
			}
			var data struct {
				M struct {
					UserErrors []struct {
						Field         []string
						Message, Code string
					}
				}
			}
			json.Unmarshal(r.Data, &data)
			found := false
			for _, e := range data.M.UserErrors {
				if strings.Join(e.Field, ".") == c.field && e.Code == c.code && e.Message != "" {
					found = true
				}
			}
			if !found {
				t.Errorf("want a userError %s on %s, got %+v", c.code, c.field, data.M.UserErrors)
			}
			if after := h.Snapshot(); after != before {
				t.Errorf("a refused mutation changed the data")
			}
		})
	}
	for _, m := range []string{"createMember", "updateMember", "deleteMember", "createBestPractice", "updateBestPractice",
		"deleteBestPractice", "createFundingOpportunity", "updateFundingOpportunity", "deleteFundingOpportunity",
		"createDigitalTool", "updateDigitalTool", "deleteDigitalTool"} {
		if !covered[m] {
			t.Errorf("no invalid-input case for %s", m)
		}
	}

	// An ID that is malformed, or of another type, is refused where the input enters: a GraphQL error on
	// the argument's path naming the type wanted, and nothing changed.
	for _, c := range []struct {
		name, mutation string
		input          map[string]any
		path, message  string
	}{
		{"member delete: malformed id", "deleteMember", map[string]any{"id": "%%%"}, "m.input.id", `"%%%" is not the ID of a Member`},
		{"practice: a member's ID as a tool", "createBestPractice", practice(map[string]any{"tools": []string{vng}}), "m.input.tools.0", fmt.Sprintf("%q is not the ID of a DigitalTool", vng)},
		{"practice delete: a tool's ID", "deleteBestPractice", map[string]any{"id": decidim}, "m.input.id", fmt.Sprintf("%q is not the ID of a BestPractice", decidim)},
	} {
		before := h.Snapshot()
		r := h.Post(fmt.Sprintf(`mutation($input: %s!) { m: %s(input: $input) { userErrors { code } } }`, inputType(c.mutation), c.mutation),
			map[string]any{"input": c.input})
		var path []string
		for _, p := range append(r.Errors, hubtest.Error{})[0].Path {
			path = append(path, fmt.Sprint(p))
		}
		if len(r.Errors) != 1 || r.Errors[0].Message != c.message || r.Errors[0].Extensions["code"] != "BAD_USER_INPUT" || strings.Join(path, ".") != c.path {
			t.Errorf("%s: errors %+v, want BAD_USER_INPUT %q on %s", c.name, r.Errors, c.message, c.path)
		}
		if h.Snapshot() != before {
			t.Errorf("%s changed the data", c.name)
		}
	}

	// Input the schema itself refuses (a malformed date) is a GraphQL error with a code, not a 500.
	before := h.Snapshot()
	r := h.Post(`mutation { createFundingOpportunity(input: {identifier: "X-1", title: "x", programme: "DIGITAL",
		openingDate: "31/12/2026", deadlineModel: SINGLE_STAGE, deadlines: ["2027-01-01"]}) { userErrors { code } } }`, nil)
	if r.Status >= 500 || len(r.Errors) == 0 || hubtest.ErrorCodes(r.Errors)[0] == "INTERNAL_SERVER_ERROR" {
		t.Errorf("a malformed date: status %d, errors %+v", r.Status, r.Errors)
	}
	if h.Snapshot() != before {
		t.Error("a malformed date changed the data")
	}
}

func inputType(mutation string) string {
	return strings.ToUpper(mutation[:1]) + mutation[1:] + "Input"
}

// A create, an update that leaves other fields alone, and a delete, for each entity.
func TestMutationsCreateUpdateDelete(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, true).Admin()
	vng := h.ID("member", "vng")
	stellio := h.ID("digitalTool", "stellio")
	var created struct {
		M struct {
			Member struct {
				ID, Slug, Name string
				OtherCountries []struct{ Code string }
				ContactPoints  []struct{ Role, Email string }
			}
			UserErrors []any
		}
	}
	h.Query(`mutation { m: createMember(input: {name: "Ünion of Tést Municipalities", kind: REGIONAL_ASSOCIATION, country: "EL",
		otherCountries: ["CY"], contactPoints: [{role: "Digital lead", email: "digital@union.example.org"}], status: LEFT}) {
		member { id slug name otherCountries { code } contactPoints { role email } } userErrors { code } } }`, nil, &created)
	m := created.M.Member
	if m.Slug != "union-of-test-municipalities" || len(m.OtherCountries) != 1 || len(m.ContactPoints) != 1 {
		t.Fatalf("created member = %+v (%v)", m, created.M.UserErrors)
	}
	var left struct {
		Members struct{ Nodes []struct{ Slug string } }
	}
	h.Query(`{ members(filter: {status: [LEFT, SUSPENDED]}) { nodes { slug } } }`, nil, &left)
	if len(left.Members.Nodes) != 1 || left.Members.Nodes[0].Slug != m.Slug {
		t.Errorf("status filter: %+v", left.Members.Nodes)
	}
	var updated struct {
		M struct {
			Member struct {
				Name           string
				OtherCountries []struct{ Code string }
				ContactPoints  []struct{ Email string }
			}
		}
	}
	h.Query(`mutation($id: ID!) { m: updateMember(input: {id: $id, name: "Union of Test Municipalities"}) {
		member { name otherCountries { code } contactPoints { email } } } }`, map[string]any{"id": m.ID}, &updated)
	if u := updated.M.Member; u.Name != "Union of Test Municipalities" || len(u.OtherCountries) != 1 || len(u.ContactPoints) != 1 {
		t.Errorf("an update of the name changed other fields: %+v", u)
	}
	var site struct {
		M struct{ Member struct{ Website *string } }
	}
	h.Query(`mutation($id: ID!) { m: updateMember(input: {id: $id, website: "  https://union.example.org/  "}) { member { website } } }`,
		map[string]any{"id": m.ID}, &site)
	if w := site.M.Member.Website; w == nil || *w != "https://union.example.org/" {
		t.Errorf("website stored as %q, want it trimmed", derefOr(w))
	}

	var practice struct {
		M struct {
			BestPractice struct {
				ID, Slug     string
				Translations []struct{ Language, Title string }
				Tools        []struct{ Slug string }
				Authors      []struct{ Slug string }
				Themes       []struct{ Code string }
				Mims         []struct{ Code, Edition string }
			}
			UserErrors []any
		}
	}
	h.Query(`mutation($authors: [ID!]!, $tools: [ID!]) { m: createBestPractice(input: {title: "Città digitale di prova", language: "it",
		translations: [{language: "en", title: "A digital test city"}], country: "IT", nutsCode: "ITC11", year: 2025,
		themes: ["local-digital-twins"], mims: [{code: "MIM1", edition: "2022"}], tools: $tools, authors: $authors, status: PUBLISHED}) {
		bestPractice { id slug translations { language title } tools { slug } authors { slug } themes { code } mims { code edition } }
		userErrors { field code } } }`, map[string]any{"authors": []string{vng, m.ID}, "tools": []string{stellio}}, &practice)
	p := practice.M.BestPractice
	if p.Slug != "citta-digitale-di-prova" || len(p.Translations) != 1 || len(p.Tools) != 1 || len(p.Authors) != 2 || len(p.Mims) != 1 {
		t.Fatalf("created practice = %+v (%v)", p, practice.M.UserErrors)
	}
	var used struct {
		DigitalTool struct {
			UsedIn struct{ Nodes []struct{ Slug string } }
		}
	}
	h.Query(`{ digitalTool(slug: "stellio") { usedIn(first: 100) { nodes { slug } } } }`, nil, &used)
	if !slices.ContainsFunc(used.DigitalTool.UsedIn.Nodes, func(n struct{ Slug string }) bool { return n.Slug == p.Slug }) {
		t.Error("the new practice is not in its tool's usedIn")
	}

	// Deleting the member keeps the practice, with its other author.
	var del struct {
		M struct {
			DeletedID  *string
			UserErrors []any
		}
	}
	h.Query(`mutation($id: ID!) { m: deleteMember(input: {id: $id}) { deletedId userErrors { code } } }`, map[string]any{"id": m.ID}, &del)
	if del.M.DeletedID == nil || *del.M.DeletedID != m.ID {
		t.Fatalf("deleteMember = %+v", del.M)
	}
	var after struct {
		Node *struct{ Authors []struct{ Slug string } }
	}
	h.Query(`query($id: ID!) { node(id: $id) { ... on BestPractice { authors { slug } } } }`, map[string]any{"id": p.ID}, &after)
	if after.Node == nil || len(after.Node.Authors) != 1 || after.Node.Authors[0].Slug != "vng" {
		t.Errorf("after deleting a co-author: %+v", after.Node)
	}
	h.Query(`mutation($id: ID!) { m: deleteBestPractice(input: {id: $id}) { deletedId userErrors { code } } }`, map[string]any{"id": p.ID}, &del)
	var gone struct{ Node *struct{ ID string } }
	h.Query(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": p.ID}, &gone)
	if gone.Node != nil {
		t.Error("a deleted practice is still there")
	}

	var tool struct {
		M struct {
			DigitalTool struct {
				ID, Licence string
				OpenSource  bool
			}
		}
	}
	h.Query(`mutation { m: createDigitalTool(input: {name: "Self assessment kit", licence: "NOASSERTION", developmentStatus: UNDER_DEVELOPMENT}) {
		digitalTool { id licence openSource } } }`, nil, &tool)
	if tool.M.DigitalTool.OpenSource {
		t.Error("a tool without a licence counts as open source")
	}
	h.Query(`mutation($id: ID!) { m: updateDigitalTool(input: {id: $id, licence: "EUPL-1.2"}) { digitalTool { id licence openSource } } }`,
		map[string]any{"id": tool.M.DigitalTool.ID}, &tool)
	if !tool.M.DigitalTool.OpenSource || tool.M.DigitalTool.Licence != "EUPL-1.2" {
		t.Errorf("after relicensing under EUPL-1.2: %+v", tool.M.DigitalTool)
	}
	h.Query(`mutation($id: ID!) { m: deleteDigitalTool(input: {id: $id}) { deletedId } }`, map[string]any{"id": tool.M.DigitalTool.ID}, &del)
	if del.M.DeletedID == nil {
		t.Error("deleteDigitalTool did not delete")
	}
}

// A call's status follows from today's date: forthcoming before it opens, open through its last
// deadline, closed after; the filter and the field agree.
func TestFundingStatusFollowsTheDates(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, false).Admin()
	today := h.DB().Today()
	day := func(d int) string { return today.AddDate(0, 0, d).Format(time.DateOnly) }
	calls := map[string][2]string{ // identifier -> opening, last deadline
		"TEST-FORTHCOMING": {day(10), day(40)},
		"TEST-OPEN":        {day(-10), day(0)},
		"TEST-CLOSED":      {day(-40), day(-1)},
	}
	for id, dates := range calls {
		var r struct{ M struct{ UserErrors []any } }
		h.Query(`mutation($in: CreateFundingOpportunityInput!) { m: createFundingOpportunity(input: $in) { userErrors { field code } } }`,
			map[string]any{"in": map[string]any{"identifier": id, "title": id, "programme": "LIFE", "openingDate": dates[0],
				"deadlineModel": "SINGLE_STAGE", "deadlines": []string{dates[1]},
				"totalBudget": "1000000.50"}}, &r)
		if len(r.M.UserErrors) > 0 {
			t.Fatalf("%s: %v", id, r.M.UserErrors)
		}
	}
	for _, status := range []string{"FORTHCOMING", "OPEN", "CLOSED"} {
		var data struct {
			FundingOpportunities struct {
				Nodes []struct {
					Identifier, Status string
					NextDeadline       *string
					TotalBudget        string
				}
			}
		}
		h.Query(fmt.Sprintf(`{ fundingOpportunities(filter: {status: [%s]}) { nodes { identifier status nextDeadline totalBudget } } }`, status), nil, &data)
		nodes := data.FundingOpportunities.Nodes
		if len(nodes) != 1 || nodes[0].Identifier != "TEST-"+status || nodes[0].Status != status {
			t.Errorf("status %s: %+v", status, nodes)
			continue
		}
		if nodes[0].TotalBudget != "1000000.50" {
			t.Errorf("budget came back as %q", nodes[0].TotalBudget)
		}
		if (status == "CLOSED") != (nodes[0].NextDeadline == nil) {
			t.Errorf("%s call has next deadline %v", status, nodes[0].NextDeadline)
		}
	}
}

func derefOr(s *string) string {
	if s == nil {
		return "<null>"
	}
	return *s
}

// NEXT_DEADLINE puts the call due next first, whichever stage is due, and the calls with no deadline
// left last; DEADLINE orders by the final deadline. Paging by cursor keeps the order, the calls with no
// deadline left included.
func TestNextDeadlineOrder(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, false).Admin()
	today := h.DB().Today()
	day := func(d int) string { return today.AddDate(0, 0, d).Format(time.DateOnly) }
	for _, c := range []struct {
		id, opening string
		deadlines   []string
	}{
		{"TWO-STAGE-DUE-IN-2", day(-30), []string{day(2), day(90)}},
		{"DUE-IN-30", day(-30), []string{day(30)}},
		{"CLOSED-A", day(-60), []string{day(-1)}},
		{"FORTHCOMING-DUE-IN-10", day(5), []string{day(10)}},
		{"CLOSED-B", day(-60), []string{day(-20)}},
	} {
		model := map[int]string{1: "SINGLE_STAGE", 2: "TWO_STAGE"}[len(c.deadlines)]
		var r struct{ M struct{ UserErrors []any } }
		h.Query(`mutation($in: CreateFundingOpportunityInput!) { m: createFundingOpportunity(input: $in) { userErrors { field code } } }`,
			map[string]any{"in": map[string]any{"identifier": c.id, "title": c.id, "programme": "LIFE", "openingDate": c.opening,
				"deadlineModel": model, "deadlines": c.deadlines}}, &r)
		if len(r.M.UserErrors) > 0 {
			t.Fatalf("%s: %v", c.id, r.M.UserErrors)
		}
	}
	list := func(order string, first int) []string {
		var ids []string
		var after *string
		for pages := 0; pages < 10; pages++ {
			var data struct {
				FundingOpportunities struct {
					Nodes    []struct{ Identifier string }
					PageInfo struct {
						HasNextPage bool
						EndCursor   *string
					}
				}
			}
			h.Query(`query($first: Int, $after: String) { fundingOpportunities(first: $first, after: $after, orderBy: `+order+`) {
				nodes { identifier } pageInfo { hasNextPage endCursor } } }`, map[string]any{"first": first, "after": after}, &data)
			for _, n := range data.FundingOpportunities.Nodes {
				ids = append(ids, n.Identifier)
			}
			if !data.FundingOpportunities.PageInfo.HasNextPage {
				return ids
			}
			after = data.FundingOpportunities.PageInfo.EndCursor
		}
		t.Fatalf("paging by %s does not end", order)
		return nil
	}
	next := []string{"TWO-STAGE-DUE-IN-2", "FORTHCOMING-DUE-IN-10", "DUE-IN-30"}
	for _, first := range []int{20, 1} {
		got := list("{field: NEXT_DEADLINE}", first)
		if len(got) != 5 || !slices.Equal(got[:3], next) || !slices.ContainsFunc(got[3:], func(s string) bool { return s == "CLOSED-A" }) ||
			!slices.ContainsFunc(got[3:], func(s string) bool { return s == "CLOSED-B" }) {
			t.Errorf("NEXT_DEADLINE, pages of %d: %v; want %v, then the closed calls", first, got, next)
		}
		desc := list("{field: NEXT_DEADLINE, direction: DESC}", first)
		if want := slices.Clone(got); !slices.Equal(desc, reversed(want)) {
			t.Errorf("NEXT_DEADLINE DESC, pages of %d: %v; want %v reversed", first, desc, got)
		}
	}
	if got := list("{field: DEADLINE}", 20); !slices.Equal(got, []string{"CLOSED-B", "CLOSED-A", "FORTHCOMING-DUE-IN-10", "DUE-IN-30", "TWO-STAGE-DUE-IN-2"}) {
		t.Errorf("DEADLINE: %v, not by the final deadline", got)
	}
}

func reversed(s []string) []string { slices.Reverse(s); return s }
