package httpapi_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/db/seed"
	"github.com/smartcommunities/hub/hubtest"
)

// exportBody is an export as the hub serves it to h's caller.
func exportBody(t testing.TB, h *hubtest.Hub, kind db.ImportKind) []byte {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.Server.URL+"/export/"+string(kind)+".csv", nil)
	req.Header.Set("Authorization", "Bearer "+h.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("export %s: %d %s", kind, resp.StatusCode, body)
	}
	return body
}

// withoutIDs is an export without its id column: the global IDs are the database's own row ids, which
// another database gives out in its own order.
func withoutIDs(t *testing.T, body []byte) string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	w := csv.NewWriter(&out)
	at := slices.Index(rows[0], "id")
	for _, r := range rows {
		w.Write(slices.Delete(r, at, at+1))
	}
	w.Flush()
	return out.String()
}

type importReport struct {
	DryRun, Written             bool
	Created, Changed, Unchanged int
	Rows                        []struct {
		Line   int
		Key    string
		Action string
		Fields []string
	}
	Errors []struct {
		Line          int
		Column        string
		Field         []string
		Message, Code string
	}
}

const importMutation = `mutation($kind: ImportKind!, $f: Upload!, $dry: Boolean) {
	importCatalogue(input: {kind: $kind, file: $f, dryRun: $dry}) {
		dryRun written created changed unchanged rows { line key action fields } errors { line column field message code } } }`

var graphqlKinds = map[db.ImportKind]string{db.ImportMembers: "MEMBERS", db.ImportBestPractices: "BEST_PRACTICES",
	db.ImportFundingOpportunities: "FUNDING_OPPORTUNITIES", db.ImportDigitalTools: "DIGITAL_TOOLS"}

// importFile imports a CSV file through the importCatalogue mutation, as an admin's client would.
func importFile(t *testing.T, admin *hubtest.Hub, kind db.ImportKind, file []byte, dryRun bool) importReport {
	t.Helper()
	r := admin.PostFile(importMutation, map[string]any{"kind": graphqlKinds[kind], "dry": dryRun}, "f", string(kind)+".csv", file)
	var data struct{ ImportCatalogue *importReport }
	if len(r.Errors) > 0 || json.Unmarshal(r.Data, &data) != nil || data.ImportCatalogue == nil {
		t.Fatalf("importCatalogue %s: status %d, errors %+v, data %s", kind, r.Status, r.Errors, r.Data)
	}
	return *data.ImportCatalogue
}

// Export → import into an empty database → export gives the same files, for the four kinds, on the demo
// data (through the importCatalogue mutation) and on 10,000 synthetic practices (through db.Import, as
// `hub import` runs it). A second import of the same files changes nothing.
func TestImportRoundTrip(t *testing.T) {
	t.Parallel()
	t.Run("demo data over GraphQL", func(t *testing.T) {
		t.Parallel()
		from, to := hubtest.New(t, true).Admin(), hubtest.New(t, false).Admin()
		for _, kind := range db.ImportKinds {
			file := exportBody(t, from, kind)
			rep := importFile(t, to, kind, file, false)
			if len(rep.Errors) > 0 || !rep.Written || rep.Created == 0 || rep.Changed+rep.Unchanged > 0 {
				t.Fatalf("%s: %+v", kind, rep)
			}
			if got, want := withoutIDs(t, exportBody(t, to, kind)), withoutIDs(t, file); got != want {
				t.Errorf("%s: the export of the imported data differs:\n%s\nwant\n%s", kind, got, want)
			}
			if again := importFile(t, to, kind, file, false); again.Created+again.Changed > 0 || again.Unchanged != rep.Created {
				t.Errorf("%s imported again: %+v, want every row unchanged", kind, again)
			}
		}
	})
	t.Run("10,000 synthetic practices", func(t *testing.T) {
		t.Parallel()
		if testing.Short() {
			t.Skip("10,000 practices")
		}
		ctx := context.Background()
		from, to := hubtest.New(t, false).Admin(), hubtest.New(t, false).Admin()
		if err := seed.Synthetic(ctx, from.DB(), 10_000); err != nil {
			t.Fatal(err)
		}
		for _, kind := range db.ImportKinds {
			file := exportBody(t, from, kind)
			table, err := db.ReadCSV(bytes.NewReader(file))
			if err != nil {
				t.Fatal(err)
			}
			rep, err := to.DB().Import(ctx, kind, table, false, nil)
			if err != nil || len(rep.Errors) > 0 || rep.Created != len(table.Rows) {
				t.Fatalf("%s: %v %+v", kind, err, rep)
			}
			if got, want := withoutIDs(t, exportBody(t, to, kind)), withoutIDs(t, file); got != want {
				t.Errorf("%s: the export of the imported data differs (%d and %d bytes)", kind, len(got), len(want))
			}
		}
	})
}

