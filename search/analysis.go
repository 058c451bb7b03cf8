package search

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/character"
	unicodetok "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"
	"golang.org/x/text/unicode/norm"

	"github.com/smartcommunities/hub/search/stem"

	// Languages whose analyzers or stop lists the mapping names by string.
	_ "github.com/blevesearch/bleve/v2/analysis/lang/bg"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/cs"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/da"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/de"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/el"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/en"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/es"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/fi"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/fr"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/ga"
	"github.com/blevesearch/bleve/v2/analysis/lang/hr"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/hu"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/it"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/nl"
	"github.com/blevesearch/bleve/v2/analysis/lang/pl"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/pt"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/ro"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/sv"
)

// MappingVersion changes whenever the mapping or the documents change shape; an index built with another
// version is rebuilt on start.
const MappingVersion = "10"

// Languages are the EU's 24 official languages, each with the best analysis there is for it (the README
// has the table): Bleve's stop words, normalisers and stemmers where it has them, the light stemmers of
// package stem where it has none. Texts in other languages are searchable through the folded fields only.
var Languages = map[string]languageAnalysis{
	"da": {unicodeTok, "to_lower", "stop_da", "stemmer_da_snowball"},
	"de": {unicodeTok, "to_lower", "stop_de", "normalize_de", "stemmer_de_light"},
	"en": {unicodeTok, "possessive_en", "to_lower", "stop_en", "stemmer_porter"},
	"es": {unicodeTok, "to_lower", "normalize_es", "stop_es", "stemmer_es_light"},
	"fi": {unicodeTok, "to_lower", "stop_fi", "stemmer_fi_snowball"},
	"fr": {unicodeTok, "elision_fr", "to_lower", "stop_fr", "stemmer_fr_light"},
	"hu": {unicodeTok, "to_lower", "stop_hu", "stemmer_hu_snowball"},
	"it": {unicodeTok, "elision_it", "to_lower", "stop_it", "stemmer_it_light"},
	"nl": {unicodeTok, "to_lower", "stop_nl", "stemmer_nl_snowball"},
	"pl": {unicodeTok, "to_lower", "stop_pl", plStemmerKeep},
	"pt": {unicodeTok, "to_lower", "stop_pt", "stemmer_pt_light"},
	"ro": {unicodeTok, "to_lower", "stop_ro", "stemmer_ro_snowball"},
	"sv": {unicodeTok, "to_lower", "stop_sv", "stemmer_sv_snowball"},
	// Croatian's stemmer is Bleve's, with each word's result remembered (memoFilter).
	"hr": {unicodeTok, "to_lower", "stop_hr", hrStemmerMemo},
	// Bleve has stop words for these, package stem the stemmers; then diacritics are folded.
	"bg": {wordsName, "to_lower", "stop_bg", "stem_bg", foldName},
	"cs": {wordsName, "to_lower", "stop_cs", "stem_cs", foldName},
	"el": {wordsName, "to_lower", "stop_el", "stem_el", foldName},
	"ga": {wordsName, "elision_ga", "to_lower", "stop_ga", "stem_ga", foldName},
	// Bleve has nothing for these: package stem's stemmers, then folding.
	"et": {wordsName, "to_lower", "stem_et", foldName},
	"lt": {wordsName, "to_lower", "stem_lt", foldName},
	"lv": {wordsName, "to_lower", "stem_lv", foldName},
	"mt": {wordsName, "to_lower", "stem_mt", foldName},
	"sk": {wordsName, "to_lower", "stem_sk", foldName},
	"sl": {wordsName, "to_lower", "stem_sl", foldName},
}

// languageAnalysis is a tokenizer and the token filters after it.
type languageAnalysis []string

const unicodeTok = unicodetok.Name

// analyzerOf names the analyzer that indexes a language's fields: its analysis, then its concepts
// (conceptFilter). queryAnalyzerOf names the same analysis without the concepts, for a query's words and
// for the labels of the concepts themselves.
func analyzerOf(lang string) string      { return "lang_" + lang }
func queryAnalyzerOf(lang string) string { return "lang_" + lang + "_q" }

