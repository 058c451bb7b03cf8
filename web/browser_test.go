package web_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/smartcommunities/hub/hubtest"
)

// chromiumPath finds a Chromium: $HUB_CHROMIUM, or one on PATH. `make test` installs Debian's chromium
// when there is none.
func chromiumPath(t *testing.T) string {
	if p := os.Getenv("HUB_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("HUB_BROWSER_TESTS") == "off" {
		t.Skip("HUB_BROWSER_TESTS=off")
	}
	t.Fatal("no Chromium found: `make test` installs it (apt-get install chromium), or set HUB_CHROMIUM; HUB_BROWSER_TESTS=off skips the browser tests")
	return ""
}

// artifactsDir is where browser tests leave screenshots and timings: $HUB_ARTIFACTS_DIR, or the
// repository's .artifacts/ (go test runs in web/).
func artifactsDir(t *testing.T) string {
	dir := os.Getenv("HUB_ARTIFACTS_DIR")
	if dir == "" {
		dir = filepath.Join("..", ".artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browser is a headless Chromium tab that records every console error, warning and uncaught exception
// (Content-Security-Policy violations among them).
type browser struct {
	ctx      context.Context
	mu       sync.Mutex
	problems []string
}

func newBrowser(t *testing.T) *browser {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox, // tests run as root in CI
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	b := &browser{ctx: ctx}
	chromedp.ListenTarget(ctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.APITypeError || ev.Type == runtime.APITypeWarning || ev.Type == runtime.APITypeAssert {
				var args []string
				for _, a := range ev.Args {
					args = append(args, strings.Trim(string(a.Value), `"`)+a.Description)
				}
				b.problems = append(b.problems, fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " ")))
			}
		case *runtime.EventExceptionThrown:
			b.problems = append(b.problems, "uncaught: "+ev.ExceptionDetails.Error())
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.LevelError || ev.Entry.Level == log.LevelWarning {
				b.problems = append(b.problems, fmt.Sprintf("log %s: %s %s", ev.Entry.Level, ev.Entry.Text, ev.Entry.URL))
			}
		}
	})
	if err := chromedp.Run(ctx, log.Enable()); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return b
}

func (b *browser) run(t *testing.T, what string, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(b.ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func (b *browser) eval(t *testing.T, js string, out any) {
	t.Helper()
	b.run(t, js, chromedp.Evaluate(js, out))
}

func (b *browser) checkNoProblems(t *testing.T) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		t.Errorf("browser: %s", p)
	}
}

