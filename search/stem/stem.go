// Package stem holds light stemmers for the EU languages that Bleve cannot stem: Bulgarian, Czech, Estonian,
// Greek, Irish, Latvian, Lithuanian, Maltese, Slovak and Slovene.
//
// No pure-Go, maintained library covers them: github.com/blevesearch/snowballstem (already in the module
// graph) has Irish only, and its Irish leaves plurals such as braiteoirí alone; github.com/kljensen/snowball
// has none of them; the Go bindings that have more (tebeka/snowball, goodsign/snowball) need cgo. So each
// language here is a small suffix stripper written from a published algorithm, named in its file.
//
// Every stemmer is light on purpose: it removes case and number endings of nouns and adjectives (and a few
// verb endings where the published rules do), never derivational suffixes, because a search that conflates
// too much ranks unrelated texts together and that is worse than a missed inflected form. Each keeps at least
// three runes, so short words come back as they went in, and never allocates unless it rewrites a letter
// inside the stem (Czech c → k, Latvian ļ → l, Irish lenition, …): most words come back as a prefix (or, for
// Irish, a substring) of themselves.
package stem

import (
	"slices"
	"unicode/utf8"
)

// Stemmer reduces a lower-cased, NOT diacritic-folded word of its language to a stem; words it does
// not recognise come back unchanged. It must be safe for concurrent use and allocation-light.
type Stemmer func(word string) string

// Languages lists the codes For knows.
var Languages = []string{"bg", "cs", "el", "et", "ga", "lt", "lv", "mt", "sk", "sl"}

var stemmers = map[string]Stemmer{
	"bg": Bulgarian,
	"cs": Czech,
	"el": Greek,
	"et": Estonian,
	"ga": Irish,
	"lt": Lithuanian,
	"lv": Latvian,
	"mt": Maltese,
	"sk": Slovak,
	"sl": Slovene,
}

// For returns the stemmer of a language code, and whether there is one.
func For(lang string) (Stemmer, bool) {
	s, ok := stemmers[lang]
	return s, ok
}

// minStem is the fewest runes a stem keeps: below it, endings and stems are too alike to tell apart.
const minStem = 3

// maxRunes bounds the words that are stemmed; longer tokens (identifiers, URLs, compounds run together) come
// back unchanged, which lets every stemmer decode into a buffer on its own stack.
const maxRunes = 64

type buffer [maxRunes]rune

// decode puts w's runes into b. It fails on words too long or too short to stem and on invalid UTF-8 (which
// then comes back untouched rather than with its bytes replaced).
func decode(w string, b *buffer) ([]rune, bool) {
	if len(w) < minStem+1 {
		return nil, false
	}
	n := 0
	for i := 0; i < len(w); {
		r, size := rune(w[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(w[i:])
			if r == utf8.RuneError && size == 1 {
				return nil, false
			}
		}
		if n == maxRunes {
			return nil, false
		}
		b[n] = r
		n++
		i += size
	}
	if n <= minStem {
		return nil, false
	}
	return b[:n], true
}

// prefix returns w's first n runes without copying.
func prefix(w string, n int) string {
	for i := range w {
		if n == 0 {
			return w[:i]
		}
		n--
	}
	return w
}

// result is what a stemmer returns for w when its (possibly rewritten) runes r were cut to r[:n]: a prefix of w
// when nothing was rewritten, a new string only when something was.
func result(w string, r []rune, n int, rewritten bool) string {
	if n == len(r) && !rewritten {
		return w
	}
	if !rewritten {
		return prefix(w, n)
	}
	return string(r[:n])
}

// hasSuffix reports whether r ends with s.
func hasSuffix(r []rune, s []rune) bool {
	if len(s) > len(r) {
		return false
	}
	r = r[len(r)-len(s):]
	for i, c := range s {
		if r[i] != c {
			return false
		}
	}
	return true
}

// ends reports whether r ends with the string s. It decodes s from its end by hand, because it runs a dozen
// times a word with endings that are ASCII or two-byte letters.
func ends(r []rune, s string) bool {
	i := len(r)
	for j := len(s); j > 0; {
		var c rune
		switch b := s[j-1]; {
		case b < utf8.RuneSelf:
			c = rune(b)
			j--
		case j >= 2 && s[j-2]&0xE0 == 0xC0:
			c = rune(s[j-2]&0x1F)<<6 | rune(b&0x3F)
			j -= 2
		default:
			var size int
			c, size = utf8.DecodeLastRuneInString(s[:j])
			j -= size
		}
		i--
		if i < 0 || r[i] != c {
			return false
		}
	}
	return true
}

// endsAny reports whether r ends with one of ss.
func endsAny(r []rune, ss ...string) bool {
	for _, s := range ss {
		if ends(r, s) {
			return true
		}
	}
	return false
}

// runeSet is a set of letters below U+0500 (Latin, Greek, Cyrillic), looked up in one step.
type runeSet [0x500 / 64]uint64

func newSet(letters string) *runeSet {
	var s runeSet
	for _, c := range letters {
		if c >= 0x500 {
			panic("stem: letter outside runeSet: " + string(c))
		}
		s[c>>6] |= 1 << (c & 63)
	}
	return &s
}

func (s *runeSet) has(c rune) bool { return c >= 0 && c < 0x500 && s[c>>6]&(1<<(c&63)) != 0 }

// ending is one entry of a suffix table: the suffix and what to do once it is found.
type ending struct {
	s   []rune
	act int
}

// table finds the longest of a set of endings, as Snowball's among does: endings are bucketed by their last
// rune, longest first, so a look-up tries only the few that could match.
type table struct {
	buckets [128][]ending
}

// newTable builds a table from groups of endings that share an action.
func newTable(groups map[int][]string) *table {
	t := &table{}
	for act, ss := range groups {
		for _, s := range ss {
			e := ending{s: []rune(s), act: act}
			b := &t.buckets[e.s[len(e.s)-1]&127]
			if slices.ContainsFunc(*b, func(o ending) bool { return slices.Equal(o.s, e.s) }) {
				panic("stem: ending listed twice: " + s)
			}
			*b = append(*b, e)
		}
	}
	for i := range t.buckets {
		slices.SortStableFunc(t.buckets[i], func(a, b ending) int {
			if len(a.s) != len(b.s) {
				return len(b.s) - len(a.s)
			}
			return slices.Compare(a.s, b.s)
		})
	}
	return t
}

// longest returns the longest ending of r that starts at or after rune from, so that from runes stay.
func (t *table) longest(r []rune, from int) (ending, bool) {
	if len(r) == 0 {
		return ending{}, false
	}
	for _, e := range t.buckets[r[len(r)-1]&127] {
		if len(r)-len(e.s) >= from && hasSuffix(r, e.s) {
			return e, true
		}
	}
	return ending{}, false
}

// find returns the longest ending of r that starts at or after rune from and that accept allows (accept gets
// where the ending would start), for rules whose endings hold only after certain letters.
func (t *table) find(r []rune, from int, accept func(e ending, at int) bool) (ending, bool) {
	if len(r) == 0 {
		return ending{}, false
	}
	for _, e := range t.buckets[r[len(r)-1]&127] {
		at := len(r) - len(e.s)
		if at >= from && hasSuffix(r, e.s) && accept(e, at) {
			return e, true
		}
	}
	return ending{}, false
}
