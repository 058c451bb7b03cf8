package stem

// Czech follows Snowball's Czech stemmer (snowballstem.org, algorithms/czech.sbl, by Olly Betts and Jim
// O'Regan, Snowball 3.1), which grew out of
// Dolamic & Savoy's light stemmer ("Indexing and stemming approaches for the Czech language", Information
// Processing & Management 45, 2009, the one Lucene's CzechStemmer implements): case endings are removed
// only inside R1 (never leaving fewer than three letters), then possessive -ov/-ův/-in, with the
// palatalisation that case endings cause undone (ruce → ruk like ruka) and the fleeting e of -ec, -ek,
// -eb, -eň, -et, -ev dropped (obec, obce, obcí → obk; služeb → služb like služba).
//
// Four deviations, each for words the Snowball rules split:
//   - the fleeting-e rules may start one letter before R1, since they remove only that e: obec (R1 starts
//     after "obe") then meets obce;
//   - a stem still ending in c after everything is palatalised as if an e had gone (měsíc, Olomouc meet
//     měsíce, Olomouci);
//   - systém, problém, emblém keep their -ém, which is otherwise the adjectives' locative (chytrém);
//   - the long endings also match typed without their diacritics (-ich, -ach, -ych, -eho, …), for queries
//     typed on keyboards without Czech letters. Short ones (-am, -im, -um) do not: program, režim, centrum.

var (
	csVowels   = newSet("aeiouyáěéíóúůý")
	csEteWhole = newSet("člřsž")
	csBeforeEn = newSet("bcčdhkprsštvzž")
	csBeforeEv = newSet("hknrtz")
)

const (
	csDelete = iota // remove the ending
	csDelE          // remove, then palatalise as after -e
	csDelI          // remove, then palatalise as after -i
	csEte           // t-stem neuters: -ete, -eti, -etem
	csEb            // fleeting e: -eb → -b
	csEc            // -ec → -c, then palatalise
	csEk            // -ek → -k
	csNek           // -něk → -ňk
	csEn            // -eň → -n
	csEt            // -et → -t after some letters
	csEv            // -ev → -v
	csT             // -ť, -ťmi → -t
)

var csCase = newTable(map[int][]string{
	csDelete: {
		"atech", "atům", "ách", "ých", "ové", "ými", "ata", "aty", "ama", "ami", "ovi", "at", "ám", "us", "ům",
		"ým", "mi", "ou", "ého", "ém", "ému", "u", "y", "ů", "a", "o", "á", "é", "ý",
		"ě", "ětem", "ěmi", "ěte", "ěti", "ěm",
		// typed without diacritics
		"atum", "ach", "ych", "ymi", "ove", "eho", "emu",
	},
	csDelE: {"e", "ech", "em", "emi"},
	csDelI: {"i", "í", "ích", "ího", "ím", "ími", "ímu", "ich", "iho", "imi", "imu"},
	csEte:  {"ete", "eti", "etem"},
	csEb:   {"eb"},
	csEc:   {"ec"},
	csEk:   {"ek"},
	csNek:  {"ěk"},
	csEn:   {"eň"},
	csEt:   {"et"},
	csEv:   {"ev"},
	csT:    {"ť", "ťmi"},
})

var csFleeting = newTable(map[int][]string{
	csEb: {"eb"}, csEc: {"ec"}, csEk: {"ek"}, csEn: {"eň"}, csEt: {"et"}, csEv: {"ev"},
})

var csPossessive = newTable(map[int][]string{csDelete: {"ov", "ův"}, csDelI: {"in"}})

func csVowel(c rune) bool { return csVowels.has(c) }

// csR1 is where Czech's R1 starts: after the first consonant that follows a vowel, where l and r count
// as vowels between consonants (vlk, prst); at least three letters in.
func csR1(r []rune) int {
	i := 1
	if !csVowel(r[0]) {
		for i < len(r) && !csVowel(r[i]) && r[i] != 'l' && r[i] != 'r' {
			i++
		}
		if i == len(r) {
			return len(r)
		}
		i++
	}
	for i < len(r) && csVowel(r[i]) {
		i++
	}
	if i == len(r) {
		return len(r)
	}
	return max(i+1, 3)
}

