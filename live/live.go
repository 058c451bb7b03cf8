// Package live follows the committed change feed (db.Events, migration 011) and fans its events out to
// the hub's GraphQL subscriptions. Each hub follows the feed itself, so a write through any hub on the
// same database reaches the subscribers of all of them, in commit order and only after the commit.
// Subscribers get the events only; what each may see of the entities is re-read with its own access
// (resolvers/live.go).
package live

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/smartcommunities/hub/db"
)

// ErrTooManySubscriptions refuses a subscription over a connection's limit.
var ErrTooManySubscriptions = errors.New("too many subscriptions on this connection")

// ErrShuttingDown refuses a subscription while the hub stops.
var ErrShuttingDown = errors.New("the hub is shutting down")

// pollInterval bounds how late an event is when a notification was lost.
const pollInterval = 2 * time.Second

// subscriberBuffer is how many batches a subscriber may fall behind before it is dropped: a client that
// does not read must not hold the hub's memory.
const subscriberBuffer = 256

// Broker fans the change feed out to subscribers.
type Broker struct {
	DB *db.DB

	mu       sync.Mutex
	subs     map[*subscriber]struct{}
	closing  bool
	onClose  []func()
	position int64
	started  chan struct{}
}

type subscriber struct {
	events chan []db.Event
	cancel context.CancelFunc
}

// New returns a broker; Run starts it.
func New(d *db.DB) *Broker {
	return &Broker{DB: d, subs: map[*subscriber]struct{}{}, started: make(chan struct{})}
}

// Run follows the feed from its current end until ctx ends.
func (b *Broker) Run(ctx context.Context) {
	for {
		pos, err := b.DB.EventPosition(ctx)
		if err == nil {
			b.position = pos
			break
		}
		if ctx.Err() != nil {
			return
		}
		slog.Warn("live: reading the feed's position failed; retrying", "err", err)
		time.Sleep(time.Second)
	}
	close(b.started)
	wake := make(chan struct{}, 1)
	go b.DB.ListenEvents(ctx, "hub_event", wake)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-tick.C:
		}
		b.drain(ctx)
	}
}

// drain reads and sends every event after the broker's position.
func (b *Broker) drain(ctx context.Context) {
	for ctx.Err() == nil {
		evs, err := b.DB.Events(ctx, b.position, 100)
		if err != nil {
			if ctx.Err() == nil {
				slog.Warn("live: reading the feed failed", "err", err)
			}
			return
		}
		if len(evs) == 0 {
			return
		}
		b.position = evs[len(evs)-1].Position
		b.mu.Lock()
		for s := range b.subs {
			select {
			case s.events <- evs:
			default:
				slog.Warn("live: a subscriber fell behind and was dropped")
				s.cancel()
			}
		}
		b.mu.Unlock()
	}
}

// Subscribe returns the events committed from now on, until ctx ends (or the subscriber falls behind,
// or the hub shuts down), when the channel is closed. It counts against the connection's limit (see
// WithConnection).
func (b *Broker) Subscribe(ctx context.Context) (<-chan []db.Event, context.Context, error) {
	select {
	case <-b.started:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	c, _ := ctx.Value(connKey{}).(*connection)
	if c != nil {
		c.mu.Lock()
		if c.active >= c.max {
			c.mu.Unlock()
			return nil, nil, ErrTooManySubscriptions
		}
		c.active++
		c.mu.Unlock()
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &subscriber{events: make(chan []db.Event, subscriberBuffer), cancel: cancel}
	b.mu.Lock()
	if b.closing {
		b.mu.Unlock()
		cancel()
		if c != nil {
			c.release()
		}
		return nil, nil, ErrShuttingDown
	}
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	// The broker may not have read what committed just before: the subscription starts at the feed's
	// end as it is now, and is told nothing older.
	from, err := b.DB.EventPosition(ctx)
	if err != nil {
		b.mu.Lock()
		delete(b.subs, s)
		b.mu.Unlock()
		cancel()
		if c != nil {
			c.release()
		}
		return nil, nil, err
	}
	out := make(chan []db.Event)
	go func() {
		defer close(out)
		defer func() {
			b.mu.Lock()
			delete(b.subs, s)
			b.mu.Unlock()
			if c != nil {
				c.release()
			}
		}()
		for {
			select {
			case <-ctx.Done():
				return
			case evs := <-s.events:
				for len(evs) > 0 && evs[0].Position <= from {
					evs = evs[1:]
				}
				if len(evs) == 0 {
					continue
				}
				select {
				case out <- evs:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, ctx, nil
}

// Subscribers is how many subscriptions are following the feed.
func (b *Broker) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}

// OnShutdown registers fn to run when the hub shuts down: the WebSocket transport closes its connections
// with it (http.Server.Shutdown does not close hijacked connections).
func (b *Broker) OnShutdown(fn func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.onClose = append(b.onClose, fn)
}

// Shutdown ends every subscription and runs the OnShutdown functions; it may be called more than once.
func (b *Broker) Shutdown() {
	b.mu.Lock()
	if b.closing {
		b.mu.Unlock()
		return
	}
	b.closing = true
	fns := b.onClose
	b.mu.Unlock()
	// The connections first, so that their clients learn of the shutdown (1001) rather than of
	// subscriptions completed one by one.
	for _, fn := range fns {
		fn()
	}
	b.mu.Lock()
	for s := range b.subs {
		s.cancel()
	}
	b.mu.Unlock()
}

type connKey struct{}

// connection counts the subscriptions of one WebSocket connection.
type connection struct {
	mu          sync.Mutex
	active, max int
}

func (c *connection) release() {
	c.mu.Lock()
	c.active--
	c.mu.Unlock()
}

// WithConnection returns the context of a new WebSocket connection, which may hold at most max
// subscriptions at once.
func WithConnection(ctx context.Context, max int) context.Context {
	return context.WithValue(ctx, connKey{}, &connection{max: max})
}

// OnConnection tells whether ctx is a WebSocket connection's: subscriptions are served on nothing else.
func OnConnection(ctx context.Context) bool {
	_, ok := ctx.Value(connKey{}).(*connection)
	return ok
}
