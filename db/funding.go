package db

import (
	"context"
	"math/big"
	"slices"
	"time"
)

type FundingOpportunityFilter struct {
	Programme       []string
	Status          []FundingStatus
	Theme           []string
	EligibleCountry *string
	DeadlineBefore  *time.Time
	DeadlineAfter   *time.Time
	OpeningDate     *DateRange
}

type FundingOpportunityOrderField string

type FundingOpportunityOrder struct {
	Field     FundingOpportunityOrderField
	Direction OrderDirection
}

type CreateFundingOpportunityInput struct {
	Identifier        string
	CallIdentifier    *string
	Title             string
	Programme         string
	ActionType        *string
	Description       *string
	OpeningDate       time.Time
	DeadlineModel     DeadlineModel
	Deadlines         []time.Time
	TotalBudget       *string
	MinContribution   *string
	MaxContribution   *string
	EligibleCountries []string
	Themes            []string
	URL               *string
}

type UpdateFundingOpportunityInput struct {
	ID                FundingOpportunityID
	Identifier        *string
	CallIdentifier    *string
	Title             *string
	Programme         *string
	ActionType        *string
	Description       *string
	OpeningDate       *time.Time
	DeadlineModel     *DeadlineModel
	Deadlines         []time.Time
	TotalBudget       *string
	MinContribution   *string
	MaxContribution   *string
	EligibleCountries []string
	Themes            []string
	URL               *string
	// The version the change was made from: refused with CONFLICT unless it is still the current one.
	ExpectedVersion *int32
}

const fundingColumns = `f.id, f.topic_id, f.call_id, f.title, f.programme_code, f.action_type, f.description,
	f.opening_date, f.deadline_model, f.deadlines, f.total_budget::text, f.min_contribution::text,
	f.max_contribution::text, f.url, f.version, f.created_at, f.updated_at`

func (f *FundingOpportunity) fields(dst []any) []any {
	return append(dst, &f.ID, &f.Identifier, &f.CallIdentifier, &f.Title, &f.ProgrammeCode, &f.ActionType, &f.Description,
		&f.OpeningDate, &f.DeadlineModel, &f.Deadlines, &f.TotalBudget, &f.MinContribution, &f.MaxContribution,
		&f.URL, &f.Version, &f.CreatedAt, &f.UpdatedAt)
}

func (f *FundingOpportunity) key() int64 { return f.ID }

var fundingOrders = map[FundingOpportunityOrderField]orderKey{
	"DEADLINE":     {"DEADLINE", "f.final_deadline", "date"},
	"OPENING_DATE": {"OPENING_DATE", "f.opening_date", "date"},
	"TOTAL_BUDGET": {"TOTAL_BUDGET", "coalesce(f.total_budget, -1)", "numeric"},
	"TITLE":        {"TITLE", "f.title", "text"},
}

// nextDeadlineOrder orders by each call's next deadline on today (the SQL function next_deadline, the
// rule of FundingOpportunity.NextDeadlineOn), soonest first; calls with none left sort last, as
// 'infinity'. Today is written into the expression, since an order is one SQL expression without
// arguments; a date cannot carry SQL.
func nextDeadlineOrder(today time.Time) orderKey {
	return orderKey{"NEXT_DEADLINE", "coalesce(next_deadline(f.deadlines, '" + today.Format(time.DateOnly) + "'::date), 'infinity'::date)", "date"}
}

// fundingParents are the relations that lead to lists of funding opportunities.
var fundingParents = map[string]*parentSpec{
	"theme":     {link: "funding_opportunity_theme ft", on: "ft.funding_id = f.id", column: "ft.theme_code", keyType: "text"},
	"programme": {column: "f.programme_code", keyType: "text"},
}

