package stem

// Irish first undoes the initial mutations as Snowball's Irish stemmer does (snowballstem.org,
// algorithms/irish.sbl, by Jim O'Regan: eclipsis bhf-, mb-, gc-, nd-, ng-, bp-, dt-, ts-; lenition bh-, ch-,
// dh-, fh-, gh-, mh-, ph-, sh-, th-; the prefixed h-, n-, t-), and also removes the h that a vowel-initial word
// takes after na, le, go (na hoifige, le haghaidh, na hÉireann), since native Irish words do not begin with
// h. Capitalised eclipsis and t-prefix without a hyphen (nÉireann, tUachtarán) cannot be told from n-, t-
// words once lower-cased, and are left alone.
//
// Snowball's Irish then removes derivational and verbal suffixes but not the plural and genitive endings a
// search meets most (braiteoirí, sonraí, seirbhísí), so instead this removes those endings as the standard
// grammars give them for the five declensions (the Christian Brothers' New Irish Grammar; Gramadach na
// Gaeilge): -(e)acha, -(e)anna, -(a)ithe, -t(h)a, -t(h)e, -aí, -í, -a, -e, and -(e)ach, -(a)igh of the first
// declension and of adjectives. -ta, -te only after l, n (bailte, coillte): after other letters the t is the
// stem's (teicneolaíochta, cuairte). -tha, -the take the vowel of a fourth-declension stem with them
// (contae, contaetha). The genitive and plural often only slenderise the last syllable (ardán/ardáin,
// córas/córais, údarás/údaráis, braiteoir/braiteora): an i between a broad vowel and the final one or two
// consonants is dropped, so every form gets the broad stem. That conflates the few broad/slender pairs that
// are different words (cás/cáis), and syncopated plurals (cathair/cathracha) still do not meet.

var (
	gaVowels      = newSet("aeiouáéíóú")
	gaBeforeTe    = newSet("ln")
	gaFinalVowels = newSet("ae")
	gaBroad       = newSet("aáoóuú")
	gaLenitable   = newSet("bcdfgmpst")
)

var gaEndings = newTable(map[int][]string{0: {
	"eacha", "eanna", "aithe", "acha", "anna", "aigh", "each", "ithe", "ach", "igh", "tha", "the",
	"aí", "ta", "te", "í", "a", "e",
	// typed without the fada
	"ai", "i",
}})

func gaVowel(c rune) bool { return gaVowels.has(c) }

// Irish stems an Irish word.
func Irish(w string) string {
	var b buffer
	r, ok := decode(w, &b)
	if !ok {
		return w
	}
	start, rewritten := gaMutation(r)
	s := r[start:]
	n := len(s)
	e, ok := gaEndings.find(s, minStem, func(e ending, at int) bool {
		// The plural -ta, -te follows l or n (bailte, coillte, línte); after other letters the t is the
		// stem's and only the genitive -a, -e goes (teicneolaíochta, cuairte).
		return e.s[0] != 't' || len(e.s) != 2 || gaBeforeTe.has(s[at-1])
	})
	if ok {
		n -= len(e.s)
		// contae, contaetha: the vowel the fourth declension ends in goes too
		if len(e.s) == 3 && e.s[0] == 't' && n-1 >= minStem && gaFinalVowels.has(s[n-1]) {
			n--
		}
	}
	// Depalatalise: ardáin → ardán, braiteoir → braiteor.
	k := n - 1
	for k > 0 && n-k <= 2 && !gaVowel(s[k]) {
		k--
	}
	if k >= 1 && k < n-1 && n-1 >= minStem && s[k] == 'i' && gaBroad.has(s[k-1]) {
		copy(s[k:], s[k+1:n])
		n--
		rewritten = true
	}
	if start == 0 {
		return result(w, r, n, rewritten)
	}
	if rewritten {
		return string(s[:n])
	}
	return w[len(prefix(w, start)):len(prefix(w, start+n))]
}

// gaMutation finds the mutation at the start of r: the runes to skip, and whether it rewrote r (lenition:
// bhord → b, ord as r[1:]).
func gaMutation(r []rune) (start int, rewritten bool) {
	if len(r) < minStem+2 {
		return 0, false
	}
	c0, c1 := r[0], r[1]
	switch {
	case c1 == '-' && (c0 == 'h' || c0 == 'n' || c0 == 't'):
		return 2, false
	case c0 == 'b' && c1 == 'h' && r[2] == 'f':
		return 2, false
	case c0 == 'm' && c1 == 'b', c0 == 'g' && c1 == 'c', c0 == 'n' && c1 == 'd', c0 == 'n' && c1 == 'g',
		c0 == 'b' && c1 == 'p', c0 == 'd' && c1 == 't', c0 == 't' && c1 == 's':
		return 1, false
	case c1 == 'h' && gaLenitable.has(c0):
		r[1] = c0
		return 1, true
	case c0 == 'h' && gaVowel(c1):
		return 1, false
	}
	return 0, false
}
