package stem

// Bulgarian is Savoy's light stemmer ("Searching strategies for the Bulgarian language", Information
// Retrieval 10, 2007), in the form Lucene's BulgarianStemmer gives it (which follows Savoy's Perl
// reference): remove the postposed definite article (-ът, -ят, -та, -то, -те, -ия, -ият), then the plural
// (-ове, -еве → -й, -ища, -та, -ци → -к, -зи → -г, -си → -х, -и), then a final -я and -а/-о/-е, then undo
// the fleeting vowels of -ен and -ъ- (the lengths are Savoy's: a word keeps at least three letters, more
// before the longer endings).
//
// Three deviations from Lucene, for words it splits that a municipal text is full of:
//   - -та is an article or a plural only after a vowel (общината, системата, момчета) or, as an article,
//     the -т of the -ост nouns (възможността); after other letters it is a masculine noun's -т and its
//     short article -а (проекта, документа → проект, документ);
//   - the -ие neuters and -ия feminines lose their -ие, -ия, -ии (приложение/приложения/приложенията,
//     информация/информацията/информации), which Lucene splits between two stems;
//   - Lucene's -е…и → -я… (for the ят alternation of бял/бели, голям/големи) is left out: it far more often
//     meets an -е- that never alternates (системи, проблеми, жители → систям, проблям, житял).

var (
	bgVowels     = newSet("аъоуеияю")
	bgArticleEnd = newSet("тоеая") // the last letters of the articles
	bgPluralEnd  = newSet("еаи")   // and of the plurals
)

// Bulgarian stems a Bulgarian word.
func Bulgarian(w string) string {
	var b buffer
	r, ok := decode(w, &b)
	if !ok {
		return w
	}
	n, rw := bgStem(r)
	return result(w, r, n, rw)
}

func bgStem(s []rune) (n int, rewritten bool) {
	n = len(s)
	if n < 4 {
		return n, false
	}
	if n > 5 && ends(s, "ища") {
		return n - 3, false
	}
	n = bgArticle(s, n)
	// The -ие neuters and -ия feminines (приложение/приложения, информация/информации) keep one stem.
	if n > 5 && endsAny(s[:n], "ие", "ия", "ии") {
		n -= 2
	}
	n, rewritten = bgPlural(s, n)
	if n > 3 && ends(s[:n], "я") {
		n--
	}
	if n > 3 && endsAny(s[:n], "а", "о", "е") {
		n--
	}
	// -ен → -н after the article and plural are gone, as in Savoy's Perl reference.
	if n > 4 && ends(s[:n], "ен") {
		s[n-2] = 'н'
		n--
		rewritten = true
	}
	if n > 5 && s[n-2] == 'ъ' {
		s[n-2] = s[n-1]
		n--
		rewritten = true
	}
	return n, rewritten
}

func bgArticle(s []rune, n int) int {
	w := s[:n]
	if !bgArticleEnd.has(w[n-1]) {
		return n
	}
	if n > 6 && ends(w, "ият") {
		return n - 3
	}
	if n > 5 && endsAny(w, "ът", "то", "те", "ия") {
		return n - 2
	}
	if n > 5 && ends(w, "та") && bgArticleTa(s[n-3]) {
		return n - 2
	}
	if n > 4 && ends(w, "ят") {
		return n - 2
	}
	return n
}

func bgPlural(s []rune, n int) (int, bool) {
	w := s[:n]
	if !bgPluralEnd.has(w[n-1]) {
		return n, false
	}
	if n > 6 {
		switch {
		case ends(w, "овци"):
			return n - 3, false // -овци → -о
		case ends(w, "ове"):
			return n - 3, false
		case ends(w, "еве"):
			s[n-3] = 'й'
			return n - 2, true
		}
	}
	if n > 5 {
		switch {
		case ends(w, "ища"):
			return n - 3, false
		case ends(w, "та") && bgVowel(s[n-3]):
			return n - 2, false
		case ends(w, "ци"):
			s[n-2] = 'к'
			return n - 1, true
		case ends(w, "зи"):
			s[n-2] = 'г'
			return n - 1, true
		}
	}
	if n > 4 {
		switch {
		case ends(w, "си"):
			s[n-2] = 'х'
			return n - 1, true
		case ends(w, "и"):
			return n - 1, false
		}
	}
	return n, false
}

func bgVowel(c rune) bool { return bgVowels.has(c) }

// bgArticleTa reports whether -та after c is the feminine article: after the vowel of a feminine noun
// (общината, системата) or the t of the -ост nouns (възможността), but not the -а of a masculine noun in -т
// (проекта, документа), which only loses its -а.
func bgArticleTa(c rune) bool { return bgVowel(c) || c == 'т' }
