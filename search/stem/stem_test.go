package stem

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// langCases are, for each language, groups of real inflected forms that must reach one stem and pairs of
// different words that must not.
type langCases struct {
	same  [][]string
	apart [][2]string
}

var cases = map[string]langCases{
	"cs": {
		same: [][]string{
			{"brno", "brna", "brně", "brnem", "brnu"},
			{"ostrava", "ostravy", "ostravě", "ostravu", "ostravou"},
			{"plzeň", "plzně", "plzni", "plzní"},
			{"liberec", "liberce", "liberci", "libercem"},
			{"olomouc", "olomouce", "olomouci"},
			{"senzor", "senzory", "senzorů", "senzorech", "senzorem", "senzoru", "senzorům"},
			{"obec", "obce", "obcí", "obcemi", "obcích", "obci", "obcím", "obcich"},
			{"služba", "služby", "služeb", "službách", "službám", "službou", "službě", "sluzby", "sluzbach"},
			{"platforma", "platformy", "platformě", "platformou", "platformu"},
			{"data", "dat", "datech", "datům", "daty"},
			{"město", "města", "městě", "měst", "městech", "městům", "mesto", "mestech"},
			{"úřad", "úřadu", "úřady", "úřadech", "úřadem", "úřadů"},
			{"systém", "systému", "systémy", "systémech", "systémů", "systémem"},
			{"aplikace", "aplikací", "aplikacemi", "aplikacích"},
			{"chytrý", "chytrá", "chytré", "chytrého", "chytrých", "chytrým", "chytrém"},
			{"kraj", "kraje", "krajů", "krajích", "krajem"},
			{"obyvatel", "obyvatelé", "obyvatelů", "obyvatelům"},
		},
		apart: [][2]string{
			{"město", "metro"}, {"data", "datum"}, {"obec", "obchod"}, {"obec", "obecný"},
			{"senzor", "senzace"}, {"služba", "sluha"}, {"systém", "systematický"},
		},
	},
	"sk": {
		same: [][]string{
			{"bratislava", "bratislavy", "bratislave", "bratislavu", "bratislavou"},
			{"košice", "košíc", "košiciach", "košiciam"},
			{"žilina", "žiliny", "žiline", "žilinu", "žilinou"},
			{"prešov", "prešova", "prešove", "prešovom"},
			{"senzor", "senzora", "senzory", "senzorov", "senzoroch", "senzorom", "senzormi"},
			{"obec", "obce", "obci", "obcí", "obciam", "obciach", "obcou", "obcami"},
			{"služba", "služby", "služieb", "službám", "službách", "službami", "službe", "službou", "sluzby", "sluzieb"},
			{"informácia", "informácie", "informácií", "informáciám", "informáciách", "informáciou"},
			{"riešenie", "riešenia", "riešení", "riešeniu", "riešením", "riešeniach", "riešeniami"},
			{"platforma", "platformy", "platforiem", "platformách", "platforme"},
			{"údaje", "údajov", "údajoch", "údajmi", "údaj"},
			{"mesto", "mesta", "meste", "mestom", "mestách", "mestám"},
			{"samospráva", "samosprávy", "samospráv", "samosprávach", "samospráve"},
			{"slovenský", "slovenská", "slovenského", "slovenskej", "slovenských", "slovenskými"},
			{"systém", "systému", "systémy", "systémov", "systémoch"},
			{"projekt", "projekty", "projektov", "projektoch", "projektu", "projektom"},
			{"kosť", "kosti", "kostí"},
		},
		apart: [][2]string{
			{"mesto", "mestský"}, {"obec", "obchod"}, {"senzor", "senzácia"}, {"dáta", "dátum"},
			{"služba", "sluha"}, {"kraj", "krajina"},
		},
	},
	"sl": {
		same: [][]string{
			{"maribor", "mariboru", "mariborom", "maribora"},
			{"ljubljana", "ljubljane", "ljubljani", "ljubljano"},
			{"celje", "celja", "celju", "celjem"},
			{"koper", "kopra", "kopru", "koprom"},
			{"kranj", "kranja", "kranju", "kranjem"},
			{"senzor", "senzorja", "senzorji", "senzorjev", "senzorjih", "senzorjem", "senzorju", "senzorje"},
			{"občina", "občine", "občini", "občino", "občin", "občinah", "občinam", "občinami"},
			{"podatek", "podatka", "podatki", "podatkov", "podatkih", "podatku"},
			{"storitev", "storitve", "storitvi", "storitvijo", "storitvam", "storitvah", "storitvami"},
			{"platforma", "platforme", "platformi", "platformo", "platform", "platformah"},
			{"sistem", "sistema", "sistemi", "sistemov", "sistemu", "sistemom"},
			{"mesto", "mesta", "mestu", "mestom", "mest", "mestih"},
			{"pameten", "pametna", "pametno", "pametni", "pametnega", "pametnemu", "pametnem", "pametnih"},
			{"aplikacija", "aplikacije", "aplikaciji", "aplikacijo", "aplikacij", "aplikacijah"},
			{"problem", "problema", "problemi", "problemov"},
			{"prebivalec", "prebivalca", "prebivalci", "prebivalcev"},
		},
		apart: [][2]string{
			{"zmaj", "zmaga"}, {"mesto", "mestni"}, {"občina", "občan"}, {"senzor", "senca"},
			{"podatek", "podatkovni"}, {"sistem", "sestra"},
		},
	},
	"bg": {
		same: [][]string{
			{"софия", "софията"},
			{"пловдив", "пловдива", "пловдивът"},
			{"бургас", "бургаса", "бургасът"},
			{"сензор", "сензори", "сензорите", "сензора", "сензорът"},
			{"община", "общини", "общината", "общините"},
			{"град", "градът", "града", "градове", "градовете"},
			{"платформа", "платформи", "платформата", "платформите"},
			{"система", "системи", "системата", "системите"},
			{"данни", "данните"},
			{"услуга", "услуги", "услугата", "услугите"},
			{"кмет", "кметът", "кмета", "кметове", "кметовете"},
			{"информация", "информацията", "информации", "информациите"},
			{"жител", "жители", "жителите", "жителят"},
			{"проект", "проекти", "проекта", "проектът", "проектите"},
			{"приложение", "приложения", "приложението", "приложенията"},
		},
		apart: [][2]string{
			{"град", "градина"}, {"община", "общество"}, {"кмет", "кметство"}, {"сензор", "сензация"},
			{"система", "систематичен"},
		},
	},
	"el": {
		same: [][]string{
			{"αθήνα", "αθήνας"},
			{"θεσσαλονίκη", "θεσσαλονίκης"},
			{"πάτρα", "πάτρας"},
			{"ηράκλειο", "ηρακλείου"},
			{"αισθητήρας", "αισθητήρες", "αισθητήρων", "αισθητήρα", "αισθητηρες", "αισθητηρων"},
			{"δήμος", "δήμου", "δήμοι", "δήμων", "δήμους", "δήμο"},
			{"υπηρεσία", "υπηρεσίες", "υπηρεσιών", "υπηρεσίας", "υπηρεσιων", "υπηρεσια"},
			{"σύστημα", "συστήματα", "συστημάτων", "συστήματος"},
			{"πλατφόρμα", "πλατφόρμες", "πλατφορμών", "πλατφόρμας"},
			{"δεδομένα", "δεδομένων", "δεδομένο"},
			{"πόλη", "πόλεις", "πόλεων", "πόλης"},
			{"ψηφιακός", "ψηφιακή", "ψηφιακό", "ψηφιακές", "ψηφιακών", "ψηφιακοί", "ψηφιακού"},
			{"δημοτικός", "δημοτική", "δημοτικού", "δημοτικών", "δημοτικές"},
			{"εφαρμογή", "εφαρμογές", "εφαρμογών", "εφαρμογής"},
			{"γραφείο", "γραφεία", "γραφείου", "γραφείων"},
			{"περιβάλλον", "περιβάλλοντος", "περιβάλλοντα"},
			{"κάτοικος", "κάτοικοι", "κατοίκων", "κατοίκους"},
		},
		apart: [][2]string{
			{"δήμος", "δημοτικός"}, {"πόλη", "πολίτης"}, {"σύστημα", "συστηματικός"},
			{"υπηρεσία", "υπηρέτης"}, {"γραφείο", "γραφή"},
		},
	},
	"lt": {
		same: [][]string{
			{"kaunas", "kauno", "kaune", "kaunui", "kauną", "kaunu", "kauna"},
			{"vilnius", "vilniaus", "vilniui", "vilnių", "vilniumi", "vilniuje"},
			{"klaipėda", "klaipėdos", "klaipėdai", "klaipėdą", "klaipėdoje"},
			{"šiauliai", "šiaulių", "šiauliuose", "šiauliams"},
			{"panevėžys", "panevėžio", "panevėžyje"},
			{"jutiklis", "jutikliai", "jutiklių", "jutiklio", "jutikliui", "jutiklį", "jutikliu", "jutiklyje",
				"jutikliams", "jutiklius", "jutikliais"},
			{"savivaldybė", "savivaldybės", "savivaldybei", "savivaldybę", "savivaldybėje", "savivaldybių",
				"savivaldybėms", "savivaldybėmis", "savivaldybėse", "savivaldybes", "savivaldybeje"},
			{"duomenys", "duomenų", "duomenims", "duomenis", "duomenimis", "duomenyse"},
			{"paslauga", "paslaugos", "paslaugai", "paslaugą", "paslaugų", "paslaugoms", "paslaugas"},
			{"platforma", "platformos", "platformų", "platformoje", "platformą"},
			{"miestas", "miesto", "mieste", "miestų", "miestai", "miestams"},
			{"sistema", "sistemos", "sistemų", "sistemoje"},
			{"žodis", "žodžio", "žodžiai", "žodžių"},
			{"naujas", "nauja", "naujo", "naujos", "nauji", "naujų"},
			{"gyventojas", "gyventojai", "gyventojų", "gyventojams"},
		},
		apart: [][2]string{
			{"miestas", "miestelis"}, {"kaunas", "kaunietis"}, {"duomenys", "duona"},
			{"paslauga", "paslaptis"}, {"sistema", "sąrašas"}, {"savivaldybė", "savybė"},
		},
	},
	"lv": {
		same: [][]string{
			{"liepāja", "liepājas", "liepājā", "liepājai", "liepāju", "liepaja", "liepajas"},
			{"rīga", "rīgas", "rīgā", "rīgai", "rīgu", "riga", "rigas"},
			{"daugavpils", "daugavpilī", "daugavpilij"},
			{"jelgava", "jelgavas", "jelgavā"},
			{"ventspils", "ventspilī", "ventspilij"},
			{"sensors", "sensori", "sensoru", "sensoriem", "sensoram"},
			{"pašvaldība", "pašvaldības", "pašvaldībā", "pašvaldībai", "pašvaldību", "pašvaldībām"},
			{"dati", "datu", "datiem", "datus"},
			{"pakalpojums", "pakalpojumi", "pakalpojumu", "pakalpojumiem", "pakalpojumam", "pakalpojumā"},
			{"platforma", "platformas", "platformā", "platformu", "platformām"},
			{"sistēma", "sistēmas", "sistēmā", "sistēmu", "sistēmām"},
			{"pilsēta", "pilsētas", "pilsētā", "pilsētu", "pilsētām"},
			{"brālis", "brāļu", "brāļi", "brālim"},
			{"viedā", "viedās", "viedo", "viedais"},
			{"iedzīvotājs", "iedzīvotāji", "iedzīvotāju", "iedzīvotājiem"},
		},
		apart: [][2]string{
			{"pilsēta", "pils"}, {"dati", "datums"}, {"sensors", "sensācija"}, {"rīga", "rīts"},
			{"pašvaldība", "pašvaldnieks"},
		},
	},
	"et": {
		same: [][]string{
			{"tartu", "tartus", "tartust", "tartusse", "tartule", "tartuga"},
			{"pärnu", "pärnus", "pärnust", "pärnusse", "pärnule", "parnu", "parnusse"},
			{"tallinn", "tallinna", "tallinnas", "tallinnast", "tallinnasse", "tallinnale"},
			{"narva", "narvas", "narvast", "narvasse"},
			{"andur", "andurid", "andurite", "anduri", "andurit", "anduritega", "andureid"},
			{"teenus", "teenuse", "teenust", "teenused", "teenuste", "teenuseid", "teenustega"},
			{"omavalitsus", "omavalitsuse", "omavalitsust", "omavalitsused", "omavalitsuste", "omavalitsusi"},
			{"andmed", "andmete", "andmeid", "andmetega", "andmetest"},
			{"platvorm", "platvormi", "platvormid", "platvormide", "platvormil"},
			{"linn", "linna", "linnas", "linnad", "linnade", "linnu"},
			{"süsteem", "süsteemi", "süsteemid", "süsteemide", "süsteemis"},
			{"digitaalne", "digitaalse", "digitaalset", "digitaalsed", "digitaalsete"},
			{"rakendus", "rakenduse", "rakendused", "rakendusi", "rakendusega"},
			{"elanik", "elaniku", "elanikud", "elanike", "elanikke"},
			{"mõte", "mõtte", "mõtted", "mõtteid"},
			{"inimene", "inimese", "inimest", "inimesed", "inimeste", "inimesi"},
			{"nutikas", "nutika", "nutikad", "nutikate"},
		},
		apart: [][2]string{
			{"linn", "lind"}, {"teenus", "teenistus"}, {"andur", "andmed"}, {"tartu", "tarkus"},
			{"platvorm", "plats"},
		},
	},
	"ga": {
		same: [][]string{
			{"gaillimh", "gaillimhe", "ngaillimh"},
			{"corcaigh", "chorcaí"},
			{"baile", "bhaile", "bailte"},
			{"braiteoir", "braiteoirí", "braiteora", "bhraiteoir"},
			{"seirbhís", "seirbhísí", "seirbhíse"},
			{"sonraí", "sonra", "sonrai"},
			{"ardán", "ardáin"},
			{"córas", "córais", "chóras"},
			{"comhairle", "comhairlí", "chomhairle"},
			{"sráid", "sráide", "sráideanna", "tsráid", "shráid"},
			{"ríomhaire", "ríomhairí"},
			{"áit", "áite", "áiteanna"},
			{"údarás", "údaráis"},
			{"ceantar", "ceantair"},
			{"tionscadal", "tionscadail", "thionscadal"},
			{"teicneolaíocht", "teicneolaíochta"},
			{"contae", "contaetha"},
			{"oifig", "oifige", "oifigí", "hoifige"},
			{"feidhmchlár", "feidhmchláir"},
		},
		apart: [][2]string{
			{"baile", "bainne"}, {"sráid", "sráidbhaile"}, {"córas", "cóir"}, {"ceantar", "ceann"},
			{"braiteoir", "braith"},
		},
	},
	"mt": {
		same: [][]string{
			{"malta", "malti", "maltija"},
			{"sensur", "sensuri"},
			{"servizz", "servizzi"},
			{"kunsill", "kunsilli"},
			{"università", "universitajiet", "universita"},
			{"pjattaforma", "pjattaformi"},
			{"applikazzjoni", "applikazzjonijiet"},
			{"kumpanija", "kumpaniji"},
			{"uffiċċju", "uffiċċji"},
			{"sistema", "sistemi"},
			{"proġett", "proġetti", "progetti"},
			{"teknoloġija", "teknoloġiji"},
			{"lokalità", "lokalitajiet"},
			{"mistoqsija", "mistoqsijiet"},
			{"data", "dati"},
			{"attività", "attivitajiet"},
		},
		apart: [][2]string{
			{"sensur", "sens"}, {"sistema", "sistematiku"}, {"proġett", "proġettazzjoni"},
			{"università", "universali"}, {"lokalità", "lokali"},
		},
	},
}

