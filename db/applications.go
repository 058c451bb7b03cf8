package db

import (
	"context"
	"fmt"
	"strings"
	"time"
)

type MembershipApplicationStatus string

const (
	MembershipApplicationStatusSubmitted MembershipApplicationStatus = "SUBMITTED"
	MembershipApplicationStatusApproved  MembershipApplicationStatus = "APPROVED"
	MembershipApplicationStatusRejected  MembershipApplicationStatus = "REJECTED"
)

// MembershipApplication is an organisation's request to join the network.
type MembershipApplication struct {
	ID                        int64
	Organisation              string
	Kind                      MemberKind
	CountryCode               string
	MunicipalitiesRepresented *int32
	Website                   *string
	Motivation                string
	ContactName               string
	ContactEmail              string
	Status                    MembershipApplicationStatus
	RejectionReason           *string
	MemberID                  *int64
	SubmittedAt               time.Time
	DecidedAt                 *time.Time
}

const applicationColumns = `a.id, a.organisation, a.kind, a.country_code, a.municipalities_represented, a.website,
	a.motivation, a.contact_name, a.contact_email, a.status, a.rejection_reason, a.member_id, a.submitted_at, a.decided_at`

func (a *MembershipApplication) fields(dst []any) []any {
	return append(dst, &a.ID, &a.Organisation, &a.Kind, &a.CountryCode, &a.MunicipalitiesRepresented, &a.Website,
		&a.Motivation, &a.ContactName, &a.ContactEmail, &a.Status, &a.RejectionReason, &a.MemberID, &a.SubmittedAt, &a.DecidedAt)
}

func (a *MembershipApplication) key() int64 { return a.ID }

type ApplyForMembershipInput struct {
	Organisation              string
	Kind                      MemberKind
	Country                   string
	MunicipalitiesRepresented *int32
	Website                   *string
	Motivation                string
	ContactName               string
	ContactEmail              string
}

// ReceiptPrefix starts every application receipt.
const ReceiptPrefix = "app_"

// ApplyForMembership validates and stores a new application, and returns it with the receipt its
// applicant checks the decision with. An organisation may have one open or approved application per
// country, and may not apply where it is already a member.
func (d *DB) ApplyForMembership(ctx context.Context, in *ApplyForMembershipInput) (*MembershipApplication, string, []UserError, error) {
	v := &validator{ref: d.ref}
	v.text("organisation", &in.Organisation, true, 300)
	switch in.Kind {
	case MemberKindNationalAssociation, MemberKindRegionalAssociation, MemberKindNetworkOrInitiative,
		MemberKindAgency, MemberKindResearchOrganisation, MemberKindOther:
	default:
		v.fail("kind", UserErrorInvalid, "%q is not a member kind", in.Kind)
	}
	v.country("country", in.Country)
	if in.MunicipalitiesRepresented != nil && *in.MunicipalitiesRepresented < 0 {
		v.fail("municipalitiesRepresented", UserErrorOutOfRange, "municipalitiesRepresented must not be negative")
	}
	v.url("website", &in.Website)
	v.text("motivation", &in.Motivation, true, 5000)
	v.text("contactName", &in.ContactName, true, 200)
	v.text("contactEmail", &in.ContactEmail, true, 320)
	if in.ContactEmail != "" {
		v.email("contactEmail", in.ContactEmail)
	}
	if !v.ok() {
		return nil, "", v.errs, nil
	}
	var receipt string
	a, errs, err := write(ctx, d, func(d *DB) (*MembershipApplication, []UserError, error) {
		var member bool
		err := d.q.QueryRow(ctx, `select exists (select 1 from member m, lateral (values (m.name), (m.native_name), (m.acronym)) as n(name)
			where m.country_code = $2 and lower(regexp_replace(btrim(n.name), '\s+', ' ', 'g')) = lower(regexp_replace(btrim($1), '\s+', ' ', 'g')))`,
			in.Organisation, in.Country).Scan(&member)
		if err != nil {
			return nil, nil, err
		}
		if member {
			return nil, []UserError{{Field: []string{"input", "organisation"}, Code: UserErrorDuplicate,
				Message: "this organisation is already a member of the network in this country"}}, nil
		}
		if receipt, err = newSecret(ReceiptPrefix, 24); err != nil {
			return nil, nil, err
		}
		a, err := queryOne[MembershipApplication](ctx, d.q, `insert into membership_application as a (organisation, kind,
			country_code, municipalities_represented, website, motivation, contact_name, contact_email, receipt_hash)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning `+applicationColumns,
			in.Organisation, in.Kind, in.Country, in.MunicipalitiesRepresented, in.Website, in.Motivation, in.ContactName,
			in.ContactEmail, hashToken(receipt))
		if c, ok := isUniqueViolation(err); ok && c == "membership_application_once" {
			return nil, []UserError{{Field: []string{"input", "organisation"}, Code: UserErrorDuplicate,
				Message: "this organisation has already applied in this country; the network will answer that application"}}, nil
		}
		return a, nil, err
	})
	if a == nil {
		return nil, "", errs, err
	}
	return a, receipt, nil, nil
}

// MembershipApplicationByReceipt returns the application this receipt was given for, or nil.
func (d *DB) MembershipApplicationByReceipt(ctx context.Context, receipt string) (*MembershipApplication, error) {
	if !strings.HasPrefix(receipt, ReceiptPrefix) {
		return nil, nil
	}
	return queryOne[MembershipApplication](ctx, d.q, "select "+applicationColumns+" from membership_application a where a.receipt_hash = $1", hashToken(receipt))
}

