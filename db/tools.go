package db

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

type DigitalToolFilter struct {
	Theme             []string
	Licence           []string
	OpenSource        *bool
	DevelopmentStatus []DevelopmentStatus
	Mim               *MimRef
	Country           *string
	Language          *string
	ReviewStatus      []ToolReviewStatus
}

type DigitalToolOrderField string

type DigitalToolOrder struct {
	Field     DigitalToolOrderField
	Direction OrderDirection
}

type CreateDigitalToolInput struct {
	Name              string
	Slug              *string
	Description       *string
	Provider          *string
	Licence           string
	DevelopmentStatus DevelopmentStatus
	Themes            []string
	Mims              []*MimRef
	Standards         []string
	Languages         []string
	Countries         []string
	Website           *string
	RepositoryURL     *string
	SoftwareType      *string
	Translations      []*DigitalToolTranslationInput
}

// DigitalToolTranslationInput is a tool's description in one language.
type DigitalToolTranslationInput struct {
	Language         string
	ShortDescription *string
	LongDescription  *string
	Features         []string
}

type UpdateDigitalToolInput struct {
	ID                DigitalToolID
	Name              *string
	Slug              *string
	Description       *string
	Provider          *string
	Licence           *string
	DevelopmentStatus *DevelopmentStatus
	Themes            []string
	Mims              []*MimRef
	Standards         []string
	Languages         []string
	Countries         []string
	Website           *string
	RepositoryURL     *string
	SoftwareType      *string
	Translations      []*DigitalToolTranslationInput
	// The version the change was made from: refused with CONFLICT unless it is still the current one.
	ExpectedVersion *int32
}

// toolColumns derives open_source from the licence on every read, so it cannot go stale.
const toolColumns = `t.id, t.slug, t.name, t.description, t.provider, t.licence,
	(select l.open_source from licence l where l.spdx_id = t.licence), t.development_status, t.standards,
	t.languages, t.website, t.repository_url, t.software_type, t.review_status, t.proposed_by, t.version, t.created_at, t.updated_at`

// toolColumnsAsked is toolColumns for a query, without what it does not show (WithFieldsAsked).
var toolColumnsAsked = &columnSet{typ: "DigitalTool", all: toolColumns, optional: []optionalColumn{
	{"t.slug", "slug", "''::text"}, {"t.description", "description", "''::text"}, {"t.provider", "provider", "null::text"},
	{"t.licence", "licence", "''::text"},
	{"(select l.open_source from licence l where l.spdx_id = t.licence)", "openSource", "false"},
	{"t.standards", "standards", "null::text[]"}, {"t.languages", "languages", "null::text[]"},
	{"t.website", "website", "null::text"}, {"t.repository_url", "repositoryUrl", "null::text"},
	{"t.software_type", "softwareType", "null::text"},
}}

func (t *DigitalTool) fields(dst []any) []any {
	return append(dst, &t.ID, &t.Slug, &t.Name, &t.Description, &t.Provider, &t.Licence, &t.OpenSource,
		&t.DevelopmentStatus, &t.Standards, &t.Languages, &t.Website, &t.RepositoryURL, &t.SoftwareType, &t.ReviewStatus, &t.ProposedByID,
		&t.Version, &t.CreatedAt, &t.UpdatedAt)
}

func (t *DigitalTool) key() int64 { return t.ID }

var toolOrders = map[DigitalToolOrderField]orderKey{
	"NAME":       {"NAME", "t.name", "text"},
	"CREATED_AT": {"CREATED_AT", "t.created_at", "timestamptz"},
}

// toolParents are the relations that lead to lists of digital tools.
var toolParents = map[string]*parentSpec{
	"theme": {link: "digital_tool_theme tt", on: "tt.tool_id = t.id", column: "tt.theme_code", keyType: "text"},
}

