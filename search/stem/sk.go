package stem

// Slovak has no published light stemmer of the kind Czech has, so this one applies Dolamic & Savoy's light
// approach for Czech ("Indexing and stemming approaches for the Czech language", 2009: remove the case
// ending, then the possessive -ov, then normalise the stem's last letters) to the Slovak paradigms of the
// standard grammar (Pravidlá slovenského pravopisu: chlap, hrdina, dub, stroj; žena, ulica, dlaň, kosť;
// mesto, srdce, vysvedčenie; pekný, cudzí). Its normalisation is Slovak, not Czech: Slovak does not
// palatalise k, h before -e (ruke, Prahe), so there is no c → k; instead the fleeting e and the -ie- of the
// genitive plural go (obec/obce, služba/služieb/služby, platforma/platforiem), and a soft final consonant
// loses its caron (kosť/kosti).
//
// The -i- of the soft paradigms goes with its ending (informáci-a, riešen-ie, obc-iach), so the -ia nouns
// and the -ie neuters keep one stem through all their cases. Long endings also match without diacritics.

var (
	skVowels = newSet("aäeiouyáéíóôúýĺŕ")
)

var skCase = newTable(map[int][]string{0: {
	"iach", "iách", "iami", "ovia", "ieho", "iemu",
	"ách", "ami", "ého", "ému", "ých", "ými", "och", "ovi", "iam", "iám", "ích", "ími", "iou",
	"ov", "om", "ou", "ám", "ej", "ím", "ým", "mi", "ia", "ie", "iu", "ií",
	"a", "e", "i", "o", "u", "y", "á", "é", "í", "ó", "ú", "ý",
	// typed without diacritics
	"ach", "ych", "ymi", "eho", "emu", "ich", "imi",
}})

func skVowel(c rune) bool { return skVowels.has(c) }

// Slovak stems a Slovak word.
func Slovak(w string) string {
	var b buffer
	r, ok := decode(w, &b)
	if !ok {
		return w
	}
	n := len(r)
	if e, ok := skCase.longest(r, minStem); ok {
		n -= len(e.s)
		if ends(r, "ému") && endsAny(r[:n], "syst", "probl", "embl") {
			// systému, problému: the -ém is the noun's (systém), only -u is an ending
			n += 2
		}
	}
	// The possessive and relational -ov: Prešov, Prešova and prešovský's prešov- all become preš-, as
	// senzorový does senzor-.
	if n-2 >= minStem && ends(r[:n], "ov") {
		n -= 2
	}
	rewritten := false
	// Fleeting vowels: the e of -ec (obec/obce, otec/otca) and the -ie- of the genitive plural (služieb/služby,
	// platforiem/platformy). Other e's before a final consonant mostly stay (Prešov/Prešova, internet).
	if n >= 4 && !skVowel(r[n-1]) {
		switch {
		case n >= 5 && r[n-3] == 'i' && r[n-2] == 'e' && !skVowel(r[n-4]):
			r[n-3] = r[n-1]
			n -= 2
			rewritten = true
		case r[n-1] == 'c' && r[n-2] == 'e' && !skVowel(r[n-3]):
			r[n-2] = r[n-1]
			n--
			rewritten = true
		}
	}
	switch r[n-1] {
	case 'ť':
		r[n-1], rewritten = 't', true
	case 'ď':
		r[n-1], rewritten = 'd', true
	case 'ň':
		r[n-1], rewritten = 'n', true
	case 'ľ':
		r[n-1], rewritten = 'l', true
	}
	return result(w, r, n, rewritten)
}
