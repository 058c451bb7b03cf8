package db

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"

	"github.com/jackc/pgx/v5"
)

type BestPracticeFilter struct {
	Country  []string
	Theme    []string
	Status   []BestPracticeStatus
	Language []string
	Mim      *MimRef
	Tool     *string
	Author   *string
	Year     *IntRange
}

type BestPracticeOrderField string

type BestPracticeOrder struct {
	Field     BestPracticeOrderField
	Direction OrderDirection
}

type TranslationInput struct {
	Language string
	Title    string
	Summary  *string
}

type CreateBestPracticeInput struct {
	Title           string
	Slug            *string
	Summary         *string
	Body            *string
	Language        string
	Translations    []*TranslationInput
	Municipality    *string
	Country         string
	NutsCode        *string
	Themes          []string
	Mims            []*MimRef
	Tools           []DigitalToolID
	Funding         []FundingOpportunityID
	Results         *string
	Transferability *string
	Year            int32
	Status          *BestPracticeStatus
	Authors         []MemberID
	SourceURL       *string
}

type UpdateBestPracticeInput struct {
	ID              BestPracticeID
	Title           *string
	Slug            *string
	Summary         *string
	Body            *string
	Language        *string
	Translations    []*TranslationInput
	Municipality    *string
	Country         *string
	NutsCode        *string
	Themes          []string
	Mims            []*MimRef
	Tools           []DigitalToolID
	Funding         []FundingOpportunityID
	Results         *string
	Transferability *string
	Year            *int32
	Status          *BestPracticeStatus
	Authors         []MemberID
	SourceURL       *string
	// The version the change was made from: refused with CONFLICT unless it is still the current one.
	ExpectedVersion *int32
}

const practiceColumns = `bp.id, bp.slug, bp.title, bp.summary, bp.body, bp.language, bp.municipality, bp.country_code,
	bp.nuts_code, bp.results, bp.transferability, bp.year, bp.status, bp.source_url, bp.version, bp.created_at, bp.updated_at`

// practiceColumnsAsked is practiceColumns for a query, without what it does not show (WithFieldsAsked).
var practiceColumnsAsked = &columnSet{typ: "BestPractice", all: practiceColumns, optional: []optionalColumn{
	{"bp.slug", "slug", "''::text"}, {"bp.summary", "summary", "''::text"}, {"bp.body", "body", "''::text"},
	{"bp.language", "language", "''::text"}, {"bp.municipality", "municipality", "null::text"},
	{"bp.nuts_code", "nutsCode", "null::text"}, {"bp.results", "results", "''::text"},
	{"bp.transferability", "transferability", "''::text"}, {"bp.source_url", "sourceUrl", "null::text"},
}}

func (p *BestPractice) fields(dst []any) []any {
	return append(dst, &p.ID, &p.Slug, &p.Title, &p.Summary, &p.Body, &p.Language, &p.Municipality, &p.CountryCode,
		&p.NutsCode, &p.Results, &p.Transferability, &p.Year, &p.Status, &p.SourceURL, &p.Version, &p.CreatedAt, &p.UpdatedAt)
}

func (p *BestPractice) key() int64 { return p.ID }

func (t *Translation) fields(dst []any) []any { return append(dst, &t.Language, &t.Title, &t.Summary) }

var practiceOrders = map[BestPracticeOrderField]orderKey{
	"TITLE":      {"TITLE", "bp.title", "text"},
	"YEAR":       {"YEAR", "bp.year", "int"},
	"CREATED_AT": {"CREATED_AT", "bp.created_at", "timestamptz"},
	"UPDATED_AT": {"UPDATED_AT", "bp.updated_at", "timestamptz"},
}

