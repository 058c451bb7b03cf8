package db

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// MaxPageSize bounds first and last: a page is for a screen, not for an export.
const MaxPageSize = 100

// DefaultPageSize applies when neither first nor last is given.
const DefaultPageSize = 20

// ErrBadPageArgs is wrapped by every error about first/after/last/before: the caller sent them wrong.
var ErrBadPageArgs = errors.New("bad page arguments")

// PageArgs are the Relay connection arguments.
type PageArgs struct {
	First  *int    `json:"f,omitempty"`
	After  *string `json:"a,omitempty"`
	Last   *int    `json:"l,omitempty"`
	Before *string `json:"b,omitempty"`
}

// PageInfo is Relay's page information.
type PageInfo struct {
	HasNextPage     bool
	HasPreviousPage bool
	StartCursor     *string
	EndCursor       *string
}

// Edge pairs an item with the cursor that resumes after it.
type Edge[T any] struct {
	Node   T
	cursor cursor
}

// Cursor is encoded only when a client asks for it: most pages are read without.
func (e *Edge[T]) Cursor() string { return encodeCursor(e.cursor) }

// Page is one page of a connection. Its total count is computed only when a client asks for it.
type Page[T any] struct {
	Items   []T
	cursors []cursor
	info    PageInfo
	countFn func(ctx context.Context) (int, error)
}

func (p *Page[T]) Edges() []Edge[T] {
	edges := make([]Edge[T], len(p.Items))
	for i, it := range p.Items {
		edges[i] = Edge[T]{Node: it, cursor: p.cursors[i]}
	}
	return edges
}

func (p *Page[T]) Nodes() []T { return p.Items }

func (p *Page[T]) PageInfo() PageInfo {
	info := p.info
	if n := len(p.cursors); n > 0 {
		start, end := encodeCursor(p.cursors[0]), encodeCursor(p.cursors[n-1])
		info.StartCursor, info.EndCursor = &start, &end
	}
	return info
}

func (p *Page[T]) TotalCount(ctx context.Context) (int, error) { return p.countFn(ctx) }

// orderKey says how a list is ordered: a SQL expression that is never NULL (so that row comparison works)
// and the type its cursor value is cast back to.
type orderKey struct {
	name    string // the GraphQL order field, kept in cursors so a cursor is not reused under another order
	expr    string
	sqlType string
}

