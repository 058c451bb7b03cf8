package db

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// The write flow. Every write runs in one transaction. An update holds its row from the read of what is
// stored to the write, so that two concurrent partial updates of one row apply one after the other, the
// second to what the first left, and the editor's ownership and the expected version are checked on the
// row as it will be changed, not as it was a moment before.

type editorKey struct{}

// WithEditor returns a context whose updates and deletes may only touch what member owns: auth's @owner
// sets it for editors. Without it (admins, the seed) writes are not restricted.
func WithEditor(ctx context.Context, member MemberID) context.Context {
	return context.WithValue(ctx, editorKey{}, member)
}

func editorOf(ctx context.Context) (int64, bool) {
	m, ok := ctx.Value(editorKey{}).(MemberID)
	return int64(m), ok
}

// errRollback undoes a transaction whose outcome is userErrors.
var errRollback = errors.New("rolled back")

// ErrNotOwner refuses an update or delete, under WithEditor, of a row the editor's member does not own.
var ErrNotOwner = errors.New("the editor's member does not own this")

// table is what the write flow knows of one table.
type table struct {
	name string
	// typ is its GraphQL type, which NOT_FOUND and CONFLICT name.
	typ string
	// versioned tables have a version column, which every write of a row increments.
	versioned bool
	// owns tells whether member owns row id, which is locked; nil when editors own no row of the table.
	owns func(ctx context.Context, q Querier, id, member int64) (bool, error)
}

// write runs fn in one transaction (a savepoint inside InTx): all of its writes happen, or, when it returns
// userErrors or an error, none.
func write[T any](ctx context.Context, d *DB, fn func(d *DB) (*T, []UserError, error)) (*T, []UserError, error) {
	var out *T
	var userErrs []UserError
	err := d.InTx(ctx, func(d *DB) error {
		var err error
		out, userErrs, err = fn(d)
		if err == nil && len(userErrs) > 0 {
			return errRollback
		}
		return err
	})
	if errors.Is(err, errRollback) {
		err = nil
	}
	if err != nil || len(userErrs) > 0 {
		return nil, userErrs, err
	}
	return out, nil, nil
}

// update is every update: in one transaction, it locks row id of t (lock), loads it as a draft, and hands
// that to change, which applies the input, validates and writes, reading whatever else it needs inside the
// same transaction.
func update[D, T any](ctx context.Context, d *DB, t *table, id int64, expectedVersion *int32,
	load func(ctx context.Context, d *DB, id int64) (*D, error),
	change func(ctx context.Context, d *DB, edit *D) (*T, []UserError, error)) (*T, []UserError, error) {
	return write(ctx, d, func(d *DB) (*T, []UserError, error) {
		if errs, err := lock(ctx, d, t, id, expectedVersion, "for no key update"); err != nil || errs != nil {
			return nil, errs, err
		}
		draft, err := load(ctx, d, id)
		if err != nil {
			return nil, nil, err
		}
		return change(ctx, d, draft)
	})
}

// remove deletes row id of t in the same discipline as update.
func remove(ctx context.Context, d *DB, t *table, id int64) ([]UserError, error) {
	_, errs, err := write(ctx, d, func(d *DB) (*struct{}, []UserError, error) {
		if errs, err := lock(ctx, d, t, id, nil, "for update"); err != nil || errs != nil {
			return nil, errs, err
		}
		_, err := d.q.Exec(ctx, fmt.Sprintf("delete from %s where id = $1", t.name), id)
		return &struct{}{}, nil, err
	})
	return errs, err
}

// lock takes row id of t until the transaction ends and checks that the write may go on: the row exists,
// the editor of ctx, if any, owns it, and it is still at the version the writer read. An update takes the
// lock an UPDATE takes (no key update), which excludes other writers of the row but not the foreign-key
// checks of rows that point at it; a delete takes the stronger one a DELETE takes.
func lock(ctx context.Context, d *DB, t *table, id int64, expectedVersion *int32, mode string) ([]UserError, error) {
	version := "0"
	if t.versioned {
		version = "version"
	}
	var current int32
	err := d.q.QueryRow(ctx, fmt.Sprintf("select %s from %s where id = $1 %s", version, t.name, mode), id).Scan(&current)
	if errors.Is(err, pgx.ErrNoRows) {
		return notFound("id", t.typ, GlobalID(t.typ, id)), nil
	}
	if err != nil {
		return nil, err
	}
	if member, ok := editorOf(ctx); ok {
		owns := false
		if t.owns != nil {
			if owns, err = t.owns(ctx, d.q, id, member); err != nil {
				return nil, err
			}
		}
		if !owns {
			return nil, ErrNotOwner
		}
	}
	if expectedVersion != nil && *expectedVersion != current {
		return []UserError{{Field: []string{"input", "expectedVersion"}, Code: UserErrorConflict,
			Message: fmt.Sprintf("this %s was changed since it was read (version %d): it is at version %d now; read it again and redo the change",
				t.typ, *expectedVersion, current)}}, nil
	}
	return nil, nil
}
