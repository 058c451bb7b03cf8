package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/smartcommunities/hub/db"
)

// OIDCConfig is an identity provider whose JWTs the hub accepts (Keycloak, for instance): signed by a key
// of its JWKS, issued by Issuer, for Audience. Roles come from a claim holding a list of role names:
// RolePrefix followed by admin, editor or partner (hub-admin ...); the highest one counts. An editor's
// member is the member whose slug the MemberClaim holds.
type OIDCConfig struct {
	Issuer   string
	Audience string
	// JWKSURL is where the signing keys are; empty: found by OpenID discovery at startup.
	JWKSURL string
	// RolesClaim is a dotted path into the claims, e.g. realm_access.roles (Keycloak's realm roles).
	RolesClaim  string
	RolePrefix  string
	MemberClaim string
}

// OIDC verifies an identity provider's tokens.
type OIDC struct {
	cfg      OIDCConfig
	verifier *oidc.IDTokenVerifier
	db       *db.DB
}

// NewOIDC prepares verification; with no JWKS URL it asks the issuer's discovery document for one.
func NewOIDC(ctx context.Context, cfg OIDCConfig, d *db.DB) (*OIDC, error) {
	if cfg.Audience == "" {
		return nil, errors.New("HUB_OIDC_AUDIENCE (the client ID tokens are issued for) is required with HUB_OIDC_ISSUER")
	}
	if cfg.RolesClaim == "" {
		cfg.RolesClaim = "realm_access.roles"
	}
	if cfg.MemberClaim == "" {
		cfg.MemberClaim = "hub_member"
	}
	if cfg.JWKSURL == "" {
		dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		p, err := oidc.NewProvider(dctx, cfg.Issuer)
		if err != nil {
			return nil, fmt.Errorf("OpenID discovery at %s failed (set HUB_OIDC_JWKS_URL to skip it): %w", cfg.Issuer, err)
		}
		var doc struct {
			JWKSURL string `json:"jwks_uri"`
		}
		if err := p.Claims(&doc); err != nil || doc.JWKSURL == "" {
			return nil, fmt.Errorf("the discovery document of %s names no jwks_uri", cfg.Issuer)
		}
		cfg.JWKSURL = doc.JWKSURL
	}
	// The key set fetches keys when it meets an unknown key id, under this context, for the hub's life.
	keys := oidc.NewRemoteKeySet(context.WithoutCancel(ctx), cfg.JWKSURL)
	v := oidc.NewVerifier(cfg.Issuer, keys, &oidc.Config{ClientID: cfg.Audience})
	return &OIDC{cfg: cfg, verifier: v, db: d}, nil
}

// Verify turns a JWT into a principal. A token without any hub role is refused rather than treated as
// anonymous: its holder meant to sign in.
func (o *OIDC) Verify(ctx context.Context, raw string) (Principal, error) {
	tok, err := o.verifier.Verify(ctx, raw)
	if err != nil {
		slog.DebugContext(ctx, "OIDC token refused", "err", err)
		return Principal{}, ErrBadCredentials
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		return Principal{}, ErrBadCredentials
	}
	p := Principal{Subject: tok.Issuer + "#" + tok.Subject}
	for _, r := range stringsAt(claims, o.cfg.RolesClaim) {
		name, ok := strings.CutPrefix(strings.ToLower(r), strings.ToLower(o.cfg.RolePrefix))
		if !ok {
			continue
		}
		if role := db.Role(strings.ToUpper(name)); role.Rank() > p.Role.Rank() {
			p.Role = role
		}
	}
	if p.Role == "" {
		return Principal{}, fmt.Errorf("%w: the token grants no hub role (claim %s)", ErrBadCredentials, o.cfg.RolesClaim)
	}
	if p.Role == db.RoleEditor {
		slug, _ := claims[o.cfg.MemberClaim].(string)
		m, err := o.db.MemberBySlug(ctx, slug)
		if err != nil {
			return Principal{}, err
		}
		if m == nil {
			return Principal{}, fmt.Errorf("%w: an editor's token must name their member's slug in the claim %s", ErrBadCredentials, o.cfg.MemberClaim)
		}
		p.Member = m.ID
	}
	return p, nil
}

// stringsAt reads the list of strings at a dotted path of the claims.
func stringsAt(claims map[string]any, path string) []string {
	var v any = claims
	for _, part := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[part]
	}
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
