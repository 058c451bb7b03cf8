package db

import (
	"context"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// Reference is the reference data: countries, themes, programmes, MIMs and licences. It is fixed by
// migrations and small, so it is read once at start.
type Reference struct {
	Countries  []*Country
	Themes     []*Theme
	Programmes []*Programme
	Mims       []*Mim
	country    map[string]*Country
	theme      map[string]*Theme
	programme  map[string]*Programme
	mimByID    map[int32]*Mim
	mimByRef   map[MimRef]*Mim
	openSource map[string]bool // SPDX id -> OSI approved
}

func (r *Reference) Country(code string) *Country { return r.country[code] }

// countries is the reference data's table of countries, for the entities' Country methods. It comes
// from the migrations, so it is the same for every database this binary opens. A method, unlike a
// resolver, is resolved in line by gqlgen: a member's country costs no goroutine.
var countries atomic.Pointer[map[string]*Country]

func countryOf(code string) *Country {
	if m := countries.Load(); m != nil {
		return (*m)[code]
	}
	return nil
}

// Country is the member's home country.
func (m *Member) Country() *Country { return countryOf(m.CountryCode) }

// Country is the country of the practice's place.
func (p *BestPractice) Country() *Country { return countryOf(p.CountryCode) }

// Country is the applicant's home country.
func (a *MembershipApplication) Country() *Country    { return countryOf(a.CountryCode) }
func (r *Reference) Theme(code string) *Theme         { return r.theme[code] }
func (r *Reference) Programme(code string) *Programme { return r.programme[code] }
func (r *Reference) MimByID(id int32) *Mim            { return r.mimByID[id] }
func (r *Reference) Mim(ref MimRef) *Mim              { return r.mimByRef[ref] }

// Licence tells whether id is an accepted SPDX identifier and whether it is open source.
func (r *Reference) Licence(id string) (known, openSource bool) {
	openSource, known = r.openSource[id]
	return known, openSource
}

func loadReference(ctx context.Context, q Querier) (*Reference, error) {
	r := &Reference{country: map[string]*Country{}, theme: map[string]*Theme{}, programme: map[string]*Programme{},
		mimByID: map[int32]*Mim{}, mimByRef: map[MimRef]*Mim{}, openSource: map[string]bool{}}
	var err error
	if r.Countries, err = queryAll[Country](ctx, q, "select code, iso_code, name from country order by eu_order"); err != nil {
		return nil, err
	}
	if r.Themes, err = queryAll[Theme](ctx, q, "select code, name, data_theme from theme order by name"); err != nil {
		return nil, err
	}
	if r.Programmes, err = queryAll[Programme](ctx, q, "select code, name, period from programme order by code"); err != nil {
		return nil, err
	}
	if r.Mims, err = queryAll[Mim](ctx, q, "select id, code, edition, name from mim order by edition, length(code), code"); err != nil {
		return nil, err
	}
	for _, c := range r.Countries {
		r.country[c.Code] = c
	}
	for _, t := range r.Themes {
		r.theme[t.Code] = t
	}
	for _, p := range r.Programmes {
		r.programme[p.Code] = p
	}
	for _, m := range r.Mims {
		r.mimByID[m.ID] = m
		r.mimByRef[MimRef{Code: m.Code, Edition: m.Edition}] = m
	}
	rows, err := q.Query(ctx, "select spdx_id, open_source from licence")
	if err != nil {
		return nil, err
	}
	var id string
	var open bool
	_, err = pgx.ForEachRow(rows, []any{&id, &open}, func() error {
		r.openSource[id] = open
		return nil
	})
	return r, err
}

func (c *Country) fields(dst []any) []any   { return append(dst, &c.Code, &c.IsoCode, &c.Name) }
func (t *Theme) fields(dst []any) []any     { return append(dst, &t.Code, &t.Name, &t.DataTheme) }
func (p *Programme) fields(dst []any) []any { return append(dst, &p.Code, &p.Name, &p.Period) }
func (m *Mim) fields(dst []any) []any       { return append(dst, &m.ID, &m.Code, &m.Edition, &m.Name) }
