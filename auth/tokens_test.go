package auth_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/smartcommunities/hub/auth"
	"github.com/smartcommunities/hub/config"
	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/hubtest"
)

// rawPost sends a GraphQL request with the given Authorization header and extra headers.
func rawPost(h *hubtest.Hub, t *testing.T, authorization string, headers map[string]string, query string, vars map[string]any) (*http.Response, hubtest.Response) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, h.Server.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r hubtest.Response
	json.NewDecoder(resp.Body).Decode(&r)
	r.Status = resp.StatusCode
	return resp, r
}

// Tokens: shown once and stored as a hash; a token that does not authenticate is a 401, never a quiet
// anonymous request; revocation and expiry take effect at once; use is recorded.
func TestAPITokenLifecycle(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, false)
	admin := h.Admin()
	var created struct {
		M struct {
			Token struct {
				ID, Role   string
				Active     bool
				LastUsedAt *string
			}
			Secret string
		}
	}
	admin.Query(`mutation { m: createApiToken(input: {name: "EDIC dashboard", role: PARTNER}) { token { id role active lastUsedAt } secret } }`, nil, &created)
	secret := created.M.Secret
	if !strings.HasPrefix(secret, db.TokenPrefix) || len(secret) < 40 || created.M.Token.Role != "PARTNER" || !created.M.Token.Active || created.M.Token.LastUsedAt != nil {
		t.Fatalf("created: %+v", created.M)
	}
	// Only the hash is stored.
	ctx := context.Background()
	var stored int
	sum := sha256.Sum256([]byte(secret))
	h.DB().Pool.QueryRow(ctx, "select count(*) from api_token where token_hash = $1 and name = 'EDIC dashboard'", sum[:]).Scan(&stored)
	var leaked bool
	h.DB().Pool.QueryRow(ctx, "select exists (select 1 from api_token t where t::text like '%' || $1 || '%')", secret[len(db.TokenPrefix):]).Scan(&leaked)
	if stored != 1 || leaked {
		t.Errorf("stored by hash: %d, secret in a row: %v", stored, leaked)
	}
	// The token works, and its use is recorded.
	partner := h.As(secret)
	var v struct{ Viewer struct{ Role string } }
	partner.Query(`{ viewer { role } }`, nil, &v)
	if v.Viewer.Role != "PARTNER" {
		t.Fatalf("viewer: %+v", v)
	}
	var list struct {
		APITokens struct {
			Nodes []struct {
				ID         string
				LastUsedAt *string
			}
		}
	}
	admin.Query(`{ apiTokens(filter: {role: [PARTNER]}) { nodes { id lastUsedAt } } }`, nil, &list)
	if len(list.APITokens.Nodes) != 1 || list.APITokens.Nodes[0].LastUsedAt == nil {
		t.Errorf("last use not recorded: %+v", list)
	}

	// Credentials that do not authenticate: 401 with WWW-Authenticate and UNAUTHENTICATED.
	for name, header := range map[string]string{
		"unknown token":  "Bearer " + db.TokenPrefix + strings.Repeat("A", 43),
		"no hub prefix":  "Bearer abc",
		"empty bearer":   "Bearer ",
		"basic scheme":   "Basic dXNlcjpwYXNz",
		"secret alone":   secret,
		"mangled secret": "Bearer " + secret[:len(secret)-1],
	} {
		resp, r := rawPost(h, t, header, nil, `{ viewer { role } }`, nil)
		if resp.StatusCode != http.StatusUnauthorized || !slices.Equal(hubtest.ErrorCodes(r.Errors), []string{"UNAUTHENTICATED"}) ||
			!strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: status %d, codes %v, WWW-Authenticate %q", name, resp.StatusCode, hubtest.ErrorCodes(r.Errors), resp.Header.Get("WWW-Authenticate"))
		}
	}

	// Revoked: refused at once.
	var revoked struct {
		M struct{ Token struct{ Active bool } }
	}
	admin.Query(`mutation($id: ID!) { m: revokeApiToken(input: {id: $id}) { token { active } } }`, map[string]any{"id": created.M.Token.ID}, &revoked)
	if revoked.M.Token.Active {
		t.Error("a revoked token is active")
	}
	if resp, _ := rawPost(h, t, "Bearer "+secret, nil, `{ viewer { role } }`, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked token: %d", resp.StatusCode)
	}

	// Expired: refused once its time has passed.
	soon := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	var expiring struct {
		M struct {
			Token  struct{ ID string }
			Secret string
		}
	}
	admin.Query(`mutation($at: Time!) { m: createApiToken(input: {name: "short", role: ADMIN, expiresAt: $at}) { token { id } secret } }`,
		map[string]any{"at": soon}, &expiring)
	if resp, _ := rawPost(h, t, "Bearer "+expiring.M.Secret, nil, `{ viewer { role } }`, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("an unexpired token: %d", resp.StatusCode)
	}
	id, _ := rowID(expiring.M.Token.ID)
	h.DB().Pool.Exec(ctx, "update api_token set expires_at = now() - interval '1 second' where id = $1", id)
	if resp, _ := rawPost(h, t, "Bearer "+expiring.M.Secret, nil, `{ viewer { role } }`, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("an expired token: %d", resp.StatusCode)
	}

	// Inputs that make no token: userErrors.
	for q, want := range map[string]string{
		`mutation { m: createApiToken(input: {name: "x", role: EDITOR}) { userErrors { field code } } }`:                                   "member",
		`mutation { m: createApiToken(input: {name: "x", role: ADMIN, member: "TWVtYmVyOjE"}) { userErrors { field code } } }`:             "member",
		`mutation { m: createApiToken(input: {name: "x", role: EDITOR, member: "TWVtYmVyOjk5OTk"}) { userErrors { field code } } }`:        "member",
		`mutation { m: createApiToken(input: {name: " ", role: ADMIN}) { userErrors { field code } } }`:                                    "name",
		`mutation { m: createApiToken(input: {name: "x", role: ADMIN, expiresAt: "2020-01-01T00:00:00Z"}) { userErrors { field code } } }`: "expiresAt",
		`mutation { m: createApiToken(input: {name: "x", role: ADMIN, rateLimit: -1}) { userErrors { field code } } }`:                     "rateLimit",
	} {
		var out struct {
			M struct {
				UserErrors []struct {
					Field []string
					Code  string
				}
			}
		}
		admin.Query(q, nil, &out)
		if len(out.M.UserErrors) != 1 || out.M.UserErrors[0].Field[1] != want {
			t.Errorf("%s: %+v", q, out.M.UserErrors)
		}
	}
}

