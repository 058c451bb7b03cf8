package search

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/agnivade/levenshtein"
	"github.com/blevesearch/bleve/v2/analysis"
)

// The concept layer: the subjects of local digital transformation (parking, digital twins, participatory
// budgeting ...), each with labels in the 24 official EU languages (concepts/*.json, reviewed like code).
// A text's concepts are found in its own language, after that language's analysis, and indexed with its
// document; a query's words are mapped to concepts in the query's language; so a document is found by
// what it is about in every language, not only by the words it shares with the query.

//go:embed concepts/*.json
var conceptFiles embed.FS

// Concept is one subject with its labels.
type Concept struct {
	ID string `json:"id"`
	// Broader is the concept this one is a kind or part of; a query for it also finds this one.
	Broader string `json:"broader"`
	// Theme is the hub theme the concept belongs to.
	Theme   string `json:"theme"`
	EuroVoc string `json:"eurovoc"`
	// Labels by language: the preferred label first, then alternatives.
	Labels map[string][]string `json:"labels"`
	// Shared labels may belong to another concept of the same language too.
	Shared map[string][]string `json:"shared"`
}

// Label is the concept's preferred label in lang, or in English when it has none there.
func (c *Concept) Label(lang string) string {
	if ls := c.Labels[lang]; len(ls) > 0 {
		return ls[0]
	}
	if ls := c.Labels["en"]; len(ls) > 0 {
		return ls[0]
	}
	return c.ID
}

// compounding languages write a concept's words together ("Parkplatzsensoren"): there a word also
// carries the concepts of the single-word labels it begins or ends with.
var compounding = map[string]bool{"de": true, "nl": true, "sv": true, "da": true, "fi": true, "et": true, "hu": true}

// minPart is the shortest analysed label found at the start or end of a compound word: shorter ones
// ("rat", "bus") begin or end too many unrelated words.
const minPart = 5

// conceptLayer is the loaded concepts with, per language, their labels as analysed terms.
type conceptLayer struct {
	byID map[string]*Concept
	// up lists each concept's broader concepts, nearest first.
	up   map[string][]string
	dict map[string]*labelDict
	// terms are each concept's index terms, made once: conceptTerm, and broaderTerm of each of up.
	terms map[string]indexTerms
}

type indexTerms struct {
	own     []byte
	broader [][]byte
}

// labelDict finds the concepts of one language's labels in a stream of analysed terms.
type labelDict struct {
	// byFirst holds the labels by their first term, longest first.
	byFirst map[string][]labelTerms
	// parts are the single-term labels that compound words may contain; single are all single-term
	// labels, for words typed with a typo (near).
	parts, single []labelTerms
	// inside remembers which parts a term contains: the vocabulary is far smaller than the text. A
	// plain map under a lock, emptied when full: a sync.Map copies itself over and over while a rebuild
	// keeps adding terms (it made a rebuild of 100,000 practices twice as slow).
	mu     sync.RWMutex
	inside map[string][]string
}

const insideSize = 200_000

type labelTerms struct {
	terms   []string
	concept string
}

// ConceptMatch is a concept found in a text: where its label stands, in bytes.
type ConceptMatch struct {
	Concept    string
	Start, End int
	// first and last are the label's first and last tokens in the stream.
	first, last int
	// Part is set when the label began or ended a compound word.
	Part bool
}

var (
	conceptsOnce sync.Once
	concepts     *conceptLayer
	conceptsErr  error
)

// loadedConcepts is the concept layer, built on first use from the embedded files with the index's own
// analyzers.
func loadedConcepts() (*conceptLayer, error) {
	conceptsOnce.Do(func() {
		var cs []*Concept
		if cs, conceptsErr = readConcepts(conceptFiles); conceptsErr == nil {
			concepts, conceptsErr = newConceptLayer(cs, analyzeIn)
		}
	})
	return concepts, conceptsErr
}

func readConcepts(fsys fs.FS) ([]*Concept, error) {
	files, err := fs.Glob(fsys, "concepts/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []*Concept
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		var file struct{ Concepts []*Concept }
		if err := json.Unmarshal(b, &file); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out = append(out, file.Concepts...)
	}
	return out, nil
}

// newConceptLayer analyses every label with analyze (a language's analysis of a text).
func newConceptLayer(cs []*Concept, analyze func(lang, text string) analysis.TokenStream) (*conceptLayer, error) {
	l := &conceptLayer{byID: map[string]*Concept{}, up: map[string][]string{}, dict: map[string]*labelDict{},
		terms: map[string]indexTerms{}}
	for _, c := range cs {
		if l.byID[c.ID] != nil {
			return nil, fmt.Errorf("concept %q is defined twice", c.ID)
		}
		l.byID[c.ID] = c
	}
	for _, c := range cs {
		seen := map[string]bool{c.ID: true}
		for b := c.Broader; b != "" && !seen[b]; {
			seen[b] = true
			if l.byID[b] == nil {
				break
			}
			l.up[c.ID] = append(l.up[c.ID], b)
			next := l.byID[b]
			if next == nil {
				break // TestConceptData refuses such data; serving goes on without the link
			}
			b = next.Broader
		}
	}
	for _, c := range cs {
		t := indexTerms{own: []byte(conceptTerm(c.ID))}
		for _, b := range l.up[c.ID] {
			t.broader = append(t.broader, []byte(broaderTerm(b)))
		}
		l.terms[c.ID] = t
	}
	for _, c := range cs {
		for lang, labels := range c.Labels {
			d := l.dict[lang]
			if d == nil {
				d = &labelDict{byFirst: map[string][]labelTerms{}}
				l.dict[lang] = d
			}
			for _, label := range withJoined(labels) {
				terms := termsOf(analyze(lang, label))
				if len(terms) == 0 {
					continue
				}
				// Also without diacritics, as a reader may type them and a text may be written.
				folded := make([]string, len(terms))
				for i, t := range terms {
					folded[i] = string(fold([]byte(t)))
				}
				for _, terms := range [][]string{terms, folded} {
					if slices.ContainsFunc(d.byFirst[terms[0]], func(x labelTerms) bool {
						return x.concept == c.ID && slices.Equal(x.terms, terms)
					}) {
						continue
					}
					lt := labelTerms{terms: terms, concept: c.ID}
					d.byFirst[terms[0]] = append(d.byFirst[terms[0]], lt)
					if len(terms) == 1 {
						d.single = append(d.single, lt)
						if len([]rune(terms[0])) >= minPart && compounding[lang] {
							d.parts = append(d.parts, lt)
						}
					}
				}
			}
		}
	}
	for _, d := range l.dict {
		for _, lts := range d.byFirst {
			sort.SliceStable(lts, func(i, j int) bool { return len(lts[i].terms) > len(lts[j].terms) })
		}
	}
	return l, nil
}

