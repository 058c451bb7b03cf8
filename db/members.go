package db

import (
	"context"
	"time"
)

type MemberFilter struct {
	Country        []string
	IncludeCovered *bool
	Kind           []MemberKind
	Status         []MemberStatus
	JoinedOn       *DateRange
	NameContains   *string
}

type MemberOrderField string

type MemberOrder struct {
	Field     MemberOrderField
	Direction OrderDirection
}

type ContactPointInput struct {
	Role  string
	Email string
}

type CreateMemberInput struct {
	Name                      string
	Slug                      *string
	NativeName                *string
	Acronym                   *string
	Kind                      MemberKind
	Country                   string
	OtherCountries            []string
	MunicipalitiesRepresented *int32
	Description               *string
	Website                   *string
	ContactPoints             []*ContactPointInput
	Status                    *MemberStatus
	JoinedOn                  *time.Time
}

type UpdateMemberInput struct {
	ID                        MemberID
	Name                      *string
	Slug                      *string
	NativeName                *string
	Acronym                   *string
	Kind                      *MemberKind
	Country                   *string
	OtherCountries            []string
	MunicipalitiesRepresented *int32
	Description               *string
	Website                   *string
	ContactPoints             []*ContactPointInput
	Status                    *MemberStatus
	JoinedOn                  *time.Time
	// The version the change was made from: refused with CONFLICT unless it is still the current one.
	ExpectedVersion *int32
}

const memberColumns = `m.id, m.slug, m.name, m.native_name, m.acronym, m.kind, m.country_code,
	m.municipalities_represented, m.description, m.website, m.status, m.joined_on, m.version, m.created_at, m.updated_at`

// memberColumnsAsked is memberColumns for a query, without what it does not show (WithFieldsAsked).
var memberColumnsAsked = &columnSet{typ: "Member", all: memberColumns, optional: []optionalColumn{
	{"m.slug", "slug", "''::text"}, {"m.native_name", "nativeName", "null::text"}, {"m.acronym", "acronym", "null::text"},
	{"m.municipalities_represented", "municipalitiesRepresented", "null::int"},
	{"m.description", "description", "''::text"}, {"m.website", "website", "null::text"},
}}

func (m *Member) fields(dst []any) []any {
	return append(dst, &m.ID, &m.Slug, &m.Name, &m.NativeName, &m.Acronym, &m.Kind, &m.CountryCode,
		&m.MunicipalitiesRepresented, &m.Description, &m.Website, &m.Status, &m.JoinedOn, &m.Version, &m.CreatedAt, &m.UpdatedAt)
}

func (m *Member) key() int64 { return m.ID }

func (c *ContactPoint) fields(dst []any) []any { return append(dst, &c.MemberID, &c.Role, &c.Email) }

var memberOrders = map[MemberOrderField]orderKey{
	"NAME":                       {"NAME", "m.name", "text"},
	"JOINED_ON":                  {"JOINED_ON", "m.joined_on", "date"},
	"MUNICIPALITIES_REPRESENTED": {"MUNICIPALITIES_REPRESENTED", "coalesce(m.municipalities_represented, -1)", "int"},
	"CREATED_AT":                 {"CREATED_AT", "m.created_at", "timestamptz"},
}

// memberParents are the relations that lead to lists of members.
var memberParents = map[string]*parentSpec{
	"country": {column: "m.country_code", keyType: "text"},
}

func memberList(ctx context.Context, f *MemberFilter, o *MemberOrder) *listSpec {
	s := &listSpec{from: "member m", alias: "m", columns: memberColumnsAsked.sql(ctx), order: memberOrders["NAME"]}
	if o != nil {
		s.order, s.desc = memberOrders[o.Field], o.Direction == OrderDirectionDesc
	}
	if f == nil {
		return s
	}
	s.filter = func(b *builder) {
		if f.Country != nil {
			if f.IncludeCovered != nil && *f.IncludeCovered {
				b.where("(m.country_code = any(%[1]s) or exists (select 1 from member_country mc where mc.member_id = m.id and mc.country_code = any(%[1]s)))", f.Country)
			} else {
				b.where("m.country_code = any(%s)", f.Country)
			}
		}
		if f.Kind != nil {
			b.where("m.kind = any(%s)", enumStrings(f.Kind))
		}
		if f.Status != nil {
			b.where("m.status = any(%s)", enumStrings(f.Status))
		}
		if f.JoinedOn != nil && f.JoinedOn.From != nil {
			b.where("m.joined_on >= %s", *f.JoinedOn.From)
		}
		if f.JoinedOn != nil && f.JoinedOn.To != nil {
			b.where("m.joined_on <= %s", *f.JoinedOn.To)
		}
		if f.NameContains != nil {
			b.where("(m.name || ' ' || coalesce(m.native_name, '') || ' ' || coalesce(m.acronym, '')) ilike '%%' || %s || '%%'", escapeLike(*f.NameContains))
		}
	}
	return s
}

