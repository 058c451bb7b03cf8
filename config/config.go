// Package config reads the hub's settings from the environment. A value that does not parse is refused,
// never replaced by its default: an operator who wrote HUB_REQUEST_TIMEOUT=30 meant something, and
// serving with 15 s instead hides the mistake until it matters.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/redis/go-redis/v9"

	"github.com/smartcommunities/hub/auth"
)

// Config is the hub's configuration. Every field holds its effective value, so that no user of it needs
// to know a default.
type Config struct {
	Addr                string          // HUB_ADDR
	DatabaseURL         string          // DATABASE_URL; empty: a private cluster under DataDir
	DataDir             string          // HUB_DATA_DIR
	CORSOrigins         []string        // HUB_CORS_ORIGINS; nil: any origin, without credentials
	MaxBodyBytes        int64           // HUB_MAX_BODY_BYTES
	RequestTimeout      time.Duration   // HUB_REQUEST_TIMEOUT
	RateLimit           float64         // HUB_RATE_LIMIT, requests a second per address; 0: none
	TokenRateLimit      float64         // HUB_TOKEN_RATE_LIMIT; 0: only the tokens' own limits
	ApplicationsPerHour int             // HUB_APPLICATIONS_PER_HOUR; 0: no limit
	ExportConcurrency   int             // HUB_EXPORT_CONCURRENCY
	OperationsPerCore   int             // HUB_OPERATIONS_PER_CORE; 0: no limit
	MaxDepth            int             // HUB_MAX_DEPTH
	MaxCost             int             // HUB_MAX_COST
	TrustedProxies      []netip.Prefix  // HUB_TRUSTED_PROXIES, masked
	OIDC                auth.OIDCConfig // HUB_OIDC_*
	Introspection       bool            // HUB_INTROSPECTION
	LogLevel            slog.Level      // HUB_LOG_LEVEL
	ResponseCacheBytes  int64           // HUB_RESPONSE_CACHE_BYTES; 0: no response cache
	ReplicaURLs         []string        // DATABASE_REPLICA_URLS; nil: every read on DATABASE_URL
	ReplicaMaxLag       time.Duration   // HUB_REPLICA_MAX_LAG
	RedisURL            string          // HUB_REDIS_URL; empty: limits per process
	// Subscriptions over WebSocket.
	WSMaxSubscriptions int           // HUB_WS_MAX_SUBSCRIPTIONS, per connection
	WSMaxConnections   int           // HUB_WS_MAX_CONNECTIONS, per client address
	WSPingInterval     time.Duration // HUB_WS_PING_INTERVAL
	Webhooks           WebhookConfig // HUB_WEBHOOK_*
}

// WebhookConfig is how webhooks are sent (package webhooks).
type WebhookConfig struct {
	AllowPrivate bool          // HUB_WEBHOOK_ALLOW_PRIVATE
	Timeout      time.Duration // HUB_WEBHOOK_TIMEOUT
	RetryBase    time.Duration // HUB_WEBHOOK_RETRY_BASE
	RetryMax     time.Duration // HUB_WEBHOOK_RETRY_MAX
}

// Variable is one environment variable as `hub --help` and the docs show it.
type Variable struct{ Name, Default, Meaning string }

// Variables lists every variable Load reads, in the order of the README's table. Its defaults are the
// only ones: Default parses them, so the help text cannot drift from what the hub does.
var Variables = func() []Variable {
	vs := make([]Variable, len(settings))
	for i, s := range settings {
		vs[i] = s.Variable
	}
	return vs
}()

// rolePrefix is the one variable whose empty value means something (no prefix) rather than unset.
const rolePrefix = "HUB_OIDC_ROLE_PREFIX"

type setting struct {
	Variable
	set func(c *Config, v string) error // v is empty only for rolePrefix
}

// to stores what parse makes of a value in the field of c that field picks.
func to[T any](field func(*Config) *T, parse func(string) (T, error)) func(*Config, string) error {
	return func(c *Config, v string) error {
		x, err := parse(v)
		if err == nil {
			*field(c) = x
		}
		return err
	}
}

