package seed

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/smartcommunities/hub/db"
)

// vocabulary gives synthetic texts real words in several languages, so that search benchmarks see
// realistic term distributions, stemming and accents rather than random strings.
var vocabulary = map[string]struct{ subjects, actions, places, fillers []string }{
	"en": {
		[]string{"parking sensors", "open data portal", "digital twin", "citizen participation platform", "e-services", "flood monitoring", "energy dashboard", "LoRaWAN network", "air quality sensors", "smart street lighting", "waste collection", "school digitalisation", "telecare", "cybersecurity training"},
		[]string{"reduces costs", "improves services", "engages residents", "saves energy", "supports decisions", "shares data"},
		[]string{"in a small town", "across the region", "in the city centre", "for rural municipalities", "in coastal villages"},
		[]string{"The municipality", "local staff", "residents", "the council", "a pilot", "the project team", "public buildings", "the data platform", "interoperability", "procurement"}},
	"de": {
		[]string{"Parksensoren", "Open-Data-Portal", "digitaler Zwilling", "Bürgerbeteiligung", "Online-Dienste", "Hochwasserüberwachung", "Energiemonitoring", "LoRaWAN-Netz", "Luftqualitätssensoren", "Straßenbeleuchtung", "Abfallsammlung", "Schuldigitalisierung"},
		[]string{"senkt Kosten", "verbessert Dienste", "beteiligt Bürgerinnen", "spart Energie", "unterstützt Entscheidungen", "teilt Daten"},
		[]string{"in einer Kleinstadt", "in der Region", "in der Innenstadt", "für ländliche Gemeinden"},
		[]string{"Die Gemeinde", "die Verwaltung", "die Bürger", "der Stadtrat", "ein Pilotprojekt", "öffentliche Gebäude", "die Datenplattform", "Interoperabilität"}},
	"fr": {
		[]string{"capteurs de stationnement", "portail de données ouvertes", "jumeau numérique", "participation citoyenne", "services en ligne", "surveillance des crues", "suivi énergétique", "réseau LoRaWAN", "qualité de l'air", "éclairage public", "collecte des déchets"},
		[]string{"réduit les coûts", "améliore les services", "mobilise les habitants", "économise l'énergie", "éclaire les décisions"},
		[]string{"dans une petite commune", "dans la région", "au centre-ville", "pour les communes rurales"},
		[]string{"La municipalité", "les agents", "les habitants", "le conseil municipal", "un projet pilote", "les bâtiments publics", "la plateforme de données"}},
	"es": {
		[]string{"sensores de aparcamiento", "portal de datos abiertos", "gemelo digital", "participación ciudadana", "administración electrónica", "control de inundaciones", "monitorización energética", "red LoRaWAN", "calidad del aire", "alumbrado público", "recogida de residuos"},
		[]string{"reduce costes", "mejora los servicios", "implica a los vecinos", "ahorra energía", "apoya las decisiones"},
		[]string{"en un municipio pequeño", "en toda la provincia", "en el centro urbano", "para municipios rurales"},
		[]string{"El ayuntamiento", "el personal municipal", "los vecinos", "el pleno", "un proyecto piloto", "los edificios públicos", "la plataforma de datos"}},
	"it": {
		[]string{"sensori di parcheggio", "portale open data", "gemello digitale", "partecipazione civica", "servizi digitali", "monitoraggio delle alluvioni", "monitoraggio energetico", "rete LoRaWAN", "qualità dell'aria", "illuminazione pubblica", "raccolta dei rifiuti"},
		[]string{"riduce i costi", "migliora i servizi", "coinvolge i cittadini", "risparmia energia", "sostiene le decisioni"},
		[]string{"in un piccolo comune", "in tutta la regione", "nel centro storico", "per i comuni rurali"},
		[]string{"Il comune", "il personale", "i cittadini", "la giunta", "un progetto pilota", "gli edifici pubblici", "la piattaforma dati"}},
	"nl": {
		[]string{"parkeersensoren", "open dataportaal", "digitale tweeling", "burgerparticipatie", "digitale dienstverlening", "overstromingsmonitoring", "energiemonitoring", "LoRaWAN-netwerk", "luchtkwaliteitssensoren", "straatverlichting", "afvalinzameling"},
		[]string{"verlaagt kosten", "verbetert diensten", "betrekt inwoners", "bespaart energie", "ondersteunt besluiten"},
		[]string{"in een kleine gemeente", "in de regio", "in het centrum", "voor plattelandsgemeenten"},
		[]string{"De gemeente", "medewerkers", "inwoners", "de gemeenteraad", "een pilot", "openbare gebouwen", "het dataplatform"}},
	"pl": {
		[]string{"czujniki parkingowe", "portal otwartych danych", "cyfrowy bliźniak", "partycypacja obywatelska", "e-usługi", "monitoring powodziowy", "monitoring energii", "sieć LoRaWAN", "jakość powietrza", "oświetlenie uliczne"},
		[]string{"obniża koszty", "poprawia usługi", "angażuje mieszkańców", "oszczędza energię"},
		[]string{"w małej gminie", "w całym regionie", "w centrum miasta", "dla gmin wiejskich"},
		[]string{"Gmina", "urzędnicy", "mieszkańcy", "rada miasta", "projekt pilotażowy", "budynki publiczne"}},
	"sv": {
		[]string{"parkeringssensorer", "öppna data-portal", "digital tvilling", "medborgardialog", "e-tjänster", "översvämningsövervakning", "energiuppföljning", "LoRaWAN-nät", "luftkvalitetssensorer", "gatubelysning"},
		[]string{"sänker kostnader", "förbättrar tjänster", "engagerar invånare", "sparar energi"},
		[]string{"i en liten kommun", "i hela regionen", "i stadskärnan", "för landsbygdskommuner"},
		[]string{"Kommunen", "medarbetare", "invånarna", "kommunfullmäktige", "ett pilotprojekt", "offentliga byggnader"}},
	"fi": {
		[]string{"pysäköintianturit", "avoimen datan portaali", "digitaalinen kaksonen", "asukasosallisuus", "sähköiset palvelut", "tulvaseuranta", "energiaseuranta", "LoRaWAN-verkko", "ilmanlaatuanturit", "katuvalaistus"},
		[]string{"vähentää kustannuksia", "parantaa palveluja", "osallistaa asukkaita", "säästää energiaa"},
		[]string{"pienessä kunnassa", "koko maakunnassa", "keskustassa", "maaseutukunnille"},
		[]string{"Kunta", "henkilöstö", "asukkaat", "valtuusto", "pilottihanke", "julkiset rakennukset"}},
	"hr": {
		[]string{"senzori za parkiranje", "portal otvorenih podataka", "digitalni blizanac", "sudjelovanje građana", "e-usluge", "praćenje poplava", "praćenje energije", "LoRaWAN mreža", "kvaliteta zraka", "javna rasvjeta"},
		[]string{"smanjuje troškove", "poboljšava usluge", "uključuje građane", "štedi energiju"},
		[]string{"u malom gradu", "u cijeloj županiji", "u središtu grada", "za ruralne općine"},
		[]string{"Grad", "djelatnici", "građani", "gradsko vijeće", "pilot projekt", "javne zgrade"}},
}