// Members lists members.
func (d *DB) Members(ctx context.Context, page PageArgs, f *MemberFilter, o *MemberOrder) (*Page[*Member], error) {
	return rootPage[Member](ctx, d, memberList(ctx, f, o), page)
}

// MemberBySlug returns the member with this slug, or nil.
func (d *DB) MemberBySlug(ctx context.Context, slug string) (*Member, error) {
	return queryOne[Member](ctx, d.q, "select "+memberColumnsAsked.sql(ctx)+" from member m where m.slug = $1", slug)
}

// MembersByID returns members in the order of ids, nil where one does not exist.
func (d *DB) MembersByID(ctx context.Context, ids []int64) ([]*Member, error) {
	return byIDs[Member](ctx, d.q, "select "+memberColumnsAsked.sql(ctx)+" from member m where m.id = any($1)", ids)
}

// MemberOtherCountries returns the codes of the other countries each member covers.
func (d *DB) MemberOtherCountries(ctx context.Context, ids []int64) (map[int64][]string, error) {
	return queryGroupedValues[string](ctx, d.q,
		"select member_id, country_code from member_country where member_id = any($1) order by country_code", ids)
}

// MemberContactPoints returns each member's contact points.
func (d *DB) MemberContactPoints(ctx context.Context, ids []int64) (map[int64][]*ContactPoint, error) {
	return queryGrouped[ContactPoint](ctx, d.q,
		"select member_id, member_id, role, email from contact_point where member_id = any($1) order by id", ids)
}

// memberEdit is a member as a write will leave it.
type memberEdit struct {
	Member
	otherCountries []string
	contactPoints  []*ContactPointInput
}

func (in *CreateMemberInput) asUpdate() *UpdateMemberInput {
	return &UpdateMemberInput{Name: &in.Name, Slug: in.Slug, NativeName: in.NativeName, Acronym: in.Acronym,
		Kind: &in.Kind, Country: &in.Country, OtherCountries: in.OtherCountries,
		MunicipalitiesRepresented: in.MunicipalitiesRepresented, Description: in.Description, Website: in.Website,
		ContactPoints: in.ContactPoints, Status: in.Status, JoinedOn: in.JoinedOn}
}

func (in *UpdateMemberInput) applyTo(m *memberEdit) {
	set(&m.Name, in.Name)
	set(&m.Slug, in.Slug)
	setOpt(&m.NativeName, in.NativeName)
	setOpt(&m.Acronym, in.Acronym)
	set(&m.Kind, in.Kind)
	set(&m.CountryCode, in.Country)
	setList(&m.otherCountries, in.OtherCountries)
	setOpt(&m.MunicipalitiesRepresented, in.MunicipalitiesRepresented)
	set(&m.Description, in.Description)
	setOpt(&m.Website, in.Website)
	setList(&m.contactPoints, in.ContactPoints)
	set(&m.Status, in.Status)
	set(&m.JoinedOn, in.JoinedOn)
}

func (d *DB) validateMember(m *memberEdit) []UserError {
	v := &validator{ref: d.ref}
	v.text("name", &m.Name, true, 300)
	if m.Slug == "" {
		m.Slug = Slugify(m.Name)
	}
	v.slug("slug", m.Slug)
	v.optText("nativeName", &m.NativeName, 300)
	v.optText("acronym", &m.Acronym, 50)
	v.country("country", m.CountryCode)
	m.otherCountries = v.countries("otherCountries", m.otherCountries)
	if m.MunicipalitiesRepresented != nil && *m.MunicipalitiesRepresented < 0 {
		v.fail("municipalitiesRepresented", UserErrorOutOfRange, "municipalitiesRepresented must not be negative")
	}
	v.text("description", &m.Description, false, 10000)
	v.url("website", &m.Website)
	for i, c := range m.contactPoints {
		v.text(fieldIndex("contactPoints", i, "role"), &c.Role, true, 200)
		v.email(fieldIndex("contactPoints", i, "email"), c.Email)
	}
	if y := m.JoinedOn.Year(); y < 1990 || y > d.Today().Year()+1 {
		v.fail("joinedOn", UserErrorOutOfRange, "joinedOn must be a date between 1990 and next year")
	}
	return v.errs
}

