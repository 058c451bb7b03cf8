package feeds_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	ical "github.com/arran4/golang-ical"
	"github.com/mmcdole/gofeed"

	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/feeds"
	"github.com/smartcommunities/hub/hubtest"
	"github.com/smartcommunities/hub/hubtest/wait"
)

// fetched is one response of a feed.
type fetched struct {
	status int
	header http.Header
	body   []byte
}

func fetch(t *testing.T, h *hubtest.Hub, method, path string, header map[string]string) fetched {
	t.Helper()
	req, _ := http.NewRequest(method, h.URL()+path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if h.Token != "" {
		req.Header.Set("Authorization", "Bearer "+h.Token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return fetched{resp.StatusCode, resp.Header, body}
}

// getFeed fetches a feed that must be there, with its content type.
func getFeed(t *testing.T, h *hubtest.Hub, path string) fetched {
	t.Helper()
	f := fetch(t, h, http.MethodGet, path, nil)
	want := "text/calendar; charset=utf-8"
	if strings.Contains(path, ".atom") {
		want = "application/atom+xml; charset=utf-8"
	}
	if f.status != http.StatusOK || f.header.Get("Content-Type") != want || f.header.Get("ETag") == "" {
		t.Fatalf("%s: status %d, content type %q, ETag %q: %s", path, f.status, f.header.Get("Content-Type"), f.header.Get("ETag"), f.body)
	}
	return f
}

// event is what a calendar's VEVENT says, as the parser reads it.
type event struct {
	uid, summary, description, url, start, end string
}

// parseCalendar reads an iCalendar with golang-ical, after checking the lines as RFC 5545 writes them:
// CRLF-terminated, at most 75 octets.
func parseCalendar(t *testing.T, body []byte) map[string]event {
	t.Helper()
	if !bytes.HasSuffix(body, []byte("\r\n")) {
		t.Error("the calendar does not end with CRLF")
	}
	for i, line := range strings.Split(strings.TrimSuffix(string(body), "\r\n"), "\r\n") {
		if len(line) > 75 || strings.ContainsAny(line, "\r\n") {
			t.Errorf("line %d is %d octets or holds a bare line break: %q", i+1, len(line), line)
		}
	}
	cal, err := ical.ParseCalendar(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("not an iCalendar: %v\n%s", err, body)
	}
	out := map[string]event{}
	for _, e := range cal.Events() {
		get := func(p ical.ComponentProperty) string {
			if prop := e.GetProperty(p); prop != nil {
				return prop.Value
			}
			return ""
		}
		start := e.GetProperty(ical.ComponentPropertyDtStart)
		if start == nil || len(start.ICalParameters["VALUE"]) != 1 || start.ICalParameters["VALUE"][0] != "DATE" ||
			e.GetProperty(ical.ComponentPropertyDtstamp) == nil {
			t.Errorf("event %s: no all-day DTSTART or no DTSTAMP", e.Id())
			continue
		}
		ev := event{uid: e.Id(), summary: ical.FromText(get(ical.ComponentPropertySummary)),
			description: ical.FromText(get(ical.ComponentPropertyDescription)), url: get(ical.ComponentPropertyUrl),
			start: start.Value, end: get(ical.ComponentPropertyDtEnd)}
		if _, dup := out[ev.uid]; dup {
			t.Errorf("UID %s twice", ev.uid)
		}
		out[ev.uid] = ev
	}
	return out
}

type call struct {
	Identifier, Title string
	URL               *string
	Deadlines         []string
	Programme         struct{ Code, Name string }
	Themes            []struct{ Code string }
	EligibleCountries []struct{ Code string }
}

// openCalls asks the GraphQL list what the calendar with this filter must hold.
func openCalls(t *testing.T, h *hubtest.Hub, filter map[string]any) []call {
	t.Helper()
	f := map[string]any{"status": []string{"OPEN", "FORTHCOMING"}}
	for k, v := range filter {
		f[k] = v
	}
	var d struct {
		FundingOpportunities struct {
			TotalCount int
			Nodes      []call
		}
	}
	h.Query(`query($f: FundingOpportunityFilter) { fundingOpportunities(first: 100, filter: $f) { totalCount
		nodes { identifier title url deadlines programme { code name } themes { code } eligibleCountries { code } } } }`,
		map[string]any{"f": f}, &d)
	if d.FundingOpportunities.TotalCount > 100 {
		t.Fatalf("%d calls: more than a page", d.FundingOpportunities.TotalCount)
	}
	return d.FundingOpportunities.Nodes
}

// The calendar holds one event per deadline from today on of exactly the calls the GraphQL list gives
// under the same filter, each with its title, stage, programme and link, under UIDs that stay the same.
func TestDeadlinesCalendarIsTheListsCalls(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	today := h.DB().Today().Format(time.DateOnly)

	all := openCalls(t, h, nil)
	if len(all) < 3 {
		t.Fatalf("the demo data has %d open or forthcoming calls: too few to test filters", len(all))
	}
	// Filters that keep fewer calls than all, so that a filter left unapplied shows.
	theme, programme, country := all[0].Themes[0].Code, all[0].Programme.Code, ""
	for _, c := range all {
		if len(c.EligibleCountries) < 27 {
			country = c.EligibleCountries[0].Code
			break
		}
	}
	cases := []struct {
		query  url.Values
		filter map[string]any
	}{
		{url.Values{}, nil},
		{url.Values{"theme": {theme}}, map[string]any{"theme": []string{theme}}},
		{url.Values{"programme": {programme}}, map[string]any{"programme": []string{programme}}},
		{url.Values{"theme": {theme + ",energy"}, "programme": {programme}}, map[string]any{"theme": []string{theme, "energy"}, "programme": []string{programme}}},
		{url.Values{"country": {"EL"}}, map[string]any{"eligibleCountry": "EL"}},
	}
	if country != "" {
		cases = append(cases, struct {
			query  url.Values
			filter map[string]any
		}{url.Values{"country": {country}, "theme": {theme}}, map[string]any{"eligibleCountry": country, "theme": []string{theme}}})
	}
	narrower := false
	for _, c := range cases {
		path := "/feeds/deadlines.ics?" + c.query.Encode()
		t.Run(path, func(t *testing.T) {
			first := getFeed(t, h, path)
			events := parseCalendar(t, first.body)
			calls := openCalls(t, h, c.filter)
			if len(calls) < len(all) {
				narrower = true
			}
			want := map[string]bool{}
			for _, cl := range calls {
				for i, d := range cl.Deadlines {
					if d < today {
						continue
					}
					uid := cl.Identifier + "-" + d + "@" + feeds.Domain
					want[uid] = true
					ev, ok := events[uid]
					if !ok {
						t.Errorf("no event %s for the deadline %s of %s", uid, d, cl.Identifier)
						continue
					}
					date := strings.ReplaceAll(d, "-", "")
					if ev.start != date || ev.end <= date || !strings.HasSuffix(ev.summary, ": "+cl.Title) ||
						!strings.Contains(ev.description, "Programme: "+cl.Programme.Name) || !strings.Contains(ev.description, cl.Identifier) {
						t.Errorf("event %s: %+v, not the call %+v", uid, ev, cl)
					}
					if len(cl.Deadlines) == 2 && !strings.HasPrefix(ev.summary, []string{"First-stage", "Second-stage"}[i]) &&
						!strings.HasPrefix(ev.summary, "Cut-off") {
						t.Errorf("event %s of a call with two deadlines does not say its stage: %q", uid, ev.summary)
					}
					if cl.URL != nil && ev.url != *cl.URL {
						t.Errorf("event %s links %q, not the call's page %q", uid, ev.url, *cl.URL)
					}
				}
			}
			for uid := range events {
				if !want[uid] {
					t.Errorf("event %s is of no open or forthcoming call the list gives, or of a passed deadline", uid)
				}
			}
			if len(events) == 0 && len(calls) > 0 {
				t.Error("an empty calendar")
			}
			again := getFeed(t, h, path)
			if !bytes.Equal(first.body, again.body) || first.header.Get("ETag") != again.header.Get("ETag") {
				t.Error("the same calendar twice differs, in its bytes or its ETag")
			}
		})
	}
	if !narrower {
		t.Error("no filter kept fewer calls than all: the filters were not tested")
	}
}

// atomEntryLang is what encoding/xml reads of an entry that gofeed does not keep: its language.
type atomLangs struct {
	Entries []struct {
		Lang string `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
		ID   string `xml:"id"`
	} `xml:"entry"`
}

type practice struct {
	ID, Slug, Title, Summary, Language string
	SourceURL                          *string
	Authors                            []struct{ Name string }
}

func publishedPractices(t *testing.T, h *hubtest.Hub, first int, filter map[string]any) []practice {
	t.Helper()
	f := map[string]any{"status": []string{"PUBLISHED"}}
	for k, v := range filter {
		f[k] = v
	}
	var d struct{ BestPractices struct{ Nodes []practice } }
	h.Query(`query($n: Int, $f: BestPracticeFilter) { bestPractices(first: $n, filter: $f, orderBy: {field: UPDATED_AT, direction: DESC}) {
		nodes { id slug title summary language sourceUrl authors { name } } } }`, map[string]any{"n": first, "f": f}, &d)
	return d.BestPractices.Nodes
}

// checkAtom parses an Atom feed with gofeed and checks its entries are the practices, in order, each with
// its title and summary in its own language, its authors and a link.
func checkAtom(t *testing.T, body []byte, want []practice) *gofeed.Feed {
	t.Helper()
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil || feed.FeedType != "atom" {
		t.Fatalf("not an Atom feed (%v, %q):\n%s", err, feed.FeedType, body)
	}
	var langs atomLangs
	if err := xml.Unmarshal(body, &langs); err != nil || len(langs.Entries) != len(feed.Items) {
		t.Fatalf("reading the entries' languages: %v", err)
	}
	if len(feed.Items) != len(want) {
		t.Errorf("%d entries, the list has %d", len(feed.Items), len(want))
	}
	for i, it := range feed.Items {
		if i >= len(want) {
			break
		}
		p := want[i]
		if it.GUID != "tag:"+feeds.Domain+",2026:"+p.ID {
			t.Errorf("entry %d is %s, the list's is %s (%s)", i, it.GUID, p.ID, p.Title)
			continue
		}
		if it.Title != p.Title || it.Description != p.Summary || langs.Entries[i].Lang != p.Language {
			t.Errorf("entry %d: title %q, summary %q, language %q; the practice: %q, %q, %q", i, it.Title, it.Description,
				langs.Entries[i].Lang, p.Title, p.Summary, p.Language)
		}
		var names, wantNames []string
		for _, a := range it.Authors {
			names = append(names, a.Name)
		}
		for _, a := range p.Authors {
			wantNames = append(wantNames, a.Name)
		}
		if !slices.Equal(names, wantNames) || len(names) == 0 {
			t.Errorf("entry %d has the authors %q, the practice %q", i, names, wantNames)
		}
		if it.UpdatedParsed == nil || it.PublishedParsed == nil || it.Link == "" {
			t.Errorf("entry %d has no updated or published date, or no link: %+v", i, it)
		}
		if p.SourceURL != nil && it.Link != *p.SourceURL {
			t.Errorf("entry %d links %q, not the practice's page %q", i, it.Link, *p.SourceURL)
		}
	}
	return feed
}

// The Atom feed holds the latest published practices the GraphQL list gives under the same filter, in
// the list's order, each in its own language.
func TestBestPracticesFeedIsTheListsPractices(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	all := publishedPractices(t, h, 100, nil)
	if len(all) < 10 {
		t.Fatalf("%d published practices in the demo data", len(all))
	}
	languages := map[string]bool{}
	for _, p := range all {
		languages[p.Language] = true
	}
	if len(languages) < 2 {
		t.Fatal("the demo practices are all in one language: entries' languages are not tested")
	}
	cases := []struct {
		query  string
		first  int
		filter map[string]any
	}{
		{"", 50, nil},
		{"?limit=100", 100, nil},
		{"?theme=mobility", 50, map[string]any{"theme": []string{"mobility"}}},
		{"?theme=mobility,energy&country=DE&country=NL", 50, map[string]any{"theme": []string{"mobility", "energy"}, "country": []string{"DE", "NL"}}},
		{"?language=de&limit=3", 3, map[string]any{"language": []string{"de"}}},
		{"?country=IE&language=en", 50, map[string]any{"country": []string{"IE"}, "language": []string{"en"}}},
	}
	for _, c := range cases {
		path := "/feeds/best-practices.atom" + c.query
		t.Run(path, func(t *testing.T) {
			want := publishedPractices(t, h, c.first, c.filter)
			if len(want) == 0 {
				t.Fatal("the list is empty: the filter tests nothing")
			}
			if c.filter != nil && len(want) >= len(all) {
				t.Fatal("the filter keeps every practice: it tests nothing")
			}
			checkAtom(t, getFeed(t, h, path).body, want)
		})
	}
}

// conditional checks that a feed answers 304 to a client that has its current version, by ETag and by
// date, that HEAD gives its headers without a body, and returns its ETag.
func conditional(t *testing.T, h *hubtest.Hub, path string) string {
	t.Helper()
	var f fetched
	// Last-Modified is left out while the feed changed in the current second (see feeds.serve).
	wait.For(t, "a Last-Modified on "+path, 5*time.Second, func() bool {
		f = getFeed(t, h, path)
		return f.header.Get("Last-Modified") != ""
	})
	etag, lastModified := f.header.Get("ETag"), f.header.Get("Last-Modified")
	for _, hd := range []map[string]string{{"If-None-Match": etag}, {"If-None-Match": `"other", ` + etag},
		{"If-Modified-Since": lastModified}} {
		if r := fetch(t, h, http.MethodGet, path, hd); r.status != http.StatusNotModified || len(r.body) != 0 || r.header.Get("ETag") != etag {
			t.Errorf("%s with %v: status %d, ETag %q, %d bytes; want 304 and no body", path, hd, r.status, r.header.Get("ETag"), len(r.body))
		}
	}
	// An old copy, by ETag: the whole feed, even with a date that would allow 304 (the ETag decides).
	if r := fetch(t, h, http.MethodGet, path, map[string]string{"If-None-Match": `"old"`, "If-Modified-Since": lastModified}); r.status != http.StatusOK || !bytes.Equal(r.body, f.body) {
		t.Errorf("%s with an old ETag: status %d", path, r.status)
	}
	if r := fetch(t, h, http.MethodHead, path, nil); r.status != http.StatusOK || len(r.body) != 0 || r.header.Get("ETag") != etag ||
		r.header.Get("Content-Length") != fmt.Sprint(len(f.body)) {
		t.Errorf("HEAD %s: status %d, ETag %q, length %q, %d bytes", path, r.status, r.header.Get("ETag"), r.header.Get("Content-Length"), len(r.body))
	}
	return etag
}

// A draft never shows in the feed, not even to an admin's token; publishing it puts it first, with a
// new ETag, so a reader holding the old one gets the new feed; a call created with commas, semicolons
// and a long Greek title reads back exactly, folded within 75 octets.
func TestFeedsFollowWrites(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, true)
	admin := h.Admin()
	editor := h.As(h.NewToken(db.RoleEditor, "vng"))
	const atom = "/feeds/best-practices.atom?country=NL"
	before := conditional(t, h, atom)

	var created struct {
		CreateBestPractice struct {
			BestPractice struct{ ID string }
			UserErrors   []any
		}
	}
	editor.Query(`mutation { createBestPractice(input: {title: "Draft: a municipal data portal", summary: "Not yet.",
		language: "nl", country: "NL", year: 2025, themes: ["urban-data-platforms"], status: DRAFT}) { bestPractice { id } userErrors { message } } }`, nil, &created)
	draft := created.CreateBestPractice.BestPractice.ID
	if draft == "" {
		t.Fatalf("creating the draft: %+v", created)
	}
	for _, client := range []*hubtest.Hub{h, admin, editor} {
		f := getFeed(t, client, atom)
		if bytes.Contains(f.body, []byte(draft)) || bytes.Contains(f.body, []byte("municipal data portal")) {
			t.Errorf("the feed shows a draft (token %q)", client.Token)
		}
		checkAtom(t, f.body, publishedPractices(t, h, 50, map[string]any{"country": []string{"NL"}}))
	}
	if r := fetch(t, h, http.MethodGet, atom, map[string]string{"If-None-Match": before}); r.status != http.StatusNotModified {
		t.Errorf("a draft changed the feed: status %d", r.status)
	}

	editor.Query(`mutation($id: ID!) { updateBestPractice(input: {id: $id, status: PUBLISHED}) { userErrors { message } } }`,
		map[string]any{"id": draft}, &struct{}{})
	f := getFeed(t, h, atom)
	feed := checkAtom(t, f.body, publishedPractices(t, h, 50, map[string]any{"country": []string{"NL"}}))
	if len(feed.Items) == 0 || feed.Items[0].GUID != "tag:"+feeds.Domain+",2026:"+draft {
		t.Fatal("the practice just published is not the feed's first entry")
	}
	if p := feed.Items[0].PublishedParsed; p == nil || time.Since(*p) > time.Minute {
		t.Errorf("the practice just published has the published date %v", p)
	}
	if r := fetch(t, h, http.MethodGet, atom, map[string]string{"If-None-Match": before}); r.status != http.StatusOK {
		t.Errorf("the feed changed, but a reader with its old ETag got status %d", r.status)
	}
	conditional(t, h, atom)
	firstPublished := *feed.Items[0].PublishedParsed

	// Archived, it leaves the feed; published again, it is back first, published when it first was.
	setStatus := func(status string) {
		editor.Query(`mutation($id: ID!, $s: BestPracticeStatus!) { updateBestPractice(input: {id: $id, status: $s}) { userErrors { message } } }`,
			map[string]any{"id": draft, "s": status}, &struct{}{})
	}
	setStatus("ARCHIVED")
	if f := getFeed(t, h, atom); bytes.Contains(f.body, []byte(draft)) {
		t.Error("an archived practice is in the feed")
	}
	setStatus("PUBLISHED")
	feed = checkAtom(t, getFeed(t, h, atom).body, publishedPractices(t, h, 50, map[string]any{"country": []string{"NL"}}))
	if it := feed.Items[0]; it.GUID != "tag:"+feeds.Domain+",2026:"+draft || !it.PublishedParsed.Equal(firstPublished) || !it.UpdatedParsed.After(firstPublished) {
		t.Errorf("published again: entry %s, published %v, updated %v; first published %v", it.GUID, it.PublishedParsed, it.UpdatedParsed, firstPublished)
	}

	title := "Ψηφιακοί δίδυμοι για μικρούς δήμους, λιμάνια; νησιά \\ και ορεινές κοινότητες: πιλοτικά έργα σε όλη την Ευρώπη"
	today := h.DB().Today()
	deadline := today.AddDate(0, 0, 40).Format(time.DateOnly)
	var call struct {
		CreateFundingOpportunity struct{ UserErrors []struct{ Message string } }
	}
	admin.Query(`mutation($in: CreateFundingOpportunityInput!) { createFundingOpportunity(input: $in) { userErrors { message } } }`,
		map[string]any{"in": map[string]any{"identifier": "HORIZON-FEEDS-2026-01", "title": title, "programme": "HORIZON",
			"openingDate": today.AddDate(0, 0, -10).Format(time.DateOnly), "deadlineModel": "TWO_STAGE",
			"deadlines": []string{today.AddDate(0, 0, -1).Format(time.DateOnly), deadline}, "url": "https://example.org/calls/feeds"}}, &call)
	if len(call.CreateFundingOpportunity.UserErrors) > 0 {
		t.Fatalf("creating the call: %+v", call)
	}
	events := parseCalendar(t, getFeed(t, h, "/feeds/deadlines.ics?programme=HORIZON").body)
	ev, ok := events["HORIZON-FEEDS-2026-01-"+deadline+"@"+feeds.Domain]
	if !ok || ev.summary != "Second-stage deadline: "+title || !strings.HasPrefix(ev.description, title+"\n") || ev.url != "https://example.org/calls/feeds" {
		t.Errorf("the new call's event: %+v", ev)
	}
	if _, ok := events["HORIZON-FEEDS-2026-01-"+today.AddDate(0, 0, -1).Format(time.DateOnly)+"@"+feeds.Domain]; ok {
		t.Error("the calendar shows a deadline that passed yesterday")
	}
	conditional(t, h, "/feeds/deadlines.ics?programme=HORIZON")
}

// A parameter the feed does not know, or a code the hub does not, is a 400 that names it.
func TestFeedParametersAreChecked(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	for path, words := range map[string][]string{
		"/feeds/deadlines.ics?country=GR":                {`"GR"`, "EL"},
		"/feeds/deadlines.ics?country=el":                {`"el"`, "EL"},
		"/feeds/deadlines.ics?country=EL,DE":             {"one country"},
		"/feeds/deadlines.ics?theme=parking":             {`"parking"`, "mobility"},
		"/feeds/deadlines.ics?programme=H2020X":          {`"H2020X"`, "DIGITAL"},
		"/feeds/deadlines.ics?contry=EL":                 {`"contry"`, "country"},
		"/feeds/deadlines.ics?language=de":               {`"language"`},
		"/feeds/best-practices.atom?language=deu":        {`"deu"`, "ISO 639-1"},
		"/feeds/best-practices.atom?limit=0":             {"limit", "1 to 100"},
		"/feeds/best-practices.atom?limit=101":           {"limit"},
		"/feeds/best-practices.atom?limit=ten":           {`"ten"`},
		"/feeds/best-practices.atom?programme=DIGITAL":   {`"programme"`},
		"/feeds/best-practices.atom?theme=mobility&x=%z": {"does not parse"},
	} {
		r := fetch(t, h, http.MethodGet, path, nil)
		var e struct {
			Errors []struct {
				Message    string
				Extensions struct{ Code, RequestID string }
			}
		}
		json.Unmarshal(r.body, &e)
		if r.status != http.StatusBadRequest || len(e.Errors) != 1 || e.Errors[0].Extensions.Code != "BAD_USER_INPUT" || e.Errors[0].Extensions.RequestID == "" {
			t.Errorf("%s: status %d, %s; want 400 BAD_USER_INPUT", path, r.status, r.body)
			continue
		}
		for _, w := range words {
			if !strings.Contains(e.Errors[0].Message, w) {
				t.Errorf("%s: the message %q does not say %s", path, e.Errors[0].Message, w)
			}
		}
	}
	if r := fetch(t, h, http.MethodGet, "/feeds/members.rss", nil); r.status != http.StatusNotFound || !bytes.Contains(r.body, []byte("deadlines.ics")) {
		t.Errorf("an unknown feed: status %d, %s", r.status, r.body)
	}
	if r := fetch(t, h, http.MethodPost, "/feeds/deadlines.ics", nil); r.status != http.StatusMethodNotAllowed {
		t.Errorf("POST to a feed: status %d", r.status)
	}
}

// The dashboard announces both feeds in its head, for browsers and feed readers that look there, and
// links them where the deadlines and practices are shown; every link answers with its feed.
func TestDashboardLinksTheFeeds(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	status, page := hubtest.Get(t, h.URL()+"/dashboard/")
	if status != http.StatusOK {
		t.Fatalf("the dashboard: status %d", status)
	}
	for _, typ := range []string{"application/atom+xml", "text/calendar"} {
		if !regexp.MustCompile(`<link rel="alternate" type="` + regexp.QuoteMeta(typ) + `" title="[^"]+" href="/feeds/[^"]+">`).MatchString(page) {
			t.Errorf("the dashboard's head has no <link rel=\"alternate\"> of type %s", typ)
		}
	}
	links := regexp.MustCompile(`href="(/feeds/[^"]+)"`).FindAllStringSubmatch(page, -1)
	seen := map[string]bool{}
	for _, l := range links {
		path := html.UnescapeString(l[1])
		seen[strings.SplitN(path, "?", 2)[0]] = true
		getFeed(t, h, path)
	}
	if !seen["/feeds/deadlines.ics"] || !seen["/feeds/best-practices.atom"] || len(links) < 6 {
		t.Errorf("the dashboard links %d feed URLs: %v", len(links), links)
	}
}
