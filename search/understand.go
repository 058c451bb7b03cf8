package search

import (
	"context"
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/blevesearch/bleve/v2/search"
	index "github.com/blevesearch/bleve_index_api"
)

// Understanding a query before it is searched: which language its words are in, which concepts they
// carry, and which words typed apart are one word in the texts.

// vocabulary answers questions about the words of one index snapshot.
type vocabulary struct {
	ctx  context.Context
	r    index.IndexReader
	docs uint64
	// fields are the fields the index holds: a concept is looked up only in the language fields that
	// texts exist in.
	fields map[string]bool
	// isKnown remembers known's answers: understanding a query and building it ask about the same words.
	isKnown map[string]bool
}

func newVocabulary(ctx context.Context, r index.IndexReader) *vocabulary {
	v := &vocabulary{ctx: ctx, r: r}
	v.docs, _ = r.DocCount()
	if fs, err := r.Fields(); err == nil {
		v.fields = make(map[string]bool, len(fs))
		for _, f := range fs {
			v.fields[f] = true
		}
	}
	return v
}

// publishedIn tells whether term occurs in field in a document that is not a draft practice: a word
// only drafts hold is unknown to readers who may not see them, and must not switch off typo tolerance
// for everyone. Postings and the drafts' postings are both in document order, so this usually reads one
// posting of each.
func (v *vocabulary) publishedIn(term, field string) bool {
	tfr, err := v.r.TermFieldReader(v.ctx, []byte(term), field, false, false, false)
	if err != nil {
		return false
	}
	defer tfr.Close()
	if tfr.Count() == 0 {
		return false
	}
	drafts, err := v.r.TermFieldReader(v.ctx, []byte("DRAFT"), fieldStatus, false, false, false)
	if err != nil {
		return true
	}
	defer drafts.Close()
	if drafts.Count() == 0 {
		return true
	}
	for d, err := tfr.Next(nil); err == nil && d != nil; d, err = tfr.Next(nil) {
		dr, err := drafts.Advance(d.ID, nil)
		if err != nil || dr == nil || !dr.ID.Equals(d.ID) {
			return true
		}
	}
	return false
}

// known tells whether a folded word occurs as written in a published text.
func (v *vocabulary) known(folded string) bool {
	if k, ok := v.isKnown[folded]; ok {
		return k
	}
	k := false
	for _, r := range roles {
		if v.publishedIn(folded, r.name) {
			k = true
			break
		}
	}
	if v.isKnown == nil {
		v.isKnown = map[string]bool{}
	}
	v.isKnown[folded] = k
	return k
}

// rarity is 1 for a word in no document, falling towards 0 for one in every document.
func (v *vocabulary) rarity(folded string) float64 {
	var df uint64
	for _, r := range roles {
		if tfr, err := v.r.TermFieldReader(v.ctx, []byte(folded), r.name, false, false, false); err == nil {
			df = max(df, tfr.Count())
			tfr.Close()
		}
	}
	if v.docs == 0 {
		return 1
	}
	return 1 - math.Log1p(float64(df))/math.Log1p(float64(v.docs))
}

// knownIn tells whether an analysed term occurs in the texts of language lang. Drafts count here: it
// only tells which language the query is in, and is asked for every language and word.
func (v *vocabulary) knownIn(lang, term string) bool {
	for _, r := range roles {
		field := langField(r.name, lang)
		if v.fields != nil && !v.fields[field] {
			continue
		}
		tfr, err := v.r.TermFieldReader(v.ctx, []byte(term), field, false, false, false)
		if err != nil {
			continue
		}
		n := tfr.Count()
		tfr.Close()
		if n > 0 {
			return true
		}
	}
	return false
}

// plainWord is a word of a plain clause (not a field, a phrase or an exclusion), where concepts apply.
type plainWord struct {
	at   wordAt
	text string
}

func plainWords(clauses []clause) []plainWord {
	var out []plainWord
	for ci, c := range clauses {
		if c.field != "" || c.phrase || c.op == '-' {
			continue
		}
		for wi, w := range words(c.text) {
			out = append(out, plainWord{wordAt{ci, wi}, w})
		}
	}
	return out
}