// A token with a rate of its own gets 429 past it; other callers are not held back by it.
func TestPerTokenRateLimit(t *testing.T) {
	t.Parallel()
	h := hubtest.StartWith(t, false, func(c *config.Config) { c.RateLimit = 1000 })
	var out struct {
		M struct{ Secret string }
	}
	h.Admin().Query(`mutation { m: createApiToken(input: {name: "slow", role: PARTNER, rateLimit: 1}) { secret } }`, nil, &out)
	limited := 0
	var retryAfter string
	for range 10 {
		resp, r := rawPost(h, t, "Bearer "+out.M.Secret, nil, `{ viewer { role } }`, nil)
		if resp.StatusCode == http.StatusTooManyRequests {
			limited++
			retryAfter = resp.Header.Get("Retry-After")
			if !slices.Equal(hubtest.ErrorCodes(r.Errors), []string{"RATE_LIMITED"}) {
				t.Errorf("429 with codes %v", hubtest.ErrorCodes(r.Errors))
			}
		}
	}
	// A burst of 3 (twice the rate, plus one), then refused: 7 of 10 at one a second.
	if limited < 6 || retryAfter == "" {
		t.Errorf("%d of 10 rapid requests limited, Retry-After %q: want at least 6, with Retry-After", limited, retryAfter)
	}
	if resp, _ := rawPost(h, t, "", nil, `{ viewer { role } }`, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("an anonymous caller from the same address was limited with the token: %d", resp.StatusCode)
	}
}