// practiceParents are the relations that lead to lists of best practices.
// The link tables carry the practice's title for the default order (migration 012).
var practiceParents = map[string]*parentSpec{
	"member": {link: "best_practice_author pa", on: "pa.practice_id = bp.id", column: "pa.member_id", keyType: "bigint",
		ordered: map[string]string{"TITLE": "pa.title"}, idColumn: "pa.practice_id", counted: "member"},
	"country": {column: "bp.country_code", keyType: "text", counted: "country"},
	"theme": {link: "best_practice_theme pt", on: "pt.practice_id = bp.id", column: "pt.theme_code", keyType: "text",
		ordered: map[string]string{"TITLE": "pt.title"}, idColumn: "pt.practice_id", counted: "theme"},
	"tool": {link: "best_practice_tool ptl", on: "ptl.practice_id = bp.id", column: "ptl.tool_id", keyType: "bigint",
		ordered: map[string]string{"TITLE": "ptl.title"}, idColumn: "ptl.practice_id", counted: "tool"},
	"funding": {link: "best_practice_funding pf", on: "pf.practice_id = bp.id", column: "pf.funding_id", keyType: "bigint",
		ordered: map[string]string{"TITLE": "pf.title"}, idColumn: "pf.practice_id", counted: "funding"},
}

// practiceList is every list of practices: only those the request may read (see ReadAccess).
func (d *DB) practiceList(ctx context.Context, f *BestPracticeFilter, o *BestPracticeOrder) *listSpec {
	s := &listSpec{from: "best_practice bp", alias: "bp", columns: practiceColumnsAsked.sql(ctx), order: practiceOrders["TITLE"]}
	if o != nil {
		s.order, s.desc = practiceOrders[o.Field], o.Direction == OrderDirectionDesc
	}
	access := ReadAccessOf(ctx)
	if f != nil && reflect.ValueOf(*f).IsZero() {
		f = nil
	}
	// Without a filter, the counts of what anonymous callers, partners and admins may read are kept;
	// an editor also reads their member's drafts, wherever they hang, and those are counted.
	switch {
	case f == nil && access.All:
		s.counted = "true"
	case f == nil && access.Member == 0:
		s.counted = "c.status <> 'DRAFT'"
	}
	if f == nil && access.All {
		return s
	}
	if f == nil {
		f = &BestPracticeFilter{}
	}
	s.filter = func(b *builder) {
		visiblePractices(access, b)
		if f.Country != nil {
			b.where("bp.country_code = any(%s)", f.Country)
		}
		if f.Theme != nil {
			b.where("exists (select 1 from best_practice_theme t where t.practice_id = bp.id and t.theme_code = any(%s))", f.Theme)
		}
		if f.Status != nil {
			b.where("bp.status = any(%s)", enumStrings(f.Status))
		}
		if f.Language != nil {
			b.where("bp.language = any(%s)", f.Language)
		}
		if f.Mim != nil {
			b.where("exists (select 1 from best_practice_mim x join mim on mim.id = x.mim_id where x.practice_id = bp.id and mim.code = %s and mim.edition = %s)", f.Mim.Code, f.Mim.Edition)
		}
		if f.Tool != nil {
			// A tool the caller may not see matches nothing: counting its practices would tell it exists.
			b.where("exists (select 1 from best_practice_tool x join digital_tool t on t.id = x.tool_id where x.practice_id = bp.id and t.slug = %s and "+
				toolVisible(access, b)+")", *f.Tool)
		}
		if f.Author != nil {
			b.where("exists (select 1 from best_practice_author x join member a on a.id = x.member_id where x.practice_id = bp.id and a.slug = %s)", *f.Author)
		}
		if f.Year != nil && f.Year.From != nil {
			b.where("bp.year >= %s", *f.Year.From)
		}
		if f.Year != nil && f.Year.To != nil {
			b.where("bp.year <= %s", *f.Year.To)
		}
	}
	return s
}

// BestPractices lists best practices.
func (d *DB) BestPractices(ctx context.Context, page PageArgs, f *BestPracticeFilter, o *BestPracticeOrder) (*Page[*BestPractice], error) {
	return rootPage[BestPractice](ctx, d, d.practiceList(ctx, f, o), page)
}

// DraftBestPracticeCount counts the draft practices matching f, whatever the request may read of them.
func (d *DB) DraftBestPracticeCount(ctx context.Context, f *BestPracticeFilter) (int, error) {
	drafts := BestPracticeFilter{}
	if f != nil {
		drafts = *f
	}
	drafts.Status = []BestPracticeStatus{BestPracticeStatusDraft}
	counts, err := fetchCounts(ctx, d.q, d.practiceList(WithReadAccess(ctx, ReadAccess{All: true}), &drafts, nil), nil)
	return counts[""], err
}

