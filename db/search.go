package db

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// The search index (package search) is derived from these reads. It never writes here except to prune
// the outbox (search_change, migration 003).

// SearchSource is what the search index holds about one entity.
type SearchSource struct {
	Entity string // the GraphQL type: BestPractice, DigitalTool, FundingOpportunity, Member
	ID     int64
	// Versions are the entity's texts, the original first, then translations, each in its own language.
	Versions   []TextVersion
	Themes     []string
	Countries  []string // empty for a funding opportunity: open to every EU country
	Programmes []string
	Year       int32 // 0: none
	Status     string
	// OpeningDate and FinalDeadline are a funding opportunity's, whose status follows the date.
	OpeningDate, FinalDeadline *time.Time
	Tools, Authors             []int64 // a best practice's, for related practices
	// Links are the names of what a best practice links to: its tools, and its authors with their native
	// names and acronyms.
	Links []string
}

// TextVersion is one language version of an entity's texts.
type TextVersion struct {
	Language, Title, Summary, Body string
}

// SearchEntities are the searchable entity types, in the order a rebuild reads them.
var SearchEntities = []string{"BestPractice", "DigitalTool", "FundingOpportunity", "Member"}

// Each reads from its entity table aliased e.
var searchSourceSQL = map[string]string{
	// A practice's results and transferability are searched as part of its body.
	"BestPractice": `select e.id, e.language, e.title, e.summary,
		concat_ws(e'\n\n', nullif(e.body, ''), nullif(e.results, ''), nullif(e.transferability, '')),
		array(select t.language from best_practice_translation t where t.practice_id = e.id order by 1),
		array(select t.title from best_practice_translation t where t.practice_id = e.id order by t.language),
		array(select t.summary from best_practice_translation t where t.practice_id = e.id order by t.language),
		array(select theme_code from best_practice_theme where practice_id = e.id order by 1),
		array[e.country_code],
		array(select distinct f.programme_code from best_practice_funding bf
			join funding_opportunity f on f.id = bf.funding_id where bf.practice_id = e.id order by 1),
		e.year, e.status, null::date, null::date,
		array(select tool_id from best_practice_tool where practice_id = e.id order by 1),
		array(select member_id from best_practice_author where practice_id = e.id order by 1),
		array(select t.name from best_practice_tool x join digital_tool t on t.id = x.tool_id
			where x.practice_id = e.id and t.review_status = 'ACCEPTED' order by 1) ||
		array(select concat_ws(' · ', m.name, m.native_name, m.acronym) from best_practice_author x
			join member m on m.id = x.member_id where x.practice_id = e.id order by 1)
		from best_practice e`,
	"DigitalTool": `select e.id, 'en', e.name,
		concat_ws(' · ', e.provider, e.licence, nullif(array_to_string(e.standards, ', '), '')), e.description,
		'{}'::text[], '{}'::text[], '{}'::text[],
		array(select theme_code from digital_tool_theme where tool_id = e.id order by 1),
		array(select country_code from digital_tool_country where tool_id = e.id order by 1),
		'{}'::text[], 0, e.development_status, null::date, null::date, '{}'::bigint[], '{}'::bigint[],
		'{}'::text[]
		from (select * from digital_tool where review_status = 'ACCEPTED') e`, // proposals are not searchable
	"FundingOpportunity": `select e.id, 'en', e.title,
		concat_ws(' · ', e.topic_id, e.call_id, e.action_type), e.description,
		'{}'::text[], '{}'::text[], '{}'::text[],
		array(select theme_code from funding_opportunity_theme where funding_id = e.id order by 1),
		array(select country_code from funding_opportunity_country where funding_id = e.id order by 1),
		array[e.programme_code], extract(year from e.opening_date)::int, '', e.opening_date, e.final_deadline,
		'{}'::bigint[], '{}'::bigint[], '{}'::text[]
		from funding_opportunity e`,
	"Member": `select e.id, 'en', e.name, concat_ws(' · ', e.native_name, e.acronym), e.description,
		'{}'::text[], '{}'::text[], '{}'::text[], '{}'::text[],
		array[e.country_code] || array(select country_code from member_country where member_id = e.id order by 1),
		'{}'::text[], extract(year from e.joined_on)::int, e.status, null::date, null::date,
		'{}'::bigint[], '{}'::bigint[], '{}'::text[]
		from member e`,
}

