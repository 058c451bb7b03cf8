package db

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Read replicas (DATABASE_REPLICA_URLS).
//
// The design, in four rules:
//
//  1. Only what a request marks may read from a replica: RouteRead puts one replica's pool in the
//     context, for the whole of one GraphQL query operation, so that all its statements see one
//     snapshot position. Everything else — mutations (their transactions are begun on the primary),
//     the token lookup and its last-use write, the search indexer, the change listeners, the feeds,
//     migrations — never asks and runs on the primary.
//  2. A replica is used only while it is healthy: a background check (Replicas.Run) reads the
//     primary's pg_current_wal_lsn() and each replica's pg_last_wal_replay_lsn(), a few times per
//     HUB_REPLICA_MAX_LAG. A replica's lag is how long ago the primary was at a position the replica
//     has not replayed yet (from the primary positions sampled; no clocks of two machines are compared,
//     and an idle primary is never "lagged behind"). Unreachable, promoted, or lagging more than
//     HUB_REPLICA_MAX_LAG: skipped until a check finds it caught up.
//  3. Read-your-writes: after a mutation commits, its caller gets the primary's WAL position (Written,
//     sent back as X-Hub-Min-LSN); a read that names a position goes only to a replica known to have
//     replayed past it, or to the primary. A position is settled (the caller may forget it) only once
//     every healthy replica has replayed it, and a replica is admitted only once it has replayed every
//     settled position.
//  4. The response cache must not keep an answer from before a change it has been told of: the data
//     version may move (a NOTIFY, or this hub's own commit) before a replica has replayed the change.
//     Each check records the data version read before the primary's position; an answer read from a
//     replica is Consistent, and may be kept, only when the version has not moved since the last check
//     and the replica had replayed past that check's primary position. Under a stream of writes this
//     keeps fewer replica answers, when there is little to keep anyway; once writes pause, one check
//     later, replica answers are kept again.

// LSN is a position in PostgreSQL's write-ahead log.
type LSN uint64

// ParseLSN reads a position as PostgreSQL writes it, 16/B374D848.
func ParseLSN(s string) (LSN, error) {
	hi, lo, ok := strings.Cut(strings.TrimSpace(s), "/")
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if !ok || err1 != nil || err2 != nil {
		return 0, fmt.Errorf("%q is not a WAL position; it is written like 16/B374D848", s)
	}
	return LSN(h<<32 | l), nil
}

func (l LSN) String() string { return fmt.Sprintf("%X/%X", uint64(l)>>32, uint64(l)&0xFFFFFFFF) }

var (
	replicaHealthy = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Name: "hub_replica_healthy", Help: "1 while a read replica is used, 0 while it is skipped (unreachable or lagging).",
	}, []string{"replica"})
	replicaLag = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Name: "hub_replica_lag_seconds", Help: "How far behind the primary a read replica was at the last check.",
	}, []string{"replica"})
	replicaReads = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "hub_reads_total", Help: "GraphQL query operations, by where they read: a replica's name, or primary.",
	}, []string{"from"})
)

// Replicas is the set of read replicas of one primary, with what the last checks found of them.
type Replicas struct {
	primary  *pgxpool.Pool
	version  *DataVersion
	maxLag   time.Duration
	interval time.Duration
	members  []*replica
	next     atomic.Uint64
	mark     atomic.Pointer[mark]
	settled  atomic.Uint64 // see Settled

	mu      sync.Mutex
	samples []sample // the primary's positions at recent checks, oldest first
}

type replica struct {
	name     string
	pool     *pgxpool.Pool
	healthy  atomic.Bool
	replayed atomic.Uint64 // LSN replayed at the last check: it only grows, so a lower bound of now
}

// mark is one check's primary position, and the data version read before it: every change the version
// had counted by then is at or before lsn.
type mark struct {
	version uint64
	lsn     LSN
}

type sample struct {
	at  time.Time
	lsn LSN
}