// BestPracticeBySlug returns the practice with this slug, or nil when there is none the request may read.
func (d *DB) BestPracticeBySlug(ctx context.Context, slug string) (*BestPractice, error) {
	b := builder{}
	b.where("bp.slug = %s", slug)
	visiblePractices(ReadAccessOf(ctx), &b)
	return queryOne[BestPractice](ctx, d.q, "select "+practiceColumnsAsked.sql(ctx)+" from best_practice bp where "+b.whereSQL(), b.args...)
}

// BestPracticesByID returns practices in the order of ids, nil where one does not exist or the request
// may not read it.
func (d *DB) BestPracticesByID(ctx context.Context, ids []int64) ([]*BestPractice, error) {
	b := builder{}
	b.where("bp.id = any(%s)", ids)
	visiblePractices(ReadAccessOf(ctx), &b)
	return byIDs[BestPractice](ctx, d.q, "select "+practiceColumnsAsked.sql(ctx)+" from best_practice bp where "+b.whereSQL(), ids, b.args[1:]...)
}

// bestPracticesByIDForWrite reads practices whatever the request may read: writes check ownership
// themselves (auth), and must see what they change.
func (d *DB) bestPracticesByIDForWrite(ctx context.Context, ids []int64) ([]*BestPractice, error) {
	return byIDs[BestPractice](ctx, d.q, "select "+practiceColumns+" from best_practice bp where bp.id = any($1)", ids)
}

func (d *DB) PracticeTranslations(ctx context.Context, ids []int64) (map[int64][]*Translation, error) {
	return queryGrouped[Translation](ctx, d.q,
		"select practice_id, language, title, summary from best_practice_translation where practice_id = any($1) order by language", ids)
}

func (d *DB) PracticeThemes(ctx context.Context, ids []int64) (map[int64][]string, error) {
	return queryGroupedValues[string](ctx, d.q,
		"select practice_id, theme_code from best_practice_theme where practice_id = any($1) order by theme_code", ids)
}

func (d *DB) PracticeMims(ctx context.Context, ids []int64) (map[int64][]int32, error) {
	return queryGroupedValues[int32](ctx, d.q,
		"select practice_id, mim_id from best_practice_mim where practice_id = any($1) order by mim_id", ids)
}

// PracticeTools returns each practice's tools that the request may read.
func (d *DB) PracticeTools(ctx context.Context, ids []int64) (map[int64][]*DigitalTool, error) {
	b := builder{}
	b.where("x.practice_id = any(%s)", ids)
	visibleTools(ReadAccessOf(ctx), &b)
	return queryGrouped[DigitalTool](ctx, d.q, "select x.practice_id, "+toolColumnsAsked.sql(ctx)+
		" from best_practice_tool x join digital_tool t on t.id = x.tool_id where "+b.whereSQL()+" order by t.name, t.id", b.args...)
}

func (d *DB) PracticeFunding(ctx context.Context, ids []int64) (map[int64][]*FundingOpportunity, error) {
	return queryGrouped[FundingOpportunity](ctx, d.q, "select x.practice_id, "+fundingColumns+
		" from best_practice_funding x join funding_opportunity f on f.id = x.funding_id where x.practice_id = any($1) order by f.final_deadline, f.id", ids)
}

func (d *DB) PracticeAuthors(ctx context.Context, ids []int64) (map[int64][]*Member, error) {
	return queryGrouped[Member](ctx, d.q, "select x.practice_id, "+memberColumnsAsked.sql(ctx)+
		" from best_practice_author x join member m on m.id = x.member_id where x.practice_id = any($1) order by m.name, m.id", ids)
}

// practiceEdit is a best practice as a write will leave it.
type practiceEdit struct {
	BestPractice
	translations []*TranslationInput
	themes       []string
	mims         []*MimRef
	tools        []DigitalToolID
	funding      []FundingOpportunityID
	authors      []MemberID
	// linkedTools are the tools the stored practice already uses: a new link must be to a tool the
	// writer may read (not another member's proposal), an old one stays whoever wrote it.
	linkedTools []DigitalToolID
}