const (
	foldName   = "fold"
	foldedName = "folded"
	wordsName  = "words"
)

// isWordRune says what words are made of. Unlike Unicode word segmentation it splits at apostrophes and
// hyphens, so "dell'aria" holds "aria" and "LoRaWAN-Netz" holds "lorawan", in every language.
func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r) }

func init() {
	registry.RegisterTokenizer(wordsName, func(map[string]any, *registry.Cache) (analysis.Tokenizer, error) {
		return joiningTokenizer{character.NewCharacterTokenizer(isWordRune)}, nil
	})
	registry.RegisterTokenFilter(hrStemmerMemo, func(_ map[string]any, cache *registry.Cache) (analysis.TokenFilter, error) {
		suffix, err := cache.TokenFilterNamed(hr.SuffixTransformationFilterName)
		if err != nil {
			return nil, err
		}
		stemmer, err := cache.TokenFilterNamed(hr.StemmerName)
		return &memoFilter{inner: []analysis.TokenFilter{suffix, stemmer}}, err
	})
	registry.RegisterTokenFilter(foldName, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
		return foldFilter{}, nil
	})
	registry.RegisterTokenFilter(plStemmerKeep, func(_ map[string]any, cache *registry.Cache) (analysis.TokenFilter, error) {
		inner, err := cache.TokenFilterNamed(pl.SnowballStemmerName)
		// Remembered like Croatian's: the Polish stemmer walks a trie per word (3% of a rebuild).
		return &memoFilter{inner: []analysis.TokenFilter{keepFilter{inner}}}, err
	})
	for _, lang := range stem.Languages {
		s, _ := stem.For(lang)
		registry.RegisterTokenFilter("stem_"+lang, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
			return stemFilter(s), nil
		})
	}
	for lang := range Languages {
		registry.RegisterTokenFilter(conceptFilterName(lang), func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
			return conceptFilter(lang), nil
		})
	}
}

// plStemmerKeep is Bleve's Polish stemmer, which leaves nothing of some words ("rzeki", "maas"): those
// keep their unstemmed form instead of vanishing from the index.
const plStemmerKeep = "stemmer_pl_keep"

type keepFilter struct{ inner analysis.TokenFilter }

func (f keepFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, t := range in {
		orig := t.Term
		f.inner.Filter(analysis.TokenStream{t})
		if len(t.Term) == 0 {
			t.Term = orig
		}
	}
	return in
}

// stemFilter stems each token with one of package stem's stemmers.
type stemFilter stem.Stemmer

func (f stemFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, t := range in {
		if s := f(string(t.Term)); len(s) != len(t.Term) || s != string(t.Term) {
			t.Term = []byte(s)
		}
	}
	return in
}

func conceptFilterName(lang string) string { return "concepts_" + lang }

// Concept terms in the language fields: a text that holds a label of a concept holds the term
// conceptTerm(id), and one broaderTerm per broader concept, once each: they tell what the text is about,
// not how often (a page's highlights find every mention again, langLocations).
func conceptTerm(id string) string { return "§" + id }
func broaderTerm(id string) string { return "^" + id }

// conceptFilter adds the concept terms of a text of one language (see conceptTerm).
type conceptFilter string

func (f conceptFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	l, err := loadedConcepts()
	if err != nil {
		return in
	}
	ms := l.find(string(f), in)
	if len(ms) == 0 {
		return in
	}
	out := in
	added := make([][]byte, 0, 2*len(ms))
	add := func(term []byte, m ConceptMatch) {
		for _, a := range added {
			if &a[0] == &term[0] { // one slice per term, shared by every text (conceptLayer.terms)
				return
			}
		}
		added = append(added, term)
		at := in[m.first]
		out = append(out, &analysis.Token{Term: term, Start: at.Start, End: in[m.last].End,
			Position: at.Position, Type: analysis.AlphaNumeric})
	}
	for _, m := range ms {
		t := l.terms[m.Concept]
		add(t.own, m)
		for _, b := range t.broader {
			add(b, m)
		}
	}
	return out
}