// fingerprint is a digest of every content table's rows, in order: equal fingerprints, equal contents.
// The webhooks' position in the change feed moves on in the background, whatever the test writes.
// The tokens (whose last use each request records) and the search outbox are not content.
func fingerprint(t *testing.T, h *hubtest.Hub) string {
	t.Helper()
	ctx := context.Background()
	rows, _ := h.DB().Pool.Query(ctx, `select table_name from information_schema.tables
		where table_schema = 'public' and table_type = 'BASE TABLE'
		and table_name not in ('api_token', 'schema_version', 'webhook_feed') and table_name not like 'search\_%' order by 1`)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.New()
	for _, table := range tables {
		var digest *string
		if err := h.DB().Pool.QueryRow(ctx, fmt.Sprintf(`select md5(string_agg(t::text, '|' order by t::text)) from %s t`,
			pgx.Identifier{table}.Sanitize())).Scan(&digest); err != nil {
			t.Fatal(err)
		}
		if digest == nil {
			digest = new(string) // empty
		}
		fmt.Fprintf(sum, "%s=%s;", table, *digest)
	}
	return hex.EncodeToString(sum.Sum(nil))
}

// Every refused row is reported with its line, its column and the mutation's userError for the value,
// and nothing of the file is written, its valid rows included; a dry run writes nothing either, and
// tells what the import would create and change.
func TestImportRefusesInvalidRows(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, true)
	admin := h.Admin()
	const practices = "slug,title,language,country,year,status,themes,authors\n" +
		"import-test-valid,A valid practice,en,NL,2024,PUBLISHED,mobility,vng\n"
	for _, c := range []struct {
		name   string
		kind   db.ImportKind
		file   string
		line   int
		column string
		code   string
	}{
		{"unknown country", db.ImportBestPractices, practices + "import-test-country,A practice,en,XX,2024,PUBLISHED,mobility,vng\n", 3, "country", "UNKNOWN_REFERENCE"},
		{"missing title", db.ImportBestPractices, practices + "import-test-title,,en,NL,2024,PUBLISHED,mobility,vng\n", 3, "title", "REQUIRED"},
		{"unknown author", db.ImportBestPractices, practices + "import-test-author,A practice,en,NL,2024,PUBLISHED,mobility,nobody-at-all\n", 3, "authors", "UNKNOWN_REFERENCE"},
		{"duplicate slug within the file", db.ImportBestPractices, practices + "import-test-valid,The same slug,en,NL,2024,PUBLISHED,mobility,vng\n", 3, "slug", "DUPLICATE"},
		{"unknown theme", db.ImportBestPractices, practices + "import-test-theme,A practice,en,NL,2024,PUBLISHED,mobility; no-such-theme,vng\n", 3, "themes", "UNKNOWN_REFERENCE"},
		{"bad licence", db.ImportDigitalTools, "slug,name,licence,development_status\nimport-test-tool,A tool,MIT,COMPLETED\nimport-test-licence,Another tool,Not-A-Licence-1.0,COMPLETED\n", 3, "licence", "INVALID"},
		{"bad date", db.ImportMembers, "slug,name,kind,country,joined_on\nimport-test-member,A member,OTHER,PT,2024-01-15\nimport-test-date,Another member,OTHER,PT,2024-13-01\n", 3, "joined_on", "INVALID"},
		{"bad deadline", db.ImportFundingOpportunities, "identifier,title,programme,opening_date,deadline_model,deadlines\n" +
			"IMPORT-TEST-1,A call,DIGITAL,2027-01-01,SINGLE_STAGE,2027-03-01\nIMPORT-TEST-2,A call,DIGITAL,2027-01-01,SINGLE_STAGE,1 March\n", 3, "deadlines", "INVALID"},
		{"unknown column", db.ImportMembers, "slug,name,colour\nvng,VNG,blue\n", 1, "colour", "INVALID"},
		{"a semicolon file with a byte-order mark", db.ImportBestPractices, "\ufeffslug;title;language;country;year;status;themes;authors\n" +
			"import-test-semicolon;A practice;en;NL;2024;PUBLISHED;mobility;vng\nimport-test-country;A practice;en;XX;2024;PUBLISHED;mobility;vng\n", 3, "country", "UNKNOWN_REFERENCE"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := fingerprint(t, h)
			rep := importFile(t, admin, c.kind, []byte(c.file), false)
			if rep.Written || len(rep.Errors) != 1 || rep.Errors[0].Line != c.line || rep.Errors[0].Column != c.column || rep.Errors[0].Code != c.code {
				t.Errorf("want one error at line %d, column %s, %s; got %+v", c.line, c.column, c.code, rep)
			}
			if fingerprint(t, h) != before {
				t.Errorf("a refused file changed the database")
			}
		})
	}

	t.Run("dry run", func(t *testing.T) {
		file := []byte("slug,title,language,country,year,status,themes,authors\n" +
			"import-test-dry,A new practice,en,NL,2024,PUBLISHED,mobility,vng\n")
		before := fingerprint(t, h)
		rep := importFile(t, admin, db.ImportBestPractices, file, true)
		if !rep.DryRun || rep.Written || rep.Created != 1 || len(rep.Rows) != 1 || rep.Rows[0].Action != "CREATED" || rep.Rows[0].Key != "import-test-dry" {
			t.Errorf("dry run: %+v", rep)
		}
		if fingerprint(t, h) != before {
			t.Errorf("a dry run changed the database")
		}
		// A change to a stored practice names the columns it changes, and only those.
		var p struct {
			BestPractices struct {
				Nodes []struct{ Slug, Title, Language, Summary string }
			}
		}
		admin.Query(`{ bestPractices(first: 1) { nodes { slug title language summary } } }`, nil, &p)
		stored := p.BestPractices.Nodes[0]
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		w.Write([]string{"slug", "title", "language", "summary"})
		w.Write([]string{stored.Slug, stored.Title + " (revised)", stored.Language, stored.Summary})
		w.Flush()
		rep = importFile(t, admin, db.ImportBestPractices, b.Bytes(), true)
		if rep.Changed != 1 || len(rep.Rows) != 1 || rep.Rows[0].Action != "CHANGED" || !slices.Equal(rep.Rows[0].Fields, []string{"title"}) {
			t.Errorf("dry run of a change: %+v", rep)
		}
		if fingerprint(t, h) != before {
			t.Errorf("a dry run changed the database")
		}
		// The same file for real: written, and the practice has the new title and kept the rest.
		rep = importFile(t, admin, db.ImportBestPractices, b.Bytes(), false)
		if !rep.Written || rep.Changed != 1 || fingerprint(t, h) == before {
			t.Errorf("import: %+v", rep)
		}
		var after struct {
			BestPractice struct{ Title, Summary string }
		}
		admin.Query(`query($s: String!) { bestPractice(slug: $s) { title summary } }`, map[string]any{"s": stored.Slug}, &after)
		if after.BestPractice.Title != stored.Title+" (revised)" || after.BestPractice.Summary != stored.Summary {
			t.Errorf("after the import: %+v", after.BestPractice)
		}
	})
}

