package httpapi_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smartcommunities/hub/config"
	"github.com/smartcommunities/hub/hubtest"
)

// eventWait is how long a test waits for an event: generous, since the machine may be busy; the issue
// asks for arrival within a second, which docs/benchmarks.md measures, not this.
const eventWait = 15 * time.Second

// quiet is how long a test listens for an event that must not come.
const quiet = 2 * time.Second

const practiceSub = `subscription($f: BestPracticeFilter) { bestPracticePublished(filter: $f) { id title status } }`

type publishedPractice struct {
	BestPracticePublished struct{ ID, Title, Status string }
}

func nextPractice(t *testing.T, s *hubtest.Subscription, what string) publishedPractice {
	t.Helper()
	r, ok := s.Next(eventWait)
	if !ok {
		t.Fatalf("no event for %s (error: %s)", what, s.Error())
	}
	if len(r.Errors) > 0 {
		t.Fatalf("the event for %s has errors: %+v", what, r.Errors)
	}
	var p publishedPractice
	if err := json.Unmarshal(r.Data, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func createPractice(t *testing.T, admin *hubtest.Hub, title, status string) string {
	t.Helper()
	var m struct {
		CreateMember struct{ Member struct{ ID string } }
	}
	admin.Query(`mutation($n: String!) { createMember(input: {name: $n, kind: OTHER, country: "NL"}) { member { id } } }`,
		map[string]any{"n": "Author of " + title}, &m)
	var out struct {
		CreateBestPractice struct {
			BestPractice struct{ ID string }
			UserErrors   []struct{ Message string }
		}
	}
	admin.Query(`mutation($t: String!, $s: BestPracticeStatus!, $a: [ID!]!) { createBestPractice(input: {title: $t, language: "en",
		country: "NL", year: 2025, themes: ["mobility"], status: $s, authors: $a}) { bestPractice { id } userErrors { message } } }`,
		map[string]any{"t": title, "s": status, "a": []string{m.CreateMember.Member.ID}}, &out)
	if len(out.CreateBestPractice.UserErrors) > 0 {
		t.Fatalf("creating %q: %+v", title, out.CreateBestPractice.UserErrors)
	}
	return out.CreateBestPractice.BestPractice.ID
}

// A practice published through the API reaches a subscriber; a draft reaches no anonymous subscriber,
// and publishing it later does.
func TestSubscriptionTellsPublishedPractices(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, false)
	admin := h.Admin()
	anon := h.Subscribe(practiceSub, nil)
	mobility := h.Subscribe(practiceSub, map[string]any{"f": map[string]any{"theme": []string{"mobility"}}})
	energy := h.Subscribe(practiceSub, map[string]any{"f": map[string]any{"theme": []string{"energy"}}})

	draft := createPractice(t, admin, "Draft bike lanes", "DRAFT")
	createPractice(t, admin, "Published parking sensors", "PUBLISHED")
	if p := nextPractice(t, anon, "the published practice"); p.BestPracticePublished.Title != "Published parking sensors" {
		t.Errorf("the anonymous subscriber got %+v first; want the published practice, never the draft", p)
	}
	if p := nextPractice(t, mobility, "the published practice"); p.BestPracticePublished.Title != "Published parking sensors" {
		t.Errorf("the mobility subscriber got %+v", p)
	}
	admin.Query(`mutation($id: ID!) { updateBestPractice(input: {id: $id, status: PUBLISHED}) { userErrors { message } } }`,
		map[string]any{"id": draft}, &struct{}{})
	if p := nextPractice(t, anon, "the draft once published"); p.BestPracticePublished.ID != draft || p.BestPracticePublished.Status != "PUBLISHED" {
		t.Errorf("after publishing the draft the anonymous subscriber got %+v", p)
	}
	if r, ok := energy.Next(quiet); ok {
		t.Errorf("the energy subscriber got a mobility practice: %s", r.Data)
	}
}

// Two hubs on one database: a write through one reaches a subscriber of the other.
func TestSubscriptionAcrossHubs(t *testing.T) {
	t.Parallel()
	cfg := hubtest.Config(t)
	a := hubtest.Start(t, cfg, false)
	cfg.DataDir = t.TempDir()
	b := hubtest.Start(t, cfg, false)
	s := b.Subscribe(practiceSub, nil)
	createPractice(t, a.Admin(), "Written through hub A", "PUBLISHED")
	if p := nextPractice(t, s, "a practice written through the other hub"); p.BestPracticePublished.Title != "Written through hub A" {
		t.Errorf("got %+v", p)
	}
}

// A changed deadline reaches fundingOpportunityChanged and deadlineApproaching subscribers.
func TestSubscriptionTellsDeadlines(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, false)
	admin := h.Admin()
	today := h.DB().Today()
	far := today.AddDate(0, 6, 0).Format(time.DateOnly)
	near := today.AddDate(0, 0, 10).Format(time.DateOnly)
	var out struct {
		CreateFundingOpportunity struct {
			FundingOpportunity struct{ ID string }
			UserErrors         []struct{ Message string }
		}
	}
	admin.Query(`mutation($d: Date!, $o: Date!) { createFundingOpportunity(input: {identifier: "DIGITAL-2026-LIVE-01", title: "Live call",
		programme: "DIGITAL", openingDate: $o, deadlineModel: SINGLE_STAGE, deadlines: [$d]}) { fundingOpportunity { id } userErrors { message } } }`,
		map[string]any{"d": far, "o": today.AddDate(0, -1, 0).Format(time.DateOnly)}, &out)
	if len(out.CreateFundingOpportunity.UserErrors) > 0 {
		t.Fatal(out.CreateFundingOpportunity.UserErrors)
	}
	id := out.CreateFundingOpportunity.FundingOpportunity.ID
	changed := h.Subscribe(`subscription { fundingOpportunityChanged(filter: {programme: ["DIGITAL"]}) { id deadlines nextDeadline } }`, nil)
	approaching := h.Subscribe(`subscription { deadlineApproaching(days: 30) { id nextDeadline } }`, nil)
	if r, ok := approaching.Next(quiet); ok {
		t.Errorf("a call six months off was told as approaching: %s", r.Data)
	}
	admin.Query(`mutation($id: ID!, $d: Date!) { updateFundingOpportunity(input: {id: $id, deadlines: [$d]}) { userErrors { message } } }`,
		map[string]any{"id": id, "d": near}, &struct{}{})
	for name, s := range map[string]*hubtest.Subscription{"fundingOpportunityChanged": changed, "deadlineApproaching": approaching} {
		r, ok := s.Next(eventWait)
		if !ok {
			t.Fatalf("%s told nothing of the changed deadline (%s)", name, s.Error())
		}
		if !strings.Contains(string(r.Data), near) || !strings.Contains(string(r.Data), id) {
			t.Errorf("%s: %s; want the call with its deadline %s", name, r.Data, near)
		}
	}
}