// fold is what the caller does after stemming: diacritics off (and Maltese ħ to h, as the search's fold).
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ReplaceAll(s, "ħ", "h")) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return norm.NFC.String(b.String())
}

func stemmer(t testing.TB, lang string) Stemmer {
	t.Helper()
	s, ok := For(lang)
	if !ok {
		t.Fatalf("For(%q) has no stemmer", lang)
	}
	return s
}

func TestFor(t *testing.T) {
	if !slices.IsSorted(Languages) || len(slices.Compact(slices.Clone(Languages))) != len(Languages) {
		t.Errorf("Languages %v: want sorted, no duplicates", Languages)
	}
	want := []string{"bg", "cs", "el", "et", "ga", "lt", "lv", "mt", "sk", "sl"}
	if !slices.Equal(Languages, want) {
		t.Errorf("Languages = %v, want %v", Languages, want)
	}
	for _, lang := range Languages {
		if s, ok := For(lang); !ok || s == nil {
			t.Errorf("For(%q) = %v, %v", lang, s, ok)
		}
		if _, ok := cases[lang]; !ok {
			t.Errorf("no test cases for %q", lang)
		}
	}
	for _, lang := range []string{"", "en", "de", "hr", "CS", "cs-CZ", "xx"} {
		if _, ok := For(lang); ok {
			t.Errorf("For(%q) has a stemmer", lang)
		}
	}
}

