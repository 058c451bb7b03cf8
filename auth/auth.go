// Package auth decides who may do what, in one place: who the caller is (bearer API tokens, or OIDC
// tokens from a configured issuer), and the schema directives that check it: @hasRole for roles, @owner
// for a member editor's own content, @private for fields only some callers may read. What a caller may
// read of draft practices is decided here too, and applied by db on every read.
package auth

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/smartcommunities/hub/db"
)

// Principal is the caller of a request.
type Principal struct {
	// Role is empty for anonymous callers.
	Role db.Role
	// Member is an editor's member.
	Member int64
	// Token is the API token the request authenticated with; nil for anonymous and OIDC callers.
	Token *db.APIToken
	// Subject names an OIDC caller (its issuer's subject), for the logs.
	Subject string
}

// Anonymous reports whether the caller sent no credentials.
func (p Principal) Anonymous() bool { return p.Role == "" }

type principalKey struct{}

// WithPrincipal returns a context for a request by p, with the unpublished content p may read: admins
// all of it, editors their own member's drafts and proposals.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	ctx = context.WithValue(ctx, principalKey{}, p)
	var access db.ReadAccess
	switch p.Role {
	case db.RoleAdmin:
		access.All = true
	case db.RoleEditor:
		access.Member = p.Member
	}
	return db.WithReadAccess(ctx, access)
}

// Proposer is the member on whose behalf the caller proposes content (a tool): an editor's member; nil
// for admins, whose content needs no review.
func Proposer(ctx context.Context) *int64 {
	if p := From(ctx); p.Role == db.RoleEditor {
		return &p.Member
	}
	return nil
}

// From returns the caller of the request in ctx: anonymous unless authenticated.
func From(ctx context.Context) Principal {
	p, _ := ctx.Value(principalKey{}).(Principal)
	return p
}

// Errors of authentication: the request is refused before it runs.
var (
	ErrBadCredentials = errors.New("the bearer token is unknown, revoked or expired")
	ErrBadScheme      = errors.New(`the Authorization header must be "Bearer <token>"`)
)

// Authenticator tells who sent a request.
type Authenticator struct {
	DB *db.DB
	// OIDC verifies JWTs from an identity provider; nil when none is configured.
	OIDC *OIDC
}

// Authenticate reads the request's Authorization header. No header: anonymous. A header that does not
// authenticate is an error, never anonymous, so that a client with a broken token learns it.
func (a *Authenticator) Authenticate(r *http.Request) (Principal, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return Principal{}, nil
	}
	scheme, secret, ok := strings.Cut(h, " ")
	secret = strings.TrimSpace(secret)
	if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" {
		return Principal{}, ErrBadScheme
	}
	if !strings.HasPrefix(secret, db.TokenPrefix) && a.OIDC != nil {
		return a.OIDC.Verify(r.Context(), secret)
	}
	t, err := a.DB.Authenticate(r.Context(), secret)
	if errors.Is(err, db.ErrBadToken) {
		return Principal{}, ErrBadCredentials
	}
	if err != nil {
		return Principal{}, err
	}
	p := Principal{Role: t.Role, Token: t}
	if t.MemberID != nil {
		p.Member = *t.MemberID
	}
	return p, nil
}

func refuse(code, message string) error {
	return &gqlerror.Error{Message: message, Extensions: map[string]any{"code": code}}
}

// Allow checks that the caller has at least role.
func Allow(ctx context.Context, role db.Role) error {
	p := From(ctx)
	switch {
	case p.Role.Rank() >= role.Rank():
		return nil
	case p.Anonymous():
		return refuse("UNAUTHENTICATED", "this needs an API token (Authorization: Bearer <token>) of role "+string(role)+" or above")
	}
	return refuse("FORBIDDEN", "this needs the role "+string(role)+" or above; the caller's token has "+string(p.Role))
}

// HasRole is the @hasRole directive.
func HasRole(ctx context.Context, _ any, next graphql.Resolver, role db.Role) (any, error) {
	if err := Allow(ctx, role); err != nil {
		return nil, err
	}
	return next(ctx)
}

// Owned is what a private field's parent tells: the member it belongs to.
type Owned interface{ OwnerMember() int64 }

// Private is the @private directive: the field's value for callers with at least role, or with owner
// for the editors of the member the parent object belongs to; for everyone else, null or an empty list.
func Private(ctx context.Context, obj any, next graphql.Resolver, role db.Role, owner bool) (any, error) {
	p := From(ctx)
	if p.Role.Rank() >= role.Rank() {
		return next(ctx)
	}
	if o, ok := obj.(Owned); ok && owner && p.Role == db.RoleEditor && o.OwnerMember() == p.Member {
		return next(ctx)
	}
	if graphql.GetFieldContext(ctx).Field.Definition.Type.Elem == nil {
		return nil, nil
	}
	// A non-null list masks as empty, which needs its Go type: resolve, then drop the items.
	v, err := next(ctx)
	if err != nil || v == nil {
		return v, err
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice {
		return reflect.MakeSlice(rv.Type(), 0, 0).Interface(), nil
	}
	return nil, nil
}

// Owner is the @owner directive: an editor may only write their own member's content. What it can tell
// from the mutation's input argument it checks here; a mutation it does not know is refused, so a new one
// cannot slip through. Whether the editor's member authors a practice it checks in the write's own
// transaction, on the locked row (db.WithEditor), so that a change of authors cannot come in between.
func Owner(ctx context.Context, obj any, next graphql.Resolver) (any, error) {
	p := From(ctx)
	if p.Role == db.RoleAdmin {
		return next(ctx)
	}
	if p.Role != db.RoleEditor {
		return nil, Allow(ctx, db.RoleEditor)
	}
	own := db.MemberID(p.Member)
	fc := graphql.GetFieldContext(ctx)
	notYours := refuse("FORBIDDEN", "an editor may only change their own member's content")
	switch in := fc.Args["input"].(type) {
	case db.UpdateMemberInput:
		if in.ID != own {
			return nil, notYours
		}
		if in.Status != nil || in.JoinedOn != nil {
			return nil, refuse("FORBIDDEN", "a member's status and joinedOn are set by the network's admins")
		}
	case db.CreateBestPracticeInput:
		if in.Authors == nil {
			// The editor's member authors what they write: arguments are read when the resolver
			// runs, so the default given here is what it gets.
			in.Authors = []db.MemberID{own}
			fc.Args["input"] = in
		} else if !slices.Contains(in.Authors, own) {
			return nil, refuse("FORBIDDEN", "an editor's practice must name their own member among its authors")
		}
	case db.UpdateBestPracticeInput:
		if in.Authors != nil && !slices.Contains(in.Authors, own) {
			return nil, refuse("FORBIDDEN", "an editor may not remove their own member from a practice's authors")
		}
		notYours = refuse("FORBIDDEN", notAuthor)
	case db.DeleteBestPracticeInput:
		notYours = refuse("FORBIDDEN", notAuthor)
	default:
		return nil, refuse("FORBIDDEN", "only admins may do this")
	}
	res, err := next(db.WithEditor(ctx, own))
	if errors.Is(err, db.ErrNotOwner) {
		return nil, notYours
	}
	return res, err
}

const notAuthor = "an editor may only change practices their own member authors"
