package search

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/smartcommunities/hub/db"
)

// QueryError is a query the reader must correct; GraphQL reports it with the code BAD_QUERY.
type QueryError struct {
	Pos int // character offset in the query
	Msg string
}

func (e *QueryError) Error() string { return fmt.Sprintf("%s (at character %d)", e.Msg, e.Pos+1) }

const (
	maxQueryRunes   = 500
	maxQueryClauses = 32
)

// clause is one part of a query: a word, a "phrase" or a field:value, required (+), excluded (-) or
// plain.
type clause struct {
	pos    int
	op     byte // '+', '-' or 0
	field  string
	text   string
	phrase bool
	last   bool // the query's last clause, still being typed: its word also matches as a prefix
	// split is set on two words typed apart that a text holds as one (joinSplitWords): they match
	// anywhere, or as the one word.
	split bool
}

// parse splits a query into clauses. The syntax: words, "quoted phrases", +must, -mustnot, field:value
// and field:"phrase". A colon after anything but a known field is an ordinary character.
func parse(q string) ([]clause, error) {
	if n := utf8.RuneCountInString(q); n > maxQueryRunes {
		return nil, &QueryError{maxQueryRunes, fmt.Sprintf("the query is %d characters long; at most %d are searched", n, maxQueryRunes)}
	}
	if !utf8.ValidString(q) {
		return nil, &QueryError{0, "the query is not valid UTF-8"}
	}
	rs := []rune(q)
	var out []clause
	i := 0
	for {
		for i < len(rs) && unicode.IsSpace(rs[i]) {
			i++
		}
		if i == len(rs) {
			break
		}
		c := clause{pos: i}
		if rs[i] == '+' || rs[i] == '-' {
			c.op = byte(rs[i])
			i++
			if i == len(rs) || unicode.IsSpace(rs[i]) {
				return nil, &QueryError{c.pos, fmt.Sprintf("%c must be followed by a word or a \"phrase\", with no space", c.op)}
			}
		}
		start := i
		for i < len(rs) && !unicode.IsSpace(rs[i]) && rs[i] != ':' && (rs[i] != '"' || i == start) {
			if rs[i] == '"' {
				break
			}
			i++
		}
		if i < len(rs) && rs[i] == ':' && i > start {
			if f := strings.ToLower(string(rs[start:i])); knownField(f) {
				c.field = f
				i++
				if i == len(rs) || unicode.IsSpace(rs[i]) {
					return nil, &QueryError{start, fmt.Sprintf("%s: must be followed by a value, with no space", f)}
				}
				start = i
			}
		}
		if i == start && i < len(rs) && rs[i] == '"' {
			end := i + 1
			for end < len(rs) && rs[end] != '"' {
				end++
			}
			if end == len(rs) {
				return nil, &QueryError{i, "a quoted phrase is not closed: add the closing \""}
			}
			c.text, c.phrase = string(rs[i+1:end]), true
			i = end + 1
		} else {
			for i < len(rs) && !unicode.IsSpace(rs[i]) {
				i++
			}
			c.text = string(rs[start:i])
		}
		if strings.TrimSpace(c.text) == "" {
			if c.field != "" || c.op != 0 {
				return nil, &QueryError{c.pos, "an empty phrase"}
			}
			continue // "" alone: nothing to search for
		}
		out = append(out, c)
		if len(out) > maxQueryClauses {
			return nil, &QueryError{c.pos, fmt.Sprintf("the query has more than %d words", maxQueryClauses)}
		}
	}
	// The last word is still being typed unless a space follows it.
	if n := len(out); n > 0 && !out[n-1].phrase && len(rs) > 0 && !unicode.IsSpace(rs[len(rs)-1]) {
		out[n-1].last = true
	}
	return out, nil
}

var textFields = map[string]bool{fieldTitle: true, fieldSummary: true, fieldBody: true}

var keywordFields = map[string]bool{fieldType: true, fieldTheme: true, fieldCountry: true, fieldLanguage: true,
	fieldYear: true, fieldProgramme: true, fieldStatus: true}

func knownField(f string) bool { return textFields[f] || keywordFields[f] }