func TestSameStem(t *testing.T) {
	for _, lang := range Languages {
		t.Run(lang, func(t *testing.T) {
			c := cases[lang]
			if len(c.same) < 15 {
				t.Errorf("%d groups of forms, want at least 15", len(c.same))
			}
			s := stemmer(t, lang)
			for _, group := range c.same {
				want := fold(s(group[0]))
				for _, w := range group[1:] {
					if got := fold(s(w)); got != want {
						t.Errorf("%s → %s, but %s → %s (folded)", group[0], want, w, got)
					}
				}
			}
		})
	}
}

func TestApart(t *testing.T) {
	for _, lang := range Languages {
		t.Run(lang, func(t *testing.T) {
			c := cases[lang]
			if len(c.apart) < 5 {
				t.Errorf("%d pairs of words, want at least 5", len(c.apart))
			}
			s := stemmer(t, lang)
			for _, p := range c.apart {
				if a, b := fold(s(p[0])), fold(s(p[1])); a == b {
					t.Errorf("%s and %s both → %s", p[0], p[1], a)
				}
			}
			// no two groups may meet either
			seen := map[string]string{}
			for _, g := range c.same {
				st := fold(s(g[0]))
				if other, ok := seen[st]; ok {
					t.Errorf("%s and %s both → %s", other, g[0], st)
				}
				seen[st] = g[0]
			}
		})
	}
}

