package db

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The columns of each kind's CSV export (httpapi/export.go), as the import reads them: each sets the
// field of the mutation's input it names. An empty cell clears a text or a list; for a number, a date or
// an amount, which a partial update cannot set to null, it keeps the stored value.

func invalid(field, format string, args ...any) []UserError {
	return []UserError{{Field: []string{"input", field}, Code: UserErrorInvalid, Message: fmt.Sprintf(format, args...)}}
}

func enumCell[V ~string](field, what string, values []V, s string, dst **V) []UserError {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	if !slices.Contains(values, V(s)) {
		return invalid(field, "%q is not a %s: %s", s, what, strings.Join(enumStrings(values), ", "))
	}
	v := V(s)
	*dst = &v
	return nil
}

func dateCell(field, s string, dst **time.Time) []UserError {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return invalid(field, "%q is not a date: write it YYYY-MM-DD", s)
	}
	*dst = &t
	return nil
}

func intCell(field, what, s string, dst **int32) []UserError {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return invalid(field, "%q is not %s", s, what)
	}
	v := int32(n)
	*dst = &v
	return nil
}

func mimsCell(field, s string, dst *[]*MimRef) []UserError {
	*dst = []*MimRef{}
	for i, c := range cells(s) {
		code, edition, ok := strings.Cut(c, "@")
		if !ok {
			return []UserError{{Field: []string{"input", field, fmt.Sprint(i)}, Code: UserErrorInvalid,
				Message: fmt.Sprintf("%q is not a MIM: write it CODE@EDITION, e.g. MIM1@2022", c)}}
		}
		*dst = append(*dst, &MimRef{Code: strings.TrimSpace(code), Edition: strings.TrimSpace(edition)})
	}
	return nil
}

func renderMims(refs []*MimRef) string {
	out := make([]string, len(refs))
	for i, m := range refs {
		out[i] = m.Code + "@" + m.Edition
	}
	return sortedCell(out)
}

func renderDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func renderInt(n *int32) string {
	if n == nil {
		return ""
	}
	return fmt.Sprint(*n)
}

// derived is a column the hub computes (the id, a call's status): shown by the export, ignored here.
func derived[E, U any](name string) importColumn[E, U] { return importColumn[E, U]{name: name} }

var memberImport = &importer[memberEdit, UpdateMemberInput]{
	typ: "Member", key: "slug", existing: "select slug, id from member",
	columns: []importColumn[memberEdit, UpdateMemberInput]{
		derived[memberEdit, UpdateMemberInput]("id"),
		{"slug", "slug", func(_ *importRefs, s string, in *UpdateMemberInput) []UserError {
			in.Slug = textPtr(strings.TrimSpace(s))
			return nil
		},
			func(_ *importRefs, e *memberEdit) string { return e.Slug }},
		{"name", "name", func(_ *importRefs, s string, in *UpdateMemberInput) []UserError { in.Name = &s; return nil },
			func(_ *importRefs, e *memberEdit) string { return e.Name }},
		{"native_name", "nativeName", func(_ *importRefs, s string, in *UpdateMemberInput) []UserError { in.NativeName = &s; return nil },
			func(_ *importRefs, e *memberEdit) string { return opt(e.NativeName) }},
		{"acronym", "acronym", func(_ *importRefs, s string, in *UpdateMemberInput) []UserError { in.Acronym = &s; return nil },
			func(_ *importRefs, e *memberEdit) string { return opt(e.Acronym) }},
		{"kind", "kind", func(_ *importRefs, s string, in *UpdateMemberInput) []UserError {
			return enumCell("kind", "member kind", []MemberKind{MemberKindNationalAssociation, MemberKindRegionalAssociation,
				MemberKindNetworkOrInitiative, MemberKindAgency, MemberKindResearchOrganisation, MemberKindOther}, s, &in.Kind)
		}, func(_ *importRefs, e *memberEdit) string { return string(e.Kind) }},
		{"country", "country", func(_ *importRefs, s string, in *UpdateMemberInput) []UserError {
			in.Country = textPtr(strings.TrimSpace(s))
			return nil
		},
			func(_ *importRefs, e *memberEdit) string { return e.CountryCode }},
		{"other_countries", "otherCountries", func(_ *importRefs, s string, in *UpdateMemberInput) []UserError {
			in.OtherCountries = cells(s)
			return nil
		},
			func(_ *importRefs, e *memberEdit) string { return sortedCell(e.otherCountries) }},
		{"municipalities_represented", "municipalitiesRepresented", func(_ *importRefs, s string, in *UpdateMemberInput) []UserError {
			return intCell("municipalitiesRepresented", "a number of municipalities", s, &in.MunicipalitiesRepresented)
		}, func(_ *importRefs, e *memberEdit) string { return renderInt(e.MunicipalitiesRepresented) }},
		{"website", "website", func(_ *importRefs, s string, in *UpdateMemberInput) []UserError { in.Website = &s; return nil },
			func(_ *importRefs, e *memberEdit) string { return opt(e.Website) }},
		{"status", "status", func(_ *importRefs, s string, in *UpdateMemberInput) []UserError {
			return enumCell("status", "member status", []MemberStatus{MemberStatusActive, MemberStatusSuspended, MemberStatusLeft}, s, &in.Status)
		}, func(_ *importRefs, e *memberEdit) string { return string(e.Status) }},
		{"joined_on", "joinedOn", func(_ *importRefs, s string, in *UpdateMemberInput) []UserError {
			return dateCell("joinedOn", s, &in.JoinedOn)
		},
			func(_ *importRefs, e *memberEdit) string { return renderDate(e.JoinedOn) }},
	},
	fresh: func(d *DB) *memberEdit {
		return &memberEdit{Member: Member{Status: MemberStatusActive, JoinedOn: d.Today()}}
	},
	load:  loadMemberEdit,
	apply: func(in *UpdateMemberInput, e *memberEdit) { in.applyTo(e) },
	save: func(ctx context.Context, d *DB, e *memberEdit) ([]UserError, error) {
		_, errs, err := d.saveMember(ctx, e)
		return errs, err
	},
}

