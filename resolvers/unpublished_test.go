package resolvers_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/hubtest"
)

type slugged struct{ ID, Slug string }

func slugsOf(nodes []slugged) []string {
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = n.Slug
	}
	return out
}

// Drafts and proposed tools stay unseen by whoever may not read them, also through what is computed
// from them: similar tools, related practices, counts by tool, and the error of a slug they hold.
func TestUnpublishedContentStaysUnseen(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, true)
	admin := h.Admin()
	var members struct {
		Members struct{ Nodes []slugged }
	}
	h.Query(`{ members(first: 2) { nodes { id slug } } }`, nil, &members)
	owner, other := members.Members.Nodes[0], members.Members.Nodes[1]
	ownerEditor, otherEditor := h.As(h.NewToken(db.RoleEditor, owner.Slug)), h.As(h.NewToken(db.RoleEditor, other.Slug))

	// A tool a, and a tool c that is not among its similar tools: one draft that used both must not
	// make c similar to a.
	var tools struct {
		DigitalTools struct {
			Nodes []struct {
				slugged
				Similar []slugged
			}
		}
	}
	const similarQuery = `{ digitalTools(first: 50) { nodes { id slug similar(first: 50) { id slug } } } }`
	h.Query(similarQuery, nil, &tools)
	var a, c slugged
	var before []string
	for _, t := range tools.DigitalTools.Nodes {
		for _, u := range tools.DigitalTools.Nodes {
			if a.ID == "" && u.ID != t.ID && !slices.Contains(slugsOf(t.Similar), u.Slug) {
				a, c, before = t.slugged, u.slugged, slugsOf(t.Similar)
			}
		}
	}
	if a.ID == "" {
		t.Fatal("the demo data has no tool that is not similar to some other tool")
	}
	var published struct {
		BestPractices struct {
			Nodes []struct {
				slugged
				Title  string
				Themes []struct{ Code string }
			}
		}
	}
	h.Query(`{ bestPractices(first: 1, filter: {status: [PUBLISHED]}) { nodes { id slug title themes { code } } } }`, nil, &published)
	p := published.BestPractices.Nodes[0]
	var themes []string
	for _, th := range p.Themes {
		themes = append(themes, th.Code)
	}
	// The draft copies p's title and themes: were drafts counted, it would be p's most related practice.
	var draft struct {
		M struct {
			BestPractice *slugged
			UserErrors   []struct{ Code string }
		} `json:"m"`
	}
	ownerEditor.Query(`mutation($in: CreateBestPracticeInput!) { m: createBestPractice(input: $in) { bestPractice { id slug } userErrors { code } } }`,
		map[string]any{"in": map[string]any{"title": p.Title + " (draft copy)", "slug": "secret-draft-plan", "language": "en", "country": "NL",
			"year": 2025, "status": "DRAFT", "authors": []string{owner.ID}, "tools": []string{a.ID, c.ID}, "themes": themes}}, &draft)
	if draft.M.BestPractice == nil {
		t.Fatalf("creating the draft: %+v", draft.M.UserErrors)
	}
	h.WaitSearch()

	for name, caller := range map[string]*hubtest.Hub{"anonymous": h, "admin": admin, "the draft's editor": ownerEditor} {
		var after struct {
			DigitalTools struct {
				Nodes []struct {
					slugged
					Similar []slugged
				}
			}
		}
		caller.Query(similarQuery, nil, &after)
		for _, t2 := range after.DigitalTools.Nodes {
			if t2.ID == a.ID && !slices.Equal(slugsOf(t2.Similar), before) {
				t.Errorf("%s: the tools similar to %s changed with a draft that used it: %v, before %v", name, a.Slug, slugsOf(t2.Similar), before)
			}
		}
		var related struct {
			Node struct{ Related []slugged }
		}
		caller.Query(`query($id: ID!) { node(id: $id) { ... on BestPractice { related(first: 100) { id slug } } } }`, map[string]any{"id": p.ID}, &related)
		if slices.Contains(slugsOf(related.Node.Related), draft.M.BestPractice.Slug) {
			t.Errorf("%s: the practices related to %s include a draft", name, p.Slug)
		}
	}

	// A proposed tool, used by a published practice: only those who can see the tool count by it.
	var proposed struct {
		M struct {
			DigitalTool *slugged
			UserErrors  []struct{ Code string }
		} `json:"m"`
	}
	ownerEditor.Query(`mutation { m: createDigitalTool(input: {name: "Secret Proposed Tool", slug: "secret-proposed-tool", licence: "EUPL-1.2",
		developmentStatus: UNDER_DEVELOPMENT}) { digitalTool { id slug } userErrors { code } } }`, nil, &proposed)
	if proposed.M.DigitalTool == nil {
		t.Fatalf("proposing a tool: %+v", proposed.M.UserErrors)
	}
	var practice struct {
		M struct {
			BestPractice *slugged
			UserErrors   []struct{ Code, Message string }
		} `json:"m"`
	}
	admin.Query(`mutation($in: CreateBestPracticeInput!) { m: createBestPractice(input: $in) { bestPractice { id slug } userErrors { code message } } }`,
		map[string]any{"in": map[string]any{"title": "A published practice using a proposed tool", "language": "en", "country": "NL",
			"year": 2025, "status": "PUBLISHED", "authors": []string{owner.ID}, "tools": []string{proposed.M.DigitalTool.ID}}}, &practice)
	if practice.M.BestPractice == nil {
		t.Fatalf("creating the practice: %+v", practice.M.UserErrors)
	}
	for name, c := range map[string]struct {
		caller *hubtest.Hub
		want   int
	}{"anonymous": {h, 0}, "another member's editor": {otherEditor, 0}, "the proposing member's editor": {ownerEditor, 1}, "admin": {admin, 1}} {
		var n struct {
			BestPractices struct{ TotalCount int }
		}
		c.caller.Query(`{ bestPractices(filter: {tool: "secret-proposed-tool"}) { totalCount } }`, nil, &n)
		if n.BestPractices.TotalCount != c.want {
			t.Errorf("%s: %d practices by the proposed tool's slug, want %d", name, n.BestPractices.TotalCount, c.want)
		}
	}

	// A slug held by a draft or a proposed tool: the error says it is taken, and nothing else of them.
	for _, m := range []struct{ mutation, payload, secret string }{
		{`mutation { m: createBestPractice(input: {title: "Mine", slug: "secret-draft-plan", language: "en", country: "NL", year: 2025,
			authors: ["` + other.ID + `"]}) { userErrors { field code message } } }`, "draft", p.Title},
		{`mutation { m: createDigitalTool(input: {name: "Mine", slug: "secret-proposed-tool", licence: "EUPL-1.2",
			developmentStatus: UNDER_DEVELOPMENT}) { userErrors { field code message } } }`, "proposed tool", "Secret Proposed Tool"},
	} {
		var out struct {
			M struct {
				UserErrors []struct {
					Field         []string
					Code, Message string
				}
			} `json:"m"`
		}
		otherEditor.Query(m.mutation, nil, &out)
		errs := out.M.UserErrors
		if len(errs) != 1 || errs[0].Code != "DUPLICATE" || strings.Join(errs[0].Field, ".") != "input.slug" {
			t.Errorf("the slug of a %s: userErrors %+v, want one DUPLICATE on input.slug", m.payload, errs)
			continue
		}
		for _, leak := range []string{m.secret, owner.Slug, owner.ID, "draft", "DRAFT", "propos", "PROPOS"} {
			if strings.Contains(errs[0].Message, leak) {
				t.Errorf("the DUPLICATE error for the slug of a %s tells %q: %q", m.payload, leak, errs[0].Message)
			}
		}
	}
}
