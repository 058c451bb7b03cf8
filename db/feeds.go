package db

import (
	"context"
	"time"
)

// What the feeds (package feeds) need besides the lists they are made of: the lists themselves are
// FundingOpportunities and BestPractices, with their own filters, so that a feed shows exactly what the
// GraphQL list with the same filter does.

// LastChange is when the newest logged write to any of these entities (BestPractice, Member, ...)
// happened, and the database's clock now. The outbox search_change records deletions and changes to
// relations too, which no row's updated_at shows, so a feed's Last-Modified moves when an entry leaves
// it. The outbox keeps a week: zero time when nothing was written in it.
func (d *DB) LastChange(ctx context.Context, entities ...string) (last, now time.Time, err error) {
	err = d.q.QueryRow(ctx, `select coalesce(max(changed_at), 'epoch'::timestamptz), clock_timestamp()
		from search_change where entity = any($1)`, entities).Scan(&last, &now)
	if last.Unix() == 0 {
		last = time.Time{}
	}
	return last, now, err
}

// PracticesPublishedAt returns when each of the practices was first published (migration 011); a
// practice never published is left out.
func (d *DB) PracticesPublishedAt(ctx context.Context, ids []int64) (map[int64]time.Time, error) {
	grouped, err := queryGroupedValues[time.Time](ctx, d.q,
		"select id, published_at from best_practice where id = any($1) and published_at is not null", ids)
	out := make(map[int64]time.Time, len(grouped))
	for id, ts := range grouped {
		out[id] = ts[0]
	}
	return out, err
}

// IsLanguage reports whether code is an ISO 639-1 language code, as practices' languages are checked.
func IsLanguage(code string) bool { return isLanguage(code) }

// TodayBegan is the instant today (Today, in Brussels) began: deadlines pass and calls open at it, so a
// feed of them changes then without any write.
func (d *DB) TodayBegan() time.Time {
	t := d.Today()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, brussels)
}
