package config

import (
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

func env(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// errs splits what Load returned into its errors.
func errs(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

type accepted struct {
	value string
	want  any
}

// The cases cover every variable: what some values become, and values refused. Refused values are
// single items, so that the error quotes them whole.
var cases = []struct {
	name  string
	field func(Config) any
	good  []accepted
	bad   []string
}{
	{"HUB_ADDR", func(c Config) any { return c.Addr },
		[]accepted{{":9000", ":9000"}, {"0.0.0.0:80", "0.0.0.0:80"}, {"[::1]:8080", "[::1]:8080"}},
		[]string{"8080", "localhost", "localhost:http", "localhost:70000", "localhost:", "a:b:c"}},
	{"DATABASE_URL", func(c Config) any { return c.DatabaseURL },
		[]accepted{{"postgres://hub:secret@db.example.org:5432/hub?sslmode=disable", "postgres://hub:secret@db.example.org:5432/hub?sslmode=disable"},
			{"host=/tmp dbname=hub", "host=/tmp dbname=hub"}},
		[]string{"postgres://hub:s3cr3t@db:99999/hub", "postgres://hub:s3cr3t@db/hub?sslmode=sometimes", "host=db password=s3cr3t connect_timeout=soon"}},
	{"DATABASE_REPLICA_URLS", func(c Config) any { return c.ReplicaURLs },
		[]accepted{{"postgres://hub@replica1:5432/hub, host=/tmp/r2 dbname=hub,", []string{"postgres://hub@replica1:5432/hub", "host=/tmp/r2 dbname=hub"}}},
		[]string{"postgres://hub:s3cr3t@replica:99999/hub"}},
	{"HUB_REPLICA_MAX_LAG", func(c Config) any { return c.ReplicaMaxLag },
		[]accepted{{"250ms", 250 * time.Millisecond}, {"5s", 5 * time.Second}}, []string{"1", "0s", "-1s", "fast"}},
	{"HUB_REDIS_URL", func(c Config) any { return c.RedisURL },
		[]accepted{{"redis://localhost:6379/0", "redis://localhost:6379/0"}, {"rediss://:pw@cache.example.org:6380", "rediss://:pw@cache.example.org:6380"}},
		[]string{"redis://:s3cr3t@localhost:6379/x", "http://s3cr3t@localhost:6379"}},
	{"HUB_DATA_DIR", func(c Config) any { return c.DataDir },
		[]accepted{{"/var/lib/hub", "/var/lib/hub"}}, []string{" ", "\t"}},
	{"HUB_CORS_ORIGINS", func(c Config) any { return c.CORSOrigins },
		[]accepted{{"https://a.example.org, http://localhost:3000,,", []string{"https://a.example.org", "http://localhost:3000"}},
			{"*", []string{"*"}}, {" , ", []string(nil)}},
		[]string{"https://a.example.org/", "a.example.org", "ftp://a.example.org", "https://a.example.org/app",
			"https://u@a.example.org", "https://a.example.org?x", "https://a.example.org#x", "https://a.example.org:99999", "https://a.example.org:"}},
	{"HUB_MAX_BODY_BYTES", func(c Config) any { return c.MaxBodyBytes },
		[]accepted{{"1024", int64(1024)}, {"1073741824", int64(1 << 30)}},
		[]string{"1MB", "1e6", "1023", "0", "-1", "1073741825", "99999999999999999999"}},
	{"HUB_INTROSPECTION", func(c Config) any { return c.Introspection },
		[]accepted{{"false", false}, {"FALSE", false}, {"0", false}, {"no", false}, {"Off", false},
			{"true", true}, {"1", true}, {"YES", true}, {"on", true}},
		[]string{"maybe", "2", "t", "disabled"}},
	{"HUB_REQUEST_TIMEOUT", func(c Config) any { return c.RequestTimeout },
		[]accepted{{"30s", 30 * time.Second}, {"1m30s", 90 * time.Second}, {"10m", 10 * time.Minute}, {"250ms", 250 * time.Millisecond}},
		[]string{"30", "15 s", "0s", "-1s", "11m", "1h"}},
	{"HUB_RATE_LIMIT", func(c Config) any { return c.RateLimit },
		[]accepted{{"0", 0.0}, {"2.5", 2.5}, {"1000", 1000.0}},
		[]string{"abc", "-1", "NaN", "Inf", "50/s"}},
	{"HUB_TOKEN_RATE_LIMIT", func(c Config) any { return c.TokenRateLimit },
		[]accepted{{"0", 0.0}, {"250", 250.0}}, []string{"lots", "-0.5", "+Inf"}},
	{"HUB_APPLICATIONS_PER_HOUR", func(c Config) any { return c.ApplicationsPerHour },
		[]accepted{{"0", 0}, {"20", 20}}, []string{"5.5", "-1", "five"}},
	{"HUB_TRUSTED_PROXIES", func(c Config) any { return c.TrustedProxies },
		[]accepted{{"10.0.0.1, 192.168.1.7/16,fd00::1,,", []netip.Prefix{netip.MustParsePrefix("10.0.0.1/32"),
			netip.MustParsePrefix("192.168.0.0/16"), netip.MustParsePrefix("fd00::1/128")}},
			{"::ffff:10.0.0.0/104", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}},
		[]string{"10.0.0.300", "10.0.0.0/33", "proxy.example.org"}},
	{"HUB_OIDC_ISSUER", func(c Config) any { return c.OIDC.Issuer },
		[]accepted{{"https://login.example.org/realms/hub", "https://login.example.org/realms/hub"}, {"http://localhost:8081/realms/hub", "http://localhost:8081/realms/hub"}},
		[]string{"login.example.org/realms/hub", "ftp://login.example.org", "https://", "https://exa mple.org"}},
	{"HUB_OIDC_AUDIENCE", func(c Config) any { return c.OIDC.Audience },
		[]accepted{{"smart-communities-hub", "smart-communities-hub"}}, nil},
	{"HUB_OIDC_JWKS_URL", func(c Config) any { return c.OIDC.JWKSURL },
		[]accepted{{"https://login.example.org/certs", "https://login.example.org/certs"}},
		[]string{"/certs", "file:///etc/keys.json"}},
	{"HUB_OIDC_ROLES_CLAIM", func(c Config) any { return c.OIDC.RolesClaim },
		[]accepted{{"roles", "roles"}, {"resource_access.hub.roles", "resource_access.hub.roles"}},
		[]string{"realm_access..roles", ".roles", "roles."}},
	{"HUB_OIDC_ROLE_PREFIX", func(c Config) any { return c.OIDC.RolePrefix },
		[]accepted{{"", ""}, {"smartcom_", "smartcom_"}}, nil},
	{"HUB_OIDC_MEMBER_CLAIM", func(c Config) any { return c.OIDC.MemberClaim },
		[]accepted{{"member_slug", "member_slug"}}, nil},
	{"HUB_EXPORT_CONCURRENCY", func(c Config) any { return c.ExportConcurrency },
		[]accepted{{"1", 1}, {"64", 64}}, []string{"0", "65", "two"}},
	{"HUB_OPERATIONS_PER_CORE", func(c Config) any { return c.OperationsPerCore },
		[]accepted{{"0", 0}, {"1000", 1000}}, []string{"-1", "1001", "two"}},
	{"HUB_RESPONSE_CACHE_BYTES", func(c Config) any { return c.ResponseCacheBytes },
		[]accepted{{"0", int64(0)}, {"1048576", int64(1 << 20)}}, []string{"-1", "64MB", "lots"}},
	{"HUB_MAX_DEPTH", func(c Config) any { return c.MaxDepth },
		[]accepted{{"1", 1}, {"100", 100}}, []string{"0", "101", "deep"}},
	{"HUB_MAX_COST", func(c Config) any { return c.MaxCost },
		[]accepted{{"1", 1}, {"1000000", 1000000}}, []string{"0", "-5", "15k"}},
	{"HUB_LOG_LEVEL", func(c Config) any { return c.LogLevel },
		[]accepted{{"debug", slog.LevelDebug}, {"INFO", slog.LevelInfo}, {"warn", slog.LevelWarn},
			{"Warning", slog.LevelWarn}, {"error", slog.LevelError}},
		[]string{"verbose", "trace", "-4"}},
	{"HUB_WS_MAX_SUBSCRIPTIONS", func(c Config) any { return c.WSMaxSubscriptions },
		[]accepted{{"1", 1}, {"1000", 1000}}, []string{"0", "1001", "many"}},
	{"HUB_WS_MAX_CONNECTIONS", func(c Config) any { return c.WSMaxConnections },
		[]accepted{{"1", 1}, {"10000", 10000}}, []string{"0", "10001", "-1"}},
	{"HUB_WS_PING_INTERVAL", func(c Config) any { return c.WSPingInterval },
		[]accepted{{"10s", 10 * time.Second}}, []string{"10", "0s", "11m"}},
	{"HUB_WEBHOOK_ALLOW_PRIVATE", func(c Config) any { return c.Webhooks.AllowPrivate },
		[]accepted{{"true", true}, {"off", false}}, []string{"sometimes"}},
	{"HUB_WEBHOOK_TIMEOUT", func(c Config) any { return c.Webhooks.Timeout },
		[]accepted{{"2s", 2 * time.Second}}, []string{"2", "0s"}},
	{"HUB_WEBHOOK_RETRY_BASE", func(c Config) any { return c.Webhooks.RetryBase },
		[]accepted{{"100ms", 100 * time.Millisecond}}, []string{"fast", "-1s"}},
	{"HUB_WEBHOOK_RETRY_MAX", func(c Config) any { return c.Webhooks.RetryMax },
		[]accepted{{"1h", time.Hour}, {"168h", 168 * time.Hour}}, []string{"day", "169h", "0s"}},
}

func TestEveryVariable(t *testing.T) {
	covered := map[string]bool{}
	for _, tc := range cases {
		covered[tc.name] = true
		for _, a := range tc.good {
			lookup := env(tc.name, a.value)
			if tc.name == "HUB_OIDC_ISSUER" {
				lookup = env(tc.name, a.value, "HUB_OIDC_AUDIENCE", "hub")
			}
			c, err := Load(lookup)
			if err != nil {
				t.Errorf("%s=%q: %v", tc.name, a.value, err)
			} else if got := tc.field(c); !reflect.DeepEqual(got, a.want) {
				t.Errorf("%s=%q: got %#v, want %#v", tc.name, a.value, got, a.want)
			}
		}
		for _, v := range tc.bad {
			c, err := Load(env(tc.name, v, "HUB_OIDC_AUDIENCE", "hub"))
			if len(errs(err)) != 1 {
				t.Errorf("%s=%q: want one error, got %v", tc.name, v, err)
				continue
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, tc.name+": ") {
				t.Errorf("%s=%q: the error does not begin with the variable: %s", tc.name, v, msg)
			}
			if tc.name == "DATABASE_URL" || tc.name == "DATABASE_REPLICA_URLS" || tc.name == "HUB_REDIS_URL" {
				// The value is never shown, for it may hold a password.
				if strings.Contains(msg, v) || strings.Contains(msg, "s3cr3t") {
					t.Errorf("%s=%q: the error shows the value: %s", tc.name, v, msg)
				}
			} else if !strings.Contains(msg, fmt.Sprintf("%q", v)) {
				t.Errorf("%s=%q: the error does not quote the value: %s", tc.name, v, msg)
			}
			if !reflect.DeepEqual(c, Config{}) {
				t.Errorf("%s=%q: a refused configuration came back with values: %+v", tc.name, v, c)
			}
		}
	}
	for _, v := range Variables {
		if !covered[v.Name] {
			t.Errorf("no case for %s", v.Name)
		}
	}
}

func TestDefault(t *testing.T) {
	c, err := Load(env())
	if err != nil || !reflect.DeepEqual(c, Default()) {
		t.Fatalf("Load of no variable: %+v, %v; Default: %+v", c, err, Default())
	}
	want := Config{Addr: "localhost:8080", DataDir: ".data", MaxBodyBytes: 1 << 20, RequestTimeout: 15 * time.Second,
		RateLimit: 50, TokenRateLimit: 100, ApplicationsPerHour: 5, ExportConcurrency: 2, OperationsPerCore: 2, MaxDepth: 12, MaxCost: 15000,
		Introspection: true, LogLevel: slog.LevelInfo, ResponseCacheBytes: 64 << 20, WSMaxSubscriptions: 20, WSMaxConnections: 10, WSPingInterval: 25 * time.Second, ReplicaMaxLag: time.Second,
		Webhooks: WebhookConfig{Timeout: 10 * time.Second, RetryBase: 5 * time.Second, RetryMax: 24 * time.Hour}}
	want.OIDC.RolesClaim, want.OIDC.RolePrefix, want.OIDC.MemberClaim = "realm_access.roles", "hub-", "hub_member"
	if !reflect.DeepEqual(Default(), want) {
		t.Errorf("Default() = %+v, want %+v", Default(), want)
	}
	// Every variable set to its documented default, or to the empty string, changes nothing.
	var documented, empty []string
	for _, v := range Variables {
		documented = append(documented, v.Name, v.Default)
		if v.Name != rolePrefix {
			empty = append(empty, v.Name, "")
		}
	}
	for _, kv := range [][]string{documented, empty} {
		if c, err := Load(env(kv...)); err != nil || !reflect.DeepEqual(c, want) {
			t.Errorf("Load(%q) = %+v, %v", kv, c, err)
		}
	}
	if c, _ := Load(env(rolePrefix, "")); c.OIDC.RolePrefix != "" {
		t.Errorf("an empty %s gave the prefix %q", rolePrefix, c.OIDC.RolePrefix)
	}
}

func TestMessages(t *testing.T) {
	for _, tc := range []struct{ name, value, want string }{
		{"HUB_REQUEST_TIMEOUT", "30", `HUB_REQUEST_TIMEOUT: "30" is not a duration; write it like 30s`},
		{"HUB_RATE_LIMIT", "abc", `HUB_RATE_LIMIT: "abc" is not a number; write it like 50 (requests a second, 0 for no limit)`},
		{"HUB_INTROSPECTION", "maybe", `HUB_INTROSPECTION: "maybe" is not a boolean; write true or false`},
		{"HUB_LOG_LEVEL", "verbose", `HUB_LOG_LEVEL: "verbose" is not a level; write debug, info, warn or error`},
		{"HUB_MAX_DEPTH", "0", `HUB_MAX_DEPTH: "0" is out of range; write a whole number from 1 to 100`},
		{"HUB_MAX_COST", "0", `HUB_MAX_COST: "0" is out of range; write a whole number of 1 or more`},
		{"HUB_OIDC_AUDIENCE", "", `HUB_OIDC_AUDIENCE: unset, but HUB_OIDC_ISSUER is set; write the client ID the issuer's tokens are for`},
	} {
		lookup := env(tc.name, tc.value)
		if tc.name == "HUB_OIDC_AUDIENCE" {
			lookup = env("HUB_OIDC_ISSUER", "https://login.example.org/realms/hub")
		}
		if _, err := Load(lookup); err == nil || err.Error() != tc.want {
			t.Errorf("%s=%q:\n got %v\nwant %s", tc.name, tc.value, err, tc.want)
		}
	}
}

func TestSeveralErrorsAtOnce(t *testing.T) {
	_, err := Load(env("HUB_LOG_LEVEL", "loud", "HUB_ADDR", "nowhere", "HUB_RATE_LIMIT", "-1",
		"HUB_OIDC_ISSUER", "https://login.example.org", "HUB_CORS_ORIGINS", "https://ok.example.org,https://bad.example.org/"))
	var got []string
	for _, e := range errs(err) {
		got = append(got, strings.SplitN(e.Error(), ":", 2)[0])
	}
	// The order of Variables, then the errors between variables.
	want := []string{"HUB_ADDR", "HUB_CORS_ORIGINS", "HUB_RATE_LIMIT", "HUB_LOG_LEVEL", "HUB_OIDC_AUDIENCE"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("errors for %v, want %v:\n%v", got, want, err)
	}
	if !strings.Contains(err.Error(), `"https://bad.example.org/"`) {
		t.Errorf("the bad origin is not named: %v", err)
	}
}

func TestLongValueIsCut(t *testing.T) {
	_, err := Load(env("HUB_MAX_COST", strings.Repeat("9x", 300)))
	q := regexp.MustCompile(`"[^"]*"`).FindString(err.Error())
	if n := len([]rune(q)) - 2; n > 100 || n < 90 {
		t.Errorf("the value is quoted with %d characters: %s", n, err)
	}
}

func TestDatabaseURLReason(t *testing.T) {
	_, err := Load(env("DATABASE_URL", "postgres://hub:s3cr3t@db:99999/hub"))
	if err == nil || !strings.Contains(err.Error(), "(invalid port)") || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("want pgx's reason without the password, got %v", err)
	}
	// An URL that does not parse as one: Go's message would quote it whole, password and all.
	_, err = Load(env("DATABASE_URL", "postgres://hub:s3cr3t@db:5432/hub%zz"))
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("want an error without the password, got %v", err)
	}
}

// TestReadmeTable fails when the README documents a variable that Load does not read.
func TestReadmeTable(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Commands and configuration\n")
	if !ok {
		t.Fatal(`README.md has no section "Commands and configuration"`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	known := map[string]bool{}
	for _, v := range Variables {
		known[v.Name] = true
	}
	var found int
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| ") {
			continue
		}
		for _, m := range regexp.MustCompile("`(HUB_[A-Z_]+)`").FindAllStringSubmatch(line, -1) {
			found++
			if !known[m[1]] {
				t.Errorf("README.md documents %s, which Variables lacks", m[1])
			}
		}
	}
	if found < 20 {
		t.Errorf("only %d variables found in the README's table: has its form changed?", found)
	}
}

func TestVariablesDocumented(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range Variables {
		if seen[v.Name] || v.Meaning == "" {
			t.Errorf("%s: listed twice, or without a meaning", v.Name)
		}
		seen[v.Name] = true
	}
	if len(Variables) != len(settings) {
		t.Errorf("Variables has %d entries, settings %d", len(Variables), len(settings))
	}
}