// The comments give the reasons for the defaults.
var settings = []setting{
	{Variable{"HUB_ADDR", "localhost:8080", "where to listen, host:port (:8080 listens on every interface)"},
		to(func(c *Config) *string { return &c.Addr }, addr)},
	{Variable{"DATABASE_URL", "", "a PostgreSQL connection string; unset: a private PostgreSQL cluster under HUB_DATA_DIR/postgres"},
		to(func(c *Config) *string { return &c.DatabaseURL }, databaseURL)},
	{Variable{"DATABASE_REPLICA_URLS", "", "comma-separated connection strings of streaming replicas of DATABASE_URL; GraphQL queries read from a healthy one"},
		to(func(c *Config) *[]string { return &c.ReplicaURLs }, list(databaseURL))},
	// A person who saves and reloads waits about a second; read-your-writes covers the writer anyway.
	{Variable{"HUB_REPLICA_MAX_LAG", "1s", "a replica further behind the primary is skipped until it catches up"},
		to(func(c *Config) *time.Duration { return &c.ReplicaMaxLag }, duration)},
	{Variable{"HUB_REDIS_URL", "", "a Redis (redis://host:6379/0) through which the hubs share their rate limits; unset: each hub limits alone"},
		to(func(c *Config) *string { return &c.RedisURL }, redisURL)},
	{Variable{"HUB_DATA_DIR", ".data", "holds the private cluster ($HUB_DATA_DIR/postgres) and the search index ($HUB_DATA_DIR/index); one hub process per directory"},
		to(func(c *Config) *string { return &c.DataDir }, dataDir)},
	{Variable{"HUB_CORS_ORIGINS", "", "comma-separated origins that may call the API from browsers, with credentials (a * is ignored); unset: any origin, without credentials"},
		to(func(c *Config) *[]string { return &c.CORSOrigins }, list(origin))},
	// A mebibyte fits any real query with its variables; a larger body is refused before it is decoded.
	{Variable{"HUB_MAX_BODY_BYTES", "1048576", "larger request bodies are refused with 413 before they are read further (1024 to 1073741824)"},
		to(func(c *Config) *int64 { return &c.MaxBodyBytes }, whole[int64](1024, 1<<30, "1048576 (bytes)"))},
	// On, for GraphiQL and code generators.
	{Variable{"HUB_INTROSPECTION", "true", "false refuses __schema and __type queries"},
		to(func(c *Config) *bool { return &c.Introspection }, word(map[string]bool{"true": true, "1": true, "yes": true,
			"on": true, "false": false, "0": false, "no": false, "off": false}, "a boolean; write true or false"))},
	// Far above any query of the demo or synthetic data (docs/benchmarks.md); a request running for 10
	// minutes is surely stuck, and holds a connection all the while.
	{Variable{"HUB_REQUEST_TIMEOUT", "15s", "a GraphQL request running longer is cut short (TIMEOUT), its SQL cancelled; at most 10m"},
		to(func(c *Config) *time.Duration { return &c.RequestTimeout }, duration)},
	// Generous for a browser or a dashboard, and stops a single client from flooding the hub; load tests
	// from one machine need 0.
	{Variable{"HUB_RATE_LIMIT", "50", "requests a second per client address to /graphql, in bursts of twice as many; 0 turns it off"},
		to(func(c *Config) *float64 { return &c.RateLimit }, number("50 (requests a second, 0 for no limit)"))},
	// Lets a dashboard refresh many panels at once; a token may have a limit of its own.
	{Variable{"HUB_TOKEN_RATE_LIMIT", "100", "requests a second per API token or OIDC subject, unless the token has its own; 0: only the tokens' own limits"},
		to(func(c *Config) *float64 { return &c.TokenRateLimit }, number("100 (requests a second, 0 for only the tokens' own limits)"))},
	// Plenty for an organisation that mistyped, and slows down spam.
	{Variable{"HUB_APPLICATIONS_PER_HOUR", "5", "membership applications per client address an hour; 0 turns the limit off"},
		to(func(c *Config) *int { return &c.ApplicationsPerHour }, whole(0, noMax, "5 (applications an hour, 0 for no limit)"))},
	{Variable{"HUB_TRUSTED_PROXIES", "", "comma-separated addresses or CIDRs of reverse proxies, whose X-Forwarded-For is believed"},
		to(func(c *Config) *[]netip.Prefix { return &c.TrustedProxies }, list(proxy))},
	{Variable{"HUB_OIDC_ISSUER", "", "accept JWTs of this issuer (an http(s) URL) besides API tokens; needs HUB_OIDC_AUDIENCE"},
		to(func(c *Config) *string { return &c.OIDC.Issuer }, httpURL("https://login.example.org/realms/hub"))},
	{Variable{"HUB_OIDC_AUDIENCE", "", "the audience (client ID) the issuer's tokens must be for"},
		to(func(c *Config) *string { return &c.OIDC.Audience }, anything)},
	{Variable{"HUB_OIDC_JWKS_URL", "", "where the issuer's keys are; unset: found by OpenID discovery at startup"},
		to(func(c *Config) *string { return &c.OIDC.JWKSURL }, httpURL("https://login.example.org/realms/hub/protocol/openid-connect/certs"))},
	// Keycloak's realm roles.
	{Variable{"HUB_OIDC_ROLES_CLAIM", "realm_access.roles", "the dotted path of the claim listing the caller's roles"},
		to(func(c *Config) *string { return &c.OIDC.RolesClaim }, claimPath)},
	{Variable{rolePrefix, "hub-", "a role counts when it is this prefix followed by admin, editor or partner; set it empty for no prefix"},
		to(func(c *Config) *string { return &c.OIDC.RolePrefix }, anything)},
	{Variable{"HUB_OIDC_MEMBER_CLAIM", "hub_member", "the claim holding an editor's member slug"},
		to(func(c *Config) *string { return &c.OIDC.MemberClaim }, anything)},
	// Two keep exports, each many pages of a list, from crowding out the API on a small machine.
	{Variable{"HUB_EXPORT_CONCURRENCY", "2", "CSV exports running at once (1 to 64); one more gets 429 with Retry-After"},
		to(func(c *Config) *int { return &c.ExportConcurrency }, whole(1, 64, "2"))},
	// Two per core keep the cores busy while an operation waits on PostgreSQL, and no more: operations
	// that share the cores all finish late together (docs/benchmarks.md, "operations in turn").
	{Variable{"HUB_OPERATIONS_PER_CORE", "2", "GraphQL operations over HTTP running at once, per CPU core; one more waits its turn, in order of arrival, for up to a second, then runs anyway; 0: no limit (0 to 1000)"},
		to(func(c *Config) *int { return &c.OperationsPerCore }, whole(0, 1000, "2"))},
	// A dashboard's answers are a few kilobytes each: 64 MiB holds thousands, a small part of a replica's
	// memory.
	{Variable{"HUB_RESPONSE_CACHE_BYTES", "67108864", "memory for answers to queries, reused until the data changes (least recently used first out); 0 turns the cache off"},
		to(func(c *Config) *int64 { return &c.ResponseCacheBytes }, whole[int64](0, 1<<40, "67108864 (bytes, 0 for no cache)"))},
	// Deep enough for any query of the schema's own shape.
	{Variable{"HUB_MAX_DEPTH", "12", "deeper operations are refused (QUERY_TOO_DEEP), introspection fields not counted (1 to 100)"},
		to(func(c *Config) *int { return &c.MaxDepth }, whole(1, 100, "12"))},
	// Enough for a dashboard of 100 items with a nested page of 20 each (about 8,000), too much for
	// 10,000 aliases of the cheapest list (20,000).
	{Variable{"HUB_MAX_COST", "15000", "costlier operations are refused (COMPLEXITY_LIMIT_EXCEEDED); each response reports its cost"},
		to(func(c *Config) *int { return &c.MaxCost }, whole(1, noMax, "15000"))},
	{Variable{"HUB_LOG_LEVEL", "info", "debug, info, warn or error; debug also logs every request with its duration and SQL statement count"},
		to(func(c *Config) *slog.Level { return &c.LogLevel }, word(map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo,
			"warn": slog.LevelWarn, "warning": slog.LevelWarn, "error": slog.LevelError}, "a level; write debug, info, warn or error"))},
	// A page subscribes to a few feeds; dozens on one connection is a client that forgot to unsubscribe.
	{Variable{"HUB_WS_MAX_SUBSCRIPTIONS", "20", "subscriptions one WebSocket connection may hold at once (1 to 1000); more are refused with an error"},
		to(func(c *Config) *int { return &c.WSMaxSubscriptions }, whole(1, 1000, "20"))},
	// A few browser tabs behind one address; each connection holds a goroutine and a socket.
	{Variable{"HUB_WS_MAX_CONNECTIONS", "10", "WebSocket connections per client address (1 to 10000); one more is closed with code 4429"},
		to(func(c *Config) *int { return &c.WSMaxConnections }, whole(1, 10000, "10"))},
	// Below the idle timeouts of common proxies (60 s); a client that misses two pings is dropped.
	{Variable{"HUB_WS_PING_INTERVAL", "25s", "how often the hub pings a WebSocket client; one that does not answer within two intervals is dropped (at most 10m)"},
		to(func(c *Config) *time.Duration { return &c.WSPingInterval }, duration)},
	// Off: an endpoint on the hub's own networks would let any partner probe them.
	{Variable{"HUB_WEBHOOK_ALLOW_PRIVATE", "false", "true lets webhook endpoints be on loopback, private or link-local addresses (for tests and closed networks)"},
		to(func(c *Config) *bool { return &c.Webhooks.AllowPrivate }, word(map[string]bool{"true": true, "1": true, "yes": true,
			"on": true, "false": false, "0": false, "no": false, "off": false}, "a boolean; write true or false"))},
	{Variable{"HUB_WEBHOOK_TIMEOUT", "10s", "one webhook attempt, from connecting to the answer's status; a slower endpoint counts as failed (at most 10m)"},
		to(func(c *Config) *time.Duration { return &c.Webhooks.Timeout }, duration)},
	// From seconds to a day: 5 s doubled 14 times is 23 hours, so 15 attempts over about two days.
	{Variable{"HUB_WEBHOOK_RETRY_BASE", "5s", "the wait after a delivery's first failure, doubled after each further one (at most 10m)"},
		to(func(c *Config) *time.Duration { return &c.Webhooks.RetryBase }, duration)},
	{Variable{"HUB_WEBHOOK_RETRY_MAX", "24h", "a delivery whose next wait would be longer is marked FAILED and its endpoint disabled"},
		to(func(c *Config) *time.Duration { return &c.Webhooks.RetryMax }, longDuration)},
}