// toolList is every list of tools: only those the request may read (see ReadAccess).
func toolList(ctx context.Context, f *DigitalToolFilter, o *DigitalToolOrder) *listSpec {
	s := &listSpec{from: "digital_tool t", alias: "t", columns: toolColumnsAsked.sql(ctx), order: toolOrders["NAME"]}
	if o != nil {
		s.order, s.desc = toolOrders[o.Field], o.Direction == OrderDirectionDesc
	}
	access := ReadAccessOf(ctx)
	if f == nil && access.All {
		return s
	}
	if f == nil {
		f = &DigitalToolFilter{}
	}
	s.filter = func(b *builder) {
		visibleTools(access, b)
		if f.ReviewStatus != nil {
			b.where("t.review_status = any(%s)", enumStrings(f.ReviewStatus))
		}
		if f.Theme != nil {
			b.where("exists (select 1 from digital_tool_theme x where x.tool_id = t.id and x.theme_code = any(%s))", f.Theme)
		}
		if f.Licence != nil {
			b.where("t.licence = any(%s)", f.Licence)
		}
		if f.OpenSource != nil {
			b.where("(select l.open_source from licence l where l.spdx_id = t.licence) = %s", *f.OpenSource)
		}
		if f.DevelopmentStatus != nil {
			b.where("t.development_status = any(%s)", enumStrings(f.DevelopmentStatus))
		}
		if f.Mim != nil {
			b.where("exists (select 1 from digital_tool_mim x join mim on mim.id = x.mim_id where x.tool_id = t.id and mim.code = %s and mim.edition = %s)", f.Mim.Code, f.Mim.Edition)
		}
		if f.Country != nil {
			b.where("exists (select 1 from digital_tool_country x where x.tool_id = t.id and x.country_code = %s)", *f.Country)
		}
		if f.Language != nil {
			b.where("%s = any(t.languages)", *f.Language)
		}
	}
	return s
}

// DigitalTools lists digital tools.
func (d *DB) DigitalTools(ctx context.Context, page PageArgs, f *DigitalToolFilter, o *DigitalToolOrder) (*Page[*DigitalTool], error) {
	return rootPage[DigitalTool](ctx, d, toolList(ctx, f, o), page)
}

// DigitalToolBySlug returns the tool with this slug, or nil when there is none the request may read.
func (d *DB) DigitalToolBySlug(ctx context.Context, slug string) (*DigitalTool, error) {
	b := builder{}
	b.where("t.slug = %s", slug)
	visibleTools(ReadAccessOf(ctx), &b)
	return queryOne[DigitalTool](ctx, d.q, "select "+toolColumnsAsked.sql(ctx)+" from digital_tool t where "+b.whereSQL(), b.args...)
}

// DigitalToolsByID returns tools in the order of ids, nil where one does not exist or the request may not
// read it.
func (d *DB) DigitalToolsByID(ctx context.Context, ids []int64) ([]*DigitalTool, error) {
	b := builder{}
	b.where("t.id = any(%s)", ids)
	visibleTools(ReadAccessOf(ctx), &b)
	return byIDs[DigitalTool](ctx, d.q, "select "+toolColumnsAsked.sql(ctx)+" from digital_tool t where "+b.whereSQL(), ids, b.args[1:]...)
}

// toolsByIDForWrite reads tools whatever the request may read: admins write, and see what they change.
func (d *DB) toolsByIDForWrite(ctx context.Context, ids []int64) ([]*DigitalTool, error) {
	return byIDs[DigitalTool](ctx, d.q, "select "+toolColumns+" from digital_tool t where t.id = any($1)", ids)
}

func (d *DB) ToolThemes(ctx context.Context, ids []int64) (map[int64][]string, error) {
	return queryGroupedValues[string](ctx, d.q,
		"select tool_id, theme_code from digital_tool_theme where tool_id = any($1) order by theme_code", ids)
}

func (d *DB) ToolMims(ctx context.Context, ids []int64) (map[int64][]int32, error) {
	return queryGroupedValues[int32](ctx, d.q,
		"select tool_id, mim_id from digital_tool_mim where tool_id = any($1) order by mim_id", ids)
}

