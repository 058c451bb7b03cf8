package db

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Dashboards' aggregates. Each is one GROUP BY over the list's own listSpec: the same filter and the same
// read access as the list, so a total equals the list's totalCount, and a bucket's count the totalCount
// of the list filtered to that key too.

type StatsFilter struct {
	Members              *MemberFilter
	BestPractices        *BestPracticeFilter
	FundingOpportunities *FundingOpportunityFilter
	DigitalTools         *DigitalToolFilter
}

// Stats is the root of the aggregates; each figure is computed when it is asked for, as the request
// asking may read the items.
type Stats struct {
	d *DB
	f StatsFilter
}

// Stats returns the aggregates under f.
func (d *DB) Stats(f *StatsFilter) *Stats {
	s := &Stats{d: d}
	if f != nil {
		s.f = *f
	}
	return s
}

func (s *Stats) Members() *MemberStats {
	return &MemberStats{stats: stats{s.d, func(ctx context.Context) *listSpec { return memberList(ctx, s.f.Members, nil) }}}
}

func (s *Stats) BestPractices() *BestPracticeStats {
	return &BestPracticeStats{stats: stats{s.d, func(ctx context.Context) *listSpec { return s.d.practiceList(ctx, s.f.BestPractices, nil) }}}
}

func (s *Stats) FundingOpportunities() *FundingOpportunityStats {
	return &FundingOpportunityStats{stats{s.d, func(context.Context) *listSpec { return s.d.fundingList(s.f.FundingOpportunities, nil) }}}
}

func (s *Stats) DigitalTools() *DigitalToolStats {
	return &DigitalToolStats{stats{s.d, func(ctx context.Context) *listSpec { return toolList(ctx, s.f.DigitalTools, nil) }}}
}

// StatsBucket is one value and how many items have it.
type StatsBucket struct {
	Key, Label                string
	Count                     int
	MunicipalitiesRepresented *int
	TotalBudget               *string
}

// StatsSeries is buckets within one value of another.
type StatsSeries struct {
	Key, Label string
	Buckets    []*StatsBucket
}

// stats groups one list's rows.
type stats struct {
	d    *DB
	list func(ctx context.Context) *listSpec
}

