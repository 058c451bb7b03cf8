package httpapi

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"
)

// CSV exports of the four lists, which partners chart in spreadsheets and `hub import` reads back (db/import.go
// reads these columns). An export is the GraphQL list itself,
// paged through by the hub on the caller's behalf: the same filter and order inputs (as JSON in the
// query string), the same validation and errors, the same access (a token in the Authorization header
// reads what it may in GraphQL), so the CSV never disagrees with the API.

type export struct {
	list, filterType, orderType string
	// fields is the selection of each node; header and row turn a node into CSV.
	fields string
	header []string
	row    func(n node) []string
}

// node is a decoded list node.
type node map[string]any

func (n node) str(k string) string {
	switch v := n[k].(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return fmt.Sprint(v)
	case map[string]any:
		return node(v).str("code")
	case []any:
		parts := make([]string, 0, len(v))
		for _, x := range v {
			switch x := x.(type) {
			case map[string]any:
				m := node(x)
				if s := m.str("code"); s != "" {
					parts = append(parts, s)
				} else if s := m.str("slug"); s != "" {
					parts = append(parts, s)
				} else {
					parts = append(parts, m.str("identifier"))
				}
			default:
				parts = append(parts, fmt.Sprint(x))
			}
		}
		return strings.Join(parts, "; ")
	}
	return fmt.Sprint(n[k])
}

func columns(n node, keys ...string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = n.str(k)
	}
	return out
}

var exports = map[string]export{
	"members": {list: "members", filterType: "MemberFilter", orderType: "MemberOrder",
		fields: "id slug name nativeName acronym kind country { code } otherCountries { code } municipalitiesRepresented website status joinedOn",
		header: []string{"id", "slug", "name", "native_name", "acronym", "kind", "country", "other_countries",
			"municipalities_represented", "website", "status", "joined_on"},
		row: func(n node) []string {
			return columns(n, "id", "slug", "name", "nativeName", "acronym", "kind", "country", "otherCountries",
				"municipalitiesRepresented", "website", "status", "joinedOn")
		}},
	"best-practices": {list: "bestPractices", filterType: "BestPracticeFilter", orderType: "BestPracticeOrder",
		fields: "id slug title language country { code } municipality nutsCode year status themes { code } mims { code edition } tools { slug } authors { slug } funding { identifier } sourceUrl summary",
		header: []string{"id", "slug", "title", "language", "country", "municipality", "nuts_code", "year", "status",
			"themes", "mims", "tools", "authors", "funding", "source_url", "summary"},
		row: func(n node) []string {
			out := columns(n, "id", "slug", "title", "language", "country", "municipality", "nutsCode", "year", "status", "themes")
			out = append(out, mimsCell(n))
			return append(out, columns(n, "tools", "authors", "funding", "sourceUrl", "summary")...)
		}},
	"digital-tools": {list: "digitalTools", filterType: "DigitalToolFilter", orderType: "DigitalToolOrder",
		fields: "id slug name provider licence openSource developmentStatus themes { code } mims { code edition } standards languages countries { code } website repositoryUrl description",
		header: []string{"id", "slug", "name", "provider", "licence", "open_source", "development_status", "themes", "mims",
			"standards", "languages", "countries", "website", "repository_url", "description"},
		row: func(n node) []string {
			out := columns(n, "id", "slug", "name", "provider", "licence", "openSource", "developmentStatus", "themes")
			out = append(out, mimsCell(n))
			return append(out, columns(n, "standards", "languages", "countries", "website", "repositoryUrl", "description")...)
		}},
	"funding-opportunities": {list: "fundingOpportunities", filterType: "FundingOpportunityFilter", orderType: "FundingOpportunityOrder",
		fields: "id identifier callIdentifier title programme { code } actionType status openingDate deadlineModel deadlines nextDeadline totalBudget minContribution maxContribution eligibleCountries { code } themes { code } url",
		header: []string{"id", "identifier", "call_identifier", "title", "programme", "action_type", "status", "opening_date",
			"deadline_model", "deadlines", "next_deadline", "total_budget_eur", "min_contribution_eur", "max_contribution_eur",
			"eligible_countries", "themes", "url"},
		row: func(n node) []string {
			return columns(n, "id", "identifier", "callIdentifier", "title", "programme", "actionType", "status", "openingDate",
				"deadlineModel", "deadlines", "nextDeadline", "totalBudget", "minContribution", "maxContribution",
				"eligibleCountries", "themes", "url")
		}},
}

// mimsCell writes a node's MIMs as CODE@EDITION, as the import reads them.
func mimsCell(n node) string {
	mims := []string{}
	for _, m := range asList(n["mims"]) {
		mims = append(mims, node(m).str("code")+"@"+node(m).str("edition"))
	}
	return strings.Join(mims, "; ")
}