func (in *CreateBestPracticeInput) asUpdate() *UpdateBestPracticeInput {
	return &UpdateBestPracticeInput{Title: &in.Title, Slug: in.Slug, Summary: in.Summary, Body: in.Body,
		Language: &in.Language, Translations: in.Translations, Municipality: in.Municipality, Country: &in.Country,
		NutsCode: in.NutsCode, Themes: in.Themes, Mims: in.Mims, Tools: in.Tools, Funding: in.Funding,
		Results: in.Results, Transferability: in.Transferability, Year: &in.Year, Status: in.Status,
		Authors: nonNil(in.Authors), SourceURL: in.SourceURL}
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

func (in *UpdateBestPracticeInput) applyTo(p *practiceEdit) {
	set(&p.Title, in.Title)
	set(&p.Slug, in.Slug)
	set(&p.Summary, in.Summary)
	set(&p.Body, in.Body)
	set(&p.Language, in.Language)
	setList(&p.translations, in.Translations)
	setOpt(&p.Municipality, in.Municipality)
	set(&p.CountryCode, in.Country)
	setOpt(&p.NutsCode, in.NutsCode)
	setList(&p.themes, in.Themes)
	setList(&p.mims, in.Mims)
	setList(&p.tools, in.Tools)
	setList(&p.funding, in.Funding)
	set(&p.Results, in.Results)
	set(&p.Transferability, in.Transferability)
	set(&p.Year, in.Year)
	set(&p.Status, in.Status)
	setList(&p.authors, in.Authors)
	setOpt(&p.SourceURL, in.SourceURL)
}

// practiceRefs are a draft's references, resolved to row ids.
type practiceRefs struct {
	mims                    []int32
	tools, funding, authors []int64
}

func (d *DB) validatePractice(ctx context.Context, p *practiceEdit) (*practiceRefs, []UserError, error) {
	v := &validator{ref: d.ref}
	v.text("title", &p.Title, true, 300)
	if p.Slug == "" {
		p.Slug = Slugify(p.Title)
		if p.Slug == "" {
			v.fail("slug", UserErrorRequired, "the title has no Latin letters to derive a slug from: give a slug")
		}
	}
	if p.Slug != "" {
		v.slug("slug", p.Slug)
	}
	v.text("summary", &p.Summary, false, 2000)
	v.text("body", &p.Body, false, 100000)
	v.language("language", p.Language)
	seen := map[string]bool{p.Language: true}
	for i, t := range p.translations {
		v.language(fieldIndex("translations", i, "language"), t.Language)
		if seen[t.Language] {
			v.fail(fieldIndex("translations", i, "language"), UserErrorDuplicate, "there is already a text in %q", t.Language)
		}
		seen[t.Language] = true
		v.text(fieldIndex("translations", i, "title"), &t.Title, true, 300)
		if t.Summary == nil {
			t.Summary = new(string)
		}
		v.text(fieldIndex("translations", i, "summary"), t.Summary, false, 2000)
	}
	v.optText("municipality", &p.Municipality, 200)
	v.country("country", p.CountryCode)
	v.optText("nutsCode", &p.NutsCode, 5)
	if p.NutsCode != nil && (!nutsPattern.MatchString(*p.NutsCode) || (*p.NutsCode)[:2] != p.CountryCode) {
		v.fail("nutsCode", UserErrorInvalid, "%q is not a NUTS code in country %s", *p.NutsCode, p.CountryCode)
	}
	p.themes = v.themes("themes", p.themes)
	refs := &practiceRefs{mims: v.mims("mims", p.mims)}
	refs.tools, refs.funding, refs.authors = sqlIDs(p.tools), sqlIDs(p.funding), sqlIDs(p.authors)
	if len(p.authors) == 0 {
		v.fail("authors", UserErrorRequired, "a best practice needs at least one authoring member")
	}
	v.text("results", &p.Results, false, 10000)
	v.text("transferability", &p.Transferability, false, 10000)
	if p.Year < 1990 || int(p.Year) > d.Today().Year()+1 {
		v.fail("year", UserErrorOutOfRange, "year must be between 1990 and next year")
	}
	v.url("sourceUrl", &p.SourceURL)
	if !v.ok() {
		return nil, v.errs, nil
	}
	for _, ref := range []struct {
		field, table, typ string
		ids               []int64
	}{{"tools", "digital_tool", "DigitalTool", refs.tools}, {"funding", "funding_opportunity", "FundingOpportunity", refs.funding},
		{"authors", "member", "Member", refs.authors}} {
		missing, err := checkExist(ctx, d.q, ref.table, ref.ids)
		if err != nil {
			return nil, nil, err
		}
		for _, id := range missing {
			v.fail(ref.field, UserErrorUnknownReference, "no %s has the ID %q", ref.typ, GlobalID(ref.typ, id))
		}
	}
	var added []int64
	for _, id := range refs.tools {
		if !slices.Contains(p.linkedTools, DigitalToolID(id)) {
			added = append(added, id)
		}
	}
	if len(added) > 0 && v.ok() {
		b := builder{}
		b.where("t.id = any(%s)", added)
		visibleTools(ReadAccessOf(ctx), &b)
		rows, err := d.q.Query(ctx, "select t.id from digital_tool t where "+b.whereSQL(), b.args...)
		if err != nil {
			return nil, nil, err
		}
		visible, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return nil, nil, err
		}
		for _, id := range added {
			if !slices.Contains(visible, id) {
				v.fail("tools", UserErrorUnknownReference, "no DigitalTool has the ID %q", GlobalID("DigitalTool", id))
			}
		}
	}
	return refs, v.errs, nil
}