const hrStemmerMemo = "stemmer_hr_memo"

// joiningTokenizer also gives a word written with hyphens as one token ("e-mail" holds "e", "mail" and
// "email", at the place of "e"), so that it matches however a reader joins or splits it.
type joiningTokenizer struct{ inner analysis.Tokenizer }

func (t joiningTokenizer) Tokenize(input []byte) analysis.TokenStream {
	ts := t.inner.Tokenize(input)
	out := ts
	for i := 0; i+1 < len(ts); i++ {
		j := i
		for j+1 < len(ts) && ts[j+1].Start == ts[j].End+1 && input[ts[j].End] == '-' {
			j++
		}
		if j == i {
			continue
		}
		var joined []byte
		for k := i; k <= j; k++ {
			joined = append(joined, ts[k].Term...)
		}
		out = append(out, &analysis.Token{Term: joined, Start: ts[i].Start, End: ts[j].End, Position: ts[i].Position, Type: ts[i].Type})
		i = j
	}
	return out
}

// memoFilter remembers what one-token-at-a-time filters made of each term. Bleve's Croatian suffix
// transformation and stemmer try dozens of regular expressions per word; remembered, they cost what the
// other languages cost (they were 45% of a whole rebuild's analysis with one practice in ten in Croatian).
type memoFilter struct {
	inner []analysis.TokenFilter
	mu    sync.RWMutex
	memo  map[string][]byte
}

const memoSize = 200_000

func (f *memoFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, t := range in {
		f.mu.RLock()
		out, ok := f.memo[string(t.Term)]
		f.mu.RUnlock()
		if !ok {
			key := string(t.Term)
			for _, inner := range f.inner {
				inner.Filter(analysis.TokenStream{t})
			}
			out = t.Term
			f.mu.Lock()
			if f.memo == nil || len(f.memo) >= memoSize {
				f.memo = make(map[string][]byte, 1024) // bounded: start over
			}
			f.memo[key] = out
			f.mu.Unlock()
			continue
		}
		t.Term = out
	}
	return in
}

// foldFilter folds tokens to their letters without diacritics ("municipalité" → "municipalite",
// "Ελλάδα" → "ελλαδα", "Straße" → "strasse"), so that a reader who types without accents still finds them.
// It is a token filter, not Bleve's asciifolding character filter, so that term offsets keep pointing
// into the original text and highlights land on the right characters; and it folds every script, not
// only Latin.
type foldFilter struct{}

func (foldFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, t := range in {
		t.Term = fold(t.Term)
	}
	return in
}

var special = strings.NewReplacer("ß", "ss", "æ", "ae", "œ", "oe", "ø", "o", "ł", "l", "đ", "d", "ħ", "h",
	"ı", "i", "þ", "th", "ð", "d", "ŀ", "l")

func fold(term []byte) []byte {
	ascii := true
	for _, b := range term {
		if b >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return term
	}
	s := special.Replace(string(term))
	out := make([]byte, 0, len(s))
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			out = utf8.AppendRune(out, r)
		}
	}
	return norm.NFC.Bytes(out)
}

// foldString folds a query word the way the folded fields were analysed.
func foldString(s string) string { return string(fold([]byte(strings.ToLower(s)))) }

