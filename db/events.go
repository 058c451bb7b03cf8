package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The committed change feed (migration 011): events recorded by triggers in the writing transaction and
// numbered at commit, in commit order. Subscriptions and webhooks read it; nothing here writes to it.

// LiveEvent is a type of event of the feed (the schema's LiveEvent).
type LiveEvent string

const (
	LiveEventBestPracticePublished     LiveEvent = "BEST_PRACTICE_PUBLISHED"
	LiveEventFundingOpportunityChanged LiveEvent = "FUNDING_OPPORTUNITY_CHANGED"
	LiveEventMemberJoined              LiveEvent = "MEMBER_JOINED"
)

// Event is one committed event.
type Event struct {
	Position int64 // the commit's position in the feed
	ID       int64 // the event's own id, unique across the feed
	Type     LiveEvent
	EntityID int64
	At       time.Time // when its transaction committed
}

// EventPosition is the position of the newest committed transaction: a reader that starts there sees
// only what commits after it started.
func (d *DB) EventPosition(ctx context.Context) (int64, error) {
	var p int64
	err := d.Pool.QueryRow(ctx, `select coalesce(max(position), 0) from hub_event_commit`).Scan(&p)
	return p, err
}

// Events reads the events of up to limit transactions committed after position, in commit order. A
// position is visible only once every smaller one has committed or rolled back (the migration holds a
// lock from numbering to commit), so nothing ever appears behind the last one read.
func (d *DB) Events(ctx context.Context, after int64, limit int) ([]Event, error) {
	return readEvents(ctx, d.Pool, after, limit)
}

func readEvents(ctx context.Context, q Querier, after int64, limit int) ([]Event, error) {
	rows, err := q.Query(ctx, `select c.position, e.id, e.type, e.entity_id, c.committed_at
		from (select * from hub_event_commit where position > $1 order by position limit $2) c
		join hub_event e on e.xid = c.xid order by c.position, e.id`, after, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Event, error) {
		var e Event
		err := r.Scan(&e.Position, &e.ID, &e.Type, &e.EntityID, &e.At)
		return e, err
	})
}

// ListenEvents sends on wake whenever a transaction with events commits, until ctx ends; also after
// (re)connecting, since notifications may have been missed meanwhile.
func (d *DB) ListenEvents(ctx context.Context, channel string, wake chan<- struct{}) {
	d.listen(ctx, channel, wake)
}

// listen sends on wake whenever a notification comes on channel, until ctx ends. The connection is
// re-established after failures; wake also fires then, since notifications may have been missed.
func (d *DB) listen(ctx context.Context, channel string, wake chan<- struct{}) {
	d.Listen(ctx, map[string]func(){channel: func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}}, nil)
}

// matching returns those of ids that are in list s (its filter and the request's read access).
func matching(ctx context.Context, q Querier, s *listSpec, ids []int64) (map[int64]bool, error) {
	b := builder{}
	if s.filter != nil {
		s.filter(&b)
	}
	b.where(s.alias+".id = any(%s)", ids)
	rows, err := q.Query(ctx, "select "+s.alias+".id from "+s.from+" where "+b.whereSQL(), b.args...)
	if err != nil {
		return nil, err
	}
	out := map[int64]bool{}
	var id int64
	_, err = pgx.ForEachRow(rows, []any{&id}, func() error { out[id] = true; return nil })
	return out, err
}

// BestPracticesMatching returns those of ids that bestPractices(filter: f) lists for the request.
func (d *DB) BestPracticesMatching(ctx context.Context, f *BestPracticeFilter, ids []int64) (map[int64]bool, error) {
	return matching(ctx, d.q, d.practiceList(ctx, f, nil), ids)
}

// FundingOpportunitiesMatching returns those of ids that fundingOpportunities(filter: f) lists.
func (d *DB) FundingOpportunitiesMatching(ctx context.Context, f *FundingOpportunityFilter, ids []int64) (map[int64]bool, error) {
	return matching(ctx, d.q, d.fundingList(f, nil), ids)
}

// FundingDeadlinesWithin returns the calls of fundingOpportunities(filter: f) whose next deadline (from
// today, Brussels) is within days days, with that deadline.
func (d *DB) FundingDeadlinesWithin(ctx context.Context, f *FundingOpportunityFilter, days int, only []int64) (map[int64]time.Time, error) {
	s := d.fundingList(f, nil)
	b := builder{}
	if s.filter != nil {
		s.filter(&b)
	}
	today := d.Today()
	next := "next_deadline(f.deadlines, " + b.arg(today) + "::date)"
	b.where(next+" <= "+b.arg(today)+"::date + %s::int", days)
	if only != nil {
		b.where("f.id = any(%s)", only)
	}
	rows, err := d.q.Query(ctx, "select f.id, "+next+" from funding_opportunity f where "+b.whereSQL(), b.args...)
	if err != nil {
		return nil, err
	}
	out := map[int64]time.Time{}
	var id int64
	var at time.Time
	_, err = pgx.ForEachRow(rows, []any{&id, &at}, func() error { out[id] = at; return nil })
	return out, err
}

// PruneEvents deletes the feed's transactions older than keep that webhooks have fanned out (live
// subscribers start from the feed's end, so nothing older is read again), and webhook deliveries
// delivered or failed more than keep ago.
func (d *DB) PruneEvents(ctx context.Context, keep time.Duration) error {
	interval := fmt.Sprintf("%d seconds", int64(keep.Seconds()))
	_, err := d.Pool.Exec(ctx, `with old as (delete from hub_event_commit where committed_at < now() - $1::interval
			and position <= (select position from webhook_feed) returning xid)
		delete from hub_event e using old where e.xid = old.xid`, interval)
	if err == nil {
		_, err = d.Pool.Exec(ctx, `delete from webhook_delivery where status <> 'PENDING' and created_at < now() - $1::interval`, interval)
	}
	return err
}
