package search

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/smartcommunities/hub/db"
)

// Entity types as the GraphQL SearchType enum spells them, by GraphQL type name.
var typeNames = map[string]string{
	"BestPractice":       "BEST_PRACTICE",
	"DigitalTool":        "DIGITAL_TOOL",
	"FundingOpportunity": "FUNDING_OPPORTUNITY",
	"Member":             "MEMBER",
}

// docID is an index document's id: the GraphQL type and the row id, as in a global ID.
func docID(entity string, id int64) string { return entity + ":" + strconv.FormatInt(id, 10) }

// parseDocID reads what docID wrote.
func parseDocID(s string) (entity string, id int64, err error) {
	entity, key, _ := strings.Cut(s, ":")
	id, err = strconv.ParseInt(key, 10, 64)
	if err != nil || typeNames[entity] == "" {
		return "", 0, fmt.Errorf("bad document id %q", s)
	}
	return entity, id, nil
}

// document is the index document of a source. The folded text fields hold every version, in the order
// of the stored language field, so a highlight can tell which version it came from; the language fields
// hold the one version in their language.
func document(s *db.SearchSource, allCountries []string) map[string]any {
	doc := map[string]any{
		fieldType:      typeNames[s.Entity],
		fieldTheme:     s.Themes,
		fieldCountry:   s.Countries,
		fieldProgramme: s.Programmes,
	}
	if s.Entity == "FundingOpportunity" {
		if len(s.Countries) == 0 {
			doc[fieldCountry] = allCountries // no list of eligible countries: open to all
		}
	} else {
		doc[fieldStatus] = s.Status
	}
	if s.Year != 0 {
		doc[fieldYear] = strconv.Itoa(int(s.Year))
	}
	if len(s.Tools) > 0 {
		doc[fieldTool] = ids(s.Tools)
	}
	if len(s.Authors) > 0 {
		doc[fieldAuthor] = ids(s.Authors)
	}
	langs := make([]string, len(s.Versions))
	texts := map[string][]string{}
	for i, v := range s.Versions {
		langs[i] = v.Language
		for _, r := range roles {
			t := versionText(&v, r.name)
			texts[r.name] = append(texts[r.name], t)
			if _, ok := Languages[v.Language]; ok && t != "" {
				if _, dup := doc[langField(r.name, v.Language)]; !dup {
					doc[langField(r.name, v.Language)] = t
				}
			}
		}
	}
	doc[fieldLanguage] = langs
	for role, t := range texts {
		doc[role] = t
	}
	if len(s.Links) > 0 {
		doc[fieldLinks] = s.Links
	}
	// Themes and a practice's or member's country are concepts too: a reader who names them in any
	// language finds what has them.
	linked := make([]string, 0, len(s.Themes)+len(s.Countries))
	for _, t := range s.Themes {
		linked = append(linked, conceptTerm(t))
	}
	if s.Entity == "BestPractice" || s.Entity == "Member" {
		for _, c := range s.Countries {
			linked = append(linked, conceptTerm("country-"+strings.ToLower(c)))
		}
	}
	if len(linked) > 0 {
		doc[fieldLinked] = linked
	}
	var facets []string
	for _, f := range facetFields {
		switch v := doc[f.name].(type) {
		case string:
			facets = append(facets, f.name+"="+v)
		case []string:
			for _, x := range v {
				facets = append(facets, f.name+"="+x)
			}
		}
	}
	if s.Entity == "FundingOpportunity" {
		facets = append(facets, periodTerm(*s.OpeningDate, *s.FinalDeadline))
	}
	doc[fieldFacet] = facets
	return doc
}

// A call's status changes with the day while its document does not, so the document holds the call's
// opening date and final deadline as one term of the facet field, and each search asks
// db.FundingStatusOn, the rule of the API and of the lists' SQL, what that period's status is on the
// search's day: for the status filter (fundingStatusQuery) and the status facet (facets).
func periodTerm(opening, finalDeadline time.Time) string {
	return fieldPeriod + "=" + opening.Format(time.DateOnly) + "/" + finalDeadline.Format(time.DateOnly)
}

// periodStatus is the status on day of the call whose period is value, the part of its term after "=".
func periodStatus(value string, day time.Time) (db.FundingStatus, bool) {
	o, f, _ := strings.Cut(value, "/")
	opening, err1 := time.Parse(time.DateOnly, o)
	finalDeadline, err2 := time.Parse(time.DateOnly, f)
	if err1 != nil || err2 != nil {
		return "", false
	}
	return db.FundingStatusOn(opening, finalDeadline, day), true
}

func versionText(v *db.TextVersion, role string) string {
	switch role {
	case fieldTitle:
		return v.Title
	case fieldSummary:
		return v.Summary
	default:
		return v.Body
	}
}

func ids(xs []int64) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = strconv.FormatInt(x, 10)
	}
	return out
}