// withJoined adds to labels written with hyphens ("e-invoicing") the same written as one word
// ("einvoicing"), as readers write them either way.
func withJoined(labels []string) []string {
	out := labels
	for _, label := range labels {
		if j := strings.ReplaceAll(label, "-", ""); j != label && !slices.Contains(out, j) {
			if len(out) == len(labels) {
				out = slices.Clone(labels)
			}
			out = append(out, j)
		}
	}
	return out
}

func termsOf(ts analysis.TokenStream) []string {
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		if len(t.Term) > 0 { // a stemmer may leave nothing of a word
			out = append(out, string(t.Term))
		}
	}
	return out
}

// find returns the concepts whose labels occur in tokens, a text's analysis in lang: every label that
// matches a run of consecutive terms, and in compounding languages the single-term labels that begin or
// end a longer term.
func (l *conceptLayer) find(lang string, tokens analysis.TokenStream) []ConceptMatch {
	d := l.dict[lang]
	if d == nil {
		return nil
	}
	var out []ConceptMatch
	for i, t := range tokens {
		term := string(t.Term)
		whole := false
		for _, lt := range d.byFirst[term] {
			if i+len(lt.terms) > len(tokens) {
				continue
			}
			ok := true
			for k := 1; k < len(lt.terms); k++ {
				if string(tokens[i+k].Term) != lt.terms[k] {
					ok = false
					break
				}
			}
			if ok {
				out = append(out, ConceptMatch{Concept: lt.concept, Start: t.Start, End: tokens[i+len(lt.terms)-1].End,
					first: i, last: i + len(lt.terms) - 1})
				whole = whole || len(lt.terms) == 1
			}
		}
		if !whole && len(d.parts) > 0 && len(term) > minPart+2 {
			for _, c := range d.partsOf(term) {
				out = append(out, ConceptMatch{Concept: c, Start: t.Start, End: t.End, first: i, last: i, Part: true})
			}
		}
	}
	return out
}

// near lists the concepts of the single-term labels fewest edits from term, within what fuzziness
// allows a word of its length: so a misspelt word still carries its concept ("kyberturvalisuus").
func (d *labelDict) near(term string) []string {
	limit := fuzziness(utf8.RuneCountInString(term))
	if limit == 0 {
		return nil
	}
	var out []string
	best := limit + 1
	for _, lt := range d.single {
		label := lt.terms[0]
		if diff := len(label) - len(term); diff > 2*limit || -diff > 2*limit {
			continue // bytes, not runes: a cheap bound before the distance
		}
		dist := levenshtein.ComputeDistance(term, label)
		switch {
		case dist < best:
			best, out = dist, []string{lt.concept}
		case dist == best && !slices.Contains(out, lt.concept):
			out = append(out, lt.concept)
		}
	}
	return out
}

// partsOf lists the concepts of the single-term labels that term begins or ends with: the first and last
// parts of a compound ("parkplatz" and "sensor" in "parkplatzsensor"). A label found anywhere inside a
// word matches too often by chance ("itali" in "digitalisierung").
func (d *labelDict) partsOf(term string) []string {
	d.mu.RLock()
	v, ok := d.inside[term]
	d.mu.RUnlock()
	if ok {
		return v
	}
	var out []string
	for _, p := range d.parts {
		part := p.terms[0]
		if part != term && (strings.HasPrefix(term, part) || strings.HasSuffix(term, part)) && !slices.Contains(out, p.concept) {
			out = append(out, p.concept)
		}
	}
	d.mu.Lock()
	if d.inside == nil || len(d.inside) >= insideSize {
		d.inside = make(map[string][]string, 1024)
	}
	d.inside[term] = out
	d.mu.Unlock()
	return out
}

// analyzers are the analyzers of the language fields without their concepts, shared by queries, the
// concept layer and the highlights, so that a label is analysed exactly as the texts it is to be found in.
var analyzers = sync.OnceValues(func() (map[string]analysis.Analyzer, error) {
	m, err := newMapping()
	if err != nil {
		return nil, err
	}
	out := map[string]analysis.Analyzer{}
	for lang := range Languages {
		a := m.AnalyzerNamed(queryAnalyzerOf(lang))
		if a == nil {
			return nil, fmt.Errorf("no analyzer for %s", lang)
		}
		out[lang] = a
	}
	return out, nil
})

// analyzeIn analyses text as the language fields of lang do, without their concepts; nothing for a
// language without them.
func analyzeIn(lang, text string) analysis.TokenStream {
	as, err := analyzers()
	if err != nil || as[lang] == nil {
		return nil
	}
	return as[lang].Analyze([]byte(text))
}