// practiceTable: an editor owns the practices their member authors.
var practiceTable = &table{name: "best_practice", typ: "BestPractice", versioned: true,
	owns: func(ctx context.Context, q Querier, id, member int64) (bool, error) {
		var authors bool
		err := q.QueryRow(ctx, "select exists (select 1 from best_practice_author where practice_id = $1 and member_id = $2)", id, member).Scan(&authors)
		return authors, err
	}}

// CreateBestPractice validates and stores a new best practice.
func (d *DB) CreateBestPractice(ctx context.Context, in *CreateBestPracticeInput) (*BestPractice, []UserError, error) {
	p := &practiceEdit{BestPractice: BestPractice{Status: BestPracticeStatusDraft}}
	in.asUpdate().applyTo(p)
	return write(ctx, d, func(d *DB) (*BestPractice, []UserError, error) { return d.savePractice(ctx, p) })
}

// UpdateBestPractice validates and applies a change to a best practice.
func (d *DB) UpdateBestPractice(ctx context.Context, in *UpdateBestPracticeInput) (*BestPractice, []UserError, error) {
	return update(ctx, d, practiceTable, int64(in.ID), in.ExpectedVersion, loadPracticeEdit,
		func(ctx context.Context, d *DB, p *practiceEdit) (*BestPractice, []UserError, error) {
			in.applyTo(p)
			return d.savePractice(ctx, p)
		})
}

