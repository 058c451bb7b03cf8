package stem

// Estonian is the noun part of Snowball's Estonian stemmer (snowballstem.org, algorithms/estonian.sbl, by
// Linda Freienthal, 2019): inside R1 the special endings of -lane, -mine, -line nouns, the case endings
// (-sse, -st, -le, -lt, -ga, -ks, -ta, -t, -s, -l, each only after a vowel as Snowball requires), the
// plural markers of the first three cases (-sid, -te, -de, -d, -ikke/-ike/-ikkude) and the i-plural; its
// verb endings, degrees and participles are left out.
//
// Snowball keeps the genitive stem's vowel, so andur and andurid (→ anduri) stay apart, and leaves -ne/-se
// and -s/-se nouns split between two stems. Three steps after it make every case of a noun meet:
//   - -ne, -se go (digitaalne, digitaalse, digitaalsed → digitaal), as do -si and a final -s after a vowel
//     (teenus, teenuse, teenuseid, teenuste → teenu-; omavalitsusi);
//   - -kk, -pp, -tt before the final vowel, and a final double k, p or t, become single: consonant gradation
//     (mõte/mõtte, rakk/raku, kott/koti);
//   - the final stem vowel a, e, i, u after a consonant goes (Tartu, Tartus, Tartusse → tart; anduri → andur).

var (
	etVowels     = newSet("aeiouõäöü")
	etRVs        = newSet("aeiuo")
	etStemVowels = newSet("aeiu")
	etKPT        = newSet("kpt")
)

func etVowel(c rune) bool { return etVowels.has(c) }

// etRV are the vowels after which Snowball lets a case ending go.
func etRV(c rune) bool { return etRVs.has(c) }

// etLong reports whether r ends with a long vowel.
func etLong(r []rune) bool {
	n := len(r)
	return n >= 2 && r[n-1] == r[n-2] && etVowel(r[n-1])
}

// etAfterVowel reports whether the ending that starts at at follows a vowel of RV or a long vowel.
func etAfterVowel(r []rune, at int) bool {
	return at > 0 && (etRV(r[at-1]) || etLong(r[:at]))
}

// etR1 is where Estonian's R1 starts: after the first consonant that follows a vowel.
func etR1(r []rune) int {
	i := 0
	for i < len(r) && !etVowel(r[i]) {
		i++
	}
	for i < len(r) && etVowel(r[i]) {
		i++
	}
	if i == len(r) {
		return len(r)
	}
	return i + 1
}

// The special endings keep, of themselves, the la-, mi-, li- that all their forms share (teadlane,
// teadlase, teadlast → teadla-, which the final step makes teadl-).
var etSpecial = []string{
	"lasse", "last", "lane", "lasi", "misse", "mist", "mine", "misi", "lisse", "list", "line", "lisi",
}

const (
	etCase = iota
	etT    // partitive -t: after four letters
	etSid
	etTe
	etDe
	etIku // -ikkude, -ikke, -ike → -iku
)

var etCases = newTable(map[int][]string{
	etCase: {"sse", "st", "le", "lt", "ga", "ks", "ta", "s", "l"},
	etT:    {"t"},
})

var etPlurals = newTable(map[int][]string{
	etIku: {"ikkude", "ikke", "ike"},
	etSid: {"sid"},
	etTe:  {"te"},
	etDe:  {"de", "d"},
})

// Estonian stems an Estonian word.
func Estonian(w string) string {
	var b buffer
	r, ok := decode(w, &b)
	if !ok {
		return w
	}
	p1 := max(etR1(r), minStem)
	n := etSubstantive(r, p1)
	n = etFinal(r[:n], p1)
	return result(w, r, n, false)
}

func etSubstantive(r []rune, p1 int) int {
	n := len(r)
	for _, s := range etSpecial {
		if ends(r, s) {
			if at := n - len(s); at >= p1 {
				return at + 2
			}
			break
		}
	}
	if e, ok := etCases.longest(r, p1); ok {
		at := n - len(e.s)
		if e.act == etT && at >= 4 || e.act == etCase && etAfterVowel(r, at) {
			n = at
		}
	}
	if e, ok := etPlurals.longest(r[:n], p1); ok {
		s := r[:n]
		at := n - len(e.s)
		switch e.act {
		case etIku:
			n = at + 3
		case etSid:
			if !etLong(s[:at]) {
				n = at
			}
		case etTe:
			switch {
			case at < 4:
				// torte → tort: Snowball rewrites -te to -t in short words
				n = at + 1
			case endsAny(s[:at], "mis", "las", "lis"):
				// teadlaste, tegemiste, roheliste → teadlase, …, which the final step cuts to teadla-
				n = at - 1
			case ends(s[:at], "t"):
				// kokkuvõtte keeps its -te
			default:
				n = at
			}
		case etDe:
			if etAfterVowel(s, at) {
				n = at
			}
		}
	}
	// the i-plural: raamatuid, lapsikuid
	if n-1 >= p1 && r[n-1] == 'i' && etRV(r[n-2]) {
		n--
	}
	return n
}

// etFinal is the step this package adds to Snowball's so that all cases of a noun meet (see above).
func etFinal(r []rune, p1 int) int {
	n := len(r)
	switch {
	case n-2 >= p1 && (ends(r, "ne") || ends(r, "se")):
		n -= 2
	case n-2 >= p1 && ends(r, "si") && etRV(r[n-3]):
		n -= 2
	case n-1 >= p1 && r[n-1] == 's' && etRV(r[n-2]):
		n--
	}
	if n < 3 {
		return n
	}
	last, c1, c2 := r[n-1], r[n-2], r[n-3]
	switch {
	case n-2 >= p1 && etStemVowels.has(last) && c1 == c2 && etKPT.has(c1):
		return n - 2
	case n-1 >= p1 && etStemVowels.has(last) && !etVowel(c1):
		return n - 1
	case n-1 >= p1 && last == c1 && etKPT.has(last):
		return n - 1
	}
	return n
}