func asList(v any) []map[string]any {
	xs, _ := v.([]any)
	out := make([]map[string]any, 0, len(xs))
	for _, x := range xs {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// exportCSV serves /export/{name}.csv?filter=…&orderBy=…, running the list's query through gql (the
// GraphQL handler, behind authentication and the rate limit, which count the export once) page by page,
// and streaming the rows. An export is many requests' work, so at most cap(slots) run at once; more get
// 429.
func exportCSV(gql http.Handler, slots chan struct{}) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutSuffix(r.PathValue("file"), ".csv")
		e, known := exports[name]
		if !ok || !known {
			httpError(w, http.StatusNotFound, "NOT_FOUND", "exports are /export/members.csv, /export/best-practices.csv, /export/funding-opportunities.csv and /export/digital-tools.csv")
			return
		}
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
		default:
			tooMany(w, 5*time.Second, "the hub is busy with other exports; retry after the time in Retry-After")
			return
		}
		vars := map[string]any{"first": 100}
		for _, p := range []string{"filter", "orderBy"} {
			if s := r.URL.Query().Get(p); s != "" {
				var v any
				if err := json.Unmarshal([]byte(s), &v); err != nil {
					httpError(w, http.StatusBadRequest, "BAD_USER_INPUT", fmt.Sprintf("%s must be JSON in the shape of the GraphQL input: %v", p, err))
					return
				}
				vars[p] = v
			}
		}
		query := fmt.Sprintf(`query($first: Int, $after: String, $filter: %s, $orderBy: %s) {
			list: %s(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
				pageInfo { hasNextPage endCursor } nodes { %s } } }`, e.filterType, e.orderType, e.list, e.fields)
		var out *csv.Writer
		for page := 0; ; page++ {
			body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
			req := httptest.NewRequestWithContext(r.Context(), http.MethodPost, "/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			gql.ServeHTTP(rec, req)
			var res struct {
				Data *struct {
					List struct {
						PageInfo struct {
							HasNextPage bool
							EndCursor   string
						}
						Nodes []node
					}
				}
				Errors []json.RawMessage
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil || len(res.Errors) > 0 || res.Data == nil {
				if out == nil { // nothing sent yet: the caller gets GraphQL's own errors
					if err != nil || len(res.Errors) == 0 {
						slog.ErrorContext(r.Context(), "export failed", "export", name, "response", rec.Body.String(), "request_id", requestID(r.Context()))
						httpError(w, http.StatusInternalServerError, "INTERNAL_SERVER_ERROR", "the export failed; the log has the detail under this request id")
						return
					}
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(exportStatus(res.Errors))
					json.NewEncoder(w).Encode(map[string]any{"errors": res.Errors})
					return
				}
				// Mid-stream the status is sent: the file ends early, and the log says why.
				slog.ErrorContext(r.Context(), "export cut short", "export", name, "page", page, "response", rec.Body.String(), "request_id", requestID(r.Context()))
				return
			}
			if out == nil {
				w.Header().Set("Content-Type", "text/csv; charset=utf-8")
				w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.csv"`, name, time.Now().UTC().Format("2006-01-02")))
				// A byte-order mark, so that spreadsheets read the file as UTF-8.
				w.Write([]byte("\ufeff"))
				out = csv.NewWriter(w)
				out.Write(e.header)
			}
			for _, n := range res.Data.List.Nodes {
				out.Write(defuse(e.row(n)))
			}
			out.Flush()
			if f, ok := w.(http.Flusher); ok {
				f.Flush()
			}
			if !res.Data.List.PageInfo.HasNextPage {
				return
			}
			vars["after"] = res.Data.List.PageInfo.EndCursor
		}
	})
}

// exportStatus is the status of an export whose first page failed: 400 when the caller's filter or order
// was refused, 503 when the hub could not answer (its database, its time), so that a client retries
// only what may succeed.
func exportStatus(errs []json.RawMessage) int {
	for _, raw := range errs {
		var e struct{ Extensions struct{ Code string } }
		json.Unmarshal(raw, &e)
		switch e.Extensions.Code {
		case "INTERNAL_SERVER_ERROR", "TIMEOUT", "SEARCH_UNAVAILABLE", "":
			return http.StatusServiceUnavailable
		}
	}
	return http.StatusBadRequest
}

// defuse keeps spreadsheets from running a cell as a formula: text starting with =, +, -, @ or a control
// character gets a leading apostrophe (the OWASP advice on CSV injection).
func defuse(row []string) []string {
	for i, c := range row {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			row[i] = "'" + c
		}
	}
	return row
}
