package db

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Catalogue import: a CSV file in the columns of the hub's own export (httpapi/export.go) is upserted, by
// slug (by topic identifier for funding opportunities), in one transaction. Each row becomes the partial
// update a mutation would get, with the columns of the file as its fields, and goes through the same
// write flow: the validation of the mutations, their userErrors, their writes. A row of an entry that
// exists is an update (what the file has no column for keeps its value); any other a create. When any
// row is refused, or when the import is a dry run, the transaction is rolled back, so that the report of
// a dry run is exactly what the import would do.

// ImportKind names what a CSV file holds, as its export does.
type ImportKind string

const (
	ImportMembers              ImportKind = "members"
	ImportBestPractices        ImportKind = "best-practices"
	ImportFundingOpportunities ImportKind = "funding-opportunities"
	ImportDigitalTools         ImportKind = "digital-tools"
)

// ImportKinds are the kinds a CSV import takes, in the order their references need them.
var ImportKinds = []ImportKind{ImportMembers, ImportDigitalTools, ImportFundingOpportunities, ImportBestPractices}

// ImportAction is what an import does, or would do, with one row.
type ImportAction string

const (
	ImportActionCreated   ImportAction = "CREATED"
	ImportActionChanged   ImportAction = "CHANGED"
	ImportActionUnchanged ImportAction = "UNCHANGED"
)

// ImportReport is what an import did, or, in a dry run or when it was refused, would have done.
type ImportReport struct {
	Kind      string
	DryRun    bool
	Created   int
	Changed   int
	Unchanged int
	// Written tells whether anything was committed: not in a dry run, nor when a row was refused.
	Written bool
	// Rows are the rows created or changed, in the file's order (rows left alone are only counted).
	Rows     []*ImportRow
	Errors   []*ImportError
	Warnings []string
}

// ImportRow is one created or changed row.
type ImportRow struct {
	Line   int
	Key    string
	Action ImportAction
	// Fields are the columns whose values change (all of the file's for a created row).
	Fields []string
}

// ImportError is a refused row (or header): its line in the file (1 is the header), its column, and the
// userError the mutation gives for the same value, with the path of the mutation's input field.
type ImportError struct {
	// File is the file of a publiccode.yml import (CSV errors have none: one file, one kind).
	File    string
	Line    int
	Column  string
	Field   []string
	Message string
	Code    UserErrorCode
}

func (e *ImportError) Error() string {
	if e.File != "" {
		return fmt.Sprintf("%s, %s: %s (%s)", e.File, e.Column, e.Message, e.Code)
	}
	if e.Column == "" {
		return fmt.Sprintf("line %d: %s (%s)", e.Line, e.Message, e.Code)
	}
	return fmt.Sprintf("line %d, column %s: %s (%s)", e.Line, e.Column, e.Message, e.Code)
}

// CSVTable is a CSV file read: its header and rows, each with the line it starts on.
type CSVTable struct {
	Header []string
	Rows   [][]string
	Lines  []int
}