// Default is the configuration with no variable set.
func Default() Config {
	var c Config
	for _, s := range settings {
		if s.Default != "" || s.Name == rolePrefix {
			if err := s.set(&c, s.Default); err != nil {
				panic("config: the default of " + s.Name + " is refused: " + err.Error())
			}
		}
	}
	return c
}

// Load reads the configuration through lookup. An empty variable counts as unset, because shells and
// compose files make `X=` the easy way to clear one; HUB_OIDC_ROLE_PREFIX is the exception, as empty is a
// prefix. Every problem is reported at once, so that fixing a deployment takes one round, not one per
// variable: one error per variable in the order of Variables, then those between variables. On error
// the Config is the zero value, so that nobody serves with a half-read configuration.
func Load(lookup func(string) (string, bool)) (Config, error) {
	c := Default()
	var errs []error
	for _, s := range settings {
		v, ok := lookup(s.Name)
		if !ok || v == "" && s.Name != rolePrefix {
			continue
		}
		if err := s.set(&c, v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.Name, err))
		}
	}
	// Without an audience any client's token of the issuer would do.
	if v, _ := lookup("HUB_OIDC_ISSUER"); v != "" && c.OIDC.Audience == "" {
		errs = append(errs, errors.New("HUB_OIDC_AUDIENCE: unset, but HUB_OIDC_ISSUER is set; write the client ID the issuer's tokens are for"))
	}
	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	return c, nil
}

