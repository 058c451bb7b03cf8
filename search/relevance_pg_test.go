package search

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/smartcommunities/hub/db"
)

// A PostgreSQL full-text-search baseline for the judged queries: what the hub would answer with
// PostgreSQL's own text search instead of the index, over the same rows and the same texts, so that the
// index's figures have something to be compared with.
//
// Fairness, in both directions:
//   - The texts are exactly the index's: every version of every searchable entity read through
//     db.EachSearchSource (so a practice's body holds its results and transferability, a tool's summary
//     its provider, licence and standards, a member's its native name and acronym, proposed tools are
//     left out), each version in its own language's configuration, title A, summary B, body C, and a
//     practice's links (the names of its tools and authors) D, ranked between summary and body as the
//     index's boosts rank them.
//   - Accents are folded on both sides (unaccent), as the index folds them.
//   - The types and every filter the judged queries carry (theme, country, language, programme, status,
//     year) are applied as the index applies them: a funding opportunity without countries is open to
//     every country, its status is the status on the hub's today, the language filter matches any
//     version's language, a year filter leaves out what has no year (tools), and draft practices are
//     left out unless a status is asked for.
//   - Nothing is added that PostgreSQL does not offer out of the box: no typo tolerance, no prefixes, no
//     cross-language stemming, no boost of the reader's language, and websearch_to_tsquery's AND of the
//     words, as a careful PostgreSQL user would write it.

// pgFTSConfigs are the text search configurations PostgreSQL ships, by the ISO 639-1 code of their
// language; preparePostgresFTS keeps those the server has (pg_ts_config) and every other language is
// 'simple'.
var pgFTSConfigs = map[string]string{
	"da": "danish", "de": "german", "el": "greek", "en": "english", "es": "spanish", "fi": "finnish",
	"fr": "french", "ga": "irish", "hu": "hungarian", "it": "italian", "lt": "lithuanian", "nl": "dutch",
	"pt": "portuguese", "ro": "romanian", "sv": "swedish",
}

// preparePostgresFTS builds the baseline's table in d's database: one row per searchable entity version
// (the original text and each translation, for the four entity types, with the same texts search indexes,
// read through d.EachSearchSource so the texts are exactly the index's), each with a tsvector in the
// text's own language's text search configuration ('simple' for languages PostgreSQL has none for) over
// unaccent(text), title weighted A, summary B, body C, and for a practice the names of what it links to
// (its tools, its authors: SearchSource.Links, which the index searches too, in every version) D. It
// replaces the tables a previous call made, in one transaction.
//
// The tsvector is a plain column computed when the row is written, not a generated column or an
// expression index, so unaccent (stable, not immutable: it reads its dictionary) needs no immutable
// wrapper, and the per-row configuration can be a column.
func preparePostgresFTS(ctx context.Context, d *db.DB) error {
	// unaccent is a trusted extension: the database's owner may create it.
	if _, err := d.Pool.Exec(ctx, `create extension if not exists unaccent`); err != nil {
		return err
	}
	var langs, cfgs []string
	for l, c := range pgFTSConfigs {
		langs, cfgs = append(langs, l), append(cfgs, c)
	}
	return pgx.BeginTxFunc(ctx, d.Pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
		for _, sql := range []string{
			`drop table if exists pg_fts_baseline, pg_fts_config`,
			`create table pg_fts_config (language text primary key, config regconfig not null)`,
			`create table pg_fts_baseline (
				entity text not null,
				id bigint not null,
				version int not null, -- 0: the original, then the translations
				language text not null,
				config regconfig not null,
				tsv tsvector not null,
				primary key (entity, id, version))`,
		} {
			if _, err := tx.Exec(ctx, sql); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `insert into pg_fts_config (language, config)
			select l.language, c.cfgname::regconfig from unnest($1::text[], $2::text[]) l(language, cfgname)
			join pg_ts_config c on c.cfgname = l.cfgname`, langs, cfgs); err != nil {
			return err
		}
		_, err := d.EachSearchSource(ctx, func(int) {}, func(batch []db.SearchSource) error {
			var entities, languages, titles, summaries, bodies, links []string
			var ids []int64
			var versions []int32
			for _, s := range batch {
				for i, v := range s.Versions {
					entities, ids, versions = append(entities, s.Entity), append(ids, s.ID), append(versions, int32(i))
					languages, titles = append(languages, v.Language), append(titles, v.Title)
					summaries, bodies = append(summaries, v.Summary), append(bodies, v.Body)
					links = append(links, strings.Join(s.Links, "\n"))
				}
			}
			_, err := tx.Exec(ctx, `insert into pg_fts_baseline (entity, id, version, language, config, tsv)
				select v.entity, v.id, v.version, v.language, c.config,
					setweight(to_tsvector(c.config, unaccent(v.title)), 'A') ||
					setweight(to_tsvector(c.config, unaccent(v.summary)), 'B') ||
					setweight(to_tsvector(c.config, unaccent(v.body)), 'C') ||
					setweight(to_tsvector(c.config, unaccent(v.links)), 'D')
				from unnest($1::text[], $2::bigint[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[],
					$8::text[]) v(entity, id, version, language, title, summary, body, links)
				cross join lateral (select coalesce((select f.config from pg_fts_config f where f.language = v.language),
					'simple'::regconfig) as config) c`,
				entities, ids, versions, languages, titles, summaries, bodies, links)
			return err
		})
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `create index on pg_fts_baseline using gin (tsv)`); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `analyze pg_fts_baseline`)
		return err
	})
}