var practiceImport = &importer[practiceEdit, UpdateBestPracticeInput]{
	typ: "BestPractice", key: "slug", existing: "select slug, id from best_practice",
	columns: []importColumn[practiceEdit, UpdateBestPracticeInput]{
		derived[practiceEdit, UpdateBestPracticeInput]("id"),
		{"slug", "slug", func(_ *importRefs, s string, in *UpdateBestPracticeInput) []UserError {
			in.Slug = textPtr(strings.TrimSpace(s))
			return nil
		},
			func(_ *importRefs, e *practiceEdit) string { return e.Slug }},
		{"title", "title", func(_ *importRefs, s string, in *UpdateBestPracticeInput) []UserError { in.Title = &s; return nil },
			func(_ *importRefs, e *practiceEdit) string { return e.Title }},
		{"language", "language", func(_ *importRefs, s string, in *UpdateBestPracticeInput) []UserError {
			in.Language = textPtr(strings.TrimSpace(s))
			return nil
		},
			func(_ *importRefs, e *practiceEdit) string { return e.Language }},
		{"country", "country", func(_ *importRefs, s string, in *UpdateBestPracticeInput) []UserError {
			in.Country = textPtr(strings.TrimSpace(s))
			return nil
		},
			func(_ *importRefs, e *practiceEdit) string { return e.CountryCode }},
		{"municipality", "municipality", func(_ *importRefs, s string, in *UpdateBestPracticeInput) []UserError {
			in.Municipality = &s
			return nil
		},
			func(_ *importRefs, e *practiceEdit) string { return opt(e.Municipality) }},
		{"nuts_code", "nutsCode", func(_ *importRefs, s string, in *UpdateBestPracticeInput) []UserError { in.NutsCode = &s; return nil },
			func(_ *importRefs, e *practiceEdit) string { return opt(e.NutsCode) }},
		{"year", "year", func(_ *importRefs, s string, in *UpdateBestPracticeInput) []UserError {
			return intCell("year", "a year", s, &in.Year)
		},
			func(_ *importRefs, e *practiceEdit) string { return renderInt(&e.Year) }},
		{"status", "status", func(_ *importRefs, s string, in *UpdateBestPracticeInput) []UserError {
			return enumCell("status", "best practice status", []BestPracticeStatus{BestPracticeStatusDraft, BestPracticeStatusPublished,
				BestPracticeStatusArchived}, s, &in.Status)
		}, func(_ *importRefs, e *practiceEdit) string { return string(e.Status) }},
		{"themes", "themes", func(_ *importRefs, s string, in *UpdateBestPracticeInput) []UserError {
			in.Themes = cells(s)
			return nil
		},
			func(_ *importRefs, e *practiceEdit) string { return sortedCell(e.themes) }},
		{"mims", "mims", func(_ *importRefs, s string, in *UpdateBestPracticeInput) []UserError {
			return mimsCell("mims", s, &in.Mims)
		},
			func(_ *importRefs, e *practiceEdit) string { return renderMims(e.mims) }},
		{"tools", "tools", func(r *importRefs, s string, in *UpdateBestPracticeInput) (errs []UserError) {
			in.Tools, errs = resolve[DigitalToolID]("tools", "DigitalTool", "slug", cells(s), r.tools)
			return errs
		}, func(r *importRefs, e *practiceEdit) string { return names(e.tools, r.toolOf) }},
		{"authors", "authors", func(r *importRefs, s string, in *UpdateBestPracticeInput) (errs []UserError) {
			in.Authors, errs = resolve[MemberID]("authors", "Member", "slug", cells(s), r.members)
			return errs
		}, func(r *importRefs, e *practiceEdit) string { return names(e.authors, r.memberOf) }},
		{"funding", "funding", func(r *importRefs, s string, in *UpdateBestPracticeInput) (errs []UserError) {
			in.Funding, errs = resolve[FundingOpportunityID]("funding", "FundingOpportunity", "identifier", cells(s), r.calls)
			return errs
		}, func(r *importRefs, e *practiceEdit) string { return names(e.funding, r.call) }},
		{"source_url", "sourceUrl", func(_ *importRefs, s string, in *UpdateBestPracticeInput) []UserError { in.SourceURL = &s; return nil },
			func(_ *importRefs, e *practiceEdit) string { return opt(e.SourceURL) }},
		{"summary", "summary", func(_ *importRefs, s string, in *UpdateBestPracticeInput) []UserError { in.Summary = &s; return nil },
			func(_ *importRefs, e *practiceEdit) string { return e.Summary }},
	},
	fresh: func(*DB) *practiceEdit {
		return &practiceEdit{BestPractice: BestPractice{Status: BestPracticeStatusDraft}, authors: []MemberID{}}
	},
	load:  loadPracticeEdit,
	apply: func(in *UpdateBestPracticeInput, e *practiceEdit) { in.applyTo(e) },
	save: func(ctx context.Context, d *DB, e *practiceEdit) ([]UserError, error) {
		_, errs, err := d.savePractice(ctx, e)
		return errs, err
	},
}

