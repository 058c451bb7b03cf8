package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	ical "github.com/arran4/golang-ical"
	"github.com/mmcdole/gofeed"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/smartcommunities/hub/config"
	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/hubtest"
)

// readmeExample is a GraphQL request the README shows: a ```graphql block, or a curl command of a
// ```sh block.
type readmeExample struct {
	line  int    // where it starts in README.md
	query string // the GraphQL document
	curl  string // the command, for curl examples
}

// readmeExamples extracts every GraphQL block and every curl command from README.md.
func readmeExamples(t *testing.T) []readmeExample {
	src, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []readmeExample
	lines := strings.Split(string(src), "\n")
	for i := 0; i < len(lines); i++ {
		lang, ok := strings.CutPrefix(lines[i], "```")
		if !ok || lang == "" {
			continue
		}
		start := i + 1
		var block []string
		for i++; i < len(lines) && lines[i] != "```"; i++ {
			block = append(block, lines[i])
		}
		switch lang {
		case "graphql":
			out = append(out, readmeExample{line: start + 1, query: strings.Join(block, "\n")})
		case "sh":
			for k, l := range block {
				if strings.HasPrefix(l, "curl ") {
					out = append(out, readmeExample{line: start + k + 1, curl: l})
				}
			}
		}
	}
	return out
}

