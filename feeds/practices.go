package feeds

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/smartcommunities/hub/db"
)

// defaultEntries and db.MaxPageSize bound the Atom feed: feed readers keep what they have seen, so the
// latest changes are all a poll needs.
const defaultEntries = 50

// bestPractices serves /feeds/best-practices.atom?theme=mobility&country=DE&language=de&limit=20: the
// published practices the filter keeps, the latest changed first (the list bestPractices with filter
// {status: [PUBLISHED], theme, country, language} and orderBy {field: UPDATED_AT, direction: DESC}).
func bestPractices(w http.ResponseWriter, r *http.Request, d *db.DB) {
	p, err := parseParams(r, "theme", "country", "language", "limit")
	if err != nil {
		badRequest(w, err)
		return
	}
	ref := d.Reference()
	filter := &db.BestPracticeFilter{Status: []db.BestPracticeStatus{db.BestPracticeStatusPublished}}
	limit := defaultEntries
	filter.Theme, err = themeCodes(p, ref)
	if err == nil {
		filter.Country, err = countryCodes(p, ref)
	}
	if err == nil {
		filter.Language, err = p.codes("language", db.IsLanguage, func(string) string {
			return "use ISO 639-1 codes, e.g. de, el, fr"
		})
	}
	if err == nil && len(p["limit"]) > 0 {
		n, convErr := strconv.Atoi(p["limit"][0])
		if convErr != nil || len(p["limit"]) > 1 || n < 1 || n > db.MaxPageSize {
			err = fmt.Errorf("limit: %q is not a number of entries from 1 to %d", strings.Join(p["limit"], ","), db.MaxPageSize)
		}
		limit = n
	}
	if err != nil {
		badRequest(w, err)
		return
	}
	ctx := r.Context()
	page, err := d.BestPractices(ctx, db.PageArgs{First: &limit}, filter,
		&db.BestPracticeOrder{Field: "UPDATED_AT", Direction: db.OrderDirectionDesc})
	if err != nil {
		failed(w, r, "best-practices", err)
		return
	}
	ids := make([]int64, len(page.Items))
	for i, bp := range page.Items {
		ids[i] = bp.ID
	}
	authors, err := d.PracticeAuthors(ctx, ids)
	var themes map[int64][]string
	if err == nil {
		themes, err = d.PracticeThemes(ctx, ids)
	}
	var published map[int64]time.Time
	if err == nil {
		published, err = d.PracticesPublishedAt(ctx, ids)
	}
	var last, dbNow time.Time
	if err == nil {
		// An author's new name changes the feed too.
		last, dbNow, err = d.LastChange(ctx, "BestPractice", "Member")
	}
	if err != nil {
		failed(w, r, "best-practices", err)
		return
	}

	feed := &atomFeed{Lang: "en", Generator: "Smart Communities Hub",
		Title: atomText{Type: "text", Text: "Best practices · Smart Communities Hub"},
		ID:    "tag:" + Domain + "," + tagDate + ":best-practices",
		Links: []atomLink{{Rel: "self", Type: "application/atom+xml", Href: r.URL.RequestURI()},
			{Rel: "alternate", Type: "text/html", Href: "/dashboard/"}},
	}
	if f := describe([]string{"theme", "country", "language"}, filter.Theme, filter.Country, filter.Language); f != "" {
		feed.Title.Text += " (" + f + ")"
		// Each filtered feed is a feed of its own, with its own id.
		feed.ID += "?" + canonicalQuery(filter)
	}
	var updated time.Time
	for _, bp := range page.Items {
		e := atomEntry{Lang: bp.Language,
			ID:       "tag:" + Domain + "," + tagDate + ":" + db.BestPracticeID(bp.ID).GlobalID(),
			Title:    atomText{Type: "text", Text: bp.Title},
			Updated:  atomTime(bp.UpdatedAt),
			Category: []atomCategory{},
		}
		entryUpdated := bp.UpdatedAt
		if t, ok := published[bp.ID]; ok {
			e.Published = atomTime(t)
		}
		if bp.Summary != "" {
			e.Summary = &atomText{Type: "text", Text: bp.Summary}
		}
		for _, m := range authors[bp.ID] {
			a := atomPerson{Name: m.Name}
			if m.Website != nil {
				a.URI = *m.Website
			}
			e.Authors = append(e.Authors, a)
			entryUpdated = latest(entryUpdated, m.UpdatedAt)
		}
		// The practice's own page when it has one; else its record on the hub, which has no HTML page of
		// a practice: the GraphQL query of it, answered as JSON over GET.
		record := atomLink{Rel: "alternate", Type: "application/json", Href: practiceRecord(bp.Slug)}
		if bp.SourceURL != nil {
			e.Links = append(e.Links, atomLink{Rel: "alternate", Type: "text/html", Href: *bp.SourceURL})
			record.Rel = "related"
		}
		e.Links = append(e.Links, record)
		for _, t := range themes[bp.ID] {
			if th := ref.Theme(t); th != nil {
				e.Category = append(e.Category, atomCategory{Term: th.Code, Label: th.Name})
			}
		}
		updated = latest(updated, entryUpdated)
		feed.Entries = append(feed.Entries, e)
	}
	if updated.IsZero() {
		// An empty feed still needs its updated: when its list last changed, as far as the hub knows.
		updated = latest(last, time.Unix(0, 0))
	}
	feed.Updated = atomTime(updated)
	body, err := xml.Marshal(feed)
	if err != nil {
		failed(w, r, "best-practices", err)
		return
	}
	body = append([]byte(xml.Header), body...)
	serve(w, r, "application/atom+xml; charset=utf-8", body, latest(last, updated), dbNow)
}

// practiceRecord is the relative URL of a practice's record on the hub: GraphQL over GET, which any
// browser or script can open.
func practiceRecord(slug string) string {
	q := fmt.Sprintf(`{ bestPractice(slug: %q) { title summary body language municipality country { name } year themes { name } authors { name } translations { language title summary } tools { name } sourceUrl } }`, slug)
	return "/graphql?query=" + url.QueryEscape(q)
}

// canonicalQuery spells a filter one way, whatever order and separators the request used.
func canonicalQuery(f *db.BestPracticeFilter) string {
	v := url.Values{}
	for k, codes := range map[string][]string{"theme": f.Theme, "country": f.Country, "language": f.Language} {
		if len(codes) > 0 {
			c := append([]string(nil), codes...)
			sort.Strings(c)
			v.Set(k, strings.Join(c, ","))
		}
	}
	return v.Encode()
}

func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// The Atom elements the feed uses (RFC 4287). encoding/xml escapes the text and replaces characters
// XML cannot carry.
type atomFeed struct {
	XMLName   xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang      string      `xml:"xml:lang,attr"`
	ID        string      `xml:"id"`
	Title     atomText    `xml:"title"`
	Updated   string      `xml:"updated"`
	Generator string      `xml:"generator"`
	Links     []atomLink  `xml:"link"`
	Entries   []atomEntry `xml:"entry"`
}

type atomEntry struct {
	Lang      string         `xml:"xml:lang,attr"`
	ID        string         `xml:"id"`
	Title     atomText       `xml:"title"`
	Summary   *atomText      `xml:"summary"`
	Authors   []atomPerson   `xml:"author"`
	Links     []atomLink     `xml:"link"`
	Category  []atomCategory `xml:"category"`
	Published string         `xml:"published,omitempty"`
	Updated   string         `xml:"updated"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

type atomPerson struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomCategory struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr,omitempty"`
}