func (d *DB) ToolCountries(ctx context.Context, ids []int64) (map[int64][]string, error) {
	return queryGroupedValues[string](ctx, d.q, `select x.tool_id, x.country_code from digital_tool_country x
		join country c on c.code = x.country_code where x.tool_id = any($1) order by c.eu_order`, ids)
}

// ToolTranslations returns each tool's descriptions by language.
func (d *DB) ToolTranslations(ctx context.Context, ids []int64) (map[int64][]*DigitalToolTranslation, error) {
	return queryGrouped[DigitalToolTranslation](ctx, d.q, `select tool_id, language, short_description, long_description, features
		from digital_tool_translation where tool_id = any($1) order by language`, ids)
}

func (t *DigitalToolTranslation) fields(dst []any) []any {
	return append(dst, &t.Language, &t.ShortDescription, &t.LongDescription, &t.Features)
}

type toolEdit struct {
	DigitalTool
	themes       []string
	mims         []*MimRef
	countries    []string
	translations []*DigitalToolTranslationInput
}

func (in *CreateDigitalToolInput) asUpdate() *UpdateDigitalToolInput {
	return &UpdateDigitalToolInput{Name: &in.Name, Slug: in.Slug, Description: in.Description, Provider: in.Provider,
		Licence: &in.Licence, DevelopmentStatus: &in.DevelopmentStatus, Themes: in.Themes, Mims: in.Mims,
		Standards: in.Standards, Languages: in.Languages, Countries: in.Countries, Website: in.Website,
		RepositoryURL: in.RepositoryURL, SoftwareType: in.SoftwareType, Translations: in.Translations}
}

func (in *UpdateDigitalToolInput) applyTo(t *toolEdit) {
	set(&t.Name, in.Name)
	set(&t.Slug, in.Slug)
	set(&t.Description, in.Description)
	setOpt(&t.Provider, in.Provider)
	set(&t.Licence, in.Licence)
	set(&t.DevelopmentStatus, in.DevelopmentStatus)
	setList(&t.themes, in.Themes)
	setList(&t.mims, in.Mims)
	setList(&t.Standards, in.Standards)
	setList(&t.Languages, in.Languages)
	setList(&t.countries, in.Countries)
	setOpt(&t.Website, in.Website)
	setOpt(&t.RepositoryURL, in.RepositoryURL)
	setOpt(&t.SoftwareType, in.SoftwareType)
	setList(&t.translations, in.Translations)
}

func (d *DB) validateTool(t *toolEdit) ([]int32, []UserError) {
	v := &validator{ref: d.ref}
	v.text("name", &t.Name, true, 200)
	if t.Slug == "" {
		t.Slug = Slugify(t.Name)
	}
	v.slug("slug", t.Slug)
	v.text("description", &t.Description, false, 10000)
	v.optText("provider", &t.Provider, 300)
	if known, _ := v.ref.Licence(t.Licence); !known {
		v.fail("licence", UserErrorInvalid, "%q is not an SPDX licence identifier the hub knows (e.g. EUPL-1.2, AGPL-3.0-only, Apache-2.0; NOASSERTION when none is stated)", t.Licence)
	}
	t.themes = v.themes("themes", t.themes)
	mims := v.mims("mims", t.mims)
	t.Standards = dedupe(t.Standards)
	for i := range t.Standards {
		v.text(fmt.Sprintf("standards.%d", i), &t.Standards[i], true, 100)
	}
	t.Languages = dedupe(t.Languages)
	for i, l := range t.Languages {
		v.language(fmt.Sprintf("languages.%d", i), l)
	}
	t.countries = v.countries("countries", t.countries)
	v.url("website", &t.Website)
	v.url("repositoryUrl", &t.RepositoryURL)
	v.optText("softwareType", &t.SoftwareType, 50)
	if t.SoftwareType != nil && !slices.Contains(SoftwareTypes, *t.SoftwareType) {
		v.fail("softwareType", UserErrorInvalid, "%q is not a publiccode.yml softwareType: %s", *t.SoftwareType, strings.Join(SoftwareTypes, ", "))
	}
	seen := map[string]bool{}
	for i, tr := range t.translations {
		v.language(fieldIndex("translations", i, "language"), tr.Language)
		if seen[tr.Language] {
			v.fail(fieldIndex("translations", i, "language"), UserErrorDuplicate, "there is already a text in %q", tr.Language)
		}
		seen[tr.Language] = true
		for _, s := range []**string{&tr.ShortDescription, &tr.LongDescription} {
			if *s == nil {
				*s = new(string)
			}
		}
		v.text(fieldIndex("translations", i, "shortDescription"), tr.ShortDescription, false, 300)
		v.text(fieldIndex("translations", i, "longDescription"), tr.LongDescription, false, 10000)
		if *tr.ShortDescription == "" && *tr.LongDescription == "" {
			v.fail(fieldIndex("translations", i, "longDescription"), UserErrorRequired, "a translation needs a short or a long description")
		}
		tr.Features = nonNil(tr.Features)
		for j := range tr.Features {
			v.text(fmt.Sprintf("translations.%d.features.%d", i, j), &tr.Features[j], true, 300)
		}
	}
	return mims, v.errs
}