// TestExact pins a few stems, so that a change of rules shows in review.
func TestExact(t *testing.T) {
	for _, c := range []struct{ lang, word, want string }{
		{"cs", "obcích", "obk"}, {"cs", "služeb", "služb"}, {"cs", "brně", "brn"}, {"cs", "plzeň", "plzn"},
		{"sk", "služieb", "služb"}, {"sk", "bratislavou", "bratislav"}, {"sk", "kosť", "kost"},
		{"sl", "senzorjev", "senzor"}, {"sl", "podatek", "podatk"}, {"sl", "mariborom", "maribor"},
		{"bg", "сензорите", "сензор"}, {"bg", "градовете", "град"}, {"bg", "проекта", "проект"},
		{"el", "αισθητήρων", "αισθητήρ"}, {"el", "συστήματα", "συστήμ"}, {"el", "υπηρεσιών", "υπηρεσ"},
		{"lt", "kaune", "kaun"}, {"lt", "žodžio", "žod"}, {"lt", "duomenų", "duom"},
		{"lv", "liepājā", "liepāj"}, {"lv", "brāļu", "brāl"}, {"lv", "zvaigžņu", "zvaigzn"}, {"lv", "abja", "abj"},
		{"et", "tartusse", "tart"}, {"et", "andurite", "andur"}, {"et", "teenuseid", "teen"},
		{"ga", "bhraiteoirí", "braiteor"}, {"ga", "ngaillimh", "gaillimh"}, {"ga", "hoifige", "oifig"},
		{"mt", "universitajiet", "universit"}, {"mt", "sensuri", "sensur"},
	} {
		if got := stemmer(t, c.lang)(c.word); got != c.want {
			t.Errorf("%s: %s → %s, want %s", c.lang, c.word, got, c.want)
		}
	}
}

