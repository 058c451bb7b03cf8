package db

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgxlisten"
)

// Listen holds one LISTEN connection for the channels in on until ctx ends, calling each channel's
// function for every notification sent to it, and also each time the connection is (re)established:
// notifications sent while it was down are lost, so a listener must then look for itself. down, if not
// nil, is called when the connection fails; it is re-established a second later.
func (d *DB) Listen(ctx context.Context, on map[string]func(), down func(error)) {
	l := &pgxlisten.Listener{
		// The connection leaves the pool for good: pgxlisten closes it when listening ends, and
		// Pool.Close need not wait for it.
		Connect: func(ctx context.Context) (*pgx.Conn, error) {
			c, err := d.Pool.Acquire(ctx)
			if err != nil {
				return nil, err
			}
			return c.Hijack(), nil
		},
		LogError: func(ctx context.Context, err error) {
			if ctx.Err() != nil {
				return
			}
			slog.Warn("listening for database changes failed; retrying", "err", err)
			if down != nil {
				down(err)
			}
		},
		ReconnectDelay: time.Second,
	}
	for channel, fn := range on {
		l.Handle(channel, notified(fn))
	}
	l.Listen(ctx) //nolint:errcheck // it returns only when ctx ends
}

// notified calls its function on each notification and on each (re)connection.
type notified func()

func (f notified) HandleNotification(context.Context, *pgconn.Notification, *pgx.Conn) error {
	f()
	return nil
}

func (f notified) HandleBacklog(context.Context, string, *pgx.Conn) error {
	f()
	return nil
}