// SoftwareTypes are publiccode.yml's softwareType values (version 0.4).
var SoftwareTypes = []string{"standalone/mobile", "standalone/iot", "standalone/desktop", "standalone/web",
	"standalone/backend", "standalone/other", "addon", "library", "configurationFiles"}

// CreateDigitalTool validates and stores a new digital tool: accepted, or, when a member proposes it, a
// proposal that an admin accepts (AcceptDigitalTool).
func (d *DB) CreateDigitalTool(ctx context.Context, in *CreateDigitalToolInput, proposedBy *int64) (*DigitalTool, []UserError, error) {
	t := &toolEdit{DigitalTool: DigitalTool{Standards: []string{}, Languages: []string{},
		ReviewStatus: ToolReviewStatusAccepted, ProposedByID: proposedBy}}
	if proposedBy != nil {
		t.ReviewStatus = ToolReviewStatusProposed
	}
	in.asUpdate().applyTo(t)
	return write(ctx, d, func(d *DB) (*DigitalTool, []UserError, error) { return d.saveTool(ctx, t) })
}

// toolTable: editors own no tool; they propose new ones, which admins accept.
var toolTable = &table{name: "digital_tool", typ: "DigitalTool", versioned: true}

// UpdateDigitalTool validates and applies a change to a digital tool.
func (d *DB) UpdateDigitalTool(ctx context.Context, in *UpdateDigitalToolInput) (*DigitalTool, []UserError, error) {
	return update(ctx, d, toolTable, int64(in.ID), in.ExpectedVersion, loadToolEdit,
		func(ctx context.Context, d *DB, t *toolEdit) (*DigitalTool, []UserError, error) {
			in.applyTo(t)
			return d.saveTool(ctx, t)
		})
}