// TestUnchanged: short words, words without a known ending and tokens that are not words come back as
// they went in.
func TestUnchanged(t *testing.T) {
	common := []string{"", "a", "ab", "abc", "iot", "2024", "5g", "ｘｙｚ", "\xff\xfeabc", "abc\xff",
		strings.Repeat("senzory", 20)}
	perLang := map[string][]string{
		"cs": {"pes", "les", "dům", "krok"}, "sk": {"dom", "les", "krok"}, "sl": {"les", "pes", "zmaj"},
		"bg": {"град", "дом", "мост"}, "el": {"και", "γη", "οδός"}, "lt": {"tas", "ir", "vėl"},
		"lv": {"un", "kā", "tur"}, "et": {"ja", "maa", "tee"}, "ga": {"agus", "an", "cás"},
		"mt": {"il", "belt", "triq"},
	}
	for _, lang := range Languages {
		s := stemmer(t, lang)
		for _, w := range append(slices.Clone(common), perLang[lang]...) {
			if got := s(w); got != w {
				t.Errorf("%s: %q → %q, want it unchanged", lang, w, got)
			}
		}
	}
}

// TestInvariants runs every stemmer over every test word, every prefix of it and random strings of the
// language's letters: a stem is valid UTF-8, never empty, and never shorter than three runes unless the
// word was.
func TestInvariants(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, lang := range Languages {
		s := stemmer(t, lang)
		var words []string
		alphabet := map[rune]bool{}
		for _, g := range cases[lang].same {
			for _, w := range g {
				r := []rune(w)
				for i := 1; i <= len(r); i++ {
					words = append(words, string(r[:i]), string(r[len(r)-i:]))
				}
				for _, c := range r {
					alphabet[c] = true
				}
			}
		}
		letters := make([]rune, 0, len(alphabet))
		for c := range alphabet {
			letters = append(letters, c)
		}
		slices.Sort(letters)
		for range 20000 {
			r := make([]rune, 1+rng.IntN(14))
			for i := range r {
				r[i] = letters[rng.IntN(len(letters))]
			}
			words = append(words, string(r))
		}
		for _, w := range words {
			got := s(w)
			n, m := utf8.RuneCountInString(w), utf8.RuneCountInString(got)
			switch {
			case !utf8.ValidString(got):
				t.Errorf("%s: %q → invalid UTF-8 %q", lang, w, got)
			case w != "" && got == "":
				t.Errorf("%s: %q → empty", lang, w)
			case m < min(n, minStem):
				t.Errorf("%s: %q → %q, shorter than %d runes", lang, w, got, minStem)
			case n <= minStem && got != w:
				t.Errorf("%s: short %q → %q", lang, w, got)
			}
		}
	}
}