// Czech stems a Czech word.
func Czech(w string) string {
	var b buffer
	r, ok := decode(w, &b)
	if !ok {
		return w
	}
	n, rw := csStem(r)
	return result(w, r, n, rw)
}

func csStem(r []rune) (n int, rewritten bool) {
	n = len(r)
	p1 := csR1(r)
	e, ok := csCase.longest(r, p1)
	if !ok {
		e, ok = csFleeting.longest(r, max(p1-1, minStem-1))
	}
	if ok {
		at := n - len(e.s)
		before := r[:at]
		last := rune(0)
		if at > 0 {
			last = r[at-1]
		}
		switch e.act {
		case csDelete:
			n = at
			if (e.s[0] == 'é' && len(e.s) >= 2 && e.s[1] == 'm') && endsAny(before, "syst", "probl", "embl") {
				// systém, problém: the -ém is the noun's, so only -u (systému) is an ending
				n = len(r)
				if e.s[len(e.s)-1] == 'u' {
					n--
				}
			}
		case csDelE:
			n = at
			rewritten = csPalataliseE(r[:n]) || rewritten
		case csDelI:
			n = at
			rewritten = csPalataliseI(r[:n]) || rewritten
		case csEte:
			// dvojč-etem, batol-ete, zvíř-ete, pras-ete, páž-ete lose the whole ending; pečet-i, atlet-i,
			// deset-i and the rest keep -et.
			if csEteWhole.has(last) && !endsAny(before, "eč", "tl", "es") {
				n = at
			} else {
				n = at + 2
			}
		case csEb:
			if !csVowel(last) && !ends(before, "tř") {
				r[at] = 'b'
				n, rewritten = at+1, true
			}
		case csEc:
			if !csVowel(last) {
				r[at] = 'c'
				n, rewritten = at+1, true
				csPalataliseE(r[:n])
			}
		case csEk:
			if !csVowel(last) && !endsAny(before, "dot", "obl", "sn") {
				r[at] = 'k'
				n, rewritten = at+1, true
			}
		case csNek:
			if last == 'n' {
				r[at-1], r[at] = 'ň', 'k'
				n, rewritten = at+1, true
			}
		case csEn:
			if csBeforeEn.has(last) {
				r[at] = 'n'
				n, rewritten = at+1, true
			}
		case csEt:
			if endsAny(before, "uc", "č", "h", "ok", "kar") {
				r[at] = 't'
				n, rewritten = at+1, true
			}
		case csEv:
			if csBeforeEv.has(last) {
				r[at] = 'v'
				n, rewritten = at+1, true
			}
		case csT:
			r[at] = 't'
			n, rewritten = at+1, true
		}
	}
	if e, ok := csPossessive.longest(r[:n], p1); ok {
		n -= len(e.s)
		if e.act == csDelI {
			rewritten = csPalataliseI(r[:n]) || rewritten
		}
	}
	if n > 0 && r[n-1] == 'c' {
		rewritten = csPalataliseE(r[:n]) || rewritten
	}
	return n, rewritten
}

// csPalataliseE undoes k → c before -e (ruce → ruk), except in -nc, -avc, -ovc (finance, dravce); it
// reports whether it rewrote a letter.
func csPalataliseE(r []rune) bool {
	switch {
	case ends(r, "ínc"):
	case endsAny(r, "nc", "avc", "ovc"):
		return false
	case !ends(r, "c"):
		return false
	}
	r[len(r)-1] = 'k'
	return true
}

// csPalataliseI undoes the palatalisation before -i: c → k as before -e, čt → ck, št → sk (čeština →
// česk), except where -št belongs to the stem (plášti, dešti, bojišti, kleští, poušti).
func csPalataliseI(r []rune) bool {
	switch {
	case endsAny(r, "ášt", "dešt", "išt", "íšt", "lešt", "poušt"):
		return false
	case ends(r, "čt"):
		r[len(r)-2], r[len(r)-1] = 'c', 'k'
		return true
	case ends(r, "št"):
		r[len(r)-2], r[len(r)-1] = 's', 'k'
		return true
	}
	return csPalataliseE(r)
}