// OpenReplicas connects to the replicas at dsns. They start skipped: the first check (Run) admits them.
func (d *DB) OpenReplicas(ctx context.Context, dsns []string, maxLag time.Duration) error {
	if len(dsns) == 0 {
		return nil
	}
	r := &Replicas{primary: d.Pool, version: d.version, maxLag: maxLag,
		interval: min(max(maxLag/4, 50*time.Millisecond), time.Second)}
	for i, dsn := range dsns {
		pool, err := openPool(ctx, dsn, false)
		if err != nil {
			r.Close()
			return fmt.Errorf("replica %d of DATABASE_REPLICA_URLS: %w", i+1, err)
		}
		name := "replica" + strconv.Itoa(i+1)
		r.members = append(r.members, &replica{name: name, pool: pool})
		replicaHealthy.WithLabelValues(name).Set(0)
	}
	d.replicas = r
	return nil
}

// Replicas is the service's replica set; nil without replicas.
func (d *DB) Replicas() *Replicas { return d.replicas }

// Close closes the replicas' pools.
func (r *Replicas) Close() {
	if r == nil {
		return
	}
	for _, m := range r.members {
		m.pool.Close()
	}
}

// Run checks the replicas every interval until ctx ends.
func (r *Replicas) Run(ctx context.Context) {
	if r == nil {
		return
	}
	t := time.NewTicker(r.interval)
	defer t.Stop()
	for {
		r.Check(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Check reads the primary's position and each replica's, and admits or skips each replica.
func (r *Replicas) Check(ctx context.Context) {
	v, _ := r.version.Load()
	cctx, cancel := context.WithTimeout(ctx, max(r.interval, 500*time.Millisecond))
	defer cancel()
	// Two positions. The lag is measured against what the primary has written out, which a replica can
	// reach exactly. What the data version counts, and what settles, is the insert position, as for the
	// writes' own positions (noteCommit): with synchronous_commit off a commit's record may not be
	// written out yet. (The insert position can be a page header beyond the last record, which no replica
	// reaches until more is written: until then, that is only safe.)
	var text, inserted string
	if err := r.primary.QueryRow(cctx, "select pg_current_wal_lsn()::text, pg_current_wal_insert_lsn()::text").Scan(&text, &inserted); err != nil {
		// Without the primary's position no lag can be known: skip every replica; reads go to the
		// primary, which answers or not as it would without replicas.
		for _, m := range r.members {
			r.set(m, false, "the primary's position could not be read", err)
		}
		return
	}
	primary, err := ParseLSN(text)
	if err != nil {
		return
	}
	committed, err := ParseLSN(inserted)
	if err != nil {
		return
	}
	now := time.Now()
	r.mu.Lock()
	r.samples = append(r.samples, sample{now, primary})
	// Enough history to tell a lag of maxLag, and a little more.
	for len(r.samples) > 2 && now.Sub(r.samples[1].at) > r.maxLag+2*r.interval {
		r.samples = r.samples[1:]
	}
	samples := r.samples
	r.mu.Unlock()
	old := r.mark.Swap(&mark{version: v, lsn: committed})
	// What is settled must be on every replica a read may go to: a replica is admitted only once it has
	// replayed it, and it advances only as far as every healthy replica has replayed.
	settled := LSN(r.settled.Load())

	for _, m := range r.members {
		var recovering bool
		var replayed *string
		err := m.pool.QueryRow(cctx, "select pg_is_in_recovery(), pg_last_wal_replay_lsn()::text").Scan(&recovering, &replayed)
		switch {
		case err != nil:
			r.set(m, false, "unreachable", err)
			continue
		case !recovering || replayed == nil:
			// Promoted, or not a standby at all: its data may have gone another way than the primary's.
			r.set(m, false, "not a streaming replica (promoted?)", nil)
			continue
		}
		pos, err := ParseLSN(*replayed)
		if err != nil {
			r.set(m, false, "its position could not be read", err)
			continue
		}
		if LSN(m.replayed.Load()) < pos {
			m.replayed.Store(uint64(pos))
		}
		lag, known := lagOf(pos, samples, now)
		replicaLag.WithLabelValues(m.name).Set(lag.Seconds())
		if !known {
			r.set(m, false, fmt.Sprintf("lagging at least %s behind the primary", lag.Round(time.Millisecond)), nil)
			continue
		}
		if pos < settled {
			r.set(m, false, fmt.Sprintf("not yet at %s, which other reads may already have relied on", settled), nil)
			continue
		}
		r.set(m, lag <= r.maxLag, fmt.Sprintf("lagging %s behind the primary", lag.Round(time.Millisecond)), nil)
	}
	if old == nil {
		return
	}
	next := old.lsn
	if low, any := r.Replayed(); any {
		next = min(next, low)
	}
	// Checks may overlap (Run's and a caller's): settled only moves forward.
	for cur := r.settled.Load(); uint64(next) > cur && !r.settled.CompareAndSwap(cur, uint64(next)); cur = r.settled.Load() {
	}
}

// lagOf is how long ago the primary was first seen at a position beyond pos: the oldest change the
// replica has not replayed is at least that old. Zero when the replica has everything sampled. known is
// false when the replica is behind even the oldest sample: what it lacks may be older than any sample,
// so its lag has no bound yet (a hub's first check has a single sample, taken a moment earlier).
func lagOf(pos LSN, samples []sample, now time.Time) (lag time.Duration, known bool) {
	for i, s := range samples {
		if s.lsn > pos {
			return now.Sub(s.at), i > 0
		}
	}
	return 0, true
}

func (r *Replicas) set(m *replica, healthy bool, why string, err error) {
	if m.healthy.Swap(healthy) != healthy {
		if healthy {
			slog.Info("read replica caught up: reading from it", "replica", m.name)
		} else {
			slog.Warn("read replica skipped: "+why, "replica", m.name, "err", err)
		}
	}
	replicaHealthy.WithLabelValues(m.name).Set(map[bool]float64{true: 1}[healthy])
}

// Route is where a read was sent.
type Route struct {
	// Replica names the replica read from; empty for the primary.
	Replica string
	// Consistent says the answer is known to include every change the data version counted when it
	// was chosen (always true on the primary): the response cache may keep it.
	Consistent bool
}

type readPoolKey struct{}

// RouteRead chooses where the reads under the returned context go: a healthy replica that has replayed
// past minLSN (the caller's last write), round robin, or else the primary. Without replicas it returns
// ctx as it is.
func (d *DB) RouteRead(ctx context.Context, minLSN LSN) (context.Context, Route) {
	r := d.replicas
	if r == nil {
		return ctx, Route{Consistent: true}
	}
	n := uint64(len(r.members))
	start := r.next.Add(1)
	for i := range n {
		m := r.members[(start+i)%n]
		replayed := LSN(m.replayed.Load())
		if !m.healthy.Load() || replayed < minLSN {
			continue
		}
		cur, _ := r.version.Load()
		mk := r.mark.Load()
		replicaReads.WithLabelValues(m.name).Inc()
		return context.WithValue(ctx, readPoolKey{}, routedRead{r, m}),
			Route{Replica: m.name, Consistent: mk != nil && mk.version >= cur && replayed >= mk.lsn}
	}
	replicaReads.WithLabelValues("primary").Inc()
	return ctx, Route{Consistent: true}
}

// Replayed is the lowest position every healthy replica is known to have replayed, and false when none
// is healthy: a write at or before it is visible wherever a read may go.
func (r *Replicas) Replayed() (LSN, bool) {
	if r == nil {
		return 0, false
	}
	var low LSN
	any := false
	for _, m := range r.members {
		if !m.healthy.Load() {
			continue
		}
		if p := LSN(m.replayed.Load()); !any || p < low {
			low = p
		}
		any = true
	}
	return low, any
}

// Settled is a position the primary had passed a check interval ago, and that every healthy replica has
// replayed: every hub's change notifications have had that long to reach it, and a read sees it wherever
// it goes (a replica is admitted only once it has replayed it). A caller's write at or before it needs
// no care any more.
func (r *Replicas) Settled() LSN {
	if r == nil {
		return 0
	}
	return LSN(r.settled.Load())
}

// routed is the pool as the service's top-level statements see it: reads go to the replica the
// request's context chose (RouteRead), everything else — Exec, and Begin, so every transaction — to the
// primary. A replica that fails to answer (it went down since the last check) is skipped at once and
// the read goes to the primary, so that losing a replica fails no request.
type routed struct{ *pgxpool.Pool }

type routedRead struct {
	set *Replicas
	m   *replica
}

func (p routed) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if rr, ok := ctx.Value(readPoolKey{}).(routedRead); ok && rr.m.healthy.Load() {
		rows, err := rr.m.pool.Query(ctx, sql, args...)
		if err == nil {
			// A statement already prepared on the connection is sent without waiting, and a dead
			// connection then shows on the first read of the rows.
			return &fallbackRows{Rows: rows, retry: func(err error) (pgx.Rows, bool) {
				if ctx.Err() != nil || !unreachable(err) {
					return nil, false
				}
				rr.set.set(rr.m, false, "a read failed", err)
				rows, _ := p.Pool.Query(ctx, sql, args...)
				return rows, rows != nil
			}}, nil
		}
		if ctx.Err() != nil || !unreachable(err) {
			return rows, err
		}
		rr.set.set(rr.m, false, "a read failed", err)
	}
	return p.Pool.Query(ctx, sql, args...)
}

// fallbackRows are a replica's rows that, when the replica fails before the first row, are the
// primary's instead.
type fallbackRows struct {
	pgx.Rows
	retry   func(error) (pgx.Rows, bool)
	started bool
}

func (r *fallbackRows) Next() bool {
	if r.started {
		return r.Rows.Next()
	}
	r.started = true
	if r.Rows.Next() {
		return true
	}
	if err := r.Rows.Err(); err != nil {
		if rows, ok := r.retry(err); ok {
			r.Rows.Close()
			r.Rows = rows
			return r.Rows.Next()
		}
	}
	return false
}

func (p routed) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if _, ok := ctx.Value(readPoolKey{}).(routedRead); ok {
		rows, err := p.Query(ctx, sql, args...)
		return rowOf{rows, err}
	}
	return p.Pool.QueryRow(ctx, sql, args...)
}

// unreachable tells a replica that did not answer from a statement that failed on it.
func unreachable(err error) bool {
	var pgErr *pgconn.PgError
	return !errors.As(err, &pgErr) || pgErr.Code[:2] == "08" || pgErr.Code[:2] == "57"
}

// rowOf is QueryRow's answer made of Query's, as pgx makes it.
type rowOf struct {
	rows pgx.Rows
	err  error
}

func (r rowOf) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	r.rows.Close()
	return r.rows.Err()
}