// postgresRanked answers one judged query the way a careful PostgreSQL user would: websearch_to_tsquery in
// the query's language's configuration ('simple' when the language has none or the query has no
// language) over unaccent(query), ranked by ts_rank_cd (pgRankWeights), the best version per entity, within the query's
// types and filters (read from the entity tables), draft practices left out unless the query asks for a
// status, the ten best, as keys "Type:slug" (Type:identifier for funding opportunities) as demoKeys gives
// them. preparePostgresFTS must have run on d.
//
// The hub's field:value clauses (pgFieldClause) are what websearch_to_tsquery cannot read, so they are
// taken out of the text first: a keyword field (type, theme, country, language, programme, status, year)
// narrows as the filter of the same name does, a text field (title, summary, body) requires its words in
// the lexemes of that weight (ts_filter); -field:value excludes instead. Everything else, words, "phrases",
// +must and -mustnot, is websearch_to_tsquery's to read.
func postgresRanked(ctx context.Context, d *db.DB, q judgedQuery) ([]string, error) {
	f := q.Filter
	var yearFrom, yearTo *int32
	if f.Year != nil {
		yearFrom, yearTo = f.Year.From, f.Year.To
	}
	// The text without its field clauses, but with the words a text field asks for, which the whole
	// version has too: what websearch_to_tsquery matches and ranks by.
	var kwFields, kwValues, txWeights, txValues []string
	var kwNeg, txNeg []bool
	text := pgFieldClause.ReplaceAllStringFunc(q.Query, func(m string) string {
		s := pgFieldClause.FindStringSubmatch(m)
		neg, field, value := s[2] == "-", strings.ToLower(s[3]), s[4]
		if w, ok := map[string]string{"title": "a", "summary": "b", "body": "c"}[field]; ok {
			txWeights, txValues, txNeg = append(txWeights, w), append(txValues, value), append(txNeg, neg)
			if !neg {
				return s[1] + value
			}
		} else {
			kwFields, kwValues = append(kwFields, field), append(kwValues, strings.Trim(value, `"`))
			kwNeg = append(kwNeg, neg)
		}
		return s[1]
	})
	rows, err := d.Pool.Query(ctx, `with query as (
			select c.config, websearch_to_tsquery(c.config, unaccent(@text)) as tsq
			from (select coalesce((select config from pg_fts_config where language = lower(@language)),
				'simple'::regconfig) as config) c
		), fields as (
			select t.weight::"char" as weight, t.neg, websearch_to_tsquery(query.config, unaccent(t.value)) as tsq
			from query, unnest(@tx_weights::text[], @tx_values::text[], @tx_neg::bool[]) t(weight, value, neg)
		), hits as (
			select b.entity, b.id, max(ts_rank_cd(@weights::real[], b.tsv, query.tsq)) as rank
			from pg_fts_baseline b cross join query
			where case when numnode(query.tsq) > 0 then b.tsv @@ query.tsq
				else cardinality(@kw_fields::text[]) + cardinality(@tx_weights::text[]) > 0 end
			and not exists (select from fields t where (ts_filter(b.tsv, array[t.weight]) @@ t.tsq) = t.neg)
			group by b.entity, b.id
		), entities as (
			select 'BestPractice' as entity, 'BEST_PRACTICE' as type, e.id, e.slug as key, e.status, e.year,
				array(select theme_code from best_practice_theme where practice_id = e.id) as themes,
				array[e.country_code] as countries,
				array(select f.programme_code from best_practice_funding bf
					join funding_opportunity f on f.id = bf.funding_id where bf.practice_id = e.id) as programmes,
				e.language || array(select t.language from best_practice_translation t where t.practice_id = e.id)
					as languages
			from best_practice e
			union all
			select 'DigitalTool', 'DIGITAL_TOOL', e.id, e.slug, e.development_status, null::int,
				array(select theme_code from digital_tool_theme where tool_id = e.id),
				array(select country_code from digital_tool_country where tool_id = e.id),
				'{}'::text[], '{en}'::text[]
			from digital_tool e
			union all
			-- A call's status is the one on the hub's today; one without countries is open to all of them.
			select 'FundingOpportunity', 'FUNDING_OPPORTUNITY', e.id, e.topic_id,
				funding_status(e.opening_date, e.final_deadline, @today::date), extract(year from e.opening_date)::int,
				array(select theme_code from funding_opportunity_theme where funding_id = e.id),
				coalesce(nullif(array(select country_code from funding_opportunity_country where funding_id = e.id),
					'{}'::text[]), array(select code from country)),
				array[e.programme_code], '{en}'::text[]
			from funding_opportunity e
			union all
			select 'Member', 'MEMBER', e.id, e.slug, e.status, extract(year from e.joined_on)::int, '{}'::text[],
				array[e.country_code] || array(select country_code from member_country where member_id = e.id),
				'{}'::text[], '{en}'::text[]
			from member e
		)
		select e.entity || ':' || e.key
		from hits h join entities e using (entity, id)
		where (cardinality(@types::text[]) = 0 or e.type = any(@types))
		and (cardinality(@themes::text[]) = 0 or e.themes && @themes)
		and (cardinality(@countries::text[]) = 0 or e.countries && @countries)
		and (cardinality(@languages::text[]) = 0 or e.languages && @languages)
		and (cardinality(@programmes::text[]) = 0 or e.programmes && @programmes)
		and (cardinality(@statuses::text[]) = 0 or e.status = any(@statuses))
		and (cardinality(@statuses::text[]) > 0 or 'status' = any(@kw_fields::text[])
			or not (e.entity = 'BestPractice' and e.status = 'DRAFT'))
		and (@year_from::int is null or e.year >= @year_from) and (@year_to::int is null or e.year <= @year_to)
		and not exists (select from unnest(@kw_fields::text[], @kw_values::text[], @kw_neg::bool[]) k(field, value, neg)
			where coalesce(case k.field
				when 'type' then upper(regexp_replace(k.value, '[-_]', '', 'g')) in (replace(e.type, '_', ''), upper(e.entity))
				when 'theme' then lower(k.value) = any(e.themes)
				when 'country' then upper(k.value) = any(e.countries)
				when 'language' then lower(k.value) = any(e.languages)
				when 'programme' then upper(k.value) = any(e.programmes)
				when 'status' then upper(k.value) = e.status
				when 'year' then k.value = e.year::text
			end, false) = k.neg)
		order by h.rank desc, e.entity, e.id
		limit 10`,
		pgx.NamedArgs{"weights": pgRankWeights, "language": q.Language, "text": text, "today": d.Today(),
			"types": pgFilterValues(q.Types, strings.ToUpper), "themes": pgFilterValues(f.Theme, strings.ToLower),
			"countries": pgFilterValues(f.Country, strings.ToUpper), "languages": pgFilterValues(f.Language, strings.ToLower),
			"programmes": pgFilterValues(f.Programme, strings.ToUpper), "statuses": pgFilterValues(f.Status, strings.ToUpper),
			"year_from": yearFrom, "year_to": yearTo,
			"kw_fields": nonNil(kwFields), "kw_values": nonNil(kwValues), "kw_neg": nonNil(kwNeg),
			"tx_weights": nonNil(txWeights), "tx_values": nonNil(txValues), "tx_neg": nonNil(txNeg)})
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// pgRankWeights are ts_rank_cd's weights of D, C, B and A: its defaults, {0.1, 0.2, 0.4, 1.0}, but for
// D, a practice's links, which count between its summary and its body, as in the index (boosts: title 3,
// summary 2, links 1.5, body 1).
var pgRankWeights = []float32{0.3, 0.2, 0.4, 1.0}

// pgFieldClause is one of the hub's field:value or field:"phrase" clauses (see parse in query.go), with
// its +/- and the space before it: groups 1 the space, 2 the sign, 3 the field, 4 the value.
var pgFieldClause = regexp.MustCompile(`(?i)(^|\s)([+-]?)(title|summary|body|type|theme|country|language|year|programme|status):("[^"]*"|[^\s"]\S*)`)

// pgFilterValues is a filter's values as the index compares them, never nil (an empty array, not NULL).
func pgFilterValues(values []string, f func(string) string) []string {
	out := make([]string, 0, len(values))
	for _, v := range values {
		out = append(out, f(strings.TrimSpace(v)))
	}
	return out
}

// nonNil is xs, or an empty slice: pgx sends a nil slice as NULL.
func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

func TestPostgresBaselineRuns(t *testing.T) {
	_, d := openDemo(t)
	ctx := context.Background()
	if err := preparePostgresFTS(ctx, d); err != nil {
		t.Fatal(err)
	}
	var versions, translations int
	if err := d.Pool.QueryRow(ctx, `select count(*), count(*) filter (where version > 0) from pg_fts_baseline`).
		Scan(&versions, &translations); err != nil {
		t.Fatal(err)
	}
	t.Logf("baseline: %d versions, %d of them translations", versions, translations)
	if translations == 0 {
		t.Error("the baseline holds no translations")
	}
	// Without unaccent the French stemmer keeps the accent, and the unaccented query below would miss.
	var plain bool
	if err := d.Pool.QueryRow(ctx, `select to_tsvector('french', 'électronique') @@
		websearch_to_tsquery('french', 'electronique')`).Scan(&plain); err != nil {
		t.Fatal(err)
	}
	if plain {
		t.Log("the French configuration matches electronique to électronique even without unaccent")
	}
	for _, c := range []struct {
		q    judgedQuery
		want string
	}{
		{judgedQuery{ID: "open-data-portal", Query: "open data portal", Language: "en"},
			"BestPractice:graz-open-data-portal-ckan"},
		{judgedQuery{ID: "open-data-portal-tools", Query: "open data portal", Language: "en", Types: []string{"DIGITAL_TOOL"}},
			"DigitalTool:ckan"},
		// The title and body say "guichet électronique".
		{judgedQuery{ID: "unaccented-fr", Query: "guichet electronique", Language: "fr"},
			"BestPractice:schaerbeek-guichet-electronique"},
		// The hub's field syntax: a keyword field narrows, a text field asks for its words there.
		{judgedQuery{ID: "field-clauses", Query: "title:guichet type:best_practice", Language: "fr"},
			"BestPractice:schaerbeek-guichet-electronique"},
	} {
		ranked, err := postgresRanked(ctx, d, c.q)
		if err != nil {
			t.Fatalf("%s: %v", c.q.ID, err)
		}
		t.Logf("%s: %v", c.q.ID, ranked)
		if !slices.Contains(ranked, c.want) {
			t.Errorf("%s: %s is not in the ten: %v", c.q.ID, c.want, ranked)
		}
		for _, k := range ranked {
			if len(c.q.Types) > 0 && !strings.HasPrefix(k, "DigitalTool:") {
				t.Errorf("%s: %s is not a digital tool", c.q.ID, k)
			}
		}
	}
	// An excluded field leaves nothing here.
	ranked, err := postgresRanked(ctx, d, judgedQuery{Query: "guichet electronique -type:BEST_PRACTICE", Language: "fr"})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range ranked {
		if strings.HasPrefix(k, "BestPractice:") {
			t.Errorf("-type:BEST_PRACTICE: %s is a best practice", k)
		}
	}
}