// group counts the list's rows by key, an SQL expression over the list's alias, after joining join (for
// values held in a link table whose rows are unique per item and value). sum, when given, is summed per bucket into the bucket's sum field.
func (s stats) group(ctx context.Context, key, join, sum string, byKey bool) ([]*StatsBucket, error) {
	list := s.list(ctx)
	b, _ := list.start()
	sumSQL := "null::text"
	if sum != "" {
		sumSQL = "sum(" + sum + ")::text"
	}
	order := "2 desc, 1"
	if byKey {
		order = "1"
	}
	// count(*), not count(distinct id): a join is always on link rows unique per item and value, so each
	// row is one item in one bucket, and the distinct would cost a sort.
	sql := fmt.Sprintf("select (%s)::text, count(*), %s from %s %s where %s group by 1 order by %s",
		key, sumSQL, list.from, join, b.whereSQL(), order)
	rows, err := s.d.q.Query(ctx, sql, b.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*StatsBucket{}
	for rows.Next() {
		var bk StatsBucket
		var total *string
		if err := rows.Scan(&bk.Key, &bk.Count, &total); err != nil {
			return nil, err
		}
		bk.Label = bk.Key
		if total != nil && sum != "" {
			if strings.Contains(sum, "municipalities") {
				var n int
				fmt.Sscan(*total, &n)
				bk.MunicipalitiesRepresented = &n
			} else {
				bk.TotalBudget = total
			}
		}
		out = append(out, &bk)
	}
	return out, rows.Err()
}

// totals counts the list's rows and sums sum over them.
func (s stats) totals(ctx context.Context, sum string) (int, *string, error) {
	list := s.list(ctx)
	b, _ := list.start()
	if sum == "" {
		sum = "null::int"
	}
	var n int
	var total *string
	err := s.d.q.QueryRow(ctx, fmt.Sprintf("select count(*), sum(%s)::text from %s where %s", sum, list.from, b.whereSQL()),
		b.args...).Scan(&n, &total)
	return n, total, err
}

func labelledBy(label func(key string) string) func([]*StatsBucket, error) ([]*StatsBucket, error) {
	return func(bs []*StatsBucket, err error) ([]*StatsBucket, error) { return labelled(bs, err, label) }
}

func labelled(bs []*StatsBucket, err error, label func(key string) string) ([]*StatsBucket, error) {
	for _, b := range bs {
		if l := label(b.Key); l != "" {
			b.Label = l
		}
	}
	return bs, err
}

type MemberStats struct {
	stats
	// The total and the sum are one query, whichever is asked first.
	once         sync.Once
	total, munis int
	err          error
}

func (m *MemberStats) totalsOnce(ctx context.Context) (int, int, error) {
	m.once.Do(func() {
		var sum *string
		m.total, sum, m.err = m.totals(ctx, "m.municipalities_represented")
		if sum != nil {
			fmt.Sscan(*sum, &m.munis)
		}
	})
	return m.total, m.munis, m.err
}

func (m *MemberStats) Total(ctx context.Context) (int, error) {
	n, _, err := m.totalsOnce(ctx)
	return n, err
}

func (m *MemberStats) MunicipalitiesRepresented(ctx context.Context) (int, error) {
	_, n, err := m.totalsOnce(ctx)
	return n, err
}

func (m *MemberStats) ByCountry(ctx context.Context) ([]*StatsBucket, error) {
	bs, err := m.group(ctx, "m.country_code", "", "m.municipalities_represented", false)
	return labelled(bs, err, m.d.countryName)
}

func (m *MemberStats) ByKind(ctx context.Context) ([]*StatsBucket, error) {
	bs, err := m.group(ctx, "m.kind", "", "m.municipalities_represented", false)
	return labelled(bs, err, EnumLabel)
}

type BestPracticeStats struct {
	stats
	// byTheme serves both ByTheme and ByThemeAndYear, which orders its series by it.
	themesOnce sync.Once
	themes     []*StatsBucket
	themesErr  error
}

const practiceThemeJoin = "join best_practice_theme st on st.practice_id = bp.id"

func (p *BestPracticeStats) Total(ctx context.Context) (int, error) {
	n, _, err := p.totals(ctx, "")
	return n, err
}

func (p *BestPracticeStats) ByTheme(ctx context.Context) ([]*StatsBucket, error) {
	p.themesOnce.Do(func() {
		p.themes, p.themesErr = labelledBy(p.d.themeName)(p.group(ctx, "st.theme_code", practiceThemeJoin, "", false))
	})
	return p.themes, p.themesErr
}

func (p *BestPracticeStats) ByCountry(ctx context.Context) ([]*StatsBucket, error) {
	bs, err := p.group(ctx, "bp.country_code", "", "", false)
	return labelled(bs, err, p.d.countryName)
}

func (p *BestPracticeStats) ByYear(ctx context.Context) ([]*StatsBucket, error) {
	return p.group(ctx, "bp.year", "", "", true)
}

func (p *BestPracticeStats) ByLanguage(ctx context.Context) ([]*StatsBucket, error) {
	return p.group(ctx, "bp.language", "", "", false)
}

// ByThemeAndYear groups by theme and year together; the themes come largest first, as in ByTheme.
func (p *BestPracticeStats) ByThemeAndYear(ctx context.Context) ([]*StatsSeries, error) {
	themes, err := p.ByTheme(ctx)
	if err != nil {
		return nil, err
	}
	pairs, err := p.group(ctx, "st.theme_code || '|' || bp.year", practiceThemeJoin, "", true)
	if err != nil {
		return nil, err
	}
	series := make([]*StatsSeries, len(themes))
	byTheme := map[string]*StatsSeries{}
	for i, t := range themes {
		series[i] = &StatsSeries{Key: t.Key, Label: t.Label, Buckets: []*StatsBucket{}}
		byTheme[t.Key] = series[i]
	}
	for _, b := range pairs {
		theme, year, _ := strings.Cut(b.Key, "|")
		if s := byTheme[theme]; s != nil {
			s.Buckets = append(s.Buckets, &StatsBucket{Key: year, Label: year, Count: b.Count})
		}
	}
	return series, nil
}

type FundingOpportunityStats struct{ stats }

func (f *FundingOpportunityStats) Total(ctx context.Context) (int, error) {
	n, _, err := f.totals(ctx, "")
	return n, err
}

func (f *FundingOpportunityStats) TotalBudget(ctx context.Context) (*string, error) {
	_, sum, err := f.totals(ctx, "f.total_budget")
	return sum, err
}

func (f *FundingOpportunityStats) ByProgramme(ctx context.Context) ([]*StatsBucket, error) {
	bs, err := f.group(ctx, "f.programme_code", "", "f.total_budget", false)
	return labelled(bs, err, f.d.programmeName)
}

// ByStatus groups by funding_status, as the status filter filters by it.
func (f *FundingOpportunityStats) ByStatus(ctx context.Context) ([]*StatsBucket, error) {
	// A literal: group has no place for arguments of its key, and a formatted date needs no quoting.
	today := "'" + f.d.Today().Format(time.DateOnly) + "'"
	bs, err := f.group(ctx, fundingStatusSQL(today), "", "f.total_budget", false)
	return labelled(bs, err, EnumLabel)
}

// FundingDeadline is one deadline of a call.
type FundingDeadline struct {
	Date               time.Time
	DaysLeft           int
	Final              bool
	FundingOpportunity *FundingOpportunity
}

// UpcomingDeadlines lists the deadlines from today through days days ahead, soonest first.
func (f *FundingOpportunityStats) UpcomingDeadlines(ctx context.Context, days int) ([]*FundingDeadline, error) {
	if days < 0 || days > 366 {
		return nil, fmt.Errorf("%w: days must be between 0 and 366", ErrBadPageArgs)
	}
	list := f.list(ctx)
	b, _ := list.start()
	today := f.d.Today()
	from, to := b.arg(today), b.arg(today.AddDate(0, 0, days))
	sql := fmt.Sprintf(`select %s, dl from %s cross join lateral unnest(f.deadlines) as dl
		where %s and dl between %s::date and %s::date order by dl, f.id`, fundingColumns, list.from, b.whereSQL(), from, to)
	rows, err := f.d.q.Query(ctx, sql, b.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*FundingDeadline{}
	for rows.Next() {
		var dl FundingDeadline
		dl.FundingOpportunity = &FundingOpportunity{}
		if err := rows.Scan(append(dl.FundingOpportunity.fields(nil), &dl.Date)...); err != nil {
			return nil, err
		}
		dl.DaysLeft = int(dl.Date.Sub(today).Hours() / 24)
		ds := dl.FundingOpportunity.Deadlines
		dl.Final = len(ds) > 0 && ds[len(ds)-1].Equal(dl.Date)
		out = append(out, &dl)
	}
	return out, rows.Err()
}

type DigitalToolStats struct{ stats }

func (t *DigitalToolStats) Total(ctx context.Context) (int, error) {
	n, _, err := t.totals(ctx, "")
	return n, err
}

func (t *DigitalToolStats) ByLicence(ctx context.Context) ([]*StatsBucket, error) {
	return t.group(ctx, "t.licence", "", "", false)
}

func (t *DigitalToolStats) ByDevelopmentStatus(ctx context.Context) ([]*StatsBucket, error) {
	bs, err := t.group(ctx, "t.development_status", "", "", false)
	return labelled(bs, err, EnumLabel)
}

func (t *DigitalToolStats) ByMim(ctx context.Context) ([]*StatsBucket, error) {
	bs, err := t.group(ctx, "sm.code || '@' || sm.edition",
		"join digital_tool_mim sx on sx.tool_id = t.id join mim sm on sm.id = sx.mim_id", "", false)
	return labelled(bs, err, func(key string) string {
		code, edition, _ := strings.Cut(key, "@")
		for _, m := range t.d.ref.Mims {
			if m.Code == code && m.Edition == edition {
				return m.Name
			}
		}
		return ""
	})
}

// EnumLabel writes an enum value for people: NATIONAL_ASSOCIATION is "National association".
func EnumLabel(key string) string {
	s := strings.ToLower(strings.ReplaceAll(key, "_", " "))
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (d *DB) countryName(code string) string {
	if c := d.ref.Country(code); c != nil {
		return c.Name
	}
	return ""
}

func (d *DB) themeName(code string) string {
	if t := d.ref.Theme(code); t != nil {
		return t.Name
	}
	return ""
}

func (d *DB) programmeName(code string) string {
	if p := d.ref.Programme(code); p != nil {
		return p.Name
	}
	return ""
}

// FundingRecommendation is a call suggested to a member.
type FundingRecommendation struct {
	FundingOpportunity *FundingOpportunity
	Score              float64
	Reason             string
	SharedThemeCodes   []string
}

// RecommendedFunding ranks, for each member, the forthcoming and open calls its home country is eligible
// for by the themes they share with the member's published practices (each theme weighted by how many of
// them have it), then by the nearest deadline: the first of them, for all members in one statement.
func (d *DB) RecommendedFunding(ctx context.Context, members []int64, first int) (map[int64][]*FundingRecommendation, error) {
	if first < 0 || first > 100 {
		return nil, fmt.Errorf("%w: first must be between 0 and 100", ErrBadPageArgs)
	}
	rows, err := d.q.Query(ctx, `with mine as (
			select a.member_id, t.theme_code, count(*) as n from best_practice_author a
			join best_practice bp on bp.id = a.practice_id and bp.status = 'PUBLISHED'
			join best_practice_theme t on t.practice_id = bp.id
			where a.member_id = any($1) group by 1, 2)
		select m.id, m.country_code, r.* from member m cross join lateral (
			select `+fundingColumns+`, coalesce(sum(mine.n), 0)::float8 as score,
				array_remove(array_agg(mine.theme_code order by mine.n desc, mine.theme_code), null) as shared,
				row_number() over (order by coalesce(sum(mine.n), 0) desc, f.final_deadline, f.id) as rank
			from funding_opportunity f
			left join funding_opportunity_theme ft on ft.funding_id = f.id
			left join mine on mine.theme_code = ft.theme_code and mine.member_id = m.id
			where `+fundingStatusSQL("$2")+` <> 'CLOSED'
				and exists (select 1 from funding_opportunity_country c where c.funding_id = f.id and c.country_code = m.country_code)
			group by f.id
			order by score desc, f.final_deadline, f.id
			limit $3) r
		where m.id = any($1) order by m.id, r.rank`, members, d.Today(), first)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	today := d.Today()
	out := map[int64][]*FundingRecommendation{}
	for rows.Next() {
		var member int64
		var country string
		r := &FundingRecommendation{FundingOpportunity: &FundingOpportunity{}}
		var rank int64
		if err := rows.Scan(append(r.FundingOpportunity.fields([]any{&member, &country}), &r.Score, &r.SharedThemeCodes, &rank)...); err != nil {
			return nil, err
		}
		r.Reason = d.recommendationReason(r, country, today)
		out[member] = append(out[member], r)
	}
	return out, rows.Err()
}

func (d *DB) recommendationReason(r *FundingRecommendation, country string, today time.Time) string {
	f := r.FundingOpportunity
	when := "open until " + f.Deadlines[len(f.Deadlines)-1].Format("2 January 2006")
	if f.StatusOn(today) == FundingStatusForthcoming {
		when = "opens on " + f.OpeningDate.Format("2 January 2006")
	}
	if c := d.ref.Country(country); c != nil {
		country = c.Name
	}
	if len(r.SharedThemeCodes) == 0 {
		return fmt.Sprintf("Open to members in %s (%s); it shares no theme with the member's published practices.", country, when)
	}
	names := make([]string, len(r.SharedThemeCodes))
	for i, c := range r.SharedThemeCodes {
		names[i] = d.themeName(c)
	}
	return fmt.Sprintf("Shares %s with the member's published practices; open to members in %s (%s).",
		strings.Join(names, ", "), country, when)
}

// SimilarTools ranks, for each tool, the other tools the request may read by the themes and MIMs they
// share (two points each) and the published practices that used both (one point each): the first of
// them, for all tools in one statement. Drafts do not count, or the ranking would tell what they link.
func (d *DB) SimilarTools(ctx context.Context, tools []int64, first int) (map[int64][]*DigitalTool, error) {
	if first < 0 || first > 100 {
		return nil, fmt.Errorf("%w: first must be between 0 and 100", ErrBadPageArgs)
	}
	b := builder{}
	ids := b.arg(tools)
	b.where("t.id <> src.id")
	visibleTools(ReadAccessOf(ctx), &b)
	sql := fmt.Sprintf(`select src.id, x.* from unnest(%[2]s::bigint[]) as src(id) cross join lateral (
		select %[1]s, row_number() over (order by s.score desc, t.name, t.id) as rank from digital_tool t, lateral (select
			2 * (select count(*) from digital_tool_theme a join digital_tool_theme o on o.theme_code = a.theme_code
				where a.tool_id = src.id and o.tool_id = t.id) +
			2 * (select count(*) from digital_tool_mim a join digital_tool_mim o on o.mim_id = a.mim_id
				where a.tool_id = src.id and o.tool_id = t.id) +
			(select count(*) from best_practice_tool a join best_practice_tool o on o.practice_id = a.practice_id
				join best_practice p on p.id = a.practice_id
				where a.tool_id = src.id and o.tool_id = t.id and p.status = 'PUBLISHED') as score) s
		where %[3]s and s.score > 0 order by s.score desc, t.name, t.id limit %[4]d) x
		order by src.id, x.rank`, toolColumns, ids, b.whereSQL(), first)
	rows, err := d.q.Query(ctx, sql, b.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]*DigitalTool{}
	for rows.Next() {
		var src, rank int64
		t := &DigitalTool{}
		if err := rows.Scan(append(t.fields([]any{&src}), &rank)...); err != nil {
			return nil, err
		}
		out[src] = append(out[src], t)
	}
	return out, rows.Err()
}