// shellWords splits a command line as sh would for the quoting the README uses: single quotes and
// plain words.
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	inWord, quoted := false, false
	for _, r := range s {
		switch {
		case r == '\'':
			quoted, inWord = !quoted, true
		case r == ' ' && !quoted:
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
			}
			inWord = false
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// curlRequest turns a README curl command into the request it sends, to hub instead of localhost:8080.
func curlRequest(t *testing.T, cmd, hub string) *http.Request {
	t.Helper()
	words := shellWords(cmd)
	var url, body string
	header := http.Header{}
	for i := 1; i < len(words); i++ {
		switch w := words[i]; w {
		case "-s":
		case "-H":
			i++
			k, v, _ := strings.Cut(words[i], ":")
			header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
		case "-d":
			i++
			body = words[i]
		default:
			if strings.HasPrefix(w, "-") {
				t.Fatalf("the README's curl uses %s, which this test does not know: %s", w, cmd)
			}
			url = w
		}
	}
	url = strings.Replace(strings.TrimPrefix(url, "http://"), "localhost:8080", strings.TrimPrefix(hub, "http://"), 1)
	method := http.MethodGet
	if body != "" {
		method = http.MethodPost
	}
	req, err := http.NewRequest(method, "http://"+url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	return req
}

// rootField names an example by the first field it asks for, which is what the checks below are keyed by.
func rootField(t *testing.T, query string) (string, ast.Operation) {
	t.Helper()
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil || len(doc.Operations) != 1 || len(doc.Operations[0].SelectionSet) == 0 {
		t.Fatalf("not one GraphQL operation (%v):\n%s", err, query)
	}
	op := doc.Operations[0]
	f, ok := op.SelectionSet[0].(*ast.Field)
	if !ok {
		t.Fatalf("the example starts with a fragment:\n%s", query)
	}
	return f.Name, op.Operation
}

// TestREADMEExamples runs every GraphQL and curl example of README.md, as written, against a hub with
// the demo data, and checks that it answers without errors and what the text around it promises: the
// README cannot drift from the API. Mutations run on a hub of their own, as the role the text names.
// An example without a check here, or a check whose example is gone, fails the test.
func TestREADMEExamples(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	h.WaitSearch()
	var writable *hubtest.Hub // started for the first mutation

	checks := map[string]func(t *testing.T, data json.RawMessage){
		// members(first: 50) with their practices and tools, from the command line.
		"members": func(t *testing.T, data json.RawMessage) {
			var d hubtest.MembersNestedData
			decode(t, data, &d)
			m := d.Members
			if m.TotalCount == 0 || len(m.Edges) != min(m.TotalCount, 50) {
				t.Errorf("%d members of %d", len(m.Edges), m.TotalCount)
			}
			tools := 0
			for _, e := range m.Edges {
				n := e.Node
				if n.ID == "" || n.Name == "" || n.Country.Code == "" || len(n.BestPractices.Nodes) != min(n.BestPractices.TotalCount, 5) {
					t.Errorf("member %+v", n)
				}
				for _, p := range n.BestPractices.Nodes {
					tools += len(p.Tools)
				}
			}
			if tools == 0 {
				t.Error("no practice shows a tool")
			}
		},
		// Open and forthcoming calls for Greece, soonest deadline first.
		"fundingOpportunities": func(t *testing.T, data json.RawMessage) {
			var d struct {
				FundingOpportunities struct {
					TotalCount int
					Nodes      []struct {
						Identifier, Title, Status string
						NextDeadline              *string
						Programme                 struct{ Name string }
					}
				}
			}
			decode(t, data, &d)
			f := d.FundingOpportunities
			if f.TotalCount < 2 || len(f.Nodes) != min(f.TotalCount, db.DefaultPageSize) {
				t.Fatalf("%d calls of %d", len(f.Nodes), f.TotalCount)
			}
			var eligible struct {
				FundingOpportunities struct{ Nodes []struct{ Identifier string } }
			}
			h.Query(`{ fundingOpportunities(first: 100, filter: {eligibleCountry: "EL"}) { nodes { identifier } } }`, nil, &eligible)
			var ids []string
			for _, n := range eligible.FundingOpportunities.Nodes {
				ids = append(ids, n.Identifier)
			}
			prev := ""
			for _, n := range f.Nodes {
				if n.Status != "OPEN" && n.Status != "FORTHCOMING" || n.NextDeadline == nil || n.Programme.Name == "" || !slices.Contains(ids, n.Identifier) {
					t.Errorf("call %s: status %s, next deadline %v, programme %q, eligible for EL %v", n.Identifier, n.Status, n.NextDeadline,
						n.Programme.Name, slices.Contains(ids, n.Identifier))
					continue
				}
				if *n.NextDeadline < prev {
					t.Errorf("not soonest deadline first: %s (%s) after %s", n.Identifier, *n.NextDeadline, prev)
				}
				prev = *n.NextDeadline
			}
		},
		// German-language practices on mobility, newest first.
		"bestPractices": func(t *testing.T, data json.RawMessage) {
			var d struct {
				BestPractices struct {
					Edges []struct {
						Cursor string
						Node   struct {
							Title   string
							Year    int
							Authors []struct{ Name string }
						}
					}
				}
			}
			decode(t, data, &d)
			e := d.BestPractices.Edges
			if len(e) == 0 {
				t.Fatal("no German practice on mobility")
			}
			for i, x := range e {
				if x.Cursor == "" || len(x.Node.Authors) == 0 || i > 0 && x.Node.Year > e[i-1].Node.Year {
					t.Errorf("practice %d: %+v, not newest first or without authors", i, x)
				}
			}
		},
		// Open-source tools implementing MIM1 (2022), and where they are used.
		"digitalTools": func(t *testing.T, data json.RawMessage) {
			var d struct {
				DigitalTools struct {
					Nodes []struct {
						Name, Licence string
						UsedIn        struct {
							TotalCount int
							Nodes      []struct{ Title string }
						}
					}
				}
			}
			decode(t, data, &d)
			used := 0
			for _, n := range d.DigitalTools.Nodes {
				if n.Licence == "" || n.Licence == "NOASSERTION" || len(n.UsedIn.Nodes) != min(n.UsedIn.TotalCount, 3) {
					t.Errorf("tool %+v", n)
				}
				used += n.UsedIn.TotalCount
			}
			if len(d.DigitalTools.Nodes) == 0 || used == 0 {
				t.Errorf("%d tools, used %d times", len(d.DigitalTools.Nodes), used)
			}
		},
		// A theme, both ways.
		"themes": func(t *testing.T, data json.RawMessage) {
			var d struct {
				Themes []struct {
					Code, Name, DataTheme string
					BestPractices         struct{ TotalCount int }
				}
			}
			decode(t, data, &d)
			practices := 0
			for _, th := range d.Themes {
				if th.Code == "" || th.Name == "" || th.DataTheme == "" {
					t.Errorf("theme %+v", th)
				}
				practices += th.BestPractices.TotalCount
			}
			if len(d.Themes) != 13 || practices == 0 { // the README's table of themes has 13
				t.Errorf("%d themes, %d practices under them", len(d.Themes), practices)
			}
		},
		// Search with typos and a prefix, facets and highlights.
		"search": func(t *testing.T, data json.RawMessage) {
			var d struct {
				Search struct {
					TotalCount int
					Edges      []struct {
						Score      float64
						Highlights []struct{ Fragments []string }
					}
					Facets []struct {
						Field   string
						Buckets []struct{ Count int }
					}
				}
			}
			decode(t, data, &d)
			s := d.Search
			if s.TotalCount == 0 || len(s.Edges) == 0 || len(s.Facets) == 0 {
				t.Fatalf("searching a misspelt word: %+v", s)
			}
			if len(s.Edges[0].Highlights) == 0 || !strings.Contains(strings.Join(s.Edges[0].Highlights[0].Fragments, ""), "<mark>") {
				t.Errorf("the first hit has no highlight: %+v", s.Edges[0])
			}
		},
		// Calls whose next deadline is within 90 days, as a subscription tells them first.
		"deadlineApproaching": func(t *testing.T, data json.RawMessage) {
			var d struct {
				DeadlineApproaching struct{ Identifier, Title, NextDeadline string }
			}
			decode(t, data, &d)
			next, err := time.Parse(time.DateOnly, d.DeadlineApproaching.NextDeadline)
			today := h.DB().Today()
			if err != nil || d.DeadlineApproaching.Title == "" || next.Before(today) || next.After(today.AddDate(0, 0, 90)) {
				t.Errorf("a call told as approaching: %s", data)
			}
		},
		// A webhook endpoint is registered, and its secret shown once.
		"createWebhookEndpoint": func(t *testing.T, data json.RawMessage) {
			var d struct {
				CreateWebhookEndpoint struct {
					Endpoint *struct {
						ID      string
						Events  []string
						Enabled bool
					}
					Secret     string
					UserErrors []any
				}
			}
			decode(t, data, &d)
			c := d.CreateWebhookEndpoint
			if len(c.UserErrors) > 0 || c.Endpoint == nil || !c.Endpoint.Enabled || len(c.Endpoint.Events) != 2 || !strings.HasPrefix(c.Secret, "whsec_") {
				t.Errorf("the endpoint was not registered with a secret: %s", data)
			}
		},
		// An editor adds a practice; their member is its author.
		"createBestPractice": func(t *testing.T, data json.RawMessage) {
			var d struct {
				CreateBestPractice struct {
					BestPractice *struct {
						ID, Slug string
						Authors  []struct{ Name string }
					}
					UserErrors []any
				}
			}
			decode(t, data, &d)
			c := d.CreateBestPractice
			if len(c.UserErrors) > 0 || c.BestPractice == nil || c.BestPractice.Slug == "" ||
				len(c.BestPractice.Authors) != 1 || c.BestPractice.Authors[0].Name != "Association of Netherlands Municipalities" {
				t.Errorf("the practice was not created with VNG as its author: %s", data)
			}
		},
	}

	// The curl examples of feeds, by path: what their text promises of the feed with the example's query.
	feedChecks := map[string]func(t *testing.T, query url.Values, body []byte){
		// The calendar of the calls Greece is eligible for.
		"/feeds/deadlines.ics": func(t *testing.T, query url.Values, body []byte) {
			cal, err := ical.ParseCalendar(bytes.NewReader(body))
			if err != nil {
				t.Fatalf("not an iCalendar: %v", err)
			}
			var d struct {
				FundingOpportunities struct{ Nodes []struct{ Identifier string } }
			}
			h.Query(`query($c: String) { fundingOpportunities(first: 100, filter: {status: [OPEN, FORTHCOMING], eligibleCountry: $c}) {
				nodes { identifier } } }`, map[string]any{"c": query.Get("country")}, &d)
			calls := map[string]bool{}
			for _, n := range d.FundingOpportunities.Nodes {
				calls[n.Identifier] = true
			}
			events := cal.Events()
			if len(events) == 0 {
				t.Fatal("no deadline in the calendar")
			}
			for _, e := range events {
				topic, _, _ := strings.Cut(e.Id(), "@")
				if len(topic) < 11 || !calls[topic[:len(topic)-11]] { // the UID is <topic>-<YYYY-MM-DD>@<domain>
					t.Errorf("event %s is of no open or forthcoming call %s is eligible for", e.Id(), query.Get("country"))
				}
			}
		},
		// The latest published practices on mobility, in German.
		"/feeds/best-practices.atom": func(t *testing.T, query url.Values, body []byte) {
			feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
			if err != nil || feed.FeedType != "atom" {
				t.Fatalf("not an Atom feed: %v", err)
			}
			var d struct {
				BestPractices struct{ Nodes []struct{ ID, Title string } }
			}
			h.Query(`query($t: [String!], $l: [String!]) { bestPractices(first: 50, filter: {status: [PUBLISHED], theme: $t, language: $l},
				orderBy: {field: UPDATED_AT, direction: DESC}) { nodes { id title } } }`,
				map[string]any{"t": query["theme"], "l": query["language"]}, &d)
			want := d.BestPractices.Nodes
			if len(feed.Items) == 0 || len(feed.Items) != len(want) {
				t.Fatalf("%d entries, the list has %d", len(feed.Items), len(want))
			}
			for i, it := range feed.Items {
				if !strings.HasSuffix(it.GUID, ":"+want[i].ID) || it.Title != want[i].Title {
					t.Errorf("entry %d is %s %q, the list's %s %q", i, it.GUID, it.Title, want[i].ID, want[i].Title)
				}
			}
		},
	}

	seen := map[string]bool{}
	parent := t // the writable hub outlives the subtest that starts it
	for _, ex := range readmeExamples(t) {
		t.Run(fmt.Sprintf("line %d", ex.line), func(t *testing.T) {
			var status int
			var body []byte
			var name string
			if ex.curl != "" {
				req := curlRequest(t, ex.curl, h.URL())
				if check, feed := feedChecks[req.URL.Path]; feed {
					seen[req.URL.Path] = true
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						t.Fatalf("%s: status %d: %s", req.URL, resp.StatusCode, body)
					}
					check(t, req.URL.Query(), body)
					return
				}
				var payload struct{ Query string }
				if err := json.NewDecoder(bytes.NewReader(must(io.ReadAll(req.Body)))).Decode(&payload); err != nil {
					t.Fatalf("the curl example's body is not JSON: %v", err)
				}
				req = curlRequest(t, ex.curl, h.URL())
				name, _ = rootField(t, payload.Query)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ = io.ReadAll(resp.Body)
				resp.Body.Close()
				status = resp.StatusCode
			} else {
				var op ast.Operation
				name, op = rootField(t, ex.query)
				client := h.For(t)
				if op == ast.Mutation {
					if writable == nil {
						// Private addresses allowed: the check of a webhook URL then needs no DNS, which a
						// test machine may lack; the example's host is public.
						writable = hubtest.StartWith(parent, true, func(c *config.Config) { c.Webhooks.AllowPrivate = true })
					}
					client = writable.For(t).As(writable.NewToken(db.RoleEditor, "vng"))
				}
				var r hubtest.Response
				if op == ast.Subscription {
					// Over a WebSocket, as a graphql-ws client subscribes; the first event is the check's.
					var ok bool
					if r, ok = client.Subscribe(ex.query, nil).Next(30 * time.Second); !ok {
						t.Fatalf("the subscription told nothing within 30 s:\n%s", ex.query)
					}
					r.Status = http.StatusOK
				} else {
					r = client.Post(ex.query, nil)
				}
				status, body = r.Status, must(json.Marshal(r))
			}
			seen[name] = true
			var r hubtest.Response
			if err := json.Unmarshal(body, &r); err != nil {
				t.Fatalf("%s: status %d, not a GraphQL response: %s", name, status, body)
			}
			if status != http.StatusOK || len(r.Errors) > 0 {
				t.Fatalf("%s: status %d, errors %+v", name, status, r.Errors)
			}
			check, ok := checks[name]
			if !ok {
				t.Fatalf("the README's example of %s has no check in TestREADMEExamples: add one saying what its text promises", name)
			}
			check(t, r.Data)
		})
	}
	for name := range feedChecks {
		if !seen[name] {
			t.Errorf("TestREADMEExamples checks an example of %s that the README no longer has", name)
		}
	}
	for name := range checks {
		if !seen[name] {
			t.Errorf("TestREADMEExamples checks an example of %s that the README no longer has", name)
		}
	}
}

func decode(t *testing.T, data json.RawMessage, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%v: %s", err, data)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
