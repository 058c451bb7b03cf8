package httpapi_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/smartcommunities/hub/db/seed"
	"github.com/smartcommunities/hub/hubtest"
)

func getCSV(h *hubtest.Hub, t *testing.T, path string, params map[string]string) (int, [][]string, string) {
	t.Helper()
	q := url.Values{}
	for k, v := range params {
		q.Set(k, v)
	}
	req, _ := http.NewRequest(http.MethodGet, h.Server.URL+path+"?"+q.Encode(), nil)
	if h.Token != "" {
		req.Header.Set("Authorization", "Bearer "+h.Token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil, string(body)
	}
	if !strings.HasPrefix(string(body), "\ufeff") || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Errorf("%s: no byte-order mark or not text/csv (%s)", path, resp.Header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(body), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatalf("%s: not CSV: %v", path, err)
	}
	return resp.StatusCode, rows, resp.Header.Get("Content-Disposition")
}

// Each export holds exactly what the list gives under the same filter and order, page after page, as
// the caller may read it; a bad filter is the list's own error.
func TestCSVExports(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	for _, c := range []struct {
		path, list, filterType, filter, orderBy, idField string
	}{
		{"/export/members.csv", "members", "MemberFilter", `{"kind":["NATIONAL_ASSOCIATION"]}`, `{"field":"JOINED_ON","direction":"DESC"}`, "id"},
		{"/export/best-practices.csv", "bestPractices", "BestPracticeFilter", `{"year":{"from":2021}}`, `{"field":"YEAR"}`, "id"},
		{"/export/funding-opportunities.csv", "fundingOpportunities", "FundingOpportunityFilter", `{"status":["OPEN","FORTHCOMING"]}`, `{"field":"DEADLINE"}`, "id"},
		{"/export/best-practices.csv", "bestPractices", "BestPracticeFilter", ``, ``, "id"},
	} {
		status, rows, disposition := getCSV(h, t, c.path, map[string]string{"filter": c.filter, "orderBy": c.orderBy})
		if status != http.StatusOK || len(rows) < 2 || !strings.Contains(disposition, "attachment") {
			t.Fatalf("%s: status %d, %d rows, %q", c.path, status, len(rows), disposition)
		}
		// The same IDs in the same order as the list, paged by 100 (more than one page would take more
		// data than the demo has; the paging loop is the list's own cursor).
		vars := map[string]any{}
		var want []string
		var out map[string]struct{ Nodes []struct{ ID string } }
		q := `query($f: ` + c.filterType + `, $o: ` + strings.TrimSuffix(c.filterType, "Filter") + `Order) { l: ` + c.list + `(first: 100, filter: $f, orderBy: $o) { nodes { id } } }`
		if c.filter != "" {
			vars["f"] = jsonValue(t, c.filter)
		}
		if c.orderBy != "" {
			vars["o"] = jsonValue(t, c.orderBy)
		}
		h.Query(q, vars, &out)
		for _, n := range out["l"].Nodes {
			want = append(want, n.ID)
		}
		var got []string
		for _, r := range rows[1:] {
			got = append(got, r[0])
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s %s: ids %v, the list gives %v", c.path, c.filter, got, want)
		}
		for _, r := range rows {
			if len(r) != len(rows[0]) {
				t.Errorf("%s: a row of %d cells under %d headers", c.path, len(r), len(rows[0]))
			}
		}
	}
	// Anonymous callers get no drafts; an admin does.
	_, anon, _ := getCSV(h, t, "/export/best-practices.csv", map[string]string{"filter": `{"status":["DRAFT"]}`})
	_, admin, _ := getCSV(h.Admin(), t, "/export/best-practices.csv", map[string]string{"filter": `{"status":["DRAFT"]}`})
	if len(anon) != 1 || len(admin) < 2 {
		t.Errorf("drafts exported: %d rows anonymously, %d for an admin", len(anon)-1, len(admin)-1)
	}
	// Bad requests: the GraphQL error, as a 4xx.
	for _, c := range []struct{ path, filter, want string }{
		{"/export/members.csv", `{"kind":["EMPEROR"]}`, "EMPEROR"},
		{"/export/members.csv", `{not json`, "JSON"},
		{"/export/practices.csv", ``, "exports are"},
	} {
		status, _, body := getCSV(h, t, c.path, map[string]string{"filter": c.filter})
		if status < 400 || status >= 500 || !strings.Contains(body, c.want) {
			t.Errorf("%s %s: %d %s", c.path, c.filter, status, body)
		}
	}
}

// A cell that a spreadsheet would run as a formula is defused.
func TestCSVDefusesFormulas(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, false)
	admin := h.Admin()
	admin.Query(`mutation { createMember(input: {name: "=HYPERLINK(\"http://evil.example\",\"x\")", kind: OTHER, country: "BE", slug: "evil"}) { userErrors { message } } }`, nil, &struct{}{})
	_, rows, _ := getCSV(h, t, "/export/members.csv", nil)
	if len(rows) != 2 || !strings.HasPrefix(rows[1][2], "'=") {
		t.Errorf("rows %q", rows)
	}
}

func jsonValue(t *testing.T, s string) any {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// An export longer than a page: every row once, as many as the list's totalCount.
func TestCSVExportPagesThroughLongLists(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, false)
	if err := seed.Synthetic(context.Background(), h.DB(), 450); err != nil {
		t.Fatal(err)
	}
	var out struct{ BestPractices struct{ TotalCount int } }
	h.Query(`{ bestPractices { totalCount } }`, nil, &out)
	_, rows, _ := getCSV(h, t, "/export/best-practices.csv", nil)
	seen := map[string]bool{}
	for _, r := range rows[1:] {
		seen[r[0]] = true
	}
	if len(rows)-1 != out.BestPractices.TotalCount || len(seen) != len(rows)-1 || out.BestPractices.TotalCount < 300 {
		t.Errorf("%d rows, %d distinct, the list has %d", len(rows)-1, len(seen), out.BestPractices.TotalCount)
	}
}