var fundingImport = &importer[fundingEdit, UpdateFundingOpportunityInput]{
	typ: "FundingOpportunity", key: "identifier", existing: "select topic_id, id from funding_opportunity",
	columns: []importColumn[fundingEdit, UpdateFundingOpportunityInput]{
		derived[fundingEdit, UpdateFundingOpportunityInput]("id"),
		{"identifier", "identifier", func(_ *importRefs, s string, in *UpdateFundingOpportunityInput) []UserError {
			in.Identifier = textPtr(strings.TrimSpace(s))
			return nil
		}, func(_ *importRefs, e *fundingEdit) string { return e.Identifier }},
		{"call_identifier", "callIdentifier", func(_ *importRefs, s string, in *UpdateFundingOpportunityInput) []UserError {
			in.CallIdentifier = &s
			return nil
		},
			func(_ *importRefs, e *fundingEdit) string { return opt(e.CallIdentifier) }},
		{"title", "title", func(_ *importRefs, s string, in *UpdateFundingOpportunityInput) []UserError {
			in.Title = &s
			return nil
		},
			func(_ *importRefs, e *fundingEdit) string { return e.Title }},
		{"programme", "programme", func(_ *importRefs, s string, in *UpdateFundingOpportunityInput) []UserError {
			in.Programme = textPtr(strings.TrimSpace(s))
			return nil
		}, func(_ *importRefs, e *fundingEdit) string { return e.ProgrammeCode }},
		{"action_type", "actionType", func(_ *importRefs, s string, in *UpdateFundingOpportunityInput) []UserError {
			in.ActionType = &s
			return nil
		},
			func(_ *importRefs, e *fundingEdit) string { return opt(e.ActionType) }},
		derived[fundingEdit, UpdateFundingOpportunityInput]("status"),
		{"opening_date", "openingDate", func(_ *importRefs, s string, in *UpdateFundingOpportunityInput) []UserError {
			return dateCell("openingDate", s, &in.OpeningDate)
		}, func(_ *importRefs, e *fundingEdit) string { return renderDate(e.OpeningDate) }},
		{"deadline_model", "deadlineModel", func(_ *importRefs, s string, in *UpdateFundingOpportunityInput) []UserError {
			return enumCell("deadlineModel", "deadline model", []DeadlineModel{DeadlineModelSingleStage, DeadlineModelTwoStage,
				DeadlineModelMultipleCutOff}, s, &in.DeadlineModel)
		}, func(_ *importRefs, e *fundingEdit) string { return string(e.DeadlineModel) }},
		{"deadlines", "deadlines", func(_ *importRefs, s string, in *UpdateFundingOpportunityInput) []UserError {
			in.Deadlines = []time.Time{}
			for i, c := range cells(s) {
				var t *time.Time
				if errs := dateCell(fmt.Sprintf("deadlines.%d", i), c, &t); errs != nil {
					errs[0].Field = []string{"input", "deadlines", fmt.Sprint(i)}
					return errs
				}
				in.Deadlines = append(in.Deadlines, *t)
			}
			return nil
		}, func(_ *importRefs, e *fundingEdit) string {
			out := make([]string, len(e.Deadlines))
			for i, t := range e.Deadlines {
				out[i] = renderDate(t)
			}
			return sortedCell(out)
		}},
		derived[fundingEdit, UpdateFundingOpportunityInput]("next_deadline"),
		{"total_budget_eur", "totalBudget", func(_ *importRefs, s string, in *UpdateFundingOpportunityInput) []UserError {
			in.TotalBudget = amountCell(s)
			return nil
		}, func(_ *importRefs, e *fundingEdit) string { return opt(e.TotalBudget) }},
		{"min_contribution_eur", "minContribution", func(_ *importRefs, s string, in *UpdateFundingOpportunityInput) []UserError {
			in.MinContribution = amountCell(s)
			return nil
		}, func(_ *importRefs, e *fundingEdit) string { return opt(e.MinContribution) }},
		{"max_contribution_eur", "maxContribution", func(_ *importRefs, s string, in *UpdateFundingOpportunityInput) []UserError {
			in.MaxContribution = amountCell(s)
			return nil
		}, func(_ *importRefs, e *fundingEdit) string { return opt(e.MaxContribution) }},
		{"eligible_countries", "eligibleCountries", func(_ *importRefs, s string, in *UpdateFundingOpportunityInput) []UserError {
			in.EligibleCountries = cells(s)
			return nil
		}, func(_ *importRefs, e *fundingEdit) string { return sortedCell(e.countries) }},
		{"themes", "themes", func(_ *importRefs, s string, in *UpdateFundingOpportunityInput) []UserError {
			in.Themes = cells(s)
			return nil
		},
			func(_ *importRefs, e *fundingEdit) string { return sortedCell(e.themes) }},
		{"url", "url", func(_ *importRefs, s string, in *UpdateFundingOpportunityInput) []UserError { in.URL = &s; return nil },
			func(_ *importRefs, e *fundingEdit) string { return opt(e.URL) }},
	},
	fresh: func(*DB) *fundingEdit {
		return &fundingEdit{FundingOpportunity: FundingOpportunity{Deadlines: []time.Time{}}}
	},
	load:  loadFundingEdit,
	apply: func(in *UpdateFundingOpportunityInput, e *fundingEdit) { in.applyTo(e) },
	save: func(ctx context.Context, d *DB, e *fundingEdit) ([]UserError, error) {
		_, errs, err := d.saveFunding(ctx, e)
		return errs, err
	},
}