func scanSearchSource(entity string, rows pgx.CollectableRow) (SearchSource, error) {
	s := SearchSource{Entity: entity}
	var v TextVersion
	var trLangs, trTitles, trSummaries []string
	err := rows.Scan(&s.ID, &v.Language, &v.Title, &v.Summary, &v.Body, &trLangs, &trTitles, &trSummaries,
		&s.Themes, &s.Countries, &s.Programmes, &s.Year, &s.Status, &s.OpeningDate, &s.FinalDeadline,
		&s.Tools, &s.Authors, &s.Links)
	s.Versions = append(s.Versions, v)
	for i := range trLangs {
		s.Versions = append(s.Versions, TextVersion{Language: trLangs[i], Title: trTitles[i], Summary: trSummaries[i]})
	}
	return s, err
}

// SearchSources reads the search sources of entities of one type; ids that name nothing are missing.
func (d *DB) SearchSources(ctx context.Context, entity string, ids []int64) ([]SearchSource, error) {
	sql, ok := searchSourceSQL[entity]
	if !ok {
		return nil, fmt.Errorf("no searchable entity %q", entity)
	}
	rows, err := d.q.Query(ctx, sql+" where e.id = any($1)", ids)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (SearchSource, error) { return scanSearchSource(entity, r) })
}

// SearchPosition is a place in the outbox: every change at or before it has been applied.
type SearchPosition struct {
	Xid      uint64
	Entity   string
	EntityID int64
}

func (p SearchPosition) String() string { return fmt.Sprintf("%d/%s/%d", p.Xid, p.Entity, p.EntityID) }

// ParseSearchPosition reads what String wrote.
func ParseSearchPosition(s string) (SearchPosition, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 3 {
		return SearchPosition{}, fmt.Errorf("bad search position %q", s)
	}
	xid, err1 := strconv.ParseUint(parts[0], 10, 64)
	id, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return SearchPosition{}, fmt.Errorf("bad search position %q", s)
	}
	return SearchPosition{xid, parts[1], id}, nil
}

// EachSearchSource reads every searchable entity from one snapshot, in batches, for a rebuild. It
// returns the position the rebuilt index starts following from: the snapshot's xmin, before which every
// transaction has finished and so is in the snapshot. Changes after it may be in the snapshot too;
// applying them again is harmless.
func (d *DB) EachSearchSource(ctx context.Context, total func(int), fn func([]SearchSource) error) (SearchPosition, error) {
	var pos SearchPosition
	err := pgx.BeginTxFunc(ctx, d.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly},
		func(tx pgx.Tx) error {
			var xmin string
			var n int
			if err := tx.QueryRow(ctx, `select pg_snapshot_xmin(pg_current_snapshot())::text,
				(select count(*) from best_practice) + (select count(*) from digital_tool where review_status = 'ACCEPTED') +
				(select count(*) from funding_opportunity) + (select count(*) from member)`).Scan(&xmin, &n); err != nil {
				return err
			}
			x, err := strconv.ParseUint(xmin, 10, 64)
			if err != nil {
				return err
			}
			pos = SearchPosition{Xid: x}
			total(n)
			const batchSize = 1000
			for _, entity := range SearchEntities {
				rows, err := tx.Query(ctx, searchSourceSQL[entity])
				if err != nil {
					return err
				}
				batch := make([]SearchSource, 0, batchSize)
				for rows.Next() {
					s, err := scanSearchSource(entity, rows)
					if err != nil {
						rows.Close()
						return err
					}
					if batch = append(batch, s); len(batch) == batchSize {
						if err := fn(batch); err != nil {
							rows.Close()
							return err
						}
						batch = make([]SearchSource, 0, batchSize)
					}
				}
				if err := rows.Err(); err != nil {
					return err
				}
				if len(batch) > 0 {
					if err := fn(batch); err != nil {
						return err
					}
				}
			}
			return nil
		})
	return pos, err
}