// loadPracticeEdit reads a stored practice with its relations, so that an update that leaves them out
// keeps them.
func loadPracticeEdit(ctx context.Context, d *DB, id int64) (*practiceEdit, error) {
	ids := []int64{id}
	cur, err := d.bestPracticesByIDForWrite(ctx, ids)
	if err != nil {
		return nil, err
	}
	p := &practiceEdit{BestPractice: *cur[0]}
	tr, err := d.PracticeTranslations(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, t := range tr[id] {
		p.translations = append(p.translations, &TranslationInput{Language: t.Language, Title: t.Title, Summary: &t.Summary})
	}
	themes, err := d.PracticeThemes(ctx, ids)
	if err != nil {
		return nil, err
	}
	p.themes = themes[id]
	mims, err := d.PracticeMims(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, m := range mims[id] {
		mim := d.ref.MimByID(m)
		p.mims = append(p.mims, &MimRef{Code: mim.Code, Edition: mim.Edition})
	}
	if p.tools, err = linkedIDs[DigitalToolID](ctx, d, "best_practice_tool", "tool_id", id); err != nil {
		return nil, err
	}
	if p.funding, err = linkedIDs[FundingOpportunityID](ctx, d, "best_practice_funding", "funding_id", id); err != nil {
		return nil, err
	}
	if p.authors, err = linkedIDs[MemberID](ctx, d, "best_practice_author", "member_id", id); err != nil {
		return nil, err
	}
	p.linkedTools = slices.Clone(p.tools)
	return p, nil
}

// linkedIDs reads the ids a practice links to in table.
func linkedIDs[ID EntityID](ctx context.Context, d *DB, table, column string, practice int64) ([]ID, error) {
	linked, err := queryGroupedValues[int64](ctx, d.q, fmt.Sprintf("select practice_id, %s from %s where practice_id = any($1)", column, table), []int64{practice})
	var out []ID
	for _, l := range linked[practice] {
		out = append(out, ID(l))
	}
	return out, err
}

// savePractice validates an edit and writes it, in the transaction of write or update.
func (d *DB) savePractice(ctx context.Context, p *practiceEdit) (*BestPractice, []UserError, error) {
	refs, errs, err := d.validatePractice(ctx, p)
	if err != nil || len(errs) > 0 {
		return nil, errs, err
	}
	err = writePractice(ctx, d.q, p, refs)
	if errs := duplicateErrors(err, map[string]string{"best_practice_slug_key": "slug"}); errs != nil {
		return nil, errs, nil
	}
	if err != nil {
		return nil, nil, err
	}
	saved, err := d.bestPracticesByIDForWrite(ctx, []int64{p.ID})
	if err != nil {
		return nil, nil, err
	}
	return saved[0], nil, nil
}

func writePractice(ctx context.Context, tx conn, p *practiceEdit, refs *practiceRefs) error {
	args := []any{p.Slug, p.Title, p.Summary, p.Body, p.Language, p.Municipality, p.CountryCode, p.NutsCode,
		p.Results, p.Transferability, p.Year, p.Status, p.SourceURL}
	links := replaceLinks[string]
	linkIDs, linkMims := replaceLinks[int64], replaceLinks[int32]
	fresh := p.ID == 0
	if fresh { // a new practice has no links to replace (imports write thousands)
		links, linkIDs, linkMims = insertLinks[string], insertLinks[int64], insertLinks[int32]
	}
	if p.ID == 0 {
		err := tx.QueryRow(ctx, `insert into best_practice (slug, title, summary, body, language, municipality,
			country_code, nuts_code, results, transferability, year, status, source_url)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) returning id`, args...).Scan(&p.ID)
		if err != nil {
			return err
		}
	} else {
		_, err := tx.Exec(ctx, `update best_practice set slug = $1, title = $2, summary = $3, body = $4, language = $5,
			municipality = $6, country_code = $7, nuts_code = $8, results = $9, transferability = $10, year = $11,
			status = $12, source_url = $13, version = version + 1, updated_at = now() where id = $14`, append(args, p.ID)...)
		if err != nil {
			return err
		}
	}
	if !fresh {
		if _, err := tx.Exec(ctx, "delete from best_practice_translation where practice_id = $1", p.ID); err != nil {
			return err
		}
	}
	for _, t := range p.translations {
		if _, err := tx.Exec(ctx, "insert into best_practice_translation (practice_id, language, title, summary) values ($1, $2, $3, $4)",
			p.ID, t.Language, t.Title, *t.Summary); err != nil {
			return err
		}
	}
	if err := links(ctx, tx, "best_practice_theme", "practice_id", "theme_code", p.ID, p.themes); err != nil {
		return err
	}
	if err := linkMims(ctx, tx, "best_practice_mim", "practice_id", "mim_id", p.ID, refs.mims); err != nil {
		return err
	}
	if err := linkIDs(ctx, tx, "best_practice_tool", "practice_id", "tool_id", p.ID, refs.tools); err != nil {
		return err
	}
	if err := linkIDs(ctx, tx, "best_practice_funding", "practice_id", "funding_id", p.ID, refs.funding); err != nil {
		return err
	}
	return linkIDs(ctx, tx, "best_practice_author", "practice_id", "member_id", p.ID, refs.authors)
}

// DeleteBestPractice deletes a best practice with its links.
func (d *DB) DeleteBestPractice(ctx context.Context, id BestPracticeID) ([]UserError, error) {
	return remove(ctx, d, practiceTable, int64(id))
}

type DeleteBestPracticeInput struct {
	ID BestPracticeID
}

// PracticeAuthorIDs returns the ids of the members authoring the practice, and whether it exists.
func (d *DB) PracticeAuthorIDs(ctx context.Context, id BestPracticeID) ([]int64, bool, error) {
	var authors []int64
	err := d.q.QueryRow(ctx, `select array(select member_id from best_practice_author where practice_id = bp.id)
		from best_practice bp where bp.id = $1`, int64(id)).Scan(&authors)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	return authors, err == nil, err
}