// memberTable: an editor owns their own member.
var memberTable = &table{name: "member", typ: "Member", versioned: true,
	owns: func(_ context.Context, _ Querier, id, member int64) (bool, error) { return id == member, nil }}

// CreateMember validates and stores a new member.
func (d *DB) CreateMember(ctx context.Context, in *CreateMemberInput) (*Member, []UserError, error) {
	m := &memberEdit{Member: Member{Status: MemberStatusActive, JoinedOn: d.Today()}}
	in.asUpdate().applyTo(m)
	return write(ctx, d, func(d *DB) (*Member, []UserError, error) { return d.saveMember(ctx, m) })
}

// UpdateMember validates and applies a change to a member.
func (d *DB) UpdateMember(ctx context.Context, in *UpdateMemberInput) (*Member, []UserError, error) {
	return update(ctx, d, memberTable, int64(in.ID), in.ExpectedVersion, loadMemberEdit,
		func(ctx context.Context, d *DB, m *memberEdit) (*Member, []UserError, error) {
			in.applyTo(m)
			return d.saveMember(ctx, m)
		})
}

// membersByIDForWrite reads whole members, whatever fields the request shows: a write saves the row it
// read back.
func (d *DB) membersByIDForWrite(ctx context.Context, ids []int64) ([]*Member, error) {
	return byIDs[Member](ctx, d.q, "select "+memberColumns+" from member m where m.id = any($1)", ids)
}

// loadMemberEdit reads a stored member with its relations, so that an update that leaves them out keeps
// them.
func loadMemberEdit(ctx context.Context, d *DB, id int64) (*memberEdit, error) {
	cur, err := d.membersByIDForWrite(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	m := &memberEdit{Member: *cur[0]}
	if m.otherCountries, err = only(d.MemberOtherCountries(ctx, []int64{id})); err != nil {
		return nil, err
	}
	cps, err := d.MemberContactPoints(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	for _, c := range cps[id] {
		m.contactPoints = append(m.contactPoints, &ContactPointInput{Role: c.Role, Email: c.Email})
	}
	return m, nil
}

// saveMember validates an edit and writes it, in the transaction of write or update.
func (d *DB) saveMember(ctx context.Context, m *memberEdit) (*Member, []UserError, error) {
	if errs := d.validateMember(m); len(errs) > 0 {
		return nil, errs, nil
	}
	args := []any{m.Slug, m.Name, m.NativeName, m.Acronym, m.Kind, m.CountryCode, m.MunicipalitiesRepresented,
		m.Description, m.Website, m.Status, m.JoinedOn}
	var err error
	if m.ID == 0 {
		err = d.q.QueryRow(ctx, `insert into member (slug, name, native_name, acronym, kind, country_code,
			municipalities_represented, description, website, status, joined_on)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning id`, args...).Scan(&m.ID)
	} else {
		_, err = d.q.Exec(ctx, `update member set slug = $1, name = $2, native_name = $3, acronym = $4, kind = $5,
			country_code = $6, municipalities_represented = $7, description = $8, website = $9, status = $10,
			joined_on = $11, version = version + 1, updated_at = now() where id = $12`, append(args, m.ID)...)
	}
	if errs := duplicateErrors(err, map[string]string{"member_slug_key": "slug"}); errs != nil {
		return nil, errs, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if err := replaceLinks(ctx, d.q, "member_country", "member_id", "country_code", m.ID, m.otherCountries); err != nil {
		return nil, nil, err
	}
	if _, err := d.q.Exec(ctx, "delete from contact_point where member_id = $1", m.ID); err != nil {
		return nil, nil, err
	}
	for _, c := range m.contactPoints {
		if _, err := d.q.Exec(ctx, "insert into contact_point (member_id, role, email) values ($1, $2, $3)", m.ID, c.Role, c.Email); err != nil {
			return nil, nil, err
		}
	}
	saved, err := d.membersByIDForWrite(ctx, []int64{m.ID})
	if err != nil {
		return nil, nil, err
	}
	return saved[0], nil, nil
}

// DeleteMember deletes a member; its authorship of best practices goes with it, the practices stay.
func (d *DB) DeleteMember(ctx context.Context, id MemberID) ([]UserError, error) {
	return remove(ctx, d, memberTable, int64(id))
}

type DeleteMemberInput struct {
	ID MemberID
}