// FromEnv is Load(os.LookupEnv).
func FromEnv() (Config, error) { return Load(os.LookupEnv) }

// cut keeps an error readable when a whole file was pasted into a variable.
func cut(v string) string {
	if utf8.RuneCountInString(v) <= 100 {
		return v
	}
	return string([]rune(v)[:99]) + "…"
}

func anything(v string) (string, error) { return v, nil }

func addr(v string) (string, error) {
	if _, port, err := net.SplitHostPort(v); err != nil || !isPort(port) {
		return "", fmt.Errorf("%q is not host:port; write it like localhost:8080 or :8080", cut(v))
	}
	return v, nil
}

func databaseURL(v string) (string, error) {
	if _, err := pgx.ParseConfig(v); err != nil {
		return "", fmt.Errorf("the value (not shown: it may hold a password) does not parse as a PostgreSQL connection string%s; write it like postgres://user:password@host:5432/hub", pgxReason(err))
	}
	return v, nil
}

// pgxReason is pgx's explanation without the connection string or the error it wraps, either of which
// may hold the password; empty when pgx's message is not of the form this expects.
func pgxReason(err error) string {
	var pe *pgconn.ParseConfigError
	if !errors.As(err, &pe) {
		return ""
	}
	bare := *pe
	bare.ConnString = ""
	msg, ok := strings.CutPrefix(bare.Error(), "cannot parse ``: ")
	if inner := pe.Unwrap(); ok && inner != nil {
		msg, ok = strings.CutSuffix(msg, " ("+inner.Error()+")")
	}
	if !ok || msg == "" {
		return ""
	}
	return " (" + msg + ")"
}