// ReadCSV reads a CSV file as spreadsheets write it: UTF-8 with or without a byte-order mark, cells
// separated by commas or by semicolons (which of the two the header line uses more of, outside quotes).
// A file that is not CSV is an ImportError on its line.
func ReadCSV(r io.Reader) (*CSVTable, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = separator(data)
	cr.FieldsPerRecord = -1
	t := &CSVTable{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, &ImportError{Line: pe.Line, Code: UserErrorInvalid, Message: fmt.Sprintf("not CSV: %v", pe.Err)}
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		if t.Header == nil {
			t.Header = rec
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		t.Rows, t.Lines = append(t.Rows, rec), append(t.Lines, line)
	}
	if t.Header == nil {
		return nil, &ImportError{Line: 1, Code: UserErrorRequired, Message: "the file is empty: its first line must name the columns"}
	}
	return t, nil
}

// separator is the cell separator of a CSV file: ';' when its first line has more semicolons than commas
// outside quotes (spreadsheets in locales with a decimal comma write those), ',' otherwise.
func separator(data []byte) rune {
	commas, semicolons, quoted := 0, 0, false
	for _, b := range data {
		switch {
		case b == '"':
			quoted = !quoted
		case quoted:
		case b == '\n':
			if semicolons > commas {
				return ';'
			}
			return ','
		case b == ',':
			commas++
		case b == ';':
			semicolons++
		}
	}
	if semicolons > commas {
		return ';'
	}
	return ','
}

// Import upserts the rows of t into kind's table (see the top of this file). progress, when not nil, is
// told after each row how many of how many are done.
func (d *DB) Import(ctx context.Context, kind ImportKind, t *CSVTable, dryRun bool, progress func(done, total int)) (*ImportReport, error) {
	switch kind {
	case ImportMembers:
		return runImport(ctx, d, memberImport, kind, t, dryRun, progress)
	case ImportBestPractices:
		return runImport(ctx, d, practiceImport, kind, t, dryRun, progress)
	case ImportFundingOpportunities:
		return runImport(ctx, d, fundingImport, kind, t, dryRun, progress)
	case ImportDigitalTools:
		return runImport(ctx, d, toolImport, kind, t, dryRun, progress)
	}
	return nil, fmt.Errorf("%q is not a kind of import: %v", kind, ImportKinds)
}

// importer is what the import knows of one kind: its columns, and the write flow of its mutations.
type importer[E, U any] struct {
	typ string
	// key is the column rows are matched by; existing reads (key, id) of every stored entry.
	key      string
	existing string
	columns  []importColumn[E, U]
	// fresh is a new entry with the defaults of the create mutation; load reads a stored one with its
	// relations (the update's load); apply is the update's; save validates and writes, as the mutations do.
	fresh func(d *DB) *E
	load  func(ctx context.Context, d *DB, id int64) (*E, error)
	apply func(in *U, e *E)
	save  func(ctx context.Context, d *DB, e *E) ([]UserError, error)
}

// importColumn is one column of the export: parse sets its value on the mutation's input (nil for the
// columns the hub derives, such as the id or a call's status, which an import ignores); render gives
// an entry's value in the column's form, to tell what a row changes.
type importColumn[E, U any] struct {
	name, field string
	parse       func(r *importRefs, s string, in *U) []UserError
	render      func(r *importRefs, e *E) string
}

func runImport[E, U any](ctx context.Context, d *DB, imp *importer[E, U], kind ImportKind, t *CSVTable, dryRun bool, progress func(done, total int)) (*ImportReport, error) {
	rep := &ImportReport{Kind: string(kind), DryRun: dryRun}
	// The import is an admin's: it reads and writes every entry, drafts and proposals included.
	ctx = WithReadAccess(ctx, ReadAccess{All: true})
	cols := make([]*importColumn[E, U], len(t.Header))
	keyAt := -1
	for i, h := range t.Header {
		h = strings.TrimSpace(h)
		for j := range imp.columns {
			if imp.columns[j].name == h {
				cols[i] = &imp.columns[j]
			}
		}
		if cols[i] == nil {
			names := make([]string, len(imp.columns))
			for j, c := range imp.columns {
				names[j] = c.name
			}
			rep.Errors = append(rep.Errors, &ImportError{Line: 1, Column: h, Code: UserErrorInvalid,
				Message: fmt.Sprintf("%q is not a column of %s; the columns are those of its export: %s", h, kind, strings.Join(names, ", "))})
		} else if h == imp.key {
			keyAt = i
		}
	}
	if keyAt < 0 {
		rep.Errors = append(rep.Errors, &ImportError{Line: 1, Column: imp.key, Code: UserErrorRequired,
			Message: fmt.Sprintf("the file has no %s column: rows are matched to entries by it", imp.key)})
	}
	if len(rep.Errors) > 0 {
		return rep, nil
	}
	err := d.InTx(ctx, func(d *DB) error {
		refs, err := loadImportRefs(ctx, d)
		if err != nil {
			return err
		}
		existing, err := keyedIDs(ctx, d, imp.existing)
		if err != nil {
			return err
		}
		seen := map[string]int{}
		for n, rec := range t.Rows {
			line := t.Lines[n]
			if progress != nil {
				progress(n+1, len(t.Rows))
			}
			if len(rec) != len(t.Header) {
				rep.Errors = append(rep.Errors, &ImportError{Line: line, Code: UserErrorInvalid,
					Message: fmt.Sprintf("the row has %d cells, the header %d", len(rec), len(t.Header))})
				continue
			}
			key := strings.TrimSpace(rec[keyAt])
			if key == "" {
				rep.Errors = append(rep.Errors, &ImportError{Line: line, Column: imp.key, Field: []string{"input", cols[keyAt].field},
					Code: UserErrorRequired, Message: fmt.Sprintf("give the %s: rows are matched to entries by it", imp.key)})
				continue
			}
			if first, dup := seen[key]; dup {
				rep.Errors = append(rep.Errors, &ImportError{Line: line, Column: imp.key, Field: []string{"input", cols[keyAt].field},
					Code: UserErrorDuplicate, Message: fmt.Sprintf("%s %q is also on line %d", imp.key, key, first)})
				continue
			}
			seen[key] = line
			in := new(U)
			refused := false
			for i, c := range cols {
				if c.parse == nil {
					continue
				}
				for _, ue := range c.parse(refs, undefuse(rec[i]), in) {
					rep.Errors = append(rep.Errors, &ImportError{Line: line, Column: c.name, Field: ue.Field, Message: ue.Message, Code: ue.Code})
					refused = true
				}
			}
			if refused {
				continue
			}
			var e *E
			var before []string
			id, exists := existing[key]
			if exists {
				if e, err = imp.load(ctx, d, id); err != nil {
					return err
				}
				before = renderColumns(refs, cols, e)
			} else {
				e = imp.fresh(d)
			}
			imp.apply(in, e)
			row := &ImportRow{Line: line, Key: key, Action: ImportActionCreated}
			after := renderColumns(refs, cols, e)
			for i, c := range cols {
				if c.parse != nil && (!exists || before[i] != after[i]) {
					row.Fields = append(row.Fields, c.name)
				}
			}
			if exists && len(row.Fields) == 0 {
				rep.Unchanged++
				continue
			}
			errs, err := imp.save(ctx, d, e)
			if err != nil {
				return fmt.Errorf("line %d: %w", line, err)
			}
			for _, ue := range errs {
				rep.Errors = append(rep.Errors, &ImportError{Line: line, Column: columnOf(imp.columns, ue.Field), Field: ue.Field, Message: ue.Message, Code: ue.Code})
			}
			if len(errs) > 0 {
				continue
			}
			rep.add(row, exists)
		}
		if len(rep.Errors) > 0 || dryRun {
			return errRollback
		}
		return nil
	})
	return rep.settle(err)
}

func renderColumns[E, U any](refs *importRefs, cols []*importColumn[E, U], e *E) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		if c.parse != nil {
			out[i] = c.render(refs, e)
		}
	}
	return out
}

