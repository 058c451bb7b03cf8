package stem

// Latvian is Kreslins's light stemmer ("A stemming algorithm for Latvian", Karlis Kreslins, PhD thesis,
// Loughborough University, 1996) in the form of Lucene's LatvianStemmer: one noun or adjective ending is
// removed, longest first, if the word keeps three letters and more vowels than the ending needs, and where
// the ending caused a palatalised consonant (the genitive plural -u and the -i, -a, -os, -us of some
// declensions) the consonant is restored (brālis/brāļu → brāl-, lācis/lāču → lāc-, zvaigzne/zvaigžņu →
// zvaigzn-).

var (
	lvVowels = newSet("aāeēiīouū")
)

type lvAffix struct {
	s           []rune
	vowels      int  // vowels the word must have more than
	palatalises bool // the ending may have softened the consonant before it
}

var lvAffixes = func() []lvAffix {
	list := []struct {
		s      string
		vowels int
		pal    bool
	}{
		{"ajiem", 3, false}, {"ajai", 3, false}, {"ajam", 2, false}, {"ajām", 2, false}, {"ajos", 2, false},
		{"ajās", 2, false}, {"iem", 2, true}, {"ajā", 2, false}, {"ais", 2, false}, {"ai", 2, false},
		{"ei", 2, false}, {"ām", 1, false}, {"am", 1, false}, {"ēm", 1, false}, {"īm", 1, false},
		{"im", 1, false}, {"um", 1, false}, {"us", 1, true}, {"as", 1, false}, {"ās", 1, false},
		{"es", 1, false}, {"os", 1, true}, {"ij", 1, false}, {"īs", 1, false}, {"ēs", 1, false},
		{"is", 1, false}, {"ie", 1, false}, {"u", 1, true}, {"a", 1, true}, {"i", 1, true}, {"e", 1, false},
		{"ā", 1, false}, {"ē", 1, false}, {"ī", 1, false}, {"ū", 1, false}, {"o", 1, false}, {"s", 0, false},
		{"š", 0, false},
	}
	out := make([]lvAffix, len(list))
	for i, a := range list {
		out[i] = lvAffix{[]rune(a.s), a.vowels, a.pal}
	}
	return out
}()

// Latvian stems a Latvian word.
func Latvian(w string) string {
	var b buffer
	r, ok := decode(w, &b)
	if !ok {
		return w
	}
	vowels := 0
	for _, c := range r {
		if lvVowels.has(c) {
			vowels++
		}
	}
	n := len(r)
	for _, a := range lvAffixes {
		if vowels > a.vowels && n >= len(a.s)+3 && hasSuffix(r, a.s) {
			removed := r[n-len(a.s)]
			n -= len(a.s)
			rewritten := false
			if a.palatalises {
				n, rewritten = lvUnpalatalise(r, n, removed)
			}
			return result(w, r, n, rewritten)
		}
	}
	return w
}

// lvUnpalatalise restores the consonant that an ending softened (removed is the ending's first letter).
func lvUnpalatalise(r []rune, n int, removed rune) (int, bool) {
	s := r[:n]
	if removed == 'u' {
		// Only the genitive plural -u softens these: kst → kš, nn → ņņ.
		if ends(s, "kš") {
			if n == len(r) {
				return n, false
			}
			r[n-1], r[n] = 's', 't'
			return n + 1, true
		}
		if ends(s, "ņņ") {
			r[n-2], r[n-1] = 'n', 'n'
			return n, true
		}
	}
	switch {
	case endsAny(s, "pj", "bj", "mj", "vj"):
		// the j inserted after a labial, if three letters stay
		if n-1 < minStem {
			return n, false
		}
		return n - 1, false
	case ends(s, "šņ"):
		r[n-2], r[n-1] = 's', 'n'
	case ends(s, "žņ"):
		r[n-2], r[n-1] = 'z', 'n'
	case ends(s, "šļ"):
		r[n-2], r[n-1] = 's', 'l'
	case ends(s, "žļ"):
		r[n-2], r[n-1] = 'z', 'l'
	case ends(s, "ļņ"):
		r[n-2], r[n-1] = 'l', 'n'
	case ends(s, "ļļ"):
		r[n-2], r[n-1] = 'l', 'l'
	case ends(s, "č"):
		r[n-1] = 'c'
	case ends(s, "ļ"):
		r[n-1] = 'l'
	case ends(s, "ņ"):
		r[n-1] = 'n'
	default:
		return n, false
	}
	return n, true
}
