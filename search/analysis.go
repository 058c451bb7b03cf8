package search

import (
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
	_ "github.com/blevesearch/bleve/v2/analysis/lang/pl"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/pt"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/ro"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/sv"
)

// MappingVersion changes whenever the mapping or the documents change shape; an index built with another
// version is rebuilt on start.
const MappingVersion = "7"

// Languages are the EU's 24 official languages, each with the best analysis Bleve offers (the README has
// the table). Texts in other languages are searchable through the folded fields only.
var Languages = map[string]languageAnalysis{
	// Bleve's full analyzers: stop words and a stemmer. Croatian's is Bleve's too, with its stemmer's
	// results remembered (see newMapping).
	"da": full, "de": full, "en": full, "es": full, "fi": full, "fr": full, "hr": full, "hu": full,
	"it": full, "nl": full, "pl": full, "pt": full, "ro": full, "sv": full,
	// Stop words, then folding.
	"bg": {stop: "stop_bg"}, "cs": {stop: "stop_cs"}, "el": {stop: "stop_el"},
	"ga": {stop: "stop_ga", pre: []string{"elision_ga"}},
	// Bleve has nothing for these: Unicode words, lower case, folding.
	"et": {}, "lt": {}, "lv": {}, "mt": {}, "sk": {}, "sl": {},
}

type languageAnalysis struct {
	full bool     // Bleve's analyzer of the language's name
	stop string   // a stop word filter
	pre  []string // filters before lower-casing
}

var full = languageAnalysis{full: true}

// analyzerOf names the analyzer of a language's fields.
func analyzerOf(lang string) string {
	if lang == "hr" {
		return "hr_memo"
	}
	if Languages[lang].full {
		return lang
	}
	return "lang_" + lang
}

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
		return character.NewCharacterTokenizer(isWordRune), nil
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
}

const hrStemmerMemo = "stemmer_hr_memo"

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
	if err := m.AddCustomAnalyzer(analyzerOf("hr"), map[string]any{
		"type": custom.Name, "tokenizer": unicodetok.Name,
		"token_filters": []string{lowercase.Name, hr.StopName, hrStemmerMemo},
	}); err != nil {
		return nil, err
	}
	if err := m.AddCustomAnalyzer(foldedName, map[string]any{
		"type": custom.Name, "tokenizer": wordsName, "token_filters": []string{lowercase.Name, foldName},
	}); err != nil {
		return nil, err
	}
	for lang, a := range Languages {
		if a.full || lang == "hr" {
			continue
		}
		filters := append(append([]string{}, a.pre...), lowercase.Name)
		if a.stop != "" {
			filters = append(filters, a.stop)
		}
		filters = append(filters, foldName)
		if err := m.AddCustomAnalyzer(analyzerOf(lang), map[string]any{
			"type": custom.Name, "tokenizer": wordsName, "token_filters": filters,
		}); err != nil {
			return nil, err
		}
	}

	doc := mapping.NewDocumentStaticMapping()
	// Keyword fields are for filters; all facets are counted from the one facet field, whose doc values
	// are read once per hit rather than once per facet.
	keyword := func(store, docValues bool) *mapping.FieldMapping {
		f := mapping.NewKeywordFieldMapping()
		f.Store = store
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = docValues
		return f
	}
	for _, f := range []string{fieldType, fieldTheme, fieldCountry, fieldProgramme, fieldStatus, fieldYear,
		fieldTool, fieldAuthor} {
		doc.AddFieldMappingsAt(f, keyword(false, false))
	}
	doc.AddFieldMappingsAt(fieldLanguage, keyword(true, false))
	doc.AddFieldMappingsAt(fieldFacet, keyword(false, true))
	text := func(analyzer string, store bool) *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = store
		f.IncludeTermVectors = true // positions for phrases, offsets for highlights
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	for _, role := range roles {
		doc.AddFieldMappingsAt(role.name, text(foldedName, true))
		for lang := range Languages {
			doc.AddFieldMappingsAt(langField(role.name, lang), text(analyzerOf(lang), false))
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
	fieldFacet     = "facet" // field=value for every facet field, and a call's period=opening/deadline
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
	for lang, a := range Languages {
		name := a.stop
		if a.full {
			name = "stop_" + lang
		}
		if name == "" {
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
	return out
}()