// builder turns clauses into a Bleve query.
type builder struct {
	langs []string  // language fields to search, stemmed: the query's language, given or detected
	today time.Time // for the status of funding opportunities
	// statusAsked is set when the query or the filter names a status, which lifts the default of hiding
	// draft practices.
	statusAsked bool
	// known tells whether a folded word occurs in some text as it is; only unknown words are looked up
	// with typos. That spares building a Levenshtein automaton per word and field for correctly spelt
	// queries, and keeps a real word from matching its neighbours ("park" is not "part").
	known func(folded string) bool
	// concepts are the concepts each of the query's words carries (conceptsOf), by the word's place.
	concepts map[wordAt][]conceptAlt
	// matching is how many of the words a hit must match (MatchAll, MatchMost).
	matching Matching
	// rarity is how rare a folded word is in the index, from 0 (in every document) to 1.
	rarity func(folded string) float64
	// fields are the fields the index holds (nil: unknown).
	fields map[string]bool
	// plain counts, once build has run, the plain words MatchMost lets a hit miss.
	plain int
}

// wordAt is one word of the query: its clause and its place among the clause's words.
type wordAt struct{ clause, word int }

// conceptAlt is a way a word can match by concept: a document carries all of these concepts (one, or the
// parts of a compound word).
type conceptAlt []string

// words splits text into words as the folded analyzer does.
func words(text string) []string {
	return strings.FieldsFunc(text, func(r rune) bool { return !isWordRune(r) })
}

// fuzziness is how many edits a word of n characters may be off by: none for short words, where one
// edit makes another word ("park", "part"), two for long ones.
func fuzziness(n int) int {
	switch {
	case n < 4:
		return 0
	case n < 8:
		return 1
	default:
		return 2
	}
}

// wordQuery matches one word in the text fields (all, or only role): exactly after folding, stemmed in
// the reader's languages, with typos, and as a prefix when it is still being typed. Exact and stemmed
// matches score above typo and prefix matches.
func (b *builder) wordQuery(word, role string, tolerant, prefix bool) query.Query {
	folded := foldString(word)
	n := utf8.RuneCountInString(folded)
	var qs []query.Query
	for _, r := range roles {
		if role != "" && r.name != role {
			continue
		}
		if prefix && n >= 2 {
			// The prefix's terms include the word itself, each scored as its own term.
			p := query.NewPrefixQuery(folded)
			p.SetField(r.name)
			p.SetBoost(r.boost)
			qs = append(qs, p)
		} else {
			t := query.NewTermQuery(folded)
			t.SetField(r.name)
			t.SetBoost(r.boost)
			qs = append(qs, t)
		}
		for _, lang := range b.langs {
			m := query.NewMatchQuery(word)
			m.SetField(langField(r.name, lang))
			m.Analyzer = queryAnalyzerOf(lang)
			m.SetBoost(r.boost * 1.2)
			qs = append(qs, m)
		}
		if f := fuzziness(n); tolerant && f > 0 && (b.known == nil || !b.known(folded)) {
			fz := query.NewFuzzyQuery(folded)
			fz.SetField(r.name)
			fz.SetFuzziness(f)
			// A typo in the first letter is rare in short words, and the rule keeps typo search fast; a
			// long word is told apart by its other letters.
			if n < 8 {
				fz.SetPrefix(1)
			}
			fz.SetBoost(r.boost * 0.5)
			qs = append(qs, fz)
		}
	}
	if role == "" {
		// What a practice links to (its tools' and authors' names) counts like a summary's words.
		var l query.Query
		if prefix && n >= 2 {
			p := query.NewPrefixQuery(folded)
			p.SetField(fieldLinks)
			l = p
		} else {
			t := query.NewTermQuery(folded)
			t.SetField(fieldLinks)
			l = t
		}
		l.(query.BoostableQuery).SetBoost(1.5)
		qs = append(qs, l)
	}
	return query.NewDisjunctionQuery(qs)
}

func (b *builder) phraseQuery(text, role string) query.Query {
	var qs []query.Query
	for _, r := range roles {
		if role != "" && r.name != role {
			continue
		}
		p := query.NewMatchPhraseQuery(text)
		p.SetField(r.name)
		p.SetBoost(r.boost * 1.5)
		qs = append(qs, p)
	}
	return query.NewDisjunctionQuery(qs)
}

// Matching says how many of a query's words a hit must match.
type Matching string

const (
	// MatchAll: every word (stop words excepted), as written, stemmed, with a typo or by concept.
	MatchAll Matching = "ALL"
	// MatchMost: at least half of the words; hits that match more of them, and rarer ones, rank first,
	// then by score.
	MatchMost Matching = "MOST"
	// MatchAuto is MatchAll, and MatchMost when that finds less than a page, and matchAny when that
	// finds nothing (the default).
	MatchAuto Matching = "AUTO"
	// matchAny is MatchMost content with one word: the last resort of MatchAuto, for a need written in
	// many words of which the texts hold few ("how do we know when the bins are full").
	matchAny Matching = "ANY"
)