// Subscriptions go over WebSocket only; the limits hold; a hub shutting down closes with 1001.
func TestSubscriptionLimitsAndShutdown(t *testing.T) {
	t.Parallel()
	h := hubtest.StartWith(t, false, func(c *config.Config) { c.WSMaxConnections, c.WSMaxSubscriptions = 1, 2 })
	if r := h.Post(`subscription { memberJoined { name } }`, nil); len(r.Errors) == 0 || hubtest.ErrorCodes(r.Errors)[0] != "BAD_REQUEST" {
		t.Errorf("a subscription over HTTP: %+v; want a BAD_REQUEST error", r)
	}
	if bad, err := h.As("hub_nonsense").TrySubscribe(`subscription { memberJoined { name } }`, nil); err == nil || bad.CloseCode != 4403 {
		t.Errorf("a connection with an unknown token: %v; want it closed with 4403", err)
	}
	s := h.Subscribe(`subscription { memberJoined { name } }`, nil)
	s.Also(`subscription { bestPracticePublished { title } }`)
	h.WaitSubscribers(2)
	s.Also(`subscription { fundingOpportunityChanged { title } }`)
	if r, ok := s.Next(eventWait); !ok || !slices.Contains(hubtest.ErrorCodes(r.Errors), "TOO_MANY_SUBSCRIPTIONS") {
		t.Errorf("a third subscription on a connection with HUB_WS_MAX_SUBSCRIPTIONS=2: %+v (%s); want TOO_MANY_SUBSCRIPTIONS", r, s.Error())
	}
	if second, err := h.TrySubscribe(`subscription { memberJoined { name } }`, nil); err == nil || second.CloseCode != 4429 {
		t.Errorf("a second connection from one address with HUB_WS_MAX_CONNECTIONS=1: %v; want it closed with 4429", err)
	}
	h.DB().Pool.Exec(t.Context(), `insert into member (name, slug, kind, country_code) values ('Live member', 'live-member', 'OTHER', 'BE')`)
	if r, ok := s.Next(eventWait); !ok || !strings.Contains(string(r.Data), "Live member") {
		t.Errorf("memberJoined: %s, %v", r.Data, ok)
	}
	h.Stop()
	if code := s.Ended(eventWait); code != 1001 {
		t.Errorf("the subscription ended with close code %d when the hub stopped; want 1001", code)
	}
}