// loadToolEdit reads a stored tool with its relations, so that an update that leaves them out keeps them.
func loadToolEdit(ctx context.Context, d *DB, id int64) (*toolEdit, error) {
	cur, err := d.toolsByIDForWrite(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	t := &toolEdit{DigitalTool: *cur[0]}
	if t.themes, err = only(d.ToolThemes(ctx, []int64{id})); err != nil {
		return nil, err
	}
	if t.countries, err = only(d.ToolCountries(ctx, []int64{id})); err != nil {
		return nil, err
	}
	mims, err := d.ToolMims(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	for _, m := range mims[id] {
		mim := d.ref.MimByID(m)
		t.mims = append(t.mims, &MimRef{Code: mim.Code, Edition: mim.Edition})
	}
	tr, err := d.ToolTranslations(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	for _, x := range tr[id] {
		t.translations = append(t.translations, &DigitalToolTranslationInput{Language: x.Language,
			ShortDescription: &x.ShortDescription, LongDescription: &x.LongDescription, Features: x.Features})
	}
	return t, nil
}

// saveTool validates an edit and writes it, in the transaction of write or update.
func (d *DB) saveTool(ctx context.Context, t *toolEdit) (*DigitalTool, []UserError, error) {
	mims, errs := d.validateTool(t)
	if len(errs) > 0 {
		return nil, errs, nil
	}
	args := []any{t.Slug, t.Name, t.Description, t.Provider, t.Licence, t.DevelopmentStatus, t.Standards,
		t.Languages, t.Website, t.RepositoryURL, t.SoftwareType}
	var err error
	if t.ID == 0 {
		err = d.q.QueryRow(ctx, `insert into digital_tool (slug, name, description, provider, licence,
			development_status, standards, languages, website, repository_url, software_type, review_status, proposed_by)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) returning id`,
			append(args, t.ReviewStatus, t.ProposedByID)...).Scan(&t.ID)
	} else {
		_, err = d.q.Exec(ctx, `update digital_tool set slug = $1, name = $2, description = $3, provider = $4,
			licence = $5, development_status = $6, standards = $7, languages = $8, website = $9,
			repository_url = $10, software_type = $11, version = version + 1, updated_at = now() where id = $12`, append(args, t.ID)...)
	}
	if errs := duplicateErrors(err, map[string]string{"digital_tool_slug_key": "slug"}); errs != nil {
		return nil, errs, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if err := replaceLinks(ctx, d.q, "digital_tool_theme", "tool_id", "theme_code", t.ID, t.themes); err != nil {
		return nil, nil, err
	}
	if err := replaceLinks(ctx, d.q, "digital_tool_mim", "tool_id", "mim_id", t.ID, mims); err != nil {
		return nil, nil, err
	}
	if err := replaceLinks(ctx, d.q, "digital_tool_country", "tool_id", "country_code", t.ID, t.countries); err != nil {
		return nil, nil, err
	}
	if _, err := d.q.Exec(ctx, "delete from digital_tool_translation where tool_id = $1", t.ID); err != nil {
		return nil, nil, err
	}
	for _, tr := range t.translations {
		if _, err := d.q.Exec(ctx, `insert into digital_tool_translation (tool_id, language, short_description, long_description, features)
			values ($1, $2, $3, $4, $5)`, t.ID, tr.Language, *tr.ShortDescription, *tr.LongDescription, tr.Features); err != nil {
			return nil, nil, err
		}
	}
	saved, err := d.toolsByIDForWrite(ctx, []int64{t.ID})
	if err != nil {
		return nil, nil, err
	}
	return saved[0], nil, nil
}

// DeleteDigitalTool deletes a digital tool; practices that used it stay.
func (d *DB) DeleteDigitalTool(ctx context.Context, id DigitalToolID) ([]UserError, error) {
	return remove(ctx, d, toolTable, int64(id))
}

type DeleteDigitalToolInput struct {
	ID DigitalToolID
}

type AcceptDigitalToolInput struct {
	ID DigitalToolID
}

// AcceptDigitalTool publishes a proposed tool; accepting an accepted one changes nothing.
func (d *DB) AcceptDigitalTool(ctx context.Context, id DigitalToolID) (*DigitalTool, []UserError, error) {
	load := func(ctx context.Context, d *DB, id int64) (*DigitalTool, error) {
		cur, err := d.toolsByIDForWrite(ctx, []int64{id})
		return cur[0], err
	}
	return update(ctx, d, toolTable, int64(id), nil, load, func(ctx context.Context, d *DB, t *DigitalTool) (*DigitalTool, []UserError, error) {
		if t.ReviewStatus == ToolReviewStatusAccepted {
			return t, nil, nil
		}
		t, err := queryOne[DigitalTool](ctx, d.q, `update digital_tool t set review_status = 'ACCEPTED', version = version + 1,
			updated_at = now() where id = $1 returning `+toolColumns, id)
		return t, nil, err
	})
}
