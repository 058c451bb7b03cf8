package db

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Role is what a token lets its holder do. Anonymous callers have none. The roles are ordered: each
// may do what the ones before it may, and an editor only for its own member.
type Role string

const (
	RolePartner Role = "PARTNER"
	RoleEditor  Role = "EDITOR"
	RoleAdmin   Role = "ADMIN"
)

// Rank orders the roles; anonymous (the empty role) is 0.
func (r Role) Rank() int {
	switch r {
	case RolePartner:
		return 1
	case RoleEditor:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// ReadAccess says which unpublished content a request may read: draft best practices and proposed
// digital tools. auth decides it from the caller; the queries here only apply it, on every path that
// reads practices or tools.
type ReadAccess struct {
	// All of it (admins).
	All bool
	// What this member authors or proposed (its editors); 0 for none.
	Member int64
}

type readAccessKey struct{}

// WithReadAccess returns a context whose reads show the unpublished content a allows.
func WithReadAccess(ctx context.Context, a ReadAccess) context.Context {
	return context.WithValue(ctx, readAccessKey{}, a)
}

// ReadAccessOf returns the read access of ctx: published content only, unless auth granted more.
func ReadAccessOf(ctx context.Context) ReadAccess {
	a, _ := ctx.Value(readAccessKey{}).(ReadAccess)
	return a
}

// visibleTools limits a query on digital_tool t to the tools the request may read.
func visibleTools(a ReadAccess, b *builder) {
	if !a.All {
		b.conds = append(b.conds, toolVisible(a, b))
	}
}

// toolVisible is the condition on digital_tool t that visibleTools adds, for use inside a subquery.
func toolVisible(a ReadAccess, b *builder) string {
	switch {
	case a.All:
		return "true"
	case a.Member != 0:
		return "(t.review_status = 'ACCEPTED' or t.proposed_by = " + b.arg(a.Member) + ")"
	default:
		return "t.review_status = 'ACCEPTED'"
	}
}

// visiblePractices limits a query on best_practice bp to the practices the request may read.
func visiblePractices(a ReadAccess, b *builder) {
	switch {
	case a.All:
	case a.Member != 0:
		b.where("(bp.status <> 'DRAFT' or exists (select 1 from best_practice_author va where va.practice_id = bp.id and va.member_id = %s))", a.Member)
	default:
		b.where("bp.status <> 'DRAFT'")
	}
}

// APIToken is a bearer token's record. Its secret is not kept, only a hash of it.
type APIToken struct {
	ID         int64
	Name       string
	Role       Role
	MemberID   *int64
	RateLimit  *float64
	ExpiresAt  *time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
	CreatedAt  time.Time
}

const tokenColumns = `t.id, t.name, t.role, t.member_id, t.rate_limit, t.expires_at, t.last_used_at, t.revoked_at, t.created_at`

func (t *APIToken) fields(dst []any) []any {
	return append(dst, &t.ID, &t.Name, &t.Role, &t.MemberID, &t.RateLimit, &t.ExpiresAt, &t.LastUsedAt, &t.RevokedAt, &t.CreatedAt)
}

func (t *APIToken) key() int64 { return t.ID }

// Active reports whether the token still authenticates at time now.
func (t *APIToken) Active(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || t.ExpiresAt.After(now))
}

// TokenPrefix starts every secret, so that a leaked one is recognisable (secret scanners, logs).
const TokenPrefix = "hub_"

// newSecret is prefix and n random bytes, base64url.
func newSecret(prefix string, n int) (string, error) {
	raw := make([]byte, n)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	return prefix + base64.RawURLEncoding.EncodeToString(raw), nil
}

func hashToken(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

type CreateAPITokenInput struct {
	Name string
	Role Role
	// The member an editor token edits for.
	Member    *MemberID
	ExpiresAt *time.Time
	RateLimit *float64
}

// CreateAPIToken stores a new token and returns it with its secret, which exists nowhere else
// afterwards. createdBy is the token that asked for it, if any.
func (d *DB) CreateAPIToken(ctx context.Context, in *CreateAPITokenInput, createdBy *int64) (*APIToken, string, []UserError, error) {
	var secret string
	t, errs, err := write(ctx, d, func(d *DB) (*APIToken, []UserError, error) {
		v := &validator{ref: d.ref}
		v.text("name", &in.Name, true, 200)
		if in.Role.Rank() == 0 {
			v.fail("role", UserErrorInvalid, "role must be PARTNER, EDITOR or ADMIN")
		}
		var member *int64
		switch {
		case in.Role == RoleEditor && in.Member == nil:
			v.fail("member", UserErrorRequired, "an editor token needs the member it edits for")
		case in.Role != RoleEditor && in.Member != nil:
			v.fail("member", UserErrorInvalid, "only editor tokens belong to a member")
		case in.Member != nil:
			id := int64(*in.Member)
			missing, err := checkExist(ctx, d.q, "member", []int64{id})
			if err != nil {
				return nil, nil, err
			}
			if len(missing) > 0 {
				v.fail("member", UserErrorUnknownReference, "no member has the ID %q", in.Member.GlobalID())
			}
			member = &id
		}
		if in.ExpiresAt != nil && !in.ExpiresAt.After(d.now()) {
			v.fail("expiresAt", UserErrorOutOfRange, "expiresAt must be in the future")
		}
		if in.RateLimit != nil && (*in.RateLimit <= 0 || *in.RateLimit > 10000) {
			v.fail("rateLimit", UserErrorOutOfRange, "rateLimit must be between 0 and 10000 requests a second")
		}
		if !v.ok() {
			return nil, v.errs, nil
		}
		var err error
		if secret, err = newSecret(TokenPrefix, 32); err != nil {
			return nil, nil, err
		}
		t, err := queryOne[APIToken](ctx, d.q, `insert into api_token as t (name, token_hash, role, member_id, rate_limit, expires_at, created_by)
			values ($1, $2, $3, $4, $5, $6, $7) returning `+tokenColumns,
			in.Name, hashToken(secret), in.Role, member, in.RateLimit, in.ExpiresAt, createdBy)
		return t, nil, err
	})
	if t == nil {
		return nil, "", errs, err
	}
	return t, secret, nil, nil
}

// ErrBadToken is a bearer secret that is unknown, revoked or expired.
var ErrBadToken = errors.New("the bearer token is unknown, revoked or expired")

// Authenticate returns the active token whose secret this is, and records its use (at most once a
// minute, so that reading does not become a write per request).
func (d *DB) Authenticate(ctx context.Context, secret string) (*APIToken, error) {
	if !strings.HasPrefix(secret, TokenPrefix) {
		return nil, ErrBadToken
	}
	t, err := queryOne[APIToken](ctx, d.q, "select "+tokenColumns+
		" from api_token t where t.token_hash = $1 and t.revoked_at is null and (t.expires_at is null or t.expires_at > now())",
		hashToken(secret))
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, ErrBadToken
	}
	if t.LastUsedAt == nil || time.Since(*t.LastUsedAt) > time.Minute {
		if _, err := d.q.Exec(ctx, "update api_token set last_used_at = now() where id = $1", t.ID); err != nil {
			return nil, err
		}
	}
	return t, nil
}

type RevokeAPITokenInput struct {
	ID APITokenID
}

// tokenTable: editors own no token.
var tokenTable = &table{name: "api_token", typ: "ApiToken"}

// RevokeAPIToken revokes a token for good; revoking it again changes nothing.
func (d *DB) RevokeAPIToken(ctx context.Context, id APITokenID) (*APIToken, []UserError, error) {
	load := func(ctx context.Context, d *DB, id int64) (*APIToken, error) {
		return queryOne[APIToken](ctx, d.q, "select "+tokenColumns+" from api_token t where t.id = $1", id)
	}
	return update(ctx, d, tokenTable, int64(id), nil, load, func(ctx context.Context, d *DB, t *APIToken) (*APIToken, []UserError, error) {
		if t.RevokedAt != nil {
			return t, nil, nil
		}
		t, err := queryOne[APIToken](ctx, d.q, "update api_token t set revoked_at = now() where id = $1 returning "+tokenColumns, id)
		return t, nil, err
	})
}

// APITokenFilter narrows the list of tokens.
type APITokenFilter struct {
	Role   []Role
	Member *MemberID
	Active *bool
}

// APITokens lists tokens, newest first.
func (d *DB) APITokens(ctx context.Context, page PageArgs, f *APITokenFilter) (*Page[*APIToken], error) {
	s := &listSpec{from: "api_token t", alias: "t", columns: tokenColumns,
		order: orderKey{"CREATED_AT", "t.created_at", "timestamptz"}, desc: true}
	if f != nil {
		s.filter = func(b *builder) {
			if f.Role != nil {
				b.where("t.role = any(%s)", enumStrings(f.Role))
			}
			if f.Member != nil {
				b.where("t.member_id = %s", int64(*f.Member))
			}
			if f.Active != nil {
				b.where("(t.revoked_at is null and (t.expires_at is null or t.expires_at > now())) = %s", *f.Active)
			}
		}
	}
	return rootPage[APIToken](ctx, d, s, page)
}

// AnyAPIToken reports whether a token was ever created: the first `hub serve` of an install creates an
// admin token, later ones do not.
func (d *DB) AnyAPIToken(ctx context.Context) (bool, error) {
	var exists bool
	err := d.q.QueryRow(ctx, "select exists (select 1 from api_token)").Scan(&exists)
	return exists, err
}

// CreateFirstAdminToken creates an admin token if no token was ever created, in one transaction with
// the check, so that two hubs starting together do not both create one. The secret is "" when a token
// existed.
func (d *DB) CreateFirstAdminToken(ctx context.Context) (string, error) {
	// Every start but the first finds a token: no lock needed for that.
	if exists, err := d.AnyAPIToken(ctx); err != nil || exists {
		return "", err
	}
	var secret string
	err := d.InTx(ctx, func(d *DB) error {
		if _, err := d.q.Exec(ctx, "lock table api_token in exclusive mode"); err != nil {
			return err
		}
		exists, err := d.AnyAPIToken(ctx)
		if err != nil || exists {
			return err
		}
		_, s, errs, err := d.CreateAPIToken(ctx, &CreateAPITokenInput{Name: "first admin of this install", Role: RoleAdmin}, nil)
		if err == nil && len(errs) > 0 {
			err = fmt.Errorf("creating the first admin token: %v", errs)
		}
		secret = s
		return err
	})
	return secret, err
}