// Concept weights: a word matched by a concept counts for less than the word itself, so that a text
// that uses the query's own words ranks above one that is only about the same thing; a broader concept
// of the text's counts for less again.
const (
	conceptBoost = 0.45
	broaderBoost = 0.2
)

// conceptQuery matches the texts of every language that carry all of alt's concepts, in any role; has
// tells which language fields the index holds (nil: all of them).
func conceptQuery(alt conceptAlt, has map[string]bool) query.Query {
	parts := make([]query.Query, 0, len(alt))
	for _, c := range alt {
		qs := make([]query.Query, 0, 2*len(roles)*len(Languages)+1)
		linked := query.NewTermQuery(conceptTerm(c))
		linked.SetField(fieldLinked)
		linked.SetBoost(conceptBoost)
		qs = append(qs, linked)
		for _, r := range roles {
			// In a fixed order: the disjuncts' scores are summed in it, and an order that changed from
			// one search to the next changed the last bits of the scores, and so swapped near-ties.
			for _, lang := range sortedLanguages {
				if has != nil && !has[langField(r.name, lang)] {
					continue
				}
				t := query.NewTermQuery(conceptTerm(c))
				t.SetField(langField(r.name, lang))
				t.SetBoost(r.boost * conceptBoost)
				u := query.NewTermQuery(broaderTerm(c))
				u.SetField(langField(r.name, lang))
				u.SetBoost(r.boost * broaderBoost)
				qs = append(qs, t, u)
			}
		}
		parts = append(parts, query.NewDisjunctionQuery(qs))
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return query.NewConjunctionQuery(parts)
}

// joinedAlternatives is a hyphenated word's query with the concepts that all its n parts carry, as a
// label of several words gives them ("e-invoicing"), as further ways to match.
func (b *builder) joinedAlternatives(clause, n int, wq query.Query) query.Query {
	var alts []conceptAlt
	for _, alt := range b.concepts[wordAt{clause, 0}] {
		all := true
		for i := 1; i < n && all; i++ {
			all = slices.ContainsFunc(b.concepts[wordAt{clause, i}], func(a conceptAlt) bool { return slices.Equal(a, alt) })
		}
		if all {
			alts = append(alts, alt)
		}
	}
	if len(alts) == 0 {
		return wq
	}
	qs := []query.Query{wq}
	for _, alt := range alts {
		qs = append(qs, conceptQuery(alt, b.fields))
	}
	return query.NewDisjunctionQuery(qs)
}

// wordAlternatives is a word's query with the concepts it carries as further ways to match.
func (b *builder) wordAlternatives(at wordAt, wq query.Query) query.Query {
	alts := b.concepts[at]
	if len(alts) == 0 {
		return wq
	}
	qs := []query.Query{wq}
	for _, alt := range alts {
		qs = append(qs, conceptQuery(alt, b.fields))
	}
	return query.NewDisjunctionQuery(qs)
}

// build turns the parsed clauses into a query: plain and + words must all match (with MatchMost, most
// of the plain ones), except stop words and a single letter still being typed, which only add to the
// score; - clauses must not match.
func (b *builder) build(clauses []clause) (query.Query, error) {
	var must, should, mustNot []query.Query
	// optional are the plain words MatchMost lets a hit miss, with their folded forms.
	var optional []query.Query
	var optionalWords []string
	for ci, c := range clauses {
		var q query.Query
		switch {
		case keywordFields[c.field]:
			var err error
			if q, err = b.keywordQuery(c.field, strings.TrimSpace(c.text), c.pos); err != nil {
				return nil, err
			}
		case c.phrase:
			q = b.phraseQuery(c.text, c.field)
		default:
			ws := words(c.text)
			if c.op == '-' {
				// Excluding words excludes them as written, not their near misses.
				parts := make([]query.Query, len(ws))
				for i, w := range ws {
					parts[i] = b.wordQuery(w, c.field, false, false)
				}
				if len(parts) > 0 {
					mustNot = append(mustNot, query.NewConjunctionQuery(parts))
				}
				continue
			}
			if joined := b.joinedQuery(c, ws); joined != nil {
				if c.field == "" {
					joined = b.joinedAlternatives(ci, len(ws), joined)
				}
				must = append(must, joined)
				continue
			}
			for i, w := range ws {
				last := c.last && i == len(ws)-1
				wq := b.wordQuery(w, c.field, true, last)
				if c.field == "" {
					wq = b.wordAlternatives(wordAt{ci, i}, wq)
				}
				switch {
				case c.op == 0 && (stopWords[foldString(w)] || last && utf8.RuneCountInString(w) < 2):
					should = append(should, wq)
				case c.op == 0:
					b.plain++
					if b.matching != MatchMost && b.matching != matchAny {
						must = append(must, wq)
						break
					}
					optional = append(optional, wq)
					optionalWords = append(optionalWords, foldString(w))
				default:
					must = append(must, wq)
				}
			}
			continue
		}
		if c.op == '-' {
			mustNot = append(mustNot, q)
		} else {
			must = append(must, q)
		}
	}
	if len(optional) > 0 {
		must = append(must, b.mostOf(optional, optionalWords))
	}
	if len(must) == 0 {
		if len(clauses) > 0 && len(mustNot) == 0 {
			// Only stop words, or only punctuation: nothing to look for.
			return query.NewMatchNoneQuery(), nil
		}
		must = []query.Query{query.NewMatchAllQuery()} // a blank query, or only exclusions
	}
	if len(must) == 1 && len(should) == 0 && len(mustNot) == 0 {
		return must[0], nil
	}
	bq := booleanQuery(must, mustNot)
	if len(should) > 0 {
		bq.AddShould(should...)
		bq.SetMinShould(0)
	}
	return bq, nil
}

// booleanQuery is query.NewBooleanQuery without should clauses, with one must clause as it is rather
// than in a conjunction of one: each such layer cost every match a step of its own, for the same score
// (a conjunction's score is the sum of its clauses', its weight theirs).
func booleanQuery(must, mustNot []query.Query) *query.BooleanQuery {
	bq := query.NewBooleanQuery(must, nil, mustNot)
	if len(must) == 1 {
		bq.Must = &mustQuery{must[0]}
	}
	return bq
}

// mustQuery is a boolean query's one must clause. Bleve drops a must clause whose searcher matches
// nothing, and a boolean query left with only must-not clauses matches everything else: a conjunction
// hid that, and so does this.
type mustQuery struct{ inner query.Query }

func (q *mustQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping,
	options search.SearcherOptions) (search.Searcher, error) {
	s, err := q.inner.Searcher(ctx, r, m, options)
	if none, ok := s.(*searcher.MatchNoneSearcher); ok {
		return noMatches{none}, err
	}
	return s, err
}

type noMatches struct{ *searcher.MatchNoneSearcher }

// wordWeight puts a hit that matches one more word of the query, under MatchMost, above any that does
// not: far above what a word's own score reaches.
const wordWeight = 1000

// mostOf matches at least half of the words (with matchAny, one), scoring each matched word wordWeight, more for a rarer one,
// on top of its own score: so hits rank by the number and rarity of the words they match, then by score.
func (b *builder) mostOf(qs []query.Query, folded []string) query.Query {
	if len(qs) == 1 {
		return qs[0]
	}
	bumped := make([]query.Query, len(qs))
	for i, q := range qs {
		rarity := 0.0
		if b.rarity != nil {
			rarity = b.rarity(folded[i])
		}
		bumped[i] = &addScoreQuery{inner: q, add: wordWeight * (1 + rarity/2)}
	}
	d := query.NewDisjunctionQuery(bumped)
	if b.matching == matchAny {
		d.SetMin(1)
	} else {
		d.SetMin(float64((len(qs) + 1) / 2))
	}
	return d
}

// addScoreQuery scores its matches add above what inner scores them.
type addScoreQuery struct {
	inner query.Query
	add   float64
}

func (q *addScoreQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping,
	options search.SearcherOptions) (search.Searcher, error) {
	s, err := q.inner.Searcher(ctx, r, m, options)
	if err != nil {
		return nil, err
	}
	return searcher.NewFilteringSearcher(ctx, s, func(_ *search.SearchContext, d *search.DocumentMatch) bool {
		d.Score += q.add
		return true
	}), nil
}

// joinedQuery treats a word written with hyphens ("e-mail", "Open-Data") as its parts in a row or as one
// word ("email", "opendata"), so hyphens, spaces and case inside a word do not matter. Nil for a clause
// of one word.
func (b *builder) joinedQuery(c clause, ws []string) query.Query {
	if len(ws) < 2 || c.op == '-' || c.phrase || strings.ContainsAny(c.text, " \t") {
		return nil
	}
	whole := b.wordQuery(strings.Join(ws, ""), c.field, true, c.last)
	if c.split {
		parts := make([]query.Query, len(ws))
		for i, w := range ws {
			parts[i] = b.wordQuery(w, c.field, true, c.last && i == len(ws)-1)
		}
		return query.NewDisjunctionQuery([]query.Query{query.NewConjunctionQuery(parts), whole})
	}
	return query.NewDisjunctionQuery([]query.Query{b.phraseQuery(strings.Join(ws, " "), c.field), whole})
}

// keywordQuery matches field:value on a facet field, with the value spelled as in GraphQL.
func (b *builder) keywordQuery(field, value string, pos int) (query.Query, error) {
	switch field {
	case fieldType:
		t, ok := parseType(value)
		if !ok {
			return nil, &QueryError{pos, fmt.Sprintf("type:%s is not a type; use BEST_PRACTICE, DIGITAL_TOOL, FUNDING_OPPORTUNITY or MEMBER", value)}
		}
		return term(fieldType, t), nil
	case fieldYear:
		if y, err := strconv.Atoi(value); err != nil || y < 1000 || y > 9999 {
			return nil, &QueryError{pos, fmt.Sprintf("year:%s is not a year", value)}
		}
		return term(fieldYear, value), nil
	case fieldStatus:
		b.statusAsked = true
		return b.statusQuery([]string{value}), nil
	case fieldTheme, fieldLanguage:
		return term(field, strings.ToLower(value)), nil
	default: // country, programme
		return term(field, strings.ToUpper(value)), nil
	}
}

// parseType accepts a type as the SearchType enum or the GraphQL type spells it, in any case.
func parseType(s string) (string, bool) {
	key := strings.ToUpper(strings.NewReplacer("_", "", "-", "").Replace(s))
	for name, t := range typeNames {
		if key == strings.ToUpper(name) || key == strings.ReplaceAll(t, "_", "") {
			return t, true
		}
	}
	return "", false
}

func term(field, value string) query.Query {
	t := query.NewTermQuery(value)
	t.SetField(field)
	return t
}

func anyTerm(field string, values []string, norm func(string) string) query.Query {
	qs := make([]query.Query, len(values))
	for i, v := range values {
		qs[i] = term(field, norm(v))
	}
	return query.NewDisjunctionQuery(qs)
}

// statusQuery matches any of the statuses: a funding opportunity's on the builder's day, anything else's
// as indexed.
func (b *builder) statusQuery(statuses []string) query.Query {
	var qs []query.Query
	funding := &fundingStatusQuery{day: b.today}
	for _, s := range statuses {
		switch s := db.FundingStatus(strings.ToUpper(s)); s {
		case db.FundingStatusForthcoming, db.FundingStatusOpen, db.FundingStatusClosed:
			funding.statuses = append(funding.statuses, s)
		default:
			qs = append(qs, term(fieldStatus, string(s)))
		}
	}
	if len(funding.statuses) > 0 {
		qs = append(qs, funding)
	}
	return query.NewDisjunctionQuery(qs)
}

// fundingStatusQuery matches the funding opportunities whose status on day is one of statuses. Its
// searcher reads the periods in the index it searches (periodTerm), keeps those whose status is asked
// for and matches their terms: one call of db.FundingStatusOn per distinct period, not per document, and
// no second spelling of the rule as date ranges.
type fundingStatusQuery struct {
	statuses []db.FundingStatus
	day      time.Time
}

func (q *fundingStatusQuery) Searcher(ctx context.Context, r index.IndexReader, _ mapping.IndexMapping,
	options search.SearcherOptions) (search.Searcher, error) {
	prefix := fieldPeriod + "="
	dict, err := r.FieldDictPrefix(fieldFacet, []byte(prefix))
	if err != nil {
		return nil, err
	}
	defer dict.Close()
	var terms []string
	for {
		e, err := dict.Next()
		if err != nil {
			return nil, err
		}
		if e == nil {
			break
		}
		if s, ok := periodStatus(strings.TrimPrefix(e.Term, prefix), q.day); ok && slices.Contains(q.statuses, s) {
			terms = append(terms, e.Term)
		}
	}
	// No limit on the terms: at most one per funding opportunity.
	return searcher.NewMultiTermSearcher(ctx, r, terms, fieldFacet, 1, options, false)
}