// Membership applications are limited per client address; behind a trusted proxy the address is the
// nearest untrusted one in X-Forwarded-For, and from anyone else X-Forwarded-For is ignored.
func TestApplicationsLimitedPerClientAddress(t *testing.T) {
	t.Parallel()
	apply := `mutation($o: String!) { m: applyForMembership(input: {organisation: $o, kind: OTHER, country: "PT",
		motivation: "We share.", contactName: "Ana", contactEmail: "ana@example.org"}) { application { id } } }`
	code := func(h *hubtest.Hub, xff string) string {
		_, r := rawPost(h, t, "", map[string]string{"X-Forwarded-For": xff}, apply, map[string]any{"o": fresh("Applicant")})
		if c := hubtest.ErrorCodes(r.Errors); len(c) > 0 {
			return c[0]
		}
		return "ok"
	}
	proxied := hubtest.StartWith(t, false, func(c *config.Config) {
		c.ApplicationsPerHour = 2
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	got := []string{code(proxied, "203.0.113.7"), code(proxied, "198.51.100.1, 203.0.113.7"), code(proxied, "203.0.113.7"),
		code(proxied, "203.0.113.8"), code(proxied, "203.0.113.7, 127.0.0.1")}
	if want := []string{"ok", "ok", "RATE_LIMITED", "ok", "RATE_LIMITED"}; !slices.Equal(got, want) {
		t.Errorf("behind a trusted proxy: %v, want %v", got, want)
	}
	direct := hubtest.StartWith(t, false, func(c *config.Config) { c.ApplicationsPerHour = 2 })
	got = []string{code(direct, "203.0.113.1"), code(direct, "203.0.113.2"), code(direct, "203.0.113.3")}
	if want := []string{"ok", "ok", "RATE_LIMITED"}; !slices.Equal(got, want) {
		t.Errorf("X-Forwarded-For from an untrusted peer: %v, want %v (the header ignored)", got, want)
	}
}

// An identity provider's JWTs (Keycloak's shape: realm roles in realm_access.roles) map onto roles, and
// an editor's onto the member its hub_member claim names. Tokens that are not the provider's, not for
// the hub, expired or without a hub role get 401.
func TestOIDCTokens(t *testing.T) {
	t.Parallel()
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	stranger, _ := rsa.GenerateKey(rand.Reader, 2048)
	jwks := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}}
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jwks)
	}))
	defer idp.Close()
	issuer := "https://keycloak.example.eu/realms/citiverse"
	h := hubtest.StartWith(t, true, func(c *config.Config) {
		c.OIDC = auth.OIDCConfig{Issuer: issuer, Audience: "smart-communities-hub", JWKSURL: idp.URL, RolePrefix: "hub-"}
	})

	sign := func(k *rsa.PrivateKey, claims map[string]any) string {
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: k}, (&jose.SignerOptions{}).WithHeader("kid", "k1"))
		if err != nil {
			t.Fatal(err)
		}
		base := map[string]any{"iss": issuer, "aud": "smart-communities-hub", "sub": "user-1",
			"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix()}
		for k, v := range claims {
			base[k] = v
		}
		s, err := jwt.Signed(signer).Claims(base).Serialize()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	roles := func(r ...string) map[string]any { return map[string]any{"realm_access": map[string]any{"roles": r}} }
	viewer := func(tok string) (int, string, string) {
		resp, r := rawPost(h, t, "Bearer "+tok, nil, `{ viewer { role member { slug } } }`, nil)
		var v struct {
			Viewer struct {
				Role   string
				Member *struct{ Slug string }
			}
		}
		json.Unmarshal(r.Data, &v)
		slug := ""
		if v.Viewer.Member != nil {
			slug = v.Viewer.Member.Slug
		}
		return resp.StatusCode, v.Viewer.Role, slug
	}
	editor := hubtest.Merge(roles("offline_access", "hub-editor"), map[string]any{"hub_member": "vng"})
	for _, c := range []struct {
		name       string
		token      string
		status     int
		role, slug string
	}{
		{"admin", sign(key, roles("hub-admin", "hub-partner")), 200, "ADMIN", ""},
		{"partner", sign(key, roles("hub-partner")), 200, "PARTNER", ""},
		{"editor of vng", sign(key, editor), 200, "EDITOR", "vng"},
		{"editor of no member", sign(key, roles("hub-editor")), 401, "", ""},
		{"no hub role", sign(key, roles("offline_access")), 401, "", ""},
		{"another audience", sign(key, hubtest.Merge(roles("hub-admin"), map[string]any{"aud": "other-app"})), 401, "", ""},
		{"another issuer", sign(key, hubtest.Merge(roles("hub-admin"), map[string]any{"iss": "https://evil.example"})), 401, "", ""},
		{"expired", sign(key, hubtest.Merge(roles("hub-admin"), map[string]any{"exp": time.Now().Add(-time.Hour).Unix()})), 401, "", ""},
		{"signed by another key", sign(stranger, roles("hub-admin")), 401, "", ""},
	} {
		status, role, slug := viewer(c.token)
		if status != c.status || role != c.role || slug != c.slug {
			t.Errorf("%s: %d %q %q, want %d %q %q", c.name, status, role, slug, c.status, c.role, c.slug)
		}
	}
	// The editor's rights follow: they update their own member, not another.
	tok := sign(key, editor)
	_, own := rawPost(h, t, "Bearer "+tok, nil, `mutation { updateMember(input: {id: "`+memberID(t, h, "vng")+`", description: "Via Keycloak"}) { userErrors { code } } }`, nil)
	_, other := rawPost(h, t, "Bearer "+tok, nil, `mutation { updateMember(input: {id: "`+memberID(t, h, "kl-denmark")+`", description: "Via Keycloak"}) { userErrors { code } } }`, nil)
	if len(own.Errors) > 0 || !slices.Equal(hubtest.ErrorCodes(other.Errors), []string{"FORBIDDEN"}) {
		t.Errorf("OIDC editor: own %v, other %v", own.Errors, hubtest.ErrorCodes(other.Errors))
	}
}

func memberID(t *testing.T, h *hubtest.Hub, slug string) string {
	m, err := h.DB().MemberBySlug(context.Background(), slug)
	if err != nil || m == nil {
		t.Fatalf("member %s: %v", slug, err)
	}
	return db.GlobalID("Member", m.ID)
}