// columnOf is the column of the input field a userError names (["input", "themes", "1"]: themes).
func columnOf[E, U any](cols []importColumn[E, U], field []string) string {
	if len(field) < 2 {
		return ""
	}
	for _, c := range cols {
		if c.field == field[1] {
			return c.name
		}
	}
	return ""
}

// undefuse takes off the apostrophe the export puts before a cell a spreadsheet would run as a formula.
func undefuse(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
		return s[1:]
	}
	return s
}

func keyedIDs(ctx context.Context, d *DB, sql string) (map[string]int64, error) {
	rows, err := d.q.Query(ctx, sql)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	var key string
	var id int64
	_, err = pgx.ForEachRow(rows, []any{&key, &id}, func() error {
		out[key] = id
		return nil
	})
	return out, err
}

// importRefs resolve the slugs (and topic identifiers) a file names entries by, both ways.
type importRefs struct {
	ref                    *Reference
	members, tools, calls  map[string]int64
	memberOf, toolOf, call map[int64]string
}

func loadImportRefs(ctx context.Context, d *DB) (*importRefs, error) {
	r := &importRefs{ref: d.ref}
	var err error
	for _, x := range []struct {
		sql string
		dst *map[string]int64
		rev *map[int64]string
	}{{"select slug, id from member", &r.members, &r.memberOf}, {"select slug, id from digital_tool", &r.tools, &r.toolOf},
		{"select topic_id, id from funding_opportunity", &r.calls, &r.call}} {
		if *x.dst, err = keyedIDs(ctx, d, x.sql); err != nil {
			return nil, err
		}
		*x.rev = make(map[int64]string, len(*x.dst))
		for k, id := range *x.dst {
			(*x.rev)[id] = k
		}
	}
	return r, nil
}

// resolve turns the slugs of one cell into ids, with an UNKNOWN_REFERENCE for each that names nothing.
func resolve[ID EntityID](field, typ, by string, keys []string, ids map[string]int64) ([]ID, []UserError) {
	out := []ID{}
	var errs []UserError
	for i, k := range keys {
		id, ok := ids[k]
		if !ok {
			errs = append(errs, UserError{Field: []string{"input", field, fmt.Sprint(i)}, Code: UserErrorUnknownReference,
				Message: fmt.Sprintf("no %s has the %s %q", typ, by, k)})
			continue
		}
		out = append(out, ID(id))
	}
	return out, errs
}

func names[ID EntityID](ids []ID, of map[int64]string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = of[int64(id)]
	}
	return sortedCell(out)
}

// cells splits a list cell ("a; b; c"), as the export joins lists; an empty cell is the empty list.
func cells(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ";") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// sortedCell is a list as one cell, in an order of its own: lists are compared as sets of values.
func sortedCell(xs []string) string {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	return strings.Join(xs, "; ")
}