func redisURL(v string) (string, error) {
	if _, err := redis.ParseURL(v); err != nil {
		return "", fmt.Errorf("the value (not shown: it may hold a password) is not a Redis URL; write it like redis://localhost:6379/0")
	}
	return v, nil
}

func dataDir(v string) (string, error) {
	if strings.TrimSpace(v) == "" {
		return "", fmt.Errorf("%q is not a directory; write a path like .data or /var/lib/hub", cut(v))
	}
	return v, nil
}

// noMax is the upper bound of a number that needs none.
const noMax = math.MaxInt

func whole[T int | int64](lo, hi T, like string) func(string) (T, error) {
	return func(v string) (T, error) {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return 0, fmt.Errorf("%q is not a whole number; write it like %s", cut(v), like)
		}
		if err != nil || n < int64(lo) || n > int64(hi) {
			if hi == noMax && n < int64(lo) {
				return 0, fmt.Errorf("%q is out of range; write a whole number of %d or more", cut(v), lo)
			}
			return 0, fmt.Errorf("%q is out of range; write a whole number from %d to %d", cut(v), lo, hi)
		}
		return T(n), nil
	}
}

func number(like string) func(string) (float64, error) {
	return func(v string) (float64, error) {
		f, err := strconv.ParseFloat(v, 64)
		// NaN and infinities parse, but no rate limiter can use them.
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, fmt.Errorf("%q is not a number; write it like %s", cut(v), like)
		}
		if f < 0 {
			return 0, fmt.Errorf("%q is out of range; write a number of 0 or more", cut(v))
		}
		return f, nil
	}
}

func duration(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration; write it like 30s", cut(v))
	}
	if d <= 0 || d > 10*time.Minute {
		return 0, fmt.Errorf("%q is out of range; write a duration above 0s and at most 10m, like 30s", cut(v))
	}
	return d, nil
}

// longDuration is a duration of up to a week.
func longDuration(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration; write it like 24h", cut(v))
	}
	if d <= 0 || d > 7*24*time.Hour {
		return 0, fmt.Errorf("%q is out of range; write a duration above 0s and at most 168h, like 24h", cut(v))
	}
	return d, nil
}

// word reads one of a few words, in any case.
func word[T any](words map[string]T, refusal string) func(string) (T, error) {
	return func(v string) (T, error) {
		x, ok := words[strings.ToLower(v)]
		if !ok {
			return x, fmt.Errorf("%q is not %s", cut(v), refusal)
		}
		return x, nil
	}
}

// claimPath refuses an empty step, which can never match a claim: every token would lack a role.
func claimPath(v string) (string, error) {
	if slices.Contains(strings.Split(v, "."), "") {
		return "", fmt.Errorf("%q is not a claim path; write it like realm_access.roles", cut(v))
	}
	return v, nil
}

// list reads comma-separated items; empty ones are dropped, as a trailing comma is an easy slip.
func list[T any](parse func(string) (T, error)) func(string) ([]T, error) {
	return func(v string) ([]T, error) {
		var out []T
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item == "" {
				continue
			}
			x, err := parse(item)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, nil
	}
}

// origin refuses what browsers never send in Origin, a trailing slash included: it would never match.
func origin(o string) (string, error) {
	u, err := url.Parse(o)
	if o != "*" && (err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.User != nil ||
		u.Path != "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.HasSuffix(u.Host, ":") || u.Port() != "" && !isPort(u.Port())) {
		return "", fmt.Errorf("%q is not an origin; write it like https://example.org or http://localhost:3000, without a path, comma separated", cut(o))
	}
	return o, nil
}

func isPort(p string) bool {
	_, err := strconv.ParseUint(p, 10, 16)
	return err == nil
}

// proxy reads an address or a CIDR prefix. IPv4-mapped IPv6 ones become IPv4: the client addresses
// they are compared with are unmapped, and would never match them.
func proxy(v string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(v)
	if err != nil {
		a, aerr := netip.ParseAddr(v)
		if aerr != nil {
			return p, fmt.Errorf("%q is neither an address nor a CIDR prefix; write it like 10.0.0.1 or 10.0.0.0/8, comma separated", cut(v))
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}

func httpURL(like string) func(string) (string, error) {
	return func(v string) (string, error) {
		u, err := url.Parse(v)
		if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			return "", fmt.Errorf("%q is not an http(s) URL; write it like %s", cut(v), like)
		}
		return v, nil
	}
}
