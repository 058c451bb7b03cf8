package stem

// Maltese has no published stemmer to follow, so this is deliberately small: it removes only the endings of
// the sound plural and of gender that the standard grammar (Borg & Azzopardi-Alexander, Maltese, Routledge
// 1997, on the plural of nouns) gives for the nouns and adjectives a municipal text is full of, most of them
// of Romance and English origin: -ijiet/-jiet (applikazzjonijiet, mistoqsijiet), -ajiet after a stem in -à
// (universitajiet, università), -ija/-iji (kumpanija, kumpaniji, Maltija), -i (sensuri, servizzi,
// kunsilli, Malti), -a (pjattaforma, Malta), -à, and -u after j (uffiċċju, uffiċċji). Broken plurals
// (belt/bliet, triq/toroq) are a change inside the word and are not conflated; the article is a separate
// token (il-, is-, tal-) and needs no stemming.

var mtEndings = newTable(map[int][]string{0: {
	"ajiet", "ijiet", "jiet", "ija", "iji", "i", "a", "à", "u",
}})

// Maltese stems a Maltese word.
func Maltese(w string) string {
	var b buffer
	r, ok := decode(w, &b)
	if !ok {
		return w
	}
	e, ok := mtEndings.find(r, minStem, func(e ending, at int) bool {
		return e.s[0] != 'u' || r[at-1] == 'j'
	})
	if !ok {
		return w
	}
	return prefix(w, len(r)-len(e.s))
}