// SearchChange says that an entity changed in a finished transaction.
type SearchChange struct {
	SearchPosition
}

// SearchChanges reads up to limit changes after pos, from finished transactions only: a transaction id
// below the current snapshot's xmin can no longer write, so nothing will ever appear before the last
// change returned. Changes come in transaction id order, which is not commit order; that is safe because
// applying a change re-reads the entity's current state.
func (d *DB) SearchChanges(ctx context.Context, after SearchPosition, limit int) ([]SearchChange, error) {
	rows, err := d.Pool.Query(ctx, `select xid::text::bigint, entity, entity_id from search_change
		where (xid, entity, entity_id) > ($1::text::xid8, $2, $3)
		and xid < pg_snapshot_xmin(pg_current_snapshot())
		order by xid, entity, entity_id limit $4`,
		strconv.FormatUint(after.Xid, 10), after.Entity, after.EntityID, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (SearchChange, error) {
		var c SearchChange
		err := r.Scan(&c.Xid, &c.Entity, &c.EntityID)
		return c, err
	})
}

// SearchLag is how far an index at pos is behind: the changes not yet applied (counted up to 10,000) and
// when the oldest of them was written.
func (d *DB) SearchLag(ctx context.Context, pos SearchPosition) (pending int, oldest *time.Time, err error) {
	err = d.Pool.QueryRow(ctx, `select count(*), min(changed_at) from (select changed_at from search_change
		where (xid, entity, entity_id) > ($1::text::xid8, $2, $3) limit 10000) c`,
		strconv.FormatUint(pos.Xid, 10), pos.Entity, pos.EntityID).Scan(&pending, &oldest)
	return pending, oldest, err
}

// SearchOrigin is this database's identity and the id the next transaction will get: an index built from
// another database, or holding a position beyond next, was not built from this one as it is.
func (d *DB) SearchOrigin(ctx context.Context) (origin string, next uint64, err error) {
	err = d.Pool.QueryRow(ctx, `select (select id::text from search_origin),
		pg_snapshot_xmax(pg_current_snapshot())::text::bigint`).Scan(&origin, &next)
	return origin, next, err
}

// SearchPrunedThrough is the newest transaction whose changes were pruned (0: none were).
func (d *DB) SearchPrunedThrough(ctx context.Context) (uint64, error) {
	var xid uint64
	err := d.Pool.QueryRow(ctx, `select coalesce((select through_xid::text::bigint from search_change_pruned), 0)`).Scan(&xid)
	return xid, err
}

// PruneSearchChanges deletes changes of finished transactions older than keep, and records the newest
// transaction pruned, so that an index that had not yet applied them knows to rebuild.
func (d *DB) PruneSearchChanges(ctx context.Context, keep time.Duration) (int64, error) {
	tag, err := d.Pool.Exec(ctx, `with gone as (
			delete from search_change where changed_at < now() - $1::interval
			and xid < pg_snapshot_xmin(pg_current_snapshot()) returning xid)
		insert into search_change_pruned (through_xid) select max(xid) from gone having count(*) > 0
		on conflict (only_row) do update set through_xid = greatest(search_change_pruned.through_xid, excluded.through_xid)`,
		fmt.Sprintf("%d seconds", int64(keep.Seconds())))
	return tag.RowsAffected(), err
}

// ListenSearchChanges sends on wake whenever a transaction that changed searchable entities commits, and
// when listening (re)starts, until ctx ends.
func (d *DB) ListenSearchChanges(ctx context.Context, wake chan<- struct{}) {
	d.listen(ctx, "search_change", wake)
}

// PracticeSearchSources reads the search sources of best practices, in the order of ids, nil for missing
// ones: what related practices are found from.
func (d *DB) PracticeSearchSources(ctx context.Context, ids []int64) ([]*SearchSource, error) {
	sources, err := d.SearchSources(ctx, "BestPractice", ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*SearchSource, len(sources))
	for i := range sources {
		byID[sources[i].ID] = &sources[i]
	}
	out := make([]*SearchSource, len(ids))
	for i, id := range ids {
		out[i] = byID[id]
	}
	return out, nil
}