// script is the writing system of a query's letters, which narrows its possible languages.
func script(ws []plainWord) func(lang string) bool {
	greek, cyrillic, latin := false, false, false
	for _, w := range ws {
		for _, r := range w.text {
			switch {
			case unicode.Is(unicode.Greek, r):
				greek = true
			case unicode.Is(unicode.Cyrillic, r):
				cyrillic = true
			case unicode.Is(unicode.Latin, r):
				latin = true
			}
		}
	}
	return func(lang string) bool {
		switch lang {
		case "el":
			return greek
		case "bg":
			return cyrillic
		}
		return latin || !greek && !cyrillic
	}
}

// queryLanguages are the languages the query's words are most likely written in: those whose texts in
// the index, or whose concept labels, hold the most of its words, among the languages of its script.
// None when no language knows any of them: the words are then looked up in every language.
func queryLanguages(ws []plainWord, v *vocabulary, l *conceptLayer) []string {
	fits := script(ws)
	best, top := []string(nil), 0
	for _, lang := range sortedLanguages {
		if !fits(lang) {
			continue
		}
		score := 0
		for _, w := range ws {
			if stopWords[foldString(w.text)] {
				continue
			}
			for _, t := range analyzeIn(lang, w.text) {
				term := string(t.Term)
				if (l != nil && l.dict[lang] != nil && len(l.dict[lang].byFirst[term]) > 0) || v != nil && v.knownIn(lang, term) {
					score++
					break
				}
			}
		}
		switch {
		case score > top:
			best, top = []string{lang}, score
		case score == top && score > 0:
			best = append(best, lang)
		}
	}
	return best
}

