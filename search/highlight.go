package search

import (
	"html"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Highlight is where a hit matched: fragments of one text field, HTML-escaped, with the matched words in
// <mark>. Language is the language of the version the fragments come from.
type Highlight struct {
	Field     string
	Language  string
	Fragments []string
}

const (
	wholeFieldBytes = 300 // texts up to this long are shown whole
	fragmentRunes   = 160
	maxFragments    = 2
)

type span struct{ start, end int }

// highlights builds a hit's highlights from its term locations. Bleve's own highlighter reads the stored
// value of the very field that matched; here one text is indexed in two fields (folded, and in its
// language), and the folded field stores every version, so locations from either are mapped back to
// the version they came from.
func highlights(hit *search.DocumentMatch, readerLang string) []*Highlight {
	langs := strs(hit.Fields[fieldLanguage])
	spans := map[string]map[int][]span{} // role -> version -> spans
	for field, terms := range hit.Locations {
		role, lang, _ := strings.Cut(field, "_")
		if !textFields[role] {
			continue
		}
		for _, locs := range terms {
			for _, l := range locs {
				v := 0
				if lang != "" {
					v = indexOf(langs, lang)
				} else if len(l.ArrayPositions) > 0 {
					v = int(l.ArrayPositions[0])
				}
				if v < 0 {
					continue
				}
				if spans[role] == nil {
					spans[role] = map[int][]span{}
				}
				spans[role][v] = append(spans[role][v], span{int(l.Start), int(l.End)})
			}
		}
	}
	out := []*Highlight{}
	for _, r := range roles {
		byVersion := spans[r.name]
		if len(byVersion) == 0 {
			continue
		}
		best := -1
		for v, ss := range byVersion {
			if best < 0 || len(ss) > len(byVersion[best]) ||
				len(ss) == len(byVersion[best]) && prefer(langs, v, best, readerLang) {
				best = v
			}
		}
		texts := strs(hit.Fields[r.name])
		if best >= len(texts) {
			continue
		}
		frags := fragments(texts[best], merge(byVersion[best]), r.name != fieldBody)
		if len(frags) == 0 {
			continue
		}
		h := &Highlight{Field: r.name, Fragments: frags}
		if best < len(langs) {
			h.Language = langs[best]
		}
		out = append(out, h)
	}
	return out
}

// prefer breaks a tie between two versions: the reader's language first, then the original.
func prefer(langs []string, v, than int, readerLang string) bool {
	lang := func(i int) string {
		if i < len(langs) {
			return langs[i]
		}
		return ""
	}
	if readerLang != "" && (lang(v) == readerLang) != (lang(than) == readerLang) {
		return lang(v) == readerLang
	}
	return v < than
}

func merge(ss []span) []span {
	sort.Slice(ss, func(i, j int) bool { return ss[i].start < ss[j].start })
	out := ss[:0]
	for _, s := range ss {
		if n := len(out); n > 0 && s.start <= out[n-1].end {
			out[n-1].end = max(out[n-1].end, s.end)
			continue
		}
		out = append(out, s)
	}
	return out
}

// fragments cuts text into at most maxFragments windows around the spans, escaping it and marking them.
func fragments(text string, ss []span, whole bool) []string {
	valid := ss[:0]
	for _, s := range ss {
		if s.start >= 0 && s.end <= len(text) && s.start < s.end {
			valid = append(valid, s)
		}
	}
	ss = valid
	if len(ss) == 0 {
		return nil
	}
	if whole && len(text) <= wholeFieldBytes {
		return []string{mark(text, 0, len(text), ss)}
	}
	var out []string
	for i := 0; i < len(ss) && len(out) < maxFragments; {
		from := back(text, ss[i].start, fragmentRunes/4)
		to := forward(text, from, fragmentRunes)
		if to < ss[i].end {
			to = ss[i].end
		}
		f := mark(text, from, to, ss)
		if from > 0 {
			f = "…" + f
		}
		if to < len(text) {
			f += "…"
		}
		out = append(out, f)
		for i < len(ss) && ss[i].start < to {
			i++
		}
	}
	return out
}

// back moves from i back by about n characters, to the start of a word.
func back(text string, i, n int) int {
	for ; n > 0 && i > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(text[:i])
		i -= size
	}
	if i > 0 {
		if sp := strings.IndexAny(text[i:], " \n\t"); sp >= 0 && sp < 20 {
			i += sp + 1
		}
	}
	return i
}