var languages = func() []string {
	out := make([]string, 0, len(vocabulary))
	for l := range vocabulary {
		out = append(out, l)
	}
	return out
}()

// Synthetic generates n best practices with members (one per 40 practices) and tools (one per 200),
// written with COPY in one transaction: all or nothing.
func Synthetic(ctx context.Context, d *db.DB, n int) error {
	return SyntheticWithProgress(ctx, d, n, nil)
}

// SyntheticWithProgress is Synthetic, telling progress, when not nil, how many of the practices are
// written.
func SyntheticWithProgress(ctx context.Context, d *db.DB, n int, progress func(done, total int)) error {
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 42))
	run := fmt.Sprintf("%x", rng.Uint32())
	ref := d.Reference()
	nMembers, nTools := max(10, n/40), max(10, n/200)
	err := pgx.BeginFunc(ctx, d.Pool, func(tx pgx.Tx) error {
		members, err := reserveIDs(ctx, tx, "member", nMembers)
		if err != nil {
			return err
		}
		tools, err := reserveIDs(ctx, tx, "digital_tool", nTools)
		if err != nil {
			return err
		}
		practices, err := reserveIDs(ctx, tx, "best_practice", n)
		if err != nil {
			return err
		}
		pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
		countryOf := func() string { return ref.Countries[rng.IntN(len(ref.Countries))].Code }
		kinds := []string{"NATIONAL_ASSOCIATION", "REGIONAL_ASSOCIATION", "NETWORK_OR_INITIATIVE", "AGENCY"}

		rows := make([][]any, 0, nMembers)
		for i, id := range members {
			rows = append(rows, []any{id, fmt.Sprintf("synthetic-member-%s-%d", run, i), fmt.Sprintf("Synthetic Association %s-%d", run, i),
				kinds[rng.IntN(len(kinds))], countryOf(), int32(5 + rng.IntN(400)), "A generated member for benchmarks.", "ACTIVE",
				time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(600))})
		}
		if err := copyRows(ctx, tx, "member", []string{"id", "slug", "name", "kind", "country_code", "municipalities_represented",
			"description", "status", "joined_on"}, rows); err != nil {
			return err
		}
		licences := []string{"EUPL-1.2", "AGPL-3.0-only", "Apache-2.0", "MIT", "GPL-3.0-or-later", "BSD-3-Clause"}
		rows = rows[:0]
		for i, id := range tools {
			v := vocabulary[pick(languages)]
			rows = append(rows, []any{id, fmt.Sprintf("synthetic-tool-%s-%d", run, i), fmt.Sprintf("%s toolkit %s-%d", pick(v.subjects), run, i),
				"A generated digital tool for benchmarks.", pick(licences), "COMPLETED", []string{"NGSI-LD"}, []string{"en"}})
		}
		if err := copyRows(ctx, tx, "digital_tool", []string{"id", "slug", "name", "description", "licence", "development_status",
			"standards", "languages"}, rows); err != nil {
			return err
		}

		statuses := []string{"PUBLISHED", "PUBLISHED", "PUBLISHED", "PUBLISHED", "PUBLISHED", "PUBLISHED", "PUBLISHED", "PUBLISHED", "DRAFT", "ARCHIVED"}
		var practiceRows, translations, authors, themeRows, toolRows [][]any
		for i, id := range practices {
			lang := pick(languages)
			v := vocabulary[lang]
			subject := pick(v.subjects)
			title := fmt.Sprintf("%s %s %s", capitalize(subject), pick(v.actions), pick(v.places))
			summary := fmt.Sprintf("%s %s: %s %s.", pick(v.fillers), pick(v.actions), subject, pick(v.places))
			var body strings.Builder
			for s := 0; s < 6+rng.IntN(6); s++ {
				fmt.Fprintf(&body, "%s %s %s %s. ", pick(v.fillers), pick(v.actions), pick(v.subjects), pick(v.places))
			}
			practiceRows = append(practiceRows, []any{id, fmt.Sprintf("synthetic-%s-%d", run, i), title, summary, body.String(), lang,
				countryOf(), int32(2018 + rng.IntN(9)), pick(statuses), "Generated for benchmarks.", "Generated for benchmarks."})
			if lang != "en" && rng.IntN(3) == 0 {
				en := vocabulary["en"]
				translations = append(translations, []any{id, "en", fmt.Sprintf("%s %s %s", pick(en.subjects), pick(en.actions), pick(en.places)), ""})
			}
			a := rng.IntN(len(members))
			authors = append(authors, []any{id, members[a]})
			if rng.IntN(4) == 0 {
				authors = append(authors, []any{id, members[(a+1)%len(members)]})
			}
			t := rng.IntN(len(ref.Themes))
			for k := 0; k < 1+rng.IntN(3); k++ {
				themeRows = append(themeRows, []any{id, ref.Themes[(t+k)%len(ref.Themes)].Code})
			}
			tl := rng.IntN(len(tools))
			for k := 0; k < rng.IntN(4); k++ {
				toolRows = append(toolRows, []any{id, tools[(tl+k)%len(tools)]})
			}
		}
		for _, c := range []struct {
			table   string
			columns []string
			rows    [][]any
		}{
			{"best_practice", []string{"id", "slug", "title", "summary", "body", "language", "country_code", "year", "status", "results", "transferability"}, practiceRows},
			{"best_practice_translation", []string{"practice_id", "language", "title", "summary"}, translations},
			{"best_practice_author", []string{"practice_id", "member_id"}, authors},
			{"best_practice_theme", []string{"practice_id", "theme_code"}, themeRows},
			{"best_practice_tool", []string{"practice_id", "tool_id"}, toolRows},
		} {
			src := pgx.CopyFromRows(c.rows)
			if c.table == "best_practice" && progress != nil {
				src = &counted{CopyFromSource: src, total: len(c.rows), progress: progress}
			}
			if err := copySource(ctx, tx, c.table, c.columns, len(c.rows), src); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Fresh statistics now, rather than when autovacuum gets to it: without them the planner walks a
	// title index through 100,000 rows to find one member's few practices.
	_, err = d.Pool.Exec(ctx, "analyze")
	return err
}

// reserveIDs takes n ids from a table's identity sequence, so that rows and their links can be written
// with COPY without reading ids back.
func reserveIDs(ctx context.Context, tx pgx.Tx, table string, n int) ([]int64, error) {
	rows, err := tx.Query(ctx, "select nextval(pg_get_serial_sequence($1, 'id')) from generate_series(1, $2)", table, n)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

func copyRows(ctx context.Context, tx pgx.Tx, table string, columns []string, rows [][]any) error {
	return copySource(ctx, tx, table, columns, len(rows), pgx.CopyFromRows(rows))
}

func copySource(ctx context.Context, tx pgx.Tx, table string, columns []string, n int, src pgx.CopyFromSource) error {
	if n == 0 {
		return nil
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{table}, columns, src)
	if err != nil {
		return fmt.Errorf("copying into %s: %w", table, err)
	}
	return nil
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// counted tells progress of the rows a COPY has taken, every thousand.
type counted struct {
	pgx.CopyFromSource
	done, total int
	progress    func(done, total int)
}

func (c *counted) Next() bool {
	more := c.CopyFromSource.Next()
	if more {
		c.done++
	}
	if !more || c.done%1000 == 0 {
		c.progress(c.done, c.total)
	}
	return more
}