// sortedLanguages are the language codes in order, so that a query is understood the same way each time.
var sortedLanguages = func() []string {
	out := make([]string, 0, len(Languages))
	for l := range Languages {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}()

// conceptsOf maps the query's plain words to the concepts their labels carry in each of langs: a label
// of several words ("open data", "digital twin") gives its concept to each of its words, and a compound
// word the concepts of all its parts together.
//
// A word that no text holds as written and no label matches is taken for a typo when the query's language
// is known (known tells, nil: never): it carries the concepts of the labels nearest to it.
func (l *conceptLayer) conceptsOf(ws []plainWord, langs []string, known func(folded string) bool) map[wordAt][]conceptAlt {
	if l == nil || len(ws) == 0 {
		return nil
	}
	var text strings.Builder
	starts := make([]int, len(ws))
	for i, w := range ws {
		if i > 0 {
			text.WriteByte(' ')
		}
		starts[i] = text.Len()
		text.WriteString(w.text)
	}
	covered := func(start, end int) []int {
		var out []int
		for i, w := range ws {
			if starts[i] < end && start < starts[i]+len(w.text) {
				out = append(out, i)
			}
		}
		return out
	}
	out := map[wordAt][]conceptAlt{}
	add := func(at wordAt, alt conceptAlt) {
		if !slices.ContainsFunc(out[at], func(a conceptAlt) bool { return slices.Equal(a, alt) }) {
			out[at] = append(out[at], alt)
		}
	}
	for _, lang := range langs {
		parts := map[int][]string{}
		for _, m := range l.find(lang, analyzeIn(lang, text.String())) {
			for _, i := range covered(m.Start, m.End) {
				if m.Part {
					if !slices.Contains(parts[i], m.Concept) {
						parts[i] = append(parts[i], m.Concept)
					}
				} else {
					add(ws[i].at, conceptAlt{m.Concept})
				}
			}
		}
		for i, cs := range parts {
			slices.Sort(cs)
			add(ws[i].at, cs)
		}
		if known == nil || len(langs) > maxTypoLanguages || l.dict[lang] == nil {
			continue
		}
		for _, w := range ws {
			folded := foldString(w.text)
			if len(out[w.at]) > 0 || stopWords[folded] || known(folded) {
				continue
			}
			if terms := termsOf(analyzeIn(lang, w.text)); len(terms) == 1 {
				for _, c := range l.dict[lang].near(terms[0]) {
					add(w.at, conceptAlt{c})
				}
			}
		}
	}
	return out
}

// maxTypoLanguages bounds the languages whose labels a misspelt word is compared with: every label of
// one language is a few thousand comparisons.
const maxTypoLanguages = 2

// joinSplitWords makes two plain words in a row one word with a hyphen when the texts hold them written
// together ("e mail" where a text says "email"), so that joinedQuery matches them either way.
func joinSplitWords(clauses []clause, v *vocabulary) []clause {
	if v == nil {
		return clauses
	}
	out := make([]clause, 0, len(clauses))
	for i := 0; i < len(clauses); i++ {
		c := clauses[i]
		if i+1 < len(clauses) {
			n := clauses[i+1]
			plain := func(c clause) bool { return c.op == 0 && c.field == "" && !c.phrase && len(words(c.text)) == 1 }
			if plain(c) && plain(n) && v.known(foldString(c.text+n.text)) {
				c.text = c.text + "-" + n.text
				c.last, c.split = n.last, true
				out = append(out, c)
				i++
				continue
			}
		}
		out = append(out, c)
	}
	return out
}

// understanding is what a query is taken to mean before it is searched.
type understanding struct {
	// langs are the languages of the query's words: the reader's when given, else detected; none when
	// no language knows them.
	langs []string
	// stemIn are the languages whose stemmed fields the words are also matched in.
	stemIn []string
	// concepts are the concepts each plain word carries; all lists them all, in the query's order.
	concepts map[wordAt][]conceptAlt
	all      []string
	// optional counts the plain words MatchMost lets a hit miss (builder.plain).
	optional int
}

// maxStemLanguages bounds the stemmed fields a query searches when its language is unsure: each adds a
// field per word and role to the query.
const maxStemLanguages = 1

func understand(clauses []clause, given string, v *vocabulary) (*understanding, error) {
	l, err := loadedConcepts()
	if err != nil {
		return nil, err
	}
	ws := plainWords(clauses)
	u := &understanding{}
	if given != "" {
		if _, ok := Languages[given]; ok {
			u.langs = []string{given}
		}
	} else {
		u.langs = queryLanguages(ws, v, l)
	}
	if len(u.langs) <= maxStemLanguages {
		u.stemIn = u.langs
	}
	lookIn := u.langs
	if len(lookIn) == 0 {
		fits := script(ws)
		for _, lang := range sortedLanguages {
			if fits(lang) {
				lookIn = append(lookIn, lang)
			}
		}
	}
	var known func(string) bool
	if v != nil {
		known = v.known
	}
	u.concepts = l.conceptsOf(ws, lookIn, known)
	for _, w := range ws {
		for _, alt := range u.concepts[w.at] {
			for _, c := range alt {
				if !slices.Contains(u.all, c) {
					u.all = append(u.all, c)
				}
			}
		}
	}
	return u, nil
}

// readerLanguage is the language hits are shown in: the reader's, else the query's.
func (u *understanding) readerLanguage(given string) string {
	if given != "" || u == nil || len(u.langs) == 0 {
		return given
	}
	return u.langs[0]
}

// matchedConcepts are the query's concepts that a hit carries, narrower or as written, from the
// locations of their terms (the hit's second search asks for them).
func matchedConcepts(h *search.DocumentMatch, u *understanding) []string {
	if u == nil || len(u.all) == 0 {
		return nil
	}
	has := map[string]bool{}
	for _, terms := range h.Locations {
		for term := range terms {
			if id, ok := strings.CutPrefix(term, "§"); ok {
				has[id] = true
			} else if id, ok := strings.CutPrefix(term, "^"); ok {
				has[id] = true
			}
		}
	}
	var out []string
	for _, c := range u.all {
		if has[c] {
			out = append(out, c)
		}
	}
	return out
}

// ConceptLabel is a concept's preferred label in lang (in English where it has none there), and
// whether the concept exists.
func ConceptLabel(id, lang string) (string, bool) {
	l, err := loadedConcepts()
	if err != nil || l.byID[id] == nil {
		return "", false
	}
	return l.byID[id].Label(lang), true
}