// amountCell is an amount in euros as the export writes it ("85500000.00"); empty keeps the stored one.
func amountCell(s string) *string {
	if s = strings.TrimSpace(s); s == "" {
		return nil
	}
	return &s
}

var toolImport = &importer[toolEdit, UpdateDigitalToolInput]{
	typ: "DigitalTool", key: "slug", existing: "select slug, id from digital_tool",
	columns: []importColumn[toolEdit, UpdateDigitalToolInput]{
		derived[toolEdit, UpdateDigitalToolInput]("id"),
		{"slug", "slug", func(_ *importRefs, s string, in *UpdateDigitalToolInput) []UserError {
			in.Slug = textPtr(strings.TrimSpace(s))
			return nil
		},
			func(_ *importRefs, e *toolEdit) string { return e.Slug }},
		{"name", "name", func(_ *importRefs, s string, in *UpdateDigitalToolInput) []UserError { in.Name = &s; return nil },
			func(_ *importRefs, e *toolEdit) string { return e.Name }},
		{"provider", "provider", func(_ *importRefs, s string, in *UpdateDigitalToolInput) []UserError { in.Provider = &s; return nil },
			func(_ *importRefs, e *toolEdit) string { return opt(e.Provider) }},
		{"licence", "licence", func(_ *importRefs, s string, in *UpdateDigitalToolInput) []UserError {
			in.Licence = textPtr(strings.TrimSpace(s))
			return nil
		},
			func(_ *importRefs, e *toolEdit) string { return e.Licence }},
		derived[toolEdit, UpdateDigitalToolInput]("open_source"),
		{"development_status", "developmentStatus", func(_ *importRefs, s string, in *UpdateDigitalToolInput) []UserError {
			return enumCell("developmentStatus", "development status", []DevelopmentStatus{DevelopmentStatusUnderDevelopment,
				DevelopmentStatusCompleted, DevelopmentStatusDeprecated}, s, &in.DevelopmentStatus)
		}, func(_ *importRefs, e *toolEdit) string { return string(e.DevelopmentStatus) }},
		{"themes", "themes", func(_ *importRefs, s string, in *UpdateDigitalToolInput) []UserError {
			in.Themes = cells(s)
			return nil
		},
			func(_ *importRefs, e *toolEdit) string { return sortedCell(e.themes) }},
		{"mims", "mims", func(_ *importRefs, s string, in *UpdateDigitalToolInput) []UserError {
			return mimsCell("mims", s, &in.Mims)
		},
			func(_ *importRefs, e *toolEdit) string { return renderMims(e.mims) }},
		{"standards", "standards", func(_ *importRefs, s string, in *UpdateDigitalToolInput) []UserError {
			in.Standards = cells(s)
			return nil
		},
			func(_ *importRefs, e *toolEdit) string { return sortedCell(e.Standards) }},
		{"languages", "languages", func(_ *importRefs, s string, in *UpdateDigitalToolInput) []UserError {
			in.Languages = cells(s)
			return nil
		},
			func(_ *importRefs, e *toolEdit) string { return sortedCell(e.Languages) }},
		{"countries", "countries", func(_ *importRefs, s string, in *UpdateDigitalToolInput) []UserError {
			in.Countries = cells(s)
			return nil
		},
			func(_ *importRefs, e *toolEdit) string { return sortedCell(e.countries) }},
		{"website", "website", func(_ *importRefs, s string, in *UpdateDigitalToolInput) []UserError { in.Website = &s; return nil },
			func(_ *importRefs, e *toolEdit) string { return opt(e.Website) }},
		{"repository_url", "repositoryUrl", func(_ *importRefs, s string, in *UpdateDigitalToolInput) []UserError {
			in.RepositoryURL = &s
			return nil
		},
			func(_ *importRefs, e *toolEdit) string { return opt(e.RepositoryURL) }},
		{"description", "description", func(_ *importRefs, s string, in *UpdateDigitalToolInput) []UserError { in.Description = &s; return nil },
			func(_ *importRefs, e *toolEdit) string { return e.Description }},
	},
	fresh: newToolEdit,
	load:  loadToolEdit,
	apply: func(in *UpdateDigitalToolInput, e *toolEdit) { in.applyTo(e) },
	save: func(ctx context.Context, d *DB, e *toolEdit) ([]UserError, error) {
		_, errs, err := d.saveTool(ctx, e)
		return errs, err
	},
}

// newToolEdit is a new tool as an admin creates it: accepted.
func newToolEdit(*DB) *toolEdit {
	return &toolEdit{DigitalTool: DigitalTool{Standards: []string{}, Languages: []string{}, ReviewStatus: ToolReviewStatusAccepted}}
}
