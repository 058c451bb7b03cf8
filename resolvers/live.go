package resolvers

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/live"
)

// The subscriptions: each follows the broker's events and re-reads their entities with the
// subscriber's access (in ctx, from connection_init), through the lists' own filters.

// follow sends, for each batch of events of type t, the entities that read returns for their ids, in
// the order of the events, until ctx ends.
func follow[T any](ctx context.Context, r *Resolver, t db.LiveEvent, read func(ctx context.Context, ids []int64) ([]*T, error)) (<-chan *T, error) {
	events, ctx, err := r.subscribe(ctx)
	if err != nil {
		return nil, err
	}
	out := make(chan *T)
	go func() {
		defer close(out)
		for batch := range events {
			var ids []int64
			for _, e := range batch {
				if e.Type == t {
					ids = append(ids, e.EntityID)
				}
			}
			if len(ids) == 0 {
				continue
			}
			items, err := read(ctx, ids)
			if err != nil {
				if ctx.Err() == nil {
					logSubscriptionError(ctx, err)
				}
				continue
			}
			for _, it := range items {
				select {
				case out <- it:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}

// readMatching reads the entities of ids that matching keeps, in the order of ids, each once.
func readMatching[T any](ctx context.Context, ids []int64, matching func(context.Context, []int64) (map[int64]bool, error),
	byID func(context.Context, []int64) ([]*T, error)) ([]*T, error) {
	ok, err := matching(ctx, ids)
	if err != nil {
		return nil, err
	}
	var keep []int64
	for _, id := range ids {
		if ok[id] {
			keep = append(keep, id)
			delete(ok, id)
		}
	}
	if len(keep) == 0 {
		return nil, nil
	}
	items, err := byID(ctx, keep)
	if err != nil {
		return nil, err
	}
	out := items[:0]
	for _, it := range items {
		if it != nil {
			out = append(out, it)
		}
	}
	return out, nil
}

// deadlineCheck is how often deadlineApproaching looks whether the date has moved on.
const deadlineCheck = time.Minute

// deadlines sends the calls of filter whose next deadline is within days days: those within at the
// start, then each one whose next deadline enters the window (a change to it, or the date moving on),
// again only when its next deadline changed.
func (r *subscriptionResolver) deadlines(ctx context.Context, days int, filter *db.FundingOpportunityFilter) (<-chan *db.FundingOpportunity, error) {
	if days < 1 || days > 366 {
		return nil, &gqlerror.Error{Message: "days must be from 1 to 366", Extensions: map[string]any{"code": "BAD_USER_INPUT"}}
	}
	events, ctx, err := r.subscribe(ctx)
	if err != nil {
		return nil, err
	}
	out := make(chan *db.FundingOpportunity)
	told := map[int64]time.Time{} // call -> the next deadline it was told with
	// check tells the calls (of only, when not nil) that are within the window and not yet told with their
	// current next deadline.
	check := func(only []int64) bool {
		within, err := r.DB.FundingDeadlinesWithin(ctx, filter, days, only)
		if err != nil {
			if ctx.Err() == nil {
				logSubscriptionError(ctx, err)
			}
			return ctx.Err() == nil
		}
		var ids []int64
		for id, next := range within {
			if t, ok := told[id]; !ok || !t.Equal(next) {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			return true
		}
		calls, err := r.DB.FundingOpportunitiesByID(ctx, ids)
		if err != nil {
			return ctx.Err() == nil
		}
		for _, c := range calls {
			if c == nil {
				continue
			}
			select {
			case out <- c:
				told[c.ID] = within[c.ID]
			case <-ctx.Done():
				return false
			}
		}
		return true
	}
	go func() {
		defer close(out)
		if !check(nil) {
			return
		}
		today := r.DB.Today()
		tick := time.NewTicker(deadlineCheck)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if d := r.DB.Today(); !d.Equal(today) {
					today = d
					if !check(nil) {
						return
					}
				}
			case batch, ok := <-events:
				if !ok {
					return
				}
				var ids []int64
				for _, e := range batch {
					if e.Type == db.LiveEventFundingOpportunityChanged {
						ids = append(ids, e.EntityID)
					}
				}
				if len(ids) > 0 && !check(ids) {
					return
				}
			}
		}
	}()
	return out, nil
}

func logSubscriptionError(ctx context.Context, err error) {
	slog.ErrorContext(ctx, "subscription: reading an event's entity failed", "err", err)
}

// subscribe is the broker's Subscribe, its refusals errors with codes.
func (r *Resolver) subscribe(ctx context.Context) (<-chan []db.Event, context.Context, error) {
	events, ctx, err := r.Live.Subscribe(ctx)
	switch {
	case errors.Is(err, live.ErrTooManySubscriptions):
		err = &gqlerror.Error{Message: err.Error() + " (HUB_WS_MAX_SUBSCRIPTIONS); end one first",
			Extensions: map[string]any{"code": "TOO_MANY_SUBSCRIPTIONS"}}
	case errors.Is(err, live.ErrShuttingDown):
		err = &gqlerror.Error{Message: err.Error() + "; reconnect shortly", Extensions: map[string]any{"code": "SHUTTING_DOWN"}}
	}
	return events, ctx, err
}
