package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/smartcommunities/hub/hubtest"
)

// TestDashboardShowsLiveEvents loads the dashboard, then publishes a practice and changes a call's
// deadline through the API: both appear on the page without a reload, and the key figures follow.
func TestDashboardShowsLiveEvents(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, false)
	admin := h.Admin()
	b := newBrowser(t)
	today := h.DB().Today()
	var call struct {
		CreateFundingOpportunity struct{ FundingOpportunity struct{ ID string } }
	}
	admin.Query(`mutation($o: Date!, $d: Date!) { createFundingOpportunity(input: {identifier: "DIGITAL-2026-LIVE-02", title: "Live deadline call",
		programme: "DIGITAL", openingDate: $o, deadlineModel: SINGLE_STAGE, deadlines: [$d]}) { fundingOpportunity { id } } }`,
		map[string]any{"o": today.AddDate(0, -1, 0).Format(time.DateOnly), "d": today.AddDate(0, 3, 0).Format(time.DateOnly)}, &call)
	var member struct {
		CreateMember struct{ Member struct{ ID string } }
	}
	admin.Query(`mutation { createMember(input: {name: "Gemeente Live", kind: OTHER, country: "NL"}) { member { id } } }`, nil, &member)

	b.run(t, "loading the dashboard",
		chromedp.Navigate(h.Server.URL+"/dashboard/"),
		chromedp.WaitVisible(`body[data-ready="true"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#live-status[data-state="connected"]`, chromedp.ByQuery))
	h.WaitSubscribers(2)

	admin.Query(`mutation($a: [ID!]!) { createBestPractice(input: {title: "Published while you watched", language: "en", country: "NL",
		year: 2025, status: PUBLISHED, authors: $a}) { bestPractice { id } } }`, map[string]any{"a": []string{member.CreateMember.Member.ID}}, &struct{}{})
	newDeadline := today.AddDate(0, 0, 20)
	admin.Query(`mutation($id: ID!, $d: Date!) { updateFundingOpportunity(input: {id: $id, deadlines: [$d]}) { fundingOpportunity { id } } }`,
		map[string]any{"id": call.CreateFundingOpportunity.FundingOpportunity.ID, "d": newDeadline.Format(time.DateOnly)}, &struct{}{})

	var practice, changed, figure string
	b.run(t, "waiting for the live events",
		chromedp.WaitVisible(`#live-events li.live-practices`, chromedp.ByQuery),
		chromedp.WaitVisible(`#live-events li.live-funding`, chromedp.ByQuery),
		chromedp.Text(`#live-events li.live-practices`, &practice, chromedp.ByQuery),
		chromedp.Text(`#live-events li.live-funding`, &changed, chromedp.ByQuery))
	if !strings.Contains(practice, "Published while you watched") || !strings.Contains(practice, "Netherlands") {
		t.Errorf("the practice's line: %q", practice)
	}
	if want := newDeadline.Format("2 Jan 2006"); !strings.Contains(changed, "Live deadline call") || !strings.Contains(changed, want) {
		t.Errorf("the call's line: %q; want its new deadline %s", changed, want)
	}
	// The key figures follow without a reload.
	b.run(t, "waiting for the figures", chromedp.Poll(`document.querySelector('[data-figure="practices"]')?.textContent.trim() === "1"`, nil,
		chromedp.WithPollingTimeout(30*time.Second)))
	b.eval(t, `document.querySelector('[data-figure="practices"]').textContent.trim()`, &figure)
	if figure != "1" {
		t.Errorf("the practices figure shows %q after one was published; want 1", figure)
	}
	b.checkNoProblems(t)
}