// BenchmarkImportPractices imports 10,000 synthetic practices from their CSV export into a database that
// has their members and tools (what `hub import best-practices` does), one import per iteration.
func BenchmarkImportPractices(b *testing.B) {
	ctx := context.Background()
	from := hubtest.New(b, false).Admin()
	if err := seed.Synthetic(ctx, from.DB(), 10_000); err != nil {
		b.Fatal(err)
	}
	files := map[db.ImportKind]*db.CSVTable{}
	for _, kind := range []db.ImportKind{db.ImportMembers, db.ImportDigitalTools, db.ImportBestPractices} {
		t, err := db.ReadCSV(bytes.NewReader(exportBody(b, from, kind)))
		if err != nil {
			b.Fatal(err)
		}
		files[kind] = t
	}
	for b.Loop() {
		b.StopTimer()
		to := hubtest.New(b, false)
		for _, kind := range []db.ImportKind{db.ImportMembers, db.ImportDigitalTools} {
			if rep, err := to.DB().Import(ctx, kind, files[kind], false, nil); err != nil || len(rep.Errors) > 0 {
				b.Fatal(err, rep)
			}
		}
		b.StartTimer()
		rep, err := to.DB().Import(ctx, db.ImportBestPractices, files[db.ImportBestPractices], false, nil)
		if err != nil || rep.Created != 10_000 {
			b.Fatal(err, rep)
		}
	}
}
