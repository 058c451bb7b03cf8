package stem

// Slovene has no published light stemmer at hand (the Slovene stemmers in the literature, Popovič & Willett
// 1992 among them, are aggressive and table-driven), so this one applies the light scheme of Savoy's stemmers
// for Czech and Bulgarian (remove the inflectional ending only, longest first, keeping three letters) to the
// case endings of the standard grammar (Toporišič, Slovenska slovnica: masculine o- and jo-stems, feminine
// a- and i-stems, neuters; singular, dual, plural; adjectives). Two Slovene alternations are undone so all
// forms meet:
//   - the -j- that nouns in -r take before endings (senzor, senzorja, senzorji, senzorjev): an ending that
//     starts with j is removed with it only after r, so zmaj, zmaja keep their own j;
//   - the fleeting e of -ec, -ek, -el, -en, -er, -ev (podatek/podatki, storitev/storitve, Koper/Kopra,
//     pameten/pametna); sistem, problem keep theirs.
//
// -ev is an ending only after the soft consonants c, č, j, š, ž (stricev, senzorjev): elsewhere it belongs
// to the stem (storitev, cerkev). The -em of sistem, problem is kept, though -em, -emu, -ega end the
// adjectives (pametnem, pametnemu). -ijo is an ending only after v (storitvijo, rešitvijo): elsewhere it is
// an -ija noun's -o (aplikacijo). The instrumental -mi of the few feminine i-stems (stvarmi) is not
// removed: it ends far more nominative plurals (sistemi).

var (
	slVowels   = newSet("aeiou")
	slSoft     = newSet("cčjšž")
	slFleeting = newSet("ckrlnv")
)

var slCase = newTable(map[int][]string{0: {
	"jema",
	"ega", "emu", "ima", "imi", "ama", "ami", "oma", "ema", "ijo", "jem", "jev", "jih",
	"om", "em", "ov", "ev", "ih", "im", "ah", "am", "eh", "jo", "ja", "ju", "je", "ji",
	"a", "e", "i", "o", "u",
}})

func slVowel(c rune) bool { return slVowels.has(c) }

// Slovene stems a Slovene word.
func Slovene(w string) string {
	var b buffer
	r, ok := decode(w, &b)
	if !ok {
		return w
	}
	n := len(r)
	e, ok := slCase.find(r, minStem, func(e ending, at int) bool {
		switch {
		case e.s[0] == 'j':
			return r[at-1] == 'r'
		case len(e.s) == 3 && e.s[0] == 'i' && e.s[1] == 'j' && e.s[2] == 'o':
			// the -ev nouns' instrumental (storitvijo, rešitvijo); after other letters -ijo is the -ija
			// nouns' -o (aplikacijo, strategijo)
			return r[at-1] == 'v'
		case len(e.s) == 2 && e.s[0] == 'e' && e.s[1] == 'v':
			// -ev is the soft stems' -ov
			return slSoft.has(r[at-1])
		case e.s[0] == 'e' && len(e.s) >= 2 && (e.s[1] == 'm' || e.s[1] == 'g'):
			// the adjectives' -em, -emu, -ega, and the soft nouns' -em, -ema; sistem, problem keep theirs
			return !endsAny(r[:at], "sist", "probl", "embl")
		}
		return true
	})
	if ok {
		n -= len(e.s)
	}
	rewritten := false
	if n >= 4 && r[n-2] == 'e' && slFleeting.has(r[n-1]) && !slVowel(r[n-3]) {
		r[n-2] = r[n-1]
		n--
		rewritten = true
	}
	return result(w, r, n, rewritten)
}