func TestConcurrent(t *testing.T) {
	for _, lang := range Languages {
		s := stemmer(t, lang)
		words := benchWords(lang)
		want := make([]string, len(words))
		for i, w := range words {
			want[i] = s(w)
		}
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range words {
					j := (i + g*97) % len(words)
					if got := s(words[j]); got != want[j] {
						t.Errorf("%s: %q → %q concurrently, %q alone", lang, words[j], got, want[j])
						return
					}
				}
			})
		}
		wg.Wait()
	}
}

// TestAllocs: a word that only loses its ending costs no allocation.
func TestAllocs(t *testing.T) {
	for lang, w := range map[string]string{
		"cs": "senzorech", "sk": "senzoroch", "sl": "senzorjev", "bg": "сензорите", "el": "αισθητήρων",
		"lt": "jutikliai", "lv": "sensoriem", "et": "anduritega", "ga": "seirbhísí", "mt": "sensuri",
	} {
		s := stemmer(t, lang)
		if got := s(w); got == w {
			t.Errorf("%s: %q unchanged", lang, w)
		}
		if a := testing.AllocsPerRun(100, func() { s(w) }); a != 0 {
			t.Errorf("%s: %q costs %v allocations", lang, w, a)
		}
	}
}

// benchWords is a few thousand words of a language: the test words, and each of them with each of the
// language's endings put on, so that every rule is tried the way real text tries it.
func benchWords(lang string) []string {
	s, _ := For(lang)
	endings := map[string][]string{
		"cs": {"a", "e", "ě", "i", "y", "ů", "u", "em", "ech", "ům", "ami", "ách", "ého", "ými", "ou", "ovi", "ích", "ov", "ec", "ek"},
		"sk": {"a", "e", "i", "y", "u", "ov", "och", "om", "ami", "ách", "ého", "ými", "ou", "ovi", "iach", "iam", "ie", "ia", "ej", "mi"},
		"sl": {"a", "e", "i", "o", "u", "om", "em", "ov", "ev", "ih", "ah", "am", "ami", "ega", "emu", "ja", "ji", "jev", "jih", "ijo"},
		"bg": {"и", "а", "я", "та", "те", "то", "ът", "ят", "ите", "ове", "овете", "ия", "ият", "ища", "ци", "зи", "си", "ен", "ата", "ето"},
		"el": {"ας", "ες", "ων", "α", "ος", "ου", "οι", "ους", "ης", "η", "εις", "εων", "ία", "ίες", "ιών", "ματα", "ματος", "ό", "ή", "ές"},
		"lt": {"as", "o", "ui", "ą", "u", "e", "ai", "ų", "ams", "us", "ais", "uose", "ės", "ėje", "ių", "iai", "ys", "is", "oje", "ose"},
		"lv": {"s", "a", "as", "ā", "ai", "u", "i", "iem", "us", "os", "ām", "ēm", "am", "ais", "ajā", "ajiem", "e", "es", "ij", "ī"},
		"et": {"d", "de", "te", "s", "st", "sse", "le", "l", "lt", "ga", "ks", "ni", "na", "ta", "t", "id", "sid", "i", "e", "se"},
		"ga": {"í", "aí", "a", "e", "anna", "eanna", "acha", "eacha", "ta", "te", "tha", "ithe", "ach", "aigh", "idh", "adh", "ín", "óir", "eoir", "úil"},
		"mt": {"i", "a", "ijiet", "jiet", "ija", "iji", "à", "ajiet", "u", "in", "at", "ett", "ità", "jin", "ti", "hom", "ha", "na", "kom", "ek"},
	}[lang]
	var words []string
	for _, g := range cases[lang].same {
		for _, w := range g {
			words = append(words, w)
			stem := []rune(s(w))
			for _, e := range endings {
				words = append(words, string(stem)+e, w+e)
			}
		}
	}
	return words
}

func BenchmarkStem(b *testing.B) {
	for _, lang := range Languages {
		words := benchWords(lang)
		s := stemmer(b, lang)
		b.Run(fmt.Sprintf("%s/%dwords", lang, len(words)), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				s(words[i])
				i++
				if i == len(words) {
					i = 0
				}
			}
		})
	}
}

func FuzzStem(f *testing.F) {
	for _, lang := range Languages {
		for _, g := range cases[lang].same {
			f.Add(g[len(g)-1])
		}
	}
	f.Fuzz(func(t *testing.T, w string) {
		for _, lang := range Languages {
			got := stemmer(t, lang)(w)
			if w != "" && got == "" {
				t.Fatalf("%s: %q → empty", lang, w)
			}
			if utf8.ValidString(w) && !utf8.ValidString(got) {
				t.Fatalf("%s: %q → invalid %q", lang, w, got)
			}
			if n := utf8.RuneCountInString(w); utf8.RuneCountInString(got) < min(n, minStem) {
				t.Fatalf("%s: %q → %q", lang, w, got)
			}
		}
	})
}