// newMapping is the index mapping. Each searchable text is indexed twice: folded (every language,
// unstemmed, for exact words, typos and prefixes; stored, for highlights) and in a field of its own
// language (stemmed where Bleve can), for the reader who searches in that language.
func newMapping() (*mapping.IndexMappingImpl, error) {
	m := mapping.NewIndexMapping()
	if err := m.AddCustomAnalyzer(foldedName, map[string]any{
		"type": custom.Name, "tokenizer": wordsName, "token_filters": []string{lowercase.Name, foldName},
	}); err != nil {
		return nil, err
	}
	for lang, a := range Languages {
		filters := []string(a[1:])
		if err := m.AddCustomAnalyzer(queryAnalyzerOf(lang), map[string]any{
			"type": custom.Name, "tokenizer": a[0], "token_filters": filters,
		}); err != nil {
			return nil, err
		}
		if err := m.AddCustomAnalyzer(analyzerOf(lang), map[string]any{
			"type": custom.Name, "tokenizer": a[0], "token_filters": append(slices.Clone(filters), conceptFilterName(lang)),
		}); err != nil {
			return nil, err
		}
	}

	doc := mapping.NewDocumentStaticMapping()
	// Keyword fields are for filters; all facets are counted from the one facet field's postings
	// (facetQuery), so no field needs doc values.
	keyword := func(store bool) *mapping.FieldMapping {
		f := mapping.NewKeywordFieldMapping()
		f.Store = store
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = false
		return f
	}
	for _, f := range []string{fieldType, fieldTheme, fieldCountry, fieldProgramme, fieldStatus, fieldYear,
		fieldTool, fieldAuthor, fieldLinked, fieldFacet} {
		doc.AddFieldMappingsAt(f, keyword(false))
	}
	doc.AddFieldMappingsAt(fieldLanguage, keyword(true))
	text := func(analyzer string, store, termVectors bool) *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = store
		f.IncludeTermVectors = termVectors
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	// The folded fields keep term vectors: positions for phrases, offsets for highlights. The language
	// fields do not: a page's hits are analysed again for their highlights (langLocations), which costs
	// ten texts per search instead of every term's locations in every text of the index (they were a
	// fifth of a rebuild's segment building and of the index).
	doc.AddFieldMappingsAt(fieldLinks, text(foldedName, false, false)) // not shown, so never highlighted
	for _, role := range roles {
		doc.AddFieldMappingsAt(role.name, text(foldedName, true, true))
		for lang := range Languages {
			doc.AddFieldMappingsAt(langField(role.name, lang), text(analyzerOf(lang), false, false))
		}
	}
	// No _all field: every query names its fields, and filling it cost 7% of a rebuild.
	doc.AddSubDocumentMapping("_all", mapping.NewDocumentDisabledMapping())
	m.DefaultMapping = doc
	m.DefaultAnalyzer = foldedName
	m.DefaultField = fieldTitle
	return m, nil
}

// Field names in the index. The facet fields are named as the facets in GraphQL.
const (
	fieldType      = "type"
	fieldTheme     = "theme"
	fieldCountry   = "country"
	fieldLanguage  = "language"
	fieldYear      = "year"
	fieldProgramme = "programme"
	fieldStatus    = "status"
	fieldPeriod    = "period" // only in the facet field: a call's opening date and final deadline
	fieldTool      = "tool"
	fieldAuthor    = "author"
	fieldFacet     = "facet"  // field=value for every facet field, and a call's period=opening/deadline
	fieldLinks     = "links"  // the names of what a practice links to: tools, authors (folded)
	fieldLinked    = "linked" // the concept terms of a document's themes and country
	fieldTitle     = "title"
	fieldSummary   = "summary"
	fieldBody      = "body"
)

// roles are the text fields, with how much a match in each counts.
var roles = []struct {
	name  string
	boost float64
}{{fieldTitle, 3}, {fieldSummary, 2}, {fieldBody, 1}}

func langField(role, lang string) string { return role + "_" + lang }

// stopWords are the stop words of every language that has a list. A query word in it is optional: "la
// città" needs "città", not "la", and a query of stop words alone finds nothing.
var stopWords = func() map[string]bool {
	cache := registry.NewCache()
	out := map[string]bool{}
	for _, a := range Languages {
		for _, name := range a[1:] {
			if !strings.HasPrefix(name, "stop_") {
				continue
			}
			words, err := cache.TokenMapNamed(name)
			if err != nil {
				panic(err) // a stop list this package names is missing: a programming error
			}
			for w := range words {
				out[foldString(w)] = true
			}
		}
	}
	return out
}()
