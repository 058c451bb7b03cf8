// Package db is the hub's service layer over PostgreSQL: the domain types, their SQL, validation of
// writes, migrations and seeding. PostgreSQL is the single source of truth.
package db

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/exaring/otelpgx"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/multitracer"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Querier is what the read paths need: a pool or a transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// conn is what the service runs its statements on: the pool, or a transaction in InTx.
type conn interface {
	Querier
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Begin(ctx context.Context) (pgx.Tx, error)
}

// DB is the hub's data service.
type DB struct {
	Pool *pgxpool.Pool
	q    conn
	ref  *Reference
	// now is today's date as the hub sees it; a field so that tests can move the clock.
	now func() time.Time
	// version advances as this process's transactions commit, and as others' do (FollowChanges).
	version *DataVersion
	// replicas serve the reads of query operations (RouteRead); nil without DATABASE_REPLICA_URLS.
	replicas *Replicas
}

// connectTimeout bounds a new connection, from dialling to the server's first "ready".
const connectTimeout = 10 * time.Second

// Open connects to the database at dsn. It does not migrate: call Migrate first.
func Open(ctx context.Context, dsn string) (*DB, error) {
	pool, err := openPool(ctx, dsn, true)
	if err != nil {
		return nil, err
	}
	return &DB{Pool: pool, q: routed{pool}, now: time.Now, version: &DataVersion{}}, nil
}

// openPool connects a pool to dsn; a primary's pool counts the requests' statements.
func openPool(ctx context.Context, dsn string, primary bool) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parsing the database URL: %w", err)
	}
	cfg.ConnConfig.Tracer = tracer
	// pgxpool's default is 4 connections on a 2-core machine: too few when a request's loaders run
	// side by side, a search rebuild reads in one long transaction, and the indexer applies changes.
	// pool_max_conns in the URL still decides.
	if !strings.Contains(dsn, "pool_max_conns") {
		cfg.MaxConns = max(cfg.MaxConns, 16)
	}
	// A request waits for a connection no longer than its own deadline, but pgxpool goes on making the
	// connection it asked for in the background: without a limit, a hung server would keep every slot of
	// the pool in a connection attempt that never ends. connect_timeout in the URL still decides.
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		if primary {
			return nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
		}
		// A replica that is down at start is only skipped, as it is when it goes down later: the pool
		// connects when it comes back.
		slog.Warn("a read replica does not answer at start; it is skipped until it does", "err", err)
	}
	return pool, nil
}

// Close closes the pool.
func (d *DB) Close() {
	d.replicas.Close()
	d.Pool.Close()
}

// LoadReference reads the reference data into memory: it changes only with migrations, and every
// entity points at it, so keeping it saves a join or a round trip on almost every query.
func (d *DB) LoadReference(ctx context.Context) error {
	ref, err := loadReference(ctx, d.q)
	if err != nil {
		return err
	}
	d.ref = ref
	countries.Store(&ref.country)
	return nil
}

// Reference is the in-memory reference data.
func (d *DB) Reference() *Reference { return d.ref }

// Today is the current date in Brussels, where EU calls open and close.
func (d *DB) Today() time.Time {
	t := d.now().In(brussels)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// WithClock returns the service with another clock, sharing the pool: tests hold "today" on the dates
// a rule turns on, from packages other than this one.
func (d *DB) WithClock(now func() time.Time) *DB {
	c := *d
	c.now = now
	return &c
}

var brussels = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return loc
}()

// migrationLock serialises migration and demo seeding between hub processes sharing a database.
const migrationLock = 7_245_001

// Migrate applies the embedded migrations. tern takes a PostgreSQL advisory lock around them, so hub
// processes starting together on one database apply each migration once.
func Migrate(ctx context.Context, dsn string) (applied int32, err error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	m, err := migrate.NewMigrator(ctx, conn, "schema_version")
	if err != nil {
		return 0, err
	}
	if err := m.LoadMigrations(mustSub(migrations, "migrations")); err != nil {
		return 0, err
	}
	// Counted as tern runs them, under its lock: a process that waited for another's migrations runs none.
	m.OnStart = func(int32, string, string, string) { applied++ }
	if err := m.Migrate(ctx); err != nil {
		return applied, fmt.Errorf("migrating: %w", err)
	}
	// Tables that later migrations added are watched by the response caches too.
	if applied > 0 {
		if _, err := conn.Exec(ctx, "select watch_data_tables()"); err != nil {
			return applied, fmt.Errorf("watching the tables for changes: %w", err)
		}
	}
	return applied, nil
}

// withLock runs fn while holding the hub's advisory lock on a dedicated connection.
func (d *DB) withLock(ctx context.Context, fn func() error) error {
	conn, err := d.Pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "select pg_advisory_lock($1)", migrationLock); err != nil {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), "select pg_advisory_unlock($1)", migrationLock) //nolint:errcheck
	return fn()
}

// InTx runs fn with a service whose every statement, reads and writes, belongs to one transaction:
// all of fn's writes happen, or none. Inside InTx it is a savepoint of the transaction already open.
func (d *DB) InTx(ctx context.Context, fn func(d *DB) error) error {
	err := pgx.BeginFunc(ctx, d.q, func(tx pgx.Tx) error {
		inTx := *d
		inTx.q = tx
		return fn(&inTx)
	})
	if _, nested := d.q.(pgx.Tx); !nested {
		// Committed or not (a commit whose answer was lost may have happened), what was read before
		// may no longer be true.
		d.version.Advance()
		if err == nil {
			d.noteCommit(ctx)
		}
	}
	return err
}

// Statement counting: each request carries a counter in its context, and the pool's tracer adds every
// statement run under that context. The log line of a request and the batching test read it.

type counterKey struct{}

// WithStatementCounter returns a context whose SQL statements are counted into n.
func WithStatementCounter(ctx context.Context, n *atomic.Int64) context.Context {
	return context.WithValue(ctx, counterKey{}, n)
}

// HasStatementCounter tells whether ctx already counts statements.
func HasStatementCounter(ctx context.Context) bool {
	_, ok := ctx.Value(counterKey{}).(*atomic.Int64)
	return ok
}

// StatementCount is the number of statements counted so far under ctx.
func StatementCount(ctx context.Context) int64 {
	if n, ok := ctx.Value(counterKey{}).(*atomic.Int64); ok {
		return n.Load()
	}
	return 0
}

// tracer is what every pool traces its statements with: the requests' statement counts, and
// OpenTelemetry spans (no-ops unless telemetry exports them).
var tracer pgx.QueryTracer = multitracer.New(statementCounter{}, otelpgx.NewTracer())

type statementCounter struct{}

func (statementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	if n, ok := ctx.Value(counterKey{}).(*atomic.Int64); ok {
		n.Add(1)
	}
	return ctx
}

func (statementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// isUniqueViolation tells whether err is a unique constraint violation, and of which constraint.
func isUniqueViolation(err error) (string, bool) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return pgErr.ConstraintName, true
	}
	return "", false
}

// SeedIfEmpty runs seed when the database holds no member yet, under the hub's advisory lock, so that of
// several hub processes starting on one new database exactly one loads the demo data.
func (d *DB) SeedIfEmpty(ctx context.Context, seed func(context.Context) error) (seeded bool, err error) {
	err = d.withLock(ctx, func() error {
		var any bool
		if err := d.Pool.QueryRow(ctx, "select exists (select 1 from member)").Scan(&any); err != nil || any {
			return err
		}
		seeded = true
		return seed(ctx)
	})
	return seeded, err
}