func (d *DB) fundingList(flt *FundingOpportunityFilter, o *FundingOpportunityOrder) *listSpec {
	s := &listSpec{from: "funding_opportunity f", alias: "f", columns: fundingColumns, order: fundingOrders["DEADLINE"]}
	today := d.Today()
	if o != nil {
		s.order, s.desc = fundingOrders[o.Field], o.Direction == OrderDirectionDesc
		if o.Field == "NEXT_DEADLINE" {
			s.order = nextDeadlineOrder(today)
		}
	}
	if flt == nil {
		return s
	}
	s.filter = func(b *builder) {
		if flt.Programme != nil {
			b.where("f.programme_code = any(%s)", flt.Programme)
		}
		if flt.Status != nil {
			b.where(fundingStatusSQL(b.arg(today))+" = any(%s)", enumStrings(flt.Status))
		}
		if flt.Theme != nil {
			b.where("exists (select 1 from funding_opportunity_theme t where t.funding_id = f.id and t.theme_code = any(%s))", flt.Theme)
		}
		if flt.EligibleCountry != nil {
			b.where("exists (select 1 from funding_opportunity_country c where c.funding_id = f.id and c.country_code = %s)", *flt.EligibleCountry)
		}
		if flt.DeadlineBefore != nil {
			b.where("f.final_deadline <= %s", *flt.DeadlineBefore)
		}
		if flt.DeadlineAfter != nil {
			b.where("f.final_deadline >= %s", *flt.DeadlineAfter)
		}
		if flt.OpeningDate != nil && flt.OpeningDate.From != nil {
			b.where("f.opening_date >= %s", *flt.OpeningDate.From)
		}
		if flt.OpeningDate != nil && flt.OpeningDate.To != nil {
			b.where("f.opening_date <= %s", *flt.OpeningDate.To)
		}
	}
	return s
}

// FundingOpportunities lists funding opportunities.
func (d *DB) FundingOpportunities(ctx context.Context, page PageArgs, f *FundingOpportunityFilter, o *FundingOpportunityOrder) (*Page[*FundingOpportunity], error) {
	return rootPage[FundingOpportunity](ctx, d, d.fundingList(f, o), page)
}

// FundingOpportunityByIdentifier returns the opportunity with this topic identifier, or nil.
func (d *DB) FundingOpportunityByIdentifier(ctx context.Context, identifier string) (*FundingOpportunity, error) {
	return queryOne[FundingOpportunity](ctx, d.q, "select "+fundingColumns+" from funding_opportunity f where f.topic_id = $1", identifier)
}

// FundingOpportunitiesByID returns opportunities in the order of ids, nil where one does not exist.
func (d *DB) FundingOpportunitiesByID(ctx context.Context, ids []int64) ([]*FundingOpportunity, error) {
	return byIDs[FundingOpportunity](ctx, d.q, "select "+fundingColumns+" from funding_opportunity f where f.id = any($1)", ids)
}

func (d *DB) FundingCountries(ctx context.Context, ids []int64) (map[int64][]string, error) {
	return queryGroupedValues[string](ctx, d.q, `select x.funding_id, x.country_code from funding_opportunity_country x
		join country c on c.code = x.country_code where x.funding_id = any($1) order by c.eu_order`, ids)
}

func (d *DB) FundingThemes(ctx context.Context, ids []int64) (map[int64][]string, error) {
	return queryGroupedValues[string](ctx, d.q,
		"select funding_id, theme_code from funding_opportunity_theme where funding_id = any($1) order by theme_code", ids)
}

type fundingEdit struct {
	FundingOpportunity
	countries []string
	themes    []string
}

func (in *CreateFundingOpportunityInput) asUpdate() *UpdateFundingOpportunityInput {
	return &UpdateFundingOpportunityInput{Identifier: &in.Identifier, CallIdentifier: in.CallIdentifier, Title: &in.Title,
		Programme: &in.Programme, ActionType: in.ActionType, Description: in.Description, OpeningDate: &in.OpeningDate,
		DeadlineModel: &in.DeadlineModel, Deadlines: nonNil(in.Deadlines), TotalBudget: in.TotalBudget,
		MinContribution: in.MinContribution, MaxContribution: in.MaxContribution, EligibleCountries: in.EligibleCountries,
		Themes: in.Themes, URL: in.URL}
}