// cursor is what a cursor encodes: the order it was made under, the row's order value and its id.
type cursor struct {
	Order string `json:"o"`
	Value string `json:"v"`
	ID    int64  `json:"i"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string, order orderKey) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.ID <= 0 {
		return c, fmt.Errorf("%w: %q is not a cursor of this list", ErrBadPageArgs, s)
	}
	if c.Order != order.name {
		return c, fmt.Errorf("%w: the cursor was made for order %s, not %s", ErrBadPageArgs, c.Order, order.name)
	}
	// A cursor is the client's to send: a value PostgreSQL cannot cast would be an internal error.
	if !castable(c.Value, order.sqlType) {
		return c, fmt.Errorf("%w: %q is not a cursor of this list", ErrBadPageArgs, s)
	}
	return c, nil
}

// castable tells whether PostgreSQL's text form of an order value, as a cursor holds it, casts back to
// the order's type.
func castable(v, sqlType string) bool {
	var err error
	switch sqlType {
	case "int":
		_, err = strconv.ParseInt(v, 10, 32)
	case "numeric":
		_, err = strconv.ParseFloat(v, 64)
	case "date":
		if v != "infinity" { // the order NEXT_DEADLINE's value for calls with no deadline left
			_, err = time.Parse(time.DateOnly, v)
		}
	case "timestamptz":
		for _, layout := range []string{"2006-01-02 15:04:05.999999999-07", "2006-01-02 15:04:05.999999999-07:00"} {
			if _, err = time.Parse(layout, v); err == nil {
				break
			}
		}
	}
	return err == nil && utf8.ValidString(v) && !strings.ContainsRune(v, 0)
}

// window is a validated page request: how many rows, in which direction, from which cursor.
type window struct {
	limit    int
	backward bool // last/before: read in reverse order, then flip
	from     *cursor
}

func (a PageArgs) window(order orderKey) (window, error) {
	w := window{limit: DefaultPageSize}
	if a.First != nil && a.Last != nil {
		return w, fmt.Errorf("%w: give first or last, not both", ErrBadPageArgs)
	}
	if a.After != nil && a.Before != nil {
		return w, fmt.Errorf("%w: give after or before, not both", ErrBadPageArgs)
	}
	if a.Last != nil || a.Before != nil {
		w.backward = true
	}
	if w.backward && a.After != nil {
		return w, fmt.Errorf("%w: after goes with first, before with last", ErrBadPageArgs)
	}
	if !w.backward && a.Before != nil {
		return w, fmt.Errorf("%w: after goes with first, before with last", ErrBadPageArgs)
	}
	for _, n := range []*int{a.First, a.Last} {
		if n != nil {
			if *n < 0 || *n > MaxPageSize {
				return w, fmt.Errorf("%w: first and last must be between 0 and %d, got %d", ErrBadPageArgs, MaxPageSize, *n)
			}
			w.limit = *n
		}
	}
	for _, s := range []*string{a.After, a.Before} {
		if s != nil {
			c, err := decodeCursor(*s, order)
			if err != nil {
				return w, err
			}
			w.from = &c
		}
	}
	return w, nil
}

// builder collects SQL conditions and their arguments, numbering placeholders as it goes.
type builder struct {
	conds []string
	args  []any
}

// arg adds a value and returns its placeholder.
func (b *builder) arg(v any) string {
	b.args = append(b.args, v)
	return fmt.Sprintf("$%d", len(b.args))
}

// where adds a condition; each %s in cond is replaced by a placeholder for the next value in vals.
func (b *builder) where(cond string, vals ...any) {
	ph := make([]any, len(vals))
	for i, v := range vals {
		ph[i] = b.arg(v)
	}
	b.conds = append(b.conds, fmt.Sprintf(cond, ph...))
}

func (b *builder) whereSQL() string {
	if len(b.conds) == 0 {
		return "true"
	}
	return strings.Join(b.conds, " and ")
}

// listSpec describes one list: the table with its alias, the columns to select, the ordering, the filter,
// and (for a relation) how rows hang off their parent.
type listSpec struct {
	from    string // e.g. "best_practice bp"
	alias   string // e.g. "bp"
	columns string
	order   orderKey
	desc    bool
	filter  func(b *builder)
	parent  *parentSpec
	// counted, when not empty, is the condition on practice_count's status that counts the list: its
	// totals are kept there (migration 012) rather than counted row by row. Only for lists whose rows the
	// counters describe: no filter but the visibility of a status.
	counted string
}

// parentSpec makes a list hang off parent rows: link is the link table (with its alias) joined on on, if
// any; column is the parent key, and keyType its SQL type. Parent keys travel as text so that one
// mechanism serves ids and codes.
type parentSpec struct {
	link, on string
	column   string
	keyType  string
	// ordered maps orders to the link table's copy of their column, and idColumn is its copy of the
	// row's id: a page in such an order is the first entries of the link's index for the parent, not a
	// sort of all the parent's rows.
	ordered  map[string]string
	idColumn string
	// counted is the relation's name in practice_count, if it is counted there.
	counted string
}

func (p *parentSpec) join() string {
	if p.link == "" {
		return ""
	}
	return "join " + p.link + " on " + p.on
}

func (s *listSpec) start() (builder, string) {
	b := builder{}
	parentKeys := ""
	if s.parent != nil {
		parentKeys = b.arg(nil) // the caller fills in $1, the parent keys
	}
	if s.filter != nil {
		s.filter(&b)
	}
	return b, parentKeys
}

// pageSQL builds the query of one page: rows in order, one extra to tell whether a next page exists. With
// a parent it reads the pages of many parents at once (a LATERAL join over the parent keys in $1), so
// that a nested connection costs one statement however many parents the page above has.
func (s *listSpec) pageSQL(w window) (string, []any) {
	b, parentKeys := s.start()
	desc := s.desc != w.backward
	orderExpr, idExpr := s.order.expr, s.alias+".id"
	if s.parent != nil && s.parent.ordered[s.order.name] != "" {
		orderExpr, idExpr = s.parent.ordered[s.order.name], s.parent.idColumn
	}
	if w.from != nil {
		op := ">"
		if desc {
			op = "<"
		}
		b.conds = append(b.conds, fmt.Sprintf("(%s, %s) %s (%s::%s, %s::bigint)",
			orderExpr, idExpr, op, b.arg(w.from.Value), s.order.sqlType, b.arg(w.from.ID)))
	}
	dir := "asc"
	if desc {
		dir = "desc"
	}
	if s.parent == nil {
		return fmt.Sprintf("select %s, (%s)::text from %s where %s order by %s %s, %s.id %s limit %d",
			s.columns, s.order.expr, s.from, b.whereSQL(), s.order.expr, dir, s.alias, dir, w.limit+1), b.args
	}
	return fmt.Sprintf("select p.key, x.* from unnest(%s::text[]) as p(key) cross join lateral ("+
		"select %s, (%s)::text from %s %s where %s = p.key::%s and %s order by %s %s, %s %s limit %d) as x",
		parentKeys, s.columns, s.order.expr, s.from, s.parent.join(), s.parent.column, s.parent.keyType,
		b.whereSQL(), orderExpr, dir, idExpr, dir, w.limit+1), b.args
}

// countSQL counts the rows matching the filter, per parent when there is one.
func (s *listSpec) countSQL() (string, []any) {
	if s.counted != "" && (s.parent == nil || s.parent.counted != "") {
		relation := "all"
		if s.parent != nil {
			relation = s.parent.counted
		}
		sum := "(select coalesce(sum(c.n), 0) from practice_count c where c.relation = '" + relation +
			"' and c.parent = p.key and " + s.counted + ")"
		if s.parent == nil {
			return "select p.key, " + sum + " from (values ('')) as p(key)", nil
		}
		return "select p.key, " + sum + " from unnest($1::text[]) as p(key)", []any{nil}
	}
	b, parentKeys := s.start()
	if s.parent == nil {
		return fmt.Sprintf("select '', count(*) from %s where %s", s.from, b.whereSQL()), b.args
	}
	from := s.from + " " + s.parent.join()
	if s.filter == nil && s.parent.link != "" {
		from = s.parent.link // unfiltered, the link rows alone tell the count (foreign keys keep them true)
	}
	return fmt.Sprintf("select p.key, (select count(*) from %s where %s = p.key::%s and %s) from unnest(%s::text[]) as p(key)",
		from, s.parent.column, s.parent.keyType, b.whereSQL(), parentKeys), b.args
}

// pageable is a domain type that can be read from its table's columns and has an id.
type pageable[T any] interface {
	*T
	fields(dst []any) []any
	key() int64
}

// fetchPages reads the pages of the given parents (or, for a list without parent, the one page under the
// key "") in one statement.
func fetchPages[T any, PT pageable[T]](ctx context.Context, q Querier, s *listSpec, args PageArgs, keys []string) (map[string]*Page[*T], error) {
	w, err := args.window(s.order)
	if err != nil {
		return nil, err
	}
	sql, qargs := s.pageSQL(w)
	if s.parent != nil {
		qargs[0] = keys
	}
	rows, err := q.Query(ctx, sql, qargs...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type read struct {
		items []*T
		order []string
	}
	byKey := map[string]*read{}
	var parent, orderValue string
	var dest []any // every row's destinations, in the one slice: rows.Scan keeps none of them
	for rows.Next() {
		item := new(T)
		dest = dest[:0]
		if s.parent != nil {
			dest = append(dest, &parent)
		}
		dest = append(PT(item).fields(dest), &orderValue)
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		r := byKey[parent]
		if r == nil {
			r = &read{}
			byKey[parent] = r
		}
		r.items = append(r.items, item)
		r.order = append(r.order, orderValue)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if s.parent == nil {
		keys = []string{""}
	}
	pages := make(map[string]*Page[*T], len(keys))
	var all []*T
	for _, k := range keys {
		r := byKey[k]
		if r == nil {
			r = &read{}
		}
		pages[k] = makePage[T, PT](r.items, r.order, w, s.order.name)
		all = append(all, pages[k].Items...)
	}
	linkBatch(all)
	return pages, nil
}

func makePage[T any, PT pageable[T]](items []*T, order []string, w window, orderName string) *Page[*T] {
	more := len(items) > w.limit
	if more {
		items, order = items[:w.limit], order[:w.limit]
	}
	if w.backward {
		for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
			items[i], items[j] = items[j], items[i]
			order[i], order[j] = order[j], order[i]
		}
	}
	p := &Page[*T]{Items: items, cursors: make([]cursor, len(items))}
	for i, it := range items {
		p.cursors[i] = cursor{Order: orderName, Value: order[i], ID: PT(it).key()}
	}
	if w.backward {
		p.info.HasPreviousPage, p.info.HasNextPage = more, w.from != nil
	} else {
		p.info.HasNextPage, p.info.HasPreviousPage = more, w.from != nil
	}
	if items == nil {
		p.Items = []*T{}
	}
	return p
}

// fetchCounts counts the matching rows per parent (or under "" without parent) in one statement.
func fetchCounts(ctx context.Context, q Querier, s *listSpec, keys []string) (map[string]int, error) {
	sql, args := s.countSQL()
	if s.parent != nil {
		args[0] = keys
	}
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	counts := map[string]int{}
	var k string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&k, &n}, func() error {
		counts[k] = n
		return nil
	})
	return counts, err
}

// The GraphQL connection and edge types, bound by gqlgen.yml.
type (
	MemberConnection                = Page[*Member]
	MemberEdge                      = Edge[*Member]
	BestPracticeConnection          = Page[*BestPractice]
	BestPracticeEdge                = Edge[*BestPractice]
	FundingOpportunityConnection    = Page[*FundingOpportunity]
	FundingOpportunityEdge          = Edge[*FundingOpportunity]
	DigitalToolConnection           = Page[*DigitalTool]
	DigitalToolEdge                 = Edge[*DigitalTool]
	ApiTokenConnection              = Page[*APIToken]
	ApiTokenEdge                    = Edge[*APIToken]
	MembershipApplicationConnection = Page[*MembershipApplication]
	MembershipApplicationEdge       = Edge[*MembershipApplication]
)