// Writes collects the primary's WAL position after the commits made under one request's context.
type Writes struct{ lsn atomic.Uint64 }

type writesKey struct{}

// TrackWrites returns a context whose committed transactions record their position in w.
func TrackWrites(ctx context.Context, w *Writes) context.Context {
	return context.WithValue(ctx, writesKey{}, w)
}

// LSN is the position after the last commit recorded, 0 when none.
func (w *Writes) LSN() LSN { return LSN(w.lsn.Load()) }

// noteCommit records, for read-your-writes, the primary's position after a commit under ctx. Only with
// replicas: without them every read sees every commit, and the extra round trip buys nothing.
func (d *DB) noteCommit(ctx context.Context) {
	w, ok := ctx.Value(writesKey{}).(*Writes)
	if !ok || d.replicas == nil {
		return
	}
	var text string
	// The insert position, not pg_current_wal_lsn() (what is written out so far): with
	// synchronous_commit off, the commit's own record may not be written out yet, and a replica that has
	// replayed up to the written position would pass for having the commit. (It may also be a page header
	// beyond the commit's record: the caller then reads from the primary until more WAL is written.)
	if err := d.Pool.QueryRow(context.WithoutCancel(ctx), "select pg_current_wal_insert_lsn()::text").Scan(&text); err != nil {
		slog.WarnContext(ctx, "reading the WAL position after a commit failed: the writer's next reads may miss it", "err", err)
		return
	}
	if lsn, err := ParseLSN(text); err == nil {
		for {
			old := w.lsn.Load()
			if uint64(lsn) <= old || w.lsn.CompareAndSwap(old, uint64(lsn)) {
				break
			}
		}
	}
}
