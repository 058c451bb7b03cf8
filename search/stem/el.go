package stem

// Greek removes the inflectional endings of nouns and adjectives that step 6 of Ntais's stemmer removes
// (G. Ntais, "Development of a Stemmer for the Greek Language", MSc thesis, Stockholm University/KTH, 2006;
// Snowball's greek.sbl and Lucene's GreekStemmer implement the whole of it), with its rewrite of -ματα,
// -ματος, -ματων to -μα (σύστημα, συστήματα, συστημάτων meet), plus the -ι- of the -ία, -ιο, -ί
// declensions (υπηρεσία/υπηρεσίες/υπηρεσιών, γραφείο/γραφείου, παιδί/παιδιά). Ntais's steps 1 to 5, dozens
// of derivational suffixes with exception lists, are left out: that is the light variant.
//
// Endings are matched with accents and dialytika removed and final ς read as σ, since the stress moves
// between stem and ending (υπηρεσία, υπηρεσιών); the stem returned is the original word's prefix, accents
// and all, so forms whose stress falls in the stem at different places (σύστημα, συστήματα) meet only once
// diacritics are folded, which the caller does after stemming.

const (
	elDelete = iota
	elMa     // -ματα, -ματος, -ματων: keep the μ
)

var elEndings = newTable(map[int][]string{
	elDelete: {
		"α", "ασ", "ε", "εσ", "εισ", "εων", "εα", "εασ", "η", "ησ", "ηδεσ", "ηδων", "ι", "ο", "οι", "οσ",
		"ου", "ουσ", "υ", "υσ", "ων", "ον", "οντα", "οντοσ", "οντων",
		"ια", "ιασ", "ιεσ", "ιων", "ιο", "ιου", "ιοσ", "ιοι", "ιουσ",
	},
	elMa: {"ματα", "ματοσ", "ματων"},
})

// elFold strips a monotonic Greek lower-case letter of its accent or dialytika and reads final sigma as σ.
func elFold(c rune) rune {
	switch c {
	case 'ά':
		return 'α'
	case 'έ':
		return 'ε'
	case 'ή':
		return 'η'
	case 'ί', 'ϊ', 'ΐ':
		return 'ι'
	case 'ό':
		return 'ο'
	case 'ύ', 'ϋ', 'ΰ':
		return 'υ'
	case 'ώ':
		return 'ω'
	case 'ς':
		return 'σ'
	}
	return c
}

// Greek stems a Modern Greek word.
func Greek(w string) string {
	var b buffer
	r, ok := decode(w, &b)
	if !ok {
		return w
	}
	for i, c := range r {
		r[i] = elFold(c)
	}
	e, ok := elEndings.longest(r, minStem)
	if !ok {
		return w
	}
	n := len(r) - len(e.s)
	if e.act == elMa {
		n++
	}
	return prefix(w, n)
}