func (in *UpdateFundingOpportunityInput) applyTo(f *fundingEdit) {
	set(&f.Identifier, in.Identifier)
	setOpt(&f.CallIdentifier, in.CallIdentifier)
	set(&f.Title, in.Title)
	set(&f.ProgrammeCode, in.Programme)
	setOpt(&f.ActionType, in.ActionType)
	set(&f.Description, in.Description)
	set(&f.OpeningDate, in.OpeningDate)
	set(&f.DeadlineModel, in.DeadlineModel)
	setList(&f.Deadlines, in.Deadlines)
	setOpt(&f.TotalBudget, in.TotalBudget)
	setOpt(&f.MinContribution, in.MinContribution)
	setOpt(&f.MaxContribution, in.MaxContribution)
	setList(&f.countries, in.EligibleCountries)
	setList(&f.themes, in.Themes)
	setOpt(&f.URL, in.URL)
}

func (d *DB) validateFunding(f *fundingEdit) []UserError {
	v := &validator{ref: d.ref}
	v.text("identifier", &f.Identifier, true, 100)
	if f.Identifier != "" && !topicPattern.MatchString(f.Identifier) {
		v.fail("identifier", UserErrorInvalid, "%q is not a topic identifier: use capitals, digits and hyphens, e.g. HORIZON-MISS-2026-04-CIT", f.Identifier)
	}
	v.optText("callIdentifier", &f.CallIdentifier, 100)
	v.text("title", &f.Title, true, 500)
	if v.ref.Programme(f.ProgrammeCode) == nil {
		v.fail("programme", UserErrorUnknownReference, "%q is not a programme", f.ProgrammeCode)
	}
	v.optText("actionType", &f.ActionType, 100)
	v.text("description", &f.Description, false, 20000)
	switch {
	case len(f.Deadlines) == 0:
		v.fail("deadlines", UserErrorRequired, "give at least one deadline")
	case len(f.Deadlines) > 12:
		v.fail("deadlines", UserErrorOutOfRange, "at most 12 deadlines")
	default:
		slices.SortFunc(f.Deadlines, func(a, b time.Time) int { return a.Compare(b) })
		if f.Deadlines[0].Before(f.OpeningDate) {
			v.fail("deadlines", UserErrorOutOfRange, "a deadline (%s) falls before the opening date (%s)",
				f.Deadlines[0].Format(time.DateOnly), f.OpeningDate.Format(time.DateOnly))
		}
		want := map[DeadlineModel]string{DeadlineModelSingleStage: "one deadline", DeadlineModelTwoStage: "two deadlines"}
		if n := len(f.Deadlines); (f.DeadlineModel == DeadlineModelSingleStage && n != 1) || (f.DeadlineModel == DeadlineModelTwoStage && n != 2) {
			v.fail("deadlines", UserErrorOutOfRange, "a %s call has %s, not %d", f.DeadlineModel, want[f.DeadlineModel], n)
		}
	}
	amounts := map[string]*big.Rat{}
	for field, s := range map[string]*string{"totalBudget": f.TotalBudget, "minContribution": f.MinContribution, "maxContribution": f.MaxContribution} {
		if s == nil {
			continue
		}
		r, ok := new(big.Rat).SetString(*s)
		if !ok || !amountPattern.MatchString(*s) {
			v.fail(field, UserErrorOutOfRange, "%s must be an amount in euros with at most two decimals, between 0 and 99999999999999.99", field)
			continue
		}
		amounts[field] = r
	}
	if mn, mx := amounts["minContribution"], amounts["maxContribution"]; mn != nil && mx != nil && mn.Cmp(mx) > 0 {
		v.fail("minContribution", UserErrorOutOfRange, "minContribution is above maxContribution")
	}
	if mx, total := amounts["maxContribution"], amounts["totalBudget"]; mx != nil && total != nil && mx.Cmp(total) > 0 {
		v.fail("maxContribution", UserErrorOutOfRange, "maxContribution is above totalBudget")
	}
	if len(f.countries) == 0 {
		// An EU call is open to all member states unless it says otherwise.
		for _, c := range v.ref.Countries {
			f.countries = append(f.countries, c.Code)
		}
	}
	f.countries = v.countries("eligibleCountries", f.countries)
	f.themes = v.themes("themes", f.themes)
	v.url("url", &f.URL)
	return v.errs
}

