package db

import "time"

// The hub's domain types. gqlgen binds the GraphQL types of the same name onto them (autobind in
// gqlgen.yml), so a field added here and in the schema needs no copying code in between.

type MemberKind string

const (
	MemberKindNationalAssociation  MemberKind = "NATIONAL_ASSOCIATION"
	MemberKindRegionalAssociation  MemberKind = "REGIONAL_ASSOCIATION"
	MemberKindNetworkOrInitiative  MemberKind = "NETWORK_OR_INITIATIVE"
	MemberKindAgency               MemberKind = "AGENCY"
	MemberKindResearchOrganisation MemberKind = "RESEARCH_ORGANISATION"
	MemberKindOther                MemberKind = "OTHER"
)

type MemberStatus string

const (
	MemberStatusActive    MemberStatus = "ACTIVE"
	MemberStatusSuspended MemberStatus = "SUSPENDED"
	MemberStatusLeft      MemberStatus = "LEFT"
)

type BestPracticeStatus string

const (
	BestPracticeStatusDraft     BestPracticeStatus = "DRAFT"
	BestPracticeStatusPublished BestPracticeStatus = "PUBLISHED"
	BestPracticeStatusArchived  BestPracticeStatus = "ARCHIVED"
)

type DeadlineModel string

const (
	DeadlineModelSingleStage    DeadlineModel = "SINGLE_STAGE"
	DeadlineModelTwoStage       DeadlineModel = "TWO_STAGE"
	DeadlineModelMultipleCutOff DeadlineModel = "MULTIPLE_CUT_OFF"
)

type FundingStatus string

const (
	FundingStatusForthcoming FundingStatus = "FORTHCOMING"
	FundingStatusOpen        FundingStatus = "OPEN"
	FundingStatusClosed      FundingStatus = "CLOSED"
)

type DevelopmentStatus string

const (
	DevelopmentStatusUnderDevelopment DevelopmentStatus = "UNDER_DEVELOPMENT"
	DevelopmentStatusCompleted        DevelopmentStatus = "COMPLETED"
	DevelopmentStatusDeprecated       DevelopmentStatus = "DEPRECATED"
)

type OrderDirection string

const (
	OrderDirectionAsc  OrderDirection = "ASC"
	OrderDirectionDesc OrderDirection = "DESC"
)

type Country struct {
	Code    string
	IsoCode string
	Name    string
}

type Theme struct {
	Code      string
	Name      string
	DataTheme string
}

type Programme struct {
	Code   string
	Name   string
	Period *string
}

type Mim struct {
	ID      int32 `json:"-"`
	Code    string
	Edition string
	Name    string
}

type MimRef struct {
	Code    string
	Edition string
}

type Member struct {
	InBatch
	ID                        int64
	Slug                      string
	Name                      string
	NativeName                *string
	Acronym                   *string
	Kind                      MemberKind
	CountryCode               string
	MunicipalitiesRepresented *int32
	Description               string
	Website                   *string
	Status                    MemberStatus
	JoinedOn                  time.Time
	Version                   int32
	CreatedAt                 time.Time
	UpdatedAt                 time.Time
}

type ContactPoint struct {
	// The member it belongs to: its editors may read the email.
	MemberID int64 `json:"-"`
	Role     string
	Email    string
}