// TestDashboardInBrowser loads /dashboard/ in a real headless Chromium against a demo hub: it loads with
// no console errors, its charts show the figures the API gives, a search shows highlighted hits and a
// facet narrows them, the member view shows a member's practices and recommended funding, and the
// keyboard reaches the skip link first. It saves a screenshot and the first load's time.
func TestDashboardInBrowser(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	h.WaitSearch()
	b := newBrowser(t)

	// The API's own figures, to compare the page with.
	var api struct {
		Stats struct {
			Members struct {
				Total     int
				ByCountry []struct {
					Key   string
					Count int
				}
			}
			BestPractices struct {
				Total          int
				ByThemeAndYear []struct {
					Key     string
					Buckets []struct {
						Key   string
						Count int
					}
				}
			}
			FundingOpportunities struct {
				UpcomingDeadlines []struct{ Date string }
			}
		}
	}
	h.Query(`{ stats { members { total byCountry { key count } } bestPractices { total byThemeAndYear { key buckets { key count } } }
		fundingOpportunities { upcomingDeadlines(days: 120) { date } } } }`, nil, &api)

	// First load, timed by the page itself (navigation start to all sections rendered).
	var loadMs float64
	b.run(t, "loading the dashboard",
		chromedp.Navigate(h.Server.URL+"/dashboard/"),
		chromedp.WaitVisible(`body[data-ready="true"]`, chromedp.ByQuery),
		chromedp.Evaluate(`window.dashboardLoadMs`, &loadMs),
	)
	t.Logf("dashboard first load: %.0f ms", loadMs)
	os.WriteFile(filepath.Join(artifactsDir(t), "dashboard-load-ms.txt"), []byte(strconv.FormatFloat(loadMs, 'f', 0, 64)+"\n"), 0o644)

	// Key figures.
	var members, practices string
	b.run(t, "reading the figures",
		chromedp.Text(`[data-figure="members"]`, &members, chromedp.ByQuery),
		chromedp.Text(`[data-figure="practices"]`, &practices, chromedp.ByQuery))
	if digits(members) != strconv.Itoa(api.Stats.Members.Total) || digits(practices) != strconv.Itoa(api.Stats.BestPractices.Total) {
		t.Errorf("figures: members %q, practices %q; the API says %d and %d", members, practices, api.Stats.Members.Total, api.Stats.BestPractices.Total)
	}

	// Members by country: a bar per country with its count.
	var bars map[string]string
	b.eval(t, `Object.fromEntries([...document.querySelectorAll('#members-by-country [data-key][data-count]')].map(e => [e.dataset.key, e.dataset.count]))`, &bars)
	if len(bars) != len(api.Stats.Members.ByCountry) {
		t.Errorf("%d country bars, the API has %d countries", len(bars), len(api.Stats.Members.ByCountry))
	}
	for _, c := range api.Stats.Members.ByCountry {
		if bars[c.Key] != strconv.Itoa(c.Count) {
			t.Errorf("bar %s shows %q, the API says %d", c.Key, bars[c.Key], c.Count)
		}
	}

	// Practices by theme over time: a mark per theme and year with its count.
	var marks map[string]string
	b.eval(t, `Object.fromEntries([...document.querySelectorAll('#practices-by-theme [data-key][data-year][data-count]')].map(e => [e.dataset.key + '/' + e.dataset.year, e.dataset.count]))`, &marks)
	want := 0
	for _, s := range api.Stats.BestPractices.ByThemeAndYear {
		for _, y := range s.Buckets {
			want++
			if marks[s.Key+"/"+y.Key] != strconv.Itoa(y.Count) {
				t.Errorf("theme %s in %s shows %q, the API says %d", s.Key, y.Key, marks[s.Key+"/"+y.Key], y.Count)
			}
		}
	}
	if len(marks) != want {
		t.Errorf("%d theme-year marks, the API has %d", len(marks), want)
	}

	// The funding timeline: one marker per upcoming deadline.
	var dates []string
	b.eval(t, `[...new Set([...document.querySelectorAll('#funding-timeline [data-date]')].map(e => e.dataset.date))]`, &dates)
	wantDates := map[string]bool{}
	for _, d := range api.Stats.FundingOpportunities.UpcomingDeadlines {
		wantDates[d.Date] = true
	}
	if len(dates) != len(wantDates) || len(dates) == 0 {
		t.Errorf("timeline dates %v, the API's %v", dates, api.Stats.FundingOpportunities.UpcomingDeadlines)
	}
	for _, d := range dates {
		if !wantDates[d] {
			t.Errorf("timeline shows %s, not an upcoming deadline", d)
		}
	}

	// Search: highlighted hits, then a facet narrows them.
	searchTotal := func() int {
		var s string
		b.run(t, "reading the search total", chromedp.Text(`#search-total`, &s, chromedp.ByQuery))
		n, _ := strconv.Atoi(digits(s))
		return n
	}
	b.run(t, "searching",
		chromedp.SetValue(`#search-input`, "parking", chromedp.ByQuery),
		// requestSubmit, not submit(): as a user's Enter does, it fires the form's submit event.
		chromedp.Evaluate(`document.getElementById('search-form').requestSubmit()`, nil),
		chromedp.WaitVisible(`#search-results[data-state="done"] li`, chromedp.ByQuery))
	all := searchTotal()
	var marked int
	b.eval(t, `document.querySelectorAll('#search-results li mark').length`, &marked)
	if all < 2 || marked == 0 {
		t.Fatalf("searching parking: %d results, %d highlights", all, marked)
	}
	// A facet bucket smaller than the whole result narrows it to exactly its count.
	var facet struct {
		Field, Value string
		Count        int
	}
	b.eval(t, `(() => { const total = `+strconv.Itoa(all)+`;
		for (const el of document.querySelectorAll('#search-facets button[data-field][data-value]')) {
			const n = parseInt((el.textContent.match(/\((\d+)\)/) || [])[1], 10);
			if (n > 0 && n < total) { el.id = 'facet-under-test'; return {field: el.dataset.field, value: el.dataset.value, count: n}; }
		}
		return {field: '', value: '', count: 0}; })()`, &facet)
	if facet.Count == 0 {
		t.Fatal("no facet narrows the search")
	}
	b.run(t, "narrowing by a facet",
		chromedp.Click(`#facet-under-test`, chromedp.ByQuery),
		chromedp.WaitVisible(`#search-results[data-state="done"]`, chromedp.ByQuery),
		chromedp.Sleep(50*time.Millisecond),
		chromedp.WaitVisible(`#search-results[data-state="done"]`, chromedp.ByQuery))
	if got := searchTotal(); got != facet.Count {
		t.Errorf("facet %s=%s: %d results, its bucket said %d", facet.Field, facet.Value, got, facet.Count)
	}
	// The facets are drawn again with the results: find the chosen one by its field and value.
	var pressed string
	b.eval(t, fmt.Sprintf(`[...document.querySelectorAll('#search-facets button[data-field][data-value]')]
		.filter(e => e.dataset.field === %q && e.dataset.value === %q).map(e => e.getAttribute('aria-pressed')).join()`, facet.Field, facet.Value), &pressed)
	if pressed != "true" {
		t.Errorf("the chosen facet has aria-pressed=%q", pressed)
	}

	// The member view: vng's practices and recommended funding.
	var vng struct {
		Member struct {
			BestPractices      struct{ TotalCount int }
			RecommendedFunding []struct{ Score float64 }
		}
	}
	h.Query(`{ member(slug: "vng") { bestPractices(first: 20) { totalCount } recommendedFunding(first: 5) { score } } }`, nil, &vng)
	b.run(t, "choosing a member",
		chromedp.SetValue(`#member-select`, "vng", chromedp.ByQuery),
		chromedp.Evaluate(`document.getElementById('member-select').dispatchEvent(new Event('change', {bubbles: true}))`, nil),
		chromedp.Sleep(50*time.Millisecond),
		chromedp.WaitVisible(`#member-view[data-state="done"]`, chromedp.ByQuery))
	var practicesShown, fundingShown int
	b.eval(t, `document.querySelectorAll('#member-practices li').length`, &practicesShown)
	b.eval(t, `document.querySelectorAll('#member-funding li').length`, &fundingShown)
	if practicesShown != min(vng.Member.BestPractices.TotalCount, 20) || fundingShown != len(vng.Member.RecommendedFunding) || fundingShown == 0 {
		t.Errorf("member view: %d practices, %d calls; the API has %d and %d", practicesShown, fundingShown,
			vng.Member.BestPractices.TotalCount, len(vng.Member.RecommendedFunding))
	}
	// The calendar of the calls open to the member's country (VNG: the Netherlands).
	var calendar string
	b.eval(t, `document.getElementById('member-calendar').getAttribute('href')`, &calendar)
	if calendar != "/feeds/deadlines.ics?country=NL" {
		t.Errorf("the member's calendar link is %q, not the deadlines of the calls open to the Netherlands", calendar)
	}

	// Accessibility basics: every control has a label, and the first Tab reaches the skip link.
	var unlabelled []string
	b.eval(t, `[...document.querySelectorAll('input, select, textarea, button')].filter(e => !(e.labels && e.labels.length) &&
		!e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby') && !(e.tagName === 'BUTTON' && e.textContent.trim())).map(e => e.outerHTML.slice(0, 80))`, &unlabelled)
	if len(unlabelled) > 0 {
		t.Errorf("controls without a label: %v", unlabelled)
	}
	var shot []byte
	b.run(t, "screenshot", chromedp.FullScreenshot(&shot, 100)) // quality 100 makes a PNG, less a JPEG
	path := filepath.Join(artifactsDir(t), "dashboard.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)

	// On a fresh load, the first Tab reaches the skip link.
	var focused string
	b.run(t, "tabbing",
		chromedp.Navigate(h.Server.URL+"/dashboard/"),
		chromedp.WaitVisible(`body[data-ready="true"]`, chromedp.ByQuery),
		chromedp.KeyEvent("\t"),
		chromedp.Evaluate(`(document.activeElement.getAttribute('href') || '') + ' ' + document.activeElement.textContent.trim()`, &focused))
	if !strings.HasPrefix(focused, "#") {
		t.Errorf("the first Tab focuses %q, not a skip link", focused)
	}
	b.checkNoProblems(t)
}

// digits keeps the digits of a formatted number ("1,234" → "1234").
func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}
