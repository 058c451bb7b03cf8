package web_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/smartcommunities/hub/hubtest"
	"github.com/smartcommunities/hub/web"
)

// TestGraphiQLDefaultQuery: the query GraphiQL opens with answers on the demo data, without errors.
func TestGraphiQLDefaultQuery(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	var out struct {
		Members struct {
			TotalCount int
			Nodes      []struct{ Name string }
		}
		FundingOpportunities struct{ Nodes []struct{ Title string } }
	}
	h.Query(web.GraphiQLDefaultQuery, nil, &out)
	if out.Members.TotalCount == 0 || len(out.Members.Nodes) == 0 || len(out.FundingOpportunities.Nodes) == 0 {
		t.Errorf("the default query finds nothing on the demo data: %+v", out)
	}
}

// TestGraphiQLAssetsFromTheHub: GraphiQL's page and assets come from the hub under a policy that
// allows nothing else, and the page names no other host.
func TestGraphiQLAssetsFromTheHub(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	resp, err := http.Get(h.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	if resp.StatusCode != 200 || !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe") {
		t.Errorf("GET /: %d, Content-Security-Policy %q", resp.StatusCode, csp)
	}
	_, page := hubtest.Get(t, h.URL()+"/")
	if strings.Contains(page, "http://") || strings.Contains(page, "https://") || strings.Contains(page, "//cdn") {
		t.Errorf("the page names another host:\n%s", page)
	}
	for _, f := range []string{"/graphiql/vendor/graphiql.min.js", "/graphiql/vendor/graphiql.min.css", "/graphiql/vendor/react.production.min.js",
		"/graphiql/vendor/react-dom.production.min.js", "/graphiql/app.js", "/graphiql/style.css"} {
		if code, body := hubtest.Get(t, h.URL()+f); code != 200 || len(body) == 0 {
			t.Errorf("GET %s: %d, %d bytes", f, code, len(body))
		}
	}
}

// TestGraphiQLInBrowser loads GraphiQL in headless Chromium with every request that does not go to
// the hub blocked, as on a machine without internet: it renders, runs its default query and shows the
// answer, and its documentation explorer shows the schema's descriptions. A screenshot is left in
// .artifacts/graphiql.png.
func TestGraphiQLInBrowser(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	b := newBrowser(t)

	var mu sync.Mutex
	var blocked []string
	chromedp.ListenTarget(b.ctx, func(ev any) {
		e, ok := ev.(*fetch.EventRequestPaused)
		if !ok {
			return
		}
		go func() {
			ctx := cdp.WithExecutor(b.ctx, chromedp.FromContext(b.ctx).Target)
			if strings.HasPrefix(e.Request.URL, h.URL()+"/") {
				fetch.ContinueRequest(e.RequestID).Do(ctx)
				return
			}
			mu.Lock()
			blocked = append(blocked, e.Request.URL)
			mu.Unlock()
			fetch.FailRequest(e.RequestID, network.ErrorReasonBlockedByClient).Do(ctx)
		}()
	})
	b.run(t, "blocking requests outside the hub", fetch.Enable())

	var want struct{ Members struct{ TotalCount int } }
	h.Query(`{ members(first: 1) { totalCount } }`, nil, &want)

	b.run(t, "loading GraphiQL",
		chromedp.Navigate(h.URL()+"/"),
		chromedp.WaitVisible(`.graphiql-query-editor .CodeMirror`, chromedp.ByQuery))
	var query string
	b.eval(t, `document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue()`, &query)
	if query != web.GraphiQLDefaultQuery {
		t.Errorf("the editor opens with\n%s\nnot the default query", query)
	}

	b.run(t, "running the query", chromedp.Click(`.graphiql-execute-button`, chromedp.ByQuery))
	var result string
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(result, `"data"`) && time.Now().Before(deadline) {
		b.eval(t, `(document.querySelector('.result-window .CodeMirror') || {CodeMirror: {getValue: () => ''}}).CodeMirror.getValue()`, &result)
		time.Sleep(100 * time.Millisecond)
	}
	var got struct {
		Data   struct{ Members struct{ TotalCount int } }
		Errors []any
	}
	if err := json.Unmarshal([]byte(result), &got); err != nil || len(got.Errors) > 0 || got.Data.Members.TotalCount != want.Members.TotalCount {
		t.Errorf("the result pane shows %.500s; want %d members and no errors (%v)", result, want.Members.TotalCount, err)
	}

	// The documentation explorer: the root type, then a field of it with its description.
	var docs string
	b.run(t, "opening the documentation explorer",
		chromedp.Click(`button[aria-label="Show Documentation Explorer"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.graphiql-doc-explorer`, chromedp.ByQuery),
		chromedp.Click(`//div[contains(@class,"graphiql-doc-explorer")]//a[text()="Query"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//div[contains(@class,"graphiql-doc-explorer-title") and text()="Query"]`, chromedp.BySearch),
		chromedp.Text(`.graphiql-doc-explorer`, &docs, chromedp.ByQuery))
	if !strings.Contains(docs, "The member directory, readable by anyone") {
		t.Errorf("the documentation explorer shows no description of Query.members:\n%.1000s", docs)
	}
	b.run(t, "opening a field's documentation",
		chromedp.Click(`//div[contains(@class,"graphiql-doc-explorer")]//a[contains(@class,"graphiql-doc-explorer-field-name") and text()="members"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//div[contains(@class,"graphiql-doc-explorer-title") and text()="members"]`, chromedp.BySearch),
		chromedp.Text(`.graphiql-doc-explorer`, &docs, chromedp.ByQuery))
	if !strings.Contains(docs, "at most 100") {
		t.Errorf("the documentation of Query.members does not give the page limit:\n%.1500s", docs)
	}

	var shot []byte
	b.run(t, "screenshot", chromedp.FullScreenshot(&shot, 100))
	path := filepath.Join(artifactsDir(t), "graphiql.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)

	mu.Lock()
	if len(blocked) > 0 {
		t.Errorf("GraphiQL asked for things outside the hub: %v", blocked)
	}
	mu.Unlock()
	b.checkNoProblems(t)
}
