package db

import (
	"context"
	"fmt"
	"io/fs"
	"strings"

	"github.com/jackc/pgx/v5"
)

// rootPage reads one page of a top-level list; its total count is queried only if asked for.
func rootPage[T any, PT pageable[T]](ctx context.Context, d *DB, s *listSpec, args PageArgs) (*Page[*T], error) {
	pages, err := fetchPages[T, PT](ctx, d.q, s, args, nil)
	if err != nil {
		return nil, err
	}
	p := pages[""]
	p.countFn = func(ctx context.Context) (int, error) {
		counts, err := fetchCounts(ctx, d.q, s, nil)
		return counts[""], err
	}
	return p, nil
}

// queryOne reads at most one row; nil when there is none.
func queryOne[T any, PT scannable[T]](ctx context.Context, q Querier, sql string, args ...any) (*T, error) {
	items, err := queryAll[T, PT](ctx, q, sql, args...)
	if err != nil || len(items) == 0 {
		return nil, err
	}
	return items[0], nil
}

// byIDs reads rows by id and returns them in the order of ids, nil for missing ones. The query must
// select the id first and filter by "= any($1)"; more are its further arguments.
func byIDs[T any, PT pageable[T]](ctx context.Context, q Querier, sql string, ids []int64, more ...any) ([]*T, error) {
	items, err := queryAll[T, PT](ctx, q, sql, append([]any{ids}, more...)...)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*T, len(items))
	for _, it := range items {
		byID[PT(it).key()] = it
	}
	out := make([]*T, len(ids))
	for i, id := range ids {
		out[i] = byID[id]
	}
	return out, nil
}

// only picks the single parent's list out of a grouped result.
func only(m map[int64][]string, err error) ([]string, error) {
	for _, v := range m {
		return v, err
	}
	return nil, err
}

// set, setOpt and setList apply a partial update: a field left out (nil) keeps its value.
func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

func setOpt[T any](dst **T, v *T) {
	if v != nil {
		*dst = v
	}
}

func setList[T any](dst *[]T, v []T) {
	if v != nil {
		*dst = v
	}
}

func fieldIndex(field string, i int, sub string) string {
	return fmt.Sprintf("%s.%d.%s", field, i, sub)
}

func notFound(field, typ, id string) []UserError {
	return []UserError{{Field: []string{"input", field}, Code: UserErrorNotFound, Message: fmt.Sprintf("no %s has the ID %q", typ, id)}}
}

// replaceLinks makes the link rows of one owner exactly the given values.
func replaceLinks[V any](ctx context.Context, q conn, table, ownerCol, valueCol string, owner int64, values []V) error {
	if _, err := q.Exec(ctx, fmt.Sprintf("delete from %s where %s = $1", table, ownerCol), owner); err != nil {
		return err
	}
	return insertLinks(ctx, q, table, ownerCol, valueCol, owner, values)
}

// insertLinks adds the link rows of a new owner, which has none yet: no delete (a statement whose search
// trigger would fire for nothing), and no statement at all for an empty list.
func insertLinks[V any](ctx context.Context, q conn, table, ownerCol, valueCol string, owner int64, values []V) error {
	if len(values) == 0 {
		return nil
	}
	_, err := q.Exec(ctx, fmt.Sprintf("insert into %s (%s, %s) select $1, unnest($2::%s[])", table, ownerCol, valueCol, sqlArrayType[V]()), owner, values)
	return err
}

func sqlArrayType[V any]() string {
	var v V
	switch any(v).(type) {
	case int64:
		return "bigint"
	case int32:
		return "int"
	default:
		return "text"
	}
}

// duplicateErrors turns a unique violation of one of the named constraints into a userError on its field.
func duplicateErrors(err error, fields map[string]string) []UserError {
	if constraint, ok := isUniqueViolation(err); ok {
		if field, known := fields[constraint]; known {
			return []UserError{{Field: []string{"input", field}, Code: UserErrorDuplicate,
				Message: fmt.Sprintf("another entry already has this %s", field)}}
		}
	}
	return nil
}

// checkExist reports the ids that have no row in table. Inside a write's transaction, the rows found stay
// until it ends (a delete waits), so that the links the write then makes find them.
func checkExist(ctx context.Context, q Querier, table string, ids []int64) ([]int64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := q.Query(ctx, fmt.Sprintf("select id from %s where id = any($1) for key share", table), ids)
	if err != nil {
		return nil, err
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	have := map[int64]bool{}
	for _, id := range found {
		have[id] = true
	}
	var missing []int64
	for _, id := range ids {
		if !have[id] {
			missing = append(missing, id)
		}
	}
	return missing, nil
}

func enumStrings[E ~string](xs []E) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// scannable is a type that can be read from a row: fields appends the destinations of its columns, in
// select order, to dst, so that the rows of one query can share one slice of destinations.
type scannable[T any] interface {
	*T
	fields(dst []any) []any
}

// queryAll reads every row into a new T.
func queryAll[T any, PT scannable[T]](ctx context.Context, q Querier, sql string, args ...any) ([]*T, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*T{}
	var dest []any
	for rows.Next() {
		item := new(T)
		dest = PT(item).fields(dest[:0])
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, item)
	}
	linkBatch(out)
	return out, rows.Err()
}

// queryGrouped reads rows whose first column is a parent id, grouping the rest into new Ts by parent.
func queryGrouped[T any, PT scannable[T]](ctx context.Context, q Querier, sql string, args ...any) (map[int64][]*T, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]*T{}
	var all []*T
	var parent int64
	var dest []any // every row's destinations, in the one slice: rows.Scan keeps none of them
	for rows.Next() {
		item := new(T)
		dest = PT(item).fields(append(dest[:0], &parent))
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out[parent] = append(out[parent], item)
		all = append(all, item)
	}
	linkBatch(all)
	return out, rows.Err()
}

// queryGroupedValues reads (parent id, value) rows into lists of values by parent.
func queryGroupedValues[V any](ctx context.Context, q Querier, sql string, args ...any) (map[int64][]V, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	out := map[int64][]V{}
	var parent int64
	var v V
	_, err = pgx.ForEachRow(rows, []any{&parent, &v}, func() error {
		out[parent] = append(out[parent], v)
		return nil
	})
	return out, err
}

func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	return sub
}
