package db

import (
	"context"
	"sync/atomic"
)

// DataVersion advances whenever a change to the data may have been committed: by this process's own
// transactions the moment they commit (so that a writer's next read cannot be answered from before its
// write), and by every other process's through the data_change notification (migration 011). What was
// computed at one version may be reused while the version has not moved.
type DataVersion struct {
	// following is false until the notifications are received, and while their connection is down:
	// another process's change could then go unseen, so nothing may be reused.
	following atomic.Bool
	counter   atomic.Uint64
}

// Load returns the current version, and whether it is followed: false means nothing may be reused.
func (v *DataVersion) Load() (uint64, bool) {
	if v == nil {
		return 0, false
	}
	return v.counter.Load(), v.following.Load()
}

// Advance moves the version on.
func (v *DataVersion) Advance() {
	if v != nil {
		v.counter.Add(1)
	}
}

// Version is the data version of this process's database service.
func (d *DB) Version() *DataVersion { return d.version }

// FollowChanges keeps the data version in step with every process's committed changes until ctx ends.
func (d *DB) FollowChanges(ctx context.Context) {
	v := d.version
	d.Listen(ctx, map[string]func(){"data_change": func() {
		v.Advance()
		v.following.Store(true)
	}}, func(error) {
		v.following.Store(false)
		v.Advance()
	})
	v.following.Store(false)
}
