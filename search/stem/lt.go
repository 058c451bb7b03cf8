package stem

// Lithuanian is the inflectional part of Snowball's Lithuanian stemmer (snowballstem.org,
// algorithms/lithuanian.sbl, contributed by Dainius Jocas after Medelis, Petkevičius and Krilavičius): the conflict fixes, step 1
// (the case endings of the five noun declensions, of adjectives and the personal endings of verbs, removed
// inside R1) and the č → t, dž → d, gd → g fixes. Its step 2, which removes derivational suffixes (-ing-,
// -išk-, -esn-, …), is left out: it conflates words that a search should keep apart (tvarkingas/tvarka).
//
// Two additions: the genitive plural -menų of the fifth declension (duomenų, akmenų), which Snowball leaves
// alone because -enų also ends antenų, is removed after m, so duomenys and duomenų meet; and the endings in
// ė also match typed as e (savivaldybeje, savivaldybems), for queries without Lithuanian letters.

var (
	ltVowels = newSet("aeiyouąęįųėū")
)

var ltStep1 = newTable(map[int][]string{0: {
	"as", "ias", "is", "ys", "o", "io", "ui", "iui", "ą", "ią", "į", "u", "iu", "e", "yje", "y", "au", "i",
	"an", "ai", "iai", "ų", "ių", "ams", "am", "iams", "iam", "us", "ius", "ais", "iais", "uose", "iuose",
	"uos", "iuos", "uosna", "iuosna", "ysna", "asis", "aisi", "osi", "ųsi", "uisi", "ąsi", "usi", "esi",
	"uo", "a", "ia", "os", "ios", "oj", "oje", "ioje", "osna", "iosna", "om", "oms", "ioms", "omis",
	"iomis", "ose", "iose", "on", "ion", "ė", "ės", "ei", "ę", "ėj", "ėje", "ėms", "es", "ėmis", "ėse",
	"ėsna", "ėn", "aus", "iaus", "umi", "iumi", "uje", "iuje", "iau", "ūs", "ums", "umis", "un", "iun",
	"ies", "ens", "enio", "eniui", "enį", "imi", "eniu", "enyje", "ie", "enie", "enys", "ims", "enims",
	"enis", "imis", "enimis", "yse", "enyse", "iem", "iems", "ame", "iame", "uosi", "iuosi", "iesi", "asi",
	"iasi", "amės", "iamės", "at", "ate", "iat", "iate", "atės", "iatės", "isi", "im", "imės", "it", "ite",
	"ome", "ot", "ote", "ėjo", "ėjosi", "otės", "eisi", "ėsi", "ėm", "ėme", "ėmės", "ėt", "ėte", "ėtės",
	"ausi", "omės", "siu", "siuosi", "si", "siesi", "s", "ysis", "sim", "sime", "sit", "site", "čiau",
	"čiausi", "tum", "tumei", "tumeis", "tumeisi", "tųsi", "tumėm", "tumėme", "tumėmės", "tute", "tumėt",
	"tumėte", "tumėtės", "k", "ki", "kimės", "uoti", "iuoti", "auti", "iauti", "oti", "ioti", "ėti", "yti",
	"inti", "inėti", "enti", "telėti", "terėti", "ti", "ąs", "iąs", "įs", "tųs", "simės", "sitės", "kite",
	// typed without diacritics
	"eje", "ems", "emis", "ese",
}})

// ltConflicts are Snowball's fix_conflicts: endings that step 1 would misread, each with the number of runes
// it keeps of itself (lietuvaite, lietuvaitės → lietuvait-, as lietuvaitė; žioravime → žioravim-).
var ltConflicts = func() []ltConflict {
	var out []ltConflict
	for _, c := range []struct {
		s    string
		keep int
	}{
		{"aitės", 3}, {"aite", 3}, {"uotės", 3}, {"uote", 3}, {"okatės", 4}, {"okate", 4},
		{"ėjime", 4}, {"avime", 4}, {"ojime", 4}, {"esiu", 2}, {"asius", 2},
	} {
		out = append(out, ltConflict{[]rune(c.s), c.keep})
	}
	return out
}()

type ltConflict struct {
	s    []rune
	keep int
}

func ltVowel(c rune) bool { return ltVowels.has(c) }

// ltR1 is where Lithuanian's R1 starts: after the first consonant that follows a vowel, not counting the
// prefix a- of words longer than six letters.
func ltR1(r []rune) int {
	i := 0
	if r[0] == 'a' && len(r) > 6 {
		i = 1
	}
	for i < len(r) && !ltVowel(r[i]) {
		i++
	}
	for i < len(r) && ltVowel(r[i]) {
		i++
	}
	if i == len(r) {
		return len(r)
	}
	return i + 1
}

// Lithuanian stems a Lithuanian word.
func Lithuanian(w string) string {
	var b buffer
	r, ok := decode(w, &b)
	if !ok {
		return w
	}
	n := len(r)
	p1 := max(ltR1(r), minStem)
	done := false
	for _, c := range ltConflicts {
		if r[n-1] == c.s[len(c.s)-1] && hasSuffix(r, c.s) {
			if m := n - len(c.s); m+c.keep >= p1 {
				n, done = m+c.keep, true
			}
			break
		}
	}
	if !done {
		if n-3 >= p1 && ends(r, "menų") {
			n -= 3
		} else if e, ok := ltStep1.longest(r, p1); ok {
			n -= len(e.s)
		}
	}
	rewritten := false
	switch {
	case ends(r[:n], "č"):
		r[n-1], rewritten = 't', true
	case n > minStem && endsAny(r[:n], "dž", "gd"):
		n--
	}
	return result(w, r, n, rewritten)
}