// fundingTable: editors own no funding opportunity.
var fundingTable = &table{name: "funding_opportunity", typ: "FundingOpportunity", versioned: true}

// CreateFundingOpportunity validates and stores a new funding opportunity.
func (d *DB) CreateFundingOpportunity(ctx context.Context, in *CreateFundingOpportunityInput) (*FundingOpportunity, []UserError, error) {
	f := &fundingEdit{}
	in.asUpdate().applyTo(f)
	return write(ctx, d, func(d *DB) (*FundingOpportunity, []UserError, error) { return d.saveFunding(ctx, f) })
}

// UpdateFundingOpportunity validates and applies a change to a funding opportunity.
func (d *DB) UpdateFundingOpportunity(ctx context.Context, in *UpdateFundingOpportunityInput) (*FundingOpportunity, []UserError, error) {
	return update(ctx, d, fundingTable, int64(in.ID), in.ExpectedVersion, loadFundingEdit,
		func(ctx context.Context, d *DB, f *fundingEdit) (*FundingOpportunity, []UserError, error) {
			in.applyTo(f)
			return d.saveFunding(ctx, f)
		})
}

// loadFundingEdit reads a stored opportunity with its relations, so that an update that leaves them out
// keeps them.
func loadFundingEdit(ctx context.Context, d *DB, id int64) (*fundingEdit, error) {
	cur, err := d.FundingOpportunitiesByID(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	f := &fundingEdit{FundingOpportunity: *cur[0]}
	if f.countries, err = only(d.FundingCountries(ctx, []int64{id})); err != nil {
		return nil, err
	}
	if f.themes, err = only(d.FundingThemes(ctx, []int64{id})); err != nil {
		return nil, err
	}
	return f, nil
}

// saveFunding validates an edit and writes it, in the transaction of write or update.
func (d *DB) saveFunding(ctx context.Context, f *fundingEdit) (*FundingOpportunity, []UserError, error) {
	if errs := d.validateFunding(f); len(errs) > 0 {
		return nil, errs, nil
	}
	args := []any{f.Identifier, f.CallIdentifier, f.Title, f.ProgrammeCode, f.ActionType, f.Description, f.OpeningDate,
		f.DeadlineModel, f.Deadlines, f.TotalBudget, f.MinContribution, f.MaxContribution, f.URL}
	var err error
	if f.ID == 0 {
		err = d.q.QueryRow(ctx, `insert into funding_opportunity (topic_id, call_id, title, programme_code, action_type,
			description, opening_date, deadline_model, deadlines, total_budget, min_contribution, max_contribution, url)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::numeric, $11::numeric, $12::numeric, $13) returning id`, args...).Scan(&f.ID)
	} else {
		_, err = d.q.Exec(ctx, `update funding_opportunity set topic_id = $1, call_id = $2, title = $3,
			programme_code = $4, action_type = $5, description = $6, opening_date = $7, deadline_model = $8,
			deadlines = $9, total_budget = $10::numeric, min_contribution = $11::numeric, max_contribution = $12::numeric,
			url = $13, version = version + 1, updated_at = now() where id = $14`, append(args, f.ID)...)
	}
	if errs := duplicateErrors(err, map[string]string{"funding_opportunity_topic_id_key": "identifier"}); errs != nil {
		return nil, errs, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if err := replaceLinks(ctx, d.q, "funding_opportunity_country", "funding_id", "country_code", f.ID, f.countries); err != nil {
		return nil, nil, err
	}
	if err := replaceLinks(ctx, d.q, "funding_opportunity_theme", "funding_id", "theme_code", f.ID, f.themes); err != nil {
		return nil, nil, err
	}
	saved, err := d.FundingOpportunitiesByID(ctx, []int64{f.ID})
	if err != nil {
		return nil, nil, err
	}
	return saved[0], nil, nil
}

// DeleteFundingOpportunity deletes a funding opportunity; practices it funded stay.
func (d *DB) DeleteFundingOpportunity(ctx context.Context, id FundingOpportunityID) ([]UserError, error) {
	return remove(ctx, d, fundingTable, int64(id))
}

type DeleteFundingOpportunityInput struct {
	ID FundingOpportunityID
}