type BestPractice struct {
	InBatch
	ID              int64
	Slug            string
	Title           string
	Summary         string
	Body            string
	Language        string
	Municipality    *string
	CountryCode     string
	NutsCode        *string
	Results         string
	Transferability string
	Year            int32
	Status          BestPracticeStatus
	SourceURL       *string
	Version         int32
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

type Translation struct {
	Language string
	Title    string
	Summary  string
}

type FundingOpportunity struct {
	InBatch
	ID              int64
	Identifier      string
	CallIdentifier  *string
	Title           string
	ProgrammeCode   string
	ActionType      *string
	Description     string
	OpeningDate     time.Time
	DeadlineModel   DeadlineModel
	Deadlines       []time.Time
	TotalBudget     *string
	MinContribution *string
	MaxContribution *string
	URL             *string
	Version         int32
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// StatusOn is the opportunity's status on day (see FundingStatusOn).
func (f *FundingOpportunity) StatusOn(day time.Time) FundingStatus {
	return FundingStatusOn(f.OpeningDate, f.Deadlines[len(f.Deadlines)-1], day)
}

// FundingStatusOn is the one rule for a call's status in Go: open from its opening date through its
// final deadline, both inclusive. Its twin in SQL is funding_status (migration 007), which every query
// filtering or grouping by status calls; TestFundingStatusSQLMatchesGo holds the two together. The search
// index calls this one.
//
// Only the calendar dates count, as with SQL dates: pgx reads a date as midnight UTC, while a caller may
// hold a day at midnight in another zone.
func FundingStatusOn(opening, finalDeadline, day time.Time) FundingStatus {
	day, opening, finalDeadline = dateOf(day), dateOf(opening), dateOf(finalDeadline)
	switch {
	case day.Before(opening):
		return FundingStatusForthcoming
	case day.After(finalDeadline):
		return FundingStatusClosed
	default:
		return FundingStatusOpen
	}
}

func dateOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// fundingStatusSQL calls funding_status on the funding_opportunity row aliased f; day is an SQL
// expression for DB.Today.
func fundingStatusSQL(day string) string {
	return "funding_status(f.opening_date, f.final_deadline, " + day + "::date)"
}

// NextDeadlineOn is the first deadline on or after day, or nil once all have passed.
func (f *FundingOpportunity) NextDeadlineOn(day time.Time) *time.Time {
	for _, d := range f.Deadlines {
		if !d.Before(day) {
			return &d
		}
	}
	return nil
}

type DigitalTool struct {
	InBatch
	ID                int64
	Slug              string
	Name              string
	Description       string
	Provider          *string
	Licence           string
	OpenSource        bool
	DevelopmentStatus DevelopmentStatus
	Standards         []string
	Languages         []string
	Website           *string
	RepositoryURL     *string
	SoftwareType      *string
	ReviewStatus      ToolReviewStatus
	ProposedByID      *int64
	Version           int32
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// DigitalToolTranslation is a tool's description in one language, as publiccode.yml has it.
type DigitalToolTranslation struct {
	Language         string
	ShortDescription string
	LongDescription  string
	Features         []string
}

type ToolReviewStatus string

const (
	ToolReviewStatusProposed ToolReviewStatus = "PROPOSED"
	ToolReviewStatusAccepted ToolReviewStatus = "ACCEPTED"
)

type DateRange struct {
	From *time.Time
	To   *time.Time
}

type IntRange struct {
	From *int32
	To   *int32
}

type UserErrorCode string

const (
	UserErrorRequired         UserErrorCode = "REQUIRED"
	UserErrorInvalid          UserErrorCode = "INVALID"
	UserErrorUnknownReference UserErrorCode = "UNKNOWN_REFERENCE"
	UserErrorDuplicate        UserErrorCode = "DUPLICATE"
	UserErrorNotFound         UserErrorCode = "NOT_FOUND"
	UserErrorOutOfRange       UserErrorCode = "OUT_OF_RANGE"
	UserErrorAlreadyDecided   UserErrorCode = "ALREADY_DECIDED"
	UserErrorConflict         UserErrorCode = "CONFLICT"
)

// UserError is a refused input: the mutation changed nothing.
type UserError struct {
	Field   []string
	Message string
	Code    UserErrorCode
}

// OwnerMember is the member whose editors may read a member's private fields: itself.
func (m *Member) OwnerMember() int64 { return m.ID }

// OwnerMember is the member whose editors may read a contact point's email.
func (c *ContactPoint) OwnerMember() int64 { return c.MemberID }