// forward moves from i forward by about n characters, to the end of a word.
func forward(text string, i, n int) int {
	for ; n > 0 && i < len(text); n-- {
		_, size := utf8.DecodeRuneInString(text[i:])
		i += size
	}
	if i < len(text) {
		if sp := strings.LastIndexAny(text[:i], " \n\t"); sp > 0 && i-sp < 20 {
			i = sp
		}
	}
	return i
}

// mark escapes text[from:to] as HTML, wrapping the spans inside it in <mark>.
func mark(text string, from, to int, ss []span) string {
	var b strings.Builder
	at := from
	for _, s := range ss {
		if s.end <= from || s.start >= to {
			continue
		}
		start, end := max(s.start, from), min(s.end, to)
		b.WriteString(html.EscapeString(text[at:start]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[start:end]))
		b.WriteString("</mark>")
		at = end
	}
	b.WriteString(html.EscapeString(text[at:to]))
	return strings.Join(strings.Fields(b.String()), " ")
}

func indexOf(xs []string, x string) int {
	for i, y := range xs {
		if y == x {
			return i
		}
	}
	return -1
}

// strs reads a stored field, which Bleve returns as a string when it holds one value.
func strs(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			s, _ := x.(string)
			out = append(out, s)
		}
		return out
	}
	return nil
}

// langLocations adds to a page's hit the locations of the terms a query looks for in its language fields
// (wanted, langTerms), which keep no term vectors: each of the hit's versions is analysed again as its
// language field indexed it, so stemmed words and every word that carried a concept are marked as if
// Bleve had kept their places.
func langLocations(hit *search.DocumentMatch, wanted map[string]map[string]bool) {
	if len(wanted) == 0 {
		return
	}
	langs := strs(hit.Fields[fieldLanguage])
	for _, r := range roles {
		texts := strs(hit.Fields[r.name])
		for v, lang := range langs {
			field := langField(r.name, lang)
			terms := wanted[field]
			if terms == nil || v >= len(texts) || indexOf(langs, lang) != v {
				continue // the language field holds a language's first version only
			}
			add := func(term string, start, end, pos int) {
				if hit.Locations == nil {
					hit.Locations = search.FieldTermLocationMap{}
				}
				if hit.Locations[field] == nil {
					hit.Locations[field] = search.TermLocationMap{}
				}
				hit.Locations[field][term] = append(hit.Locations[field][term],
					&search.Location{Pos: uint64(pos), Start: uint64(start), End: uint64(end)})
			}
			tokens := analyzeIn(lang, texts[v])
			for _, t := range tokens {
				if terms[string(t.Term)] {
					add(string(t.Term), t.Start, t.End, t.Position)
				}
			}
			// Every mention of a concept the query looks for, which the index holds once per text.
			l, err := loadedConcepts()
			if err != nil {
				continue
			}
			for _, m := range l.find(lang, tokens) {
				pos := tokens[m.first].Position
				if c := conceptTerm(m.Concept); terms[c] {
					add(c, m.Start, m.End, pos)
				}
				for _, b := range l.up[m.Concept] {
					if c := broaderTerm(b); terms[c] {
						add(c, m.Start, m.End, pos)
					}
				}
			}
		}
	}
}

// langTerms lists, by language field, the terms q matches there, leaving out what it excludes.
func langTerms(q query.Query) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	add := func(field, term string) {
		if !isLangField(field) {
			return
		}
		if out[field] == nil {
			out[field] = map[string]bool{}
		}
		out[field][term] = true
	}
	var walk func(query.Query)
	walk = func(q query.Query) {
		switch q := q.(type) {
		case *query.BooleanQuery:
			walk(q.Must)
			walk(q.Should)
		case *query.ConjunctionQuery:
			for _, c := range q.Conjuncts {
				walk(c)
			}
		case *query.DisjunctionQuery:
			for _, d := range q.Disjuncts {
				walk(d)
			}
		case *addScoreQuery:
			walk(q.inner)
		case *mustQuery:
			walk(q.inner)
		case *query.TermQuery:
			add(q.FieldVal, q.Term)
		case *query.MatchQuery:
			if _, lang, ok := strings.Cut(q.FieldVal, "_"); ok {
				for _, t := range analyzeIn(lang, q.Match) {
					add(q.FieldVal, string(t.Term))
				}
			}
		}
	}
	walk(q)
	return out
}

func isLangField(field string) bool {
	role, lang, ok := strings.Cut(field, "_")
	_, known := Languages[lang]
	return ok && known && textFields[role]
}