type MembershipApplicationFilter struct {
	Status []MembershipApplicationStatus
}

// MembershipApplications lists applications, oldest first: the order they are to be answered in.
func (d *DB) MembershipApplications(ctx context.Context, page PageArgs, f *MembershipApplicationFilter) (*Page[*MembershipApplication], error) {
	s := &listSpec{from: "membership_application a", alias: "a", columns: applicationColumns,
		order: orderKey{"SUBMITTED_AT", "a.submitted_at", "timestamptz"}}
	if f != nil && f.Status != nil {
		s.filter = func(b *builder) { b.where("a.status = any(%s)", enumStrings(f.Status)) }
	}
	return rootPage[MembershipApplication](ctx, d, s, page)
}

// MembershipApplicationsByID returns applications in the order of ids, nil where one does not exist.
func (d *DB) MembershipApplicationsByID(ctx context.Context, ids []int64) ([]*MembershipApplication, error) {
	return byIDs[MembershipApplication](ctx, d.q, "select "+applicationColumns+" from membership_application a where a.id = any($1)", ids)
}

type ApproveMembershipApplicationInput struct {
	ID MembershipApplicationID
	// The new member's slug; derived from the organisation's name when omitted.
	Slug *string
}

// Approval is what approving an application made: the member and its first editor token.
type Approval struct {
	Application *MembershipApplication
	Member      *Member
	Token       *APIToken
	Secret      string
}

// applicationTable: editors own no application.
var applicationTable = &table{name: "membership_application", typ: "MembershipApplication"}

// ApproveMembershipApplication turns a submitted application into a member with the applicant as its
// contact point, and an editor token for it, all or nothing.
func (d *DB) ApproveMembershipApplication(ctx context.Context, in *ApproveMembershipApplicationInput, approvedBy *int64) (*Approval, []UserError, error) {
	return update(ctx, d, applicationTable, int64(in.ID), nil, loadApplication,
		func(ctx context.Context, d *DB, a *MembershipApplication) (*Approval, []UserError, error) {
			if errs := undecided(a); errs != nil {
				return nil, errs, nil
			}
			contact := "Contact: " + a.ContactName
			desc := ""
			m, errs, err := d.CreateMember(ctx, &CreateMemberInput{Name: a.Organisation, Slug: in.Slug, Kind: a.Kind,
				Country: a.CountryCode, MunicipalitiesRepresented: a.MunicipalitiesRepresented, Description: &desc,
				Website: a.Website, ContactPoints: []*ContactPointInput{{Role: contact, Email: a.ContactEmail}}})
			if err != nil || errs != nil {
				return nil, errs, err
			}
			id := MemberID(m.ID)
			t, secret, errs, err := d.CreateAPIToken(ctx, &CreateAPITokenInput{Name: "first editor of " + m.Name, Role: RoleEditor, Member: &id}, approvedBy)
			if err == nil && errs != nil {
				err = fmt.Errorf("creating the editor token: %v", errs)
			}
			if err != nil {
				return nil, nil, err
			}
			out := &Approval{Member: m, Token: t, Secret: secret}
			out.Application, err = queryOne[MembershipApplication](ctx, d.q, `update membership_application a set status = 'APPROVED',
				member_id = $2, decided_at = now() where id = $1 returning `+applicationColumns, a.ID, m.ID)
			return out, nil, err
		})
}

type RejectMembershipApplicationInput struct {
	ID MembershipApplicationID
	// Told to the applicant.
	Reason string
}

// RejectMembershipApplication closes a submitted application with the reason the applicant is given.
func (d *DB) RejectMembershipApplication(ctx context.Context, in *RejectMembershipApplicationInput) (*MembershipApplication, []UserError, error) {
	reason := in.Reason
	v := &validator{}
	v.text("reason", &reason, true, 5000)
	if !v.ok() {
		return nil, v.errs, nil
	}
	return update(ctx, d, applicationTable, int64(in.ID), nil, loadApplication,
		func(ctx context.Context, d *DB, a *MembershipApplication) (*MembershipApplication, []UserError, error) {
			if errs := undecided(a); errs != nil {
				return nil, errs, nil
			}
			out, err := queryOne[MembershipApplication](ctx, d.q, `update membership_application a set status = 'REJECTED',
				rejection_reason = $2, decided_at = now() where id = $1 returning `+applicationColumns, a.ID, reason)
			return out, nil, err
		})
}

func loadApplication(ctx context.Context, d *DB, id int64) (*MembershipApplication, error) {
	return queryOne[MembershipApplication](ctx, d.q, "select "+applicationColumns+" from membership_application a where a.id = $1", id)
}

// undecided refuses the decision of an application that was already decided.
func undecided(a *MembershipApplication) []UserError {
	if a.Status == MembershipApplicationStatusSubmitted {
		return nil
	}
	return []UserError{{Field: []string{"input", "id"}, Code: UserErrorAlreadyDecided,
		Message: fmt.Sprintf("this application was already %s", map[MembershipApplicationStatus]string{
			MembershipApplicationStatusApproved: "approved", MembershipApplicationStatusRejected: "rejected"}[a.Status])}}
}