func opt(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func textPtr(s string) *string { return &s }

// ToolEntry is one digital tool read from a catalogue file (publiccode.yml): the update it makes, the
// URL that identifies the tool (its repository), and, for reports, the file and the name of each of the
// input's fields in the file's own terms.
type ToolEntry struct {
	File  string
	URL   string
	Input *UpdateDigitalToolInput
	Keys  map[string]string // input field -> the file's key
}

// ImportTools upserts digital tools by their repository URL, in one transaction, each validated and
// written as updateDigitalTool and createDigitalTool do; when any is refused, or in a dry run, nothing is
// written. A new tool's slug is derived from its name.
func (d *DB) ImportTools(ctx context.Context, entries []ToolEntry, dryRun bool, progress func(done, total int)) (*ImportReport, error) {
	rep := &ImportReport{Kind: "publiccode", DryRun: dryRun}
	ctx = WithReadAccess(ctx, ReadAccess{All: true})
	refs := &importRefs{ref: d.ref}
	fields := []string{"name", "licence", "development_status", "languages", "countries", "website", "repository_url", "description"}
	render := func(e *toolEdit) []string {
		var out []string
		for _, c := range toolImport.columns {
			if slices.Contains(fields, c.name) {
				out = append(out, c.render(refs, e))
			}
		}
		var tr []string
		for _, t := range e.translations {
			tr = append(tr, fmt.Sprintf("%s|%s|%s|%s", t.Language, opt(t.ShortDescription), opt(t.LongDescription), strings.Join(t.Features, "|")))
		}
		return append(out, opt(e.SoftwareType), sortedCell(tr))
	}
	names := append(slices.Clone(fields), "software_type", "translations")
	err := d.InTx(ctx, func(d *DB) error {
		existing, err := keyedIDs(ctx, d, "select repository_url, id from digital_tool where repository_url is not null")
		if err != nil {
			return err
		}
		seen := map[string]string{}
		for n, en := range entries {
			if progress != nil {
				progress(n+1, len(entries))
			}
			if first, dup := seen[en.URL]; dup {
				rep.Errors = append(rep.Errors, &ImportError{File: en.File, Column: en.Keys["repositoryUrl"], Field: []string{"input", "repositoryUrl"},
					Code: UserErrorDuplicate, Message: fmt.Sprintf("%s is also the url of %s", en.URL, first)})
				continue
			}
			seen[en.URL] = en.File
			id, exists := existing[en.URL]
			var e *toolEdit
			var before []string
			if exists {
				if e, err = loadToolEdit(ctx, d, id); err != nil {
					return err
				}
				before = render(e)
			} else {
				e = newToolEdit(d)
			}
			en.Input.applyTo(e)
			row := &ImportRow{Key: en.URL, Action: ImportActionCreated}
			after := render(e)
			for i := range after {
				if !exists || before[i] != after[i] {
					row.Fields = append(row.Fields, names[i])
				}
			}
			if exists && len(row.Fields) == 0 {
				rep.Unchanged++
				continue
			}
			var errs []UserError
			// A savepoint each: a new tool's derived slug may be taken, which PostgreSQL reports by
			// aborting the statement.
			err := d.InTx(ctx, func(d *DB) error {
				_, errs, err = d.saveTool(ctx, e)
				if err == nil && len(errs) > 0 {
					return errRollback
				}
				return err
			})
			if err != nil && !errors.Is(err, errRollback) {
				return fmt.Errorf("%s: %w", en.File, err)
			}
			for _, ue := range errs {
				key := ""
				if len(ue.Field) > 1 {
					key = en.Keys[ue.Field[1]]
				}
				rep.Errors = append(rep.Errors, &ImportError{File: en.File, Column: key, Field: ue.Field, Message: ue.Message, Code: ue.Code})
			}
			if len(errs) > 0 {
				continue
			}
			rep.add(row, exists)
		}
		if len(rep.Errors) > 0 || dryRun {
			return errRollback
		}
		return nil
	})
	return rep.settle(err)
}

// add counts a row that passed, as created or changed.
func (rep *ImportReport) add(row *ImportRow, exists bool) {
	if exists {
		row.Action = ImportActionChanged
		rep.Changed++
	} else {
		rep.Created++
	}
	rep.Rows = append(rep.Rows, row)
}

// settle is the report once the import's transaction has ended with err: errRollback (a dry run, or
// refused rows) writes nothing and is no error.
func (rep *ImportReport) settle(err error) (*ImportReport, error) {
	if errors.Is(err, errRollback) {
		return rep, nil
	}
	if err != nil {
		return nil, err
	}
	rep.Written = true
	return rep, nil
}
