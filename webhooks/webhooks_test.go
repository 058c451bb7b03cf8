package webhooks_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/smartcommunities/hub/config"
	"github.com/smartcommunities/hub/hubtest"
	"github.com/smartcommunities/hub/hubtest/wait"
)

func TestMain(m *testing.M) { hubtest.Main(m) }

// receiver is a webhook endpoint that verifies every request's signature with the Standard Webhooks
// library, and answers as respond says.
type receiver struct {
	t       *testing.T
	server  *httptest.Server
	mu      sync.Mutex
	secret  string
	got     []received // verified requests, in arrival order
	respond func(n int) int
}

type received struct {
	ID, Type string
	Data     map[string]any
}

func newReceiver(t *testing.T, respond func(n int) int) *receiver {
	r := &receiver{t: t, respond: respond}
	r.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		secret := r.secret
		r.mu.Unlock()
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			t.Errorf("the secret %q is not a Standard Webhooks secret: %v", secret, err)
		}
		if err := wh.Verify(body, req.Header); err != nil {
			t.Errorf("a request whose signature does not verify: %v (%s)", err, req.Header)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var msg struct {
			Type string
			Data map[string]any
		}
		if err := json.Unmarshal(body, &msg); err != nil {
			t.Errorf("a body that is not JSON: %s", body)
		}
		r.mu.Lock()
		r.got = append(r.got, received{req.Header.Get("webhook-id"), msg.Type, msg.Data})
		n := len(r.got)
		r.mu.Unlock()
		w.WriteHeader(r.respond(n))
	}))
	t.Cleanup(r.server.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func fastRetries(c *config.Config) {
	c.Webhooks.AllowPrivate = true
	c.Webhooks.RetryBase = 20 * time.Millisecond
	c.Webhooks.Timeout = 2 * time.Second
}

// register registers url for events as admin and returns the endpoint's ID and secret.
func register(t *testing.T, admin *hubtest.Hub, url string, events ...string) (string, string) {
	t.Helper()
	var out struct {
		CreateWebhookEndpoint struct {
			Endpoint   *struct{ ID string }
			Secret     string
			UserErrors []struct{ Message, Code string }
		}
	}
	admin.Query(`mutation($u: String!, $e: [LiveEvent!]!) { createWebhookEndpoint(input: {url: $u, events: $e}) {
		endpoint { id } secret userErrors { message code } } }`, map[string]any{"u": url, "e": events}, &out)
	if out.CreateWebhookEndpoint.Endpoint == nil {
		t.Fatalf("registering %s: %+v", url, out.CreateWebhookEndpoint.UserErrors)
	}
	if !strings.HasPrefix(out.CreateWebhookEndpoint.Secret, "whsec_") {
		t.Errorf("the secret %q does not start with whsec_", out.CreateWebhookEndpoint.Secret)
	}
	return out.CreateWebhookEndpoint.Endpoint.ID, out.CreateWebhookEndpoint.Secret
}

func createMember(t *testing.T, admin *hubtest.Hub, name string) {
	t.Helper()
	var out struct {
		CreateMember struct{ UserErrors []struct{ Message string } }
	}
	admin.Query(`mutation($n: String!) { createMember(input: {name: $n, kind: OTHER, country: "BE"}) { userErrors { message } } }`,
		map[string]any{"n": name}, &out)
	if len(out.CreateMember.UserErrors) > 0 {
		t.Fatal(out.CreateMember.UserErrors)
	}
}

type delivery struct {
	MessageID    string
	Type         string
	Status       string
	Attempts     int
	ResponseCode *int
	AttemptLog   []struct {
		Attempt      int
		ResponseCode *int
	}
}

func deliveries(t *testing.T, admin *hubtest.Hub) []delivery {
	t.Helper()
	var out struct {
		WebhookEndpoints []struct{ Deliveries []delivery }
	}
	admin.Query(`{ webhookEndpoints { deliveries(first: 100) { messageId type status attempts responseCode attemptLog { attempt responseCode } } } }`, nil, &out)
	var all []delivery
	for _, e := range out.WebhookEndpoints {
		all = append(all, e.Deliveries...)
	}
	return all
}

// An endpoint that fails twice, then succeeds: every event arrives, signed, in order, each attempt
// logged; a test event arrives too.
func TestWebhookRetriesUntilDelivered(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, func(n int) int {
		if n <= 2 {
			return http.StatusInternalServerError
		}
		return http.StatusNoContent
	})
	h := hubtest.StartWith(t, false, fastRetries)
	admin := h.Admin()
	id, secret := register(t, admin, rc.server.URL+"/hooks", "MEMBER_JOINED")
	rc.mu.Lock()
	rc.secret = secret
	rc.mu.Unlock()
	createMember(t, admin, "First to join")
	createMember(t, admin, "Second to join")
	// The events' deliveries are written a moment after their commit; the test event goes behind them.
	wait.For(t, "the members' deliveries to be written", 30*time.Second, func() bool { return len(deliveries(t, admin)) == 2 })
	var test struct {
		SendWebhookTestEvent struct{ Delivery struct{ MessageID string } }
	}
	admin.Query(`mutation($id: ID!) { sendWebhookTestEvent(id: $id) { delivery { messageId } } }`, map[string]any{"id": id}, &test)

	wait.For(t, "three deliveries", 30*time.Second, func() bool {
		ds := deliveries(t, admin)
		return len(ds) == 3 && !slices.ContainsFunc(ds, func(d delivery) bool { return d.Status != "DELIVERED" })
	})
	var names []string
	ids := map[string]int{}
	for _, r := range rc.requests() {
		ids[r.ID]++
		if r.Type == "member.joined" && ids[r.ID] == 1 {
			names = append(names, r.Data["name"].(string))
		}
	}
	if !slices.Equal(names, []string{"First to join", "Second to join"}) {
		t.Errorf("members told, in order: %v", names)
	}
	if ids[test.SendWebhookTestEvent.Delivery.MessageID] != 1 {
		t.Errorf("the test event arrived %d times", ids[test.SendWebhookTestEvent.Delivery.MessageID])
	}
	ds := deliveries(t, admin) // newest first
	first := ds[len(ds)-1]
	if first.Type != "member.joined" || first.Attempts != 3 || len(first.AttemptLog) != 3 ||
		*first.AttemptLog[0].ResponseCode != 500 || *first.AttemptLog[1].ResponseCode != 500 || *first.AttemptLog[2].ResponseCode != 204 {
		t.Errorf("the first delivery's log: %+v; want 500, 500, 204", first)
	}
	if n := ids[first.MessageID]; n != 3 {
		t.Errorf("the receiver saw the first message %d times; want 3", n)
	}
}

// A hub stopped while an attempt is under way: another hub on the same database delivers it.
func TestWebhookDeliveredAfterRestart(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var once sync.Once
	rc := newReceiver(t, func(n int) int {
		if n == 1 {
			<-release // the first attempt hangs until the hub is gone
		}
		return http.StatusOK
	})
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	cfg := hubtest.Config(t)
	fastRetries(&cfg)
	a := hubtest.Start(t, cfg, false)
	admin := a.Admin()
	_, secret := register(t, admin, rc.server.URL, "MEMBER_JOINED")
	rc.mu.Lock()
	rc.secret = secret
	rc.mu.Unlock()
	createMember(t, admin, "Joined during a restart")
	wait.For(t, "the first attempt to reach the receiver", 30*time.Second, func() bool { return len(rc.requests()) == 1 })
	a.Stop()
	once.Do(func() { close(release) })

	cfg.DataDir = t.TempDir()
	b := hubtest.Start(t, cfg, false)
	var out struct {
		WebhookEndpoints []struct{ Deliveries []delivery }
	}
	wait.For(t, "the delivery after the restart", 30*time.Second, func() bool {
		b.As(admin.Token).Query(`{ webhookEndpoints { deliveries { status attempts messageId } } }`, nil, &out)
		ds := out.WebhookEndpoints[0].Deliveries
		return len(ds) == 1 && ds[0].Status == "DELIVERED"
	})
	got := rc.requests()
	if len(got) < 2 || got[len(got)-1].ID != out.WebhookEndpoints[0].Deliveries[0].MessageID || got[len(got)-1].Data["name"] != "Joined during a restart" {
		t.Errorf("the receiver got %+v; want the message again from the second hub", got)
	}
}

// Private addresses are refused at registration without HUB_WEBHOOK_ALLOW_PRIVATE.
func TestWebhookPrivateAddressRefused(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, false)
	admin := h.Admin()
	for _, u := range []string{"http://127.0.0.1:9/hook", "http://localhost/hook", "http://10.1.2.3/hook",
		"http://169.254.169.254/latest/meta-data", "http://[::1]/hook", "ftp://example.org/hook"} {
		var out struct {
			CreateWebhookEndpoint struct {
				Endpoint   *struct{ ID string }
				UserErrors []struct {
					Field []string
					Code  string
				}
			}
		}
		admin.Query(`mutation($u: String!) { createWebhookEndpoint(input: {url: $u, events: [MEMBER_JOINED]}) {
			endpoint { id } userErrors { field code } } }`, map[string]any{"u": u}, &out)
		p := out.CreateWebhookEndpoint
		if p.Endpoint != nil || len(p.UserErrors) != 1 || p.UserErrors[0].Code != "INVALID" {
			t.Errorf("%s: %+v; want it refused with INVALID", u, p)
		}
	}
	// Anonymous callers may not register at all.
	if r := h.Post(`mutation { createWebhookEndpoint(input: {url: "https://example.org/h", events: [MEMBER_JOINED]}) { secret } }`, nil); hubtest.ErrorCodes(r.Errors)[0] != "UNAUTHENTICATED" {
		t.Errorf("anonymous registration: %+v", r.Errors)
	}
}

// The feed is pruned of what webhooks fanned out longer ago than kept, and of nothing else.
func TestEventsPruned(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, false)
	d := h.DB()
	ctx := t.Context()
	count := func() (n int) {
		d.Pool.QueryRow(ctx, `select count(*) from hub_event`).Scan(&n)
		return n
	}
	createMember(t, h.Admin(), "Old news")
	wait.For(t, "webhooks to pass the event", 30*time.Second, func() bool {
		var fanned bool
		d.Pool.QueryRow(ctx, `select (select position from webhook_feed) >= (select max(position) from hub_event_commit)`).Scan(&fanned)
		return fanned
	})
	if err := d.PruneEvents(ctx, time.Hour); err != nil || count() != 1 {
		t.Fatalf("a fresh event was pruned (%v): %d left", err, count())
	}
	d.Pool.Exec(ctx, `update hub_event_commit set committed_at = now() - interval '2 hours'`)
	if err := d.PruneEvents(ctx, time.Hour); err != nil || count() != 0 {
		t.Errorf("an event older than kept stayed (%v): %d left", err, count())
	}
}

// A partner sees and manages only its own endpoints; an endpoint's filter is the list's, and its
// payloads are read with its owner's access.
func TestWebhookOwnersAndFilters(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, func(int) int { return http.StatusOK })
	h := hubtest.StartWith(t, false, fastRetries)
	admin := h.Admin()
	partner := h.As(h.NewToken("PARTNER", ""))
	var out struct {
		CreateWebhookEndpoint struct {
			Endpoint struct{ ID string }
			Secret   string
		}
	}
	partner.Query(`mutation($u: String!) { createWebhookEndpoint(input: {url: $u, events: [FUNDING_OPPORTUNITY_CHANGED],
		filter: {fundingOpportunity: {programme: ["DIGITAL"]}}}) { endpoint { id } secret } }`, map[string]any{"u": rc.server.URL}, &out)
	rc.mu.Lock()
	rc.secret = out.CreateWebhookEndpoint.Secret
	rc.mu.Unlock()
	adminRC := newReceiver(t, func(int) int { return http.StatusOK })
	adminEndpoint, adminSecret := register(t, admin, adminRC.server.URL, "MEMBER_JOINED")
	adminRC.mu.Lock()
	adminRC.secret = adminSecret
	adminRC.mu.Unlock()

	var list struct{ WebhookEndpoints []struct{ ID string } }
	partner.Query(`{ webhookEndpoints { id } }`, nil, &list)
	if len(list.WebhookEndpoints) != 1 || list.WebhookEndpoints[0].ID != out.CreateWebhookEndpoint.Endpoint.ID {
		t.Errorf("the partner's list: %+v; want its own endpoint only", list)
	}
	admin.Query(`{ webhookEndpoints { id } }`, nil, &list)
	if len(list.WebhookEndpoints) != 2 {
		t.Errorf("the admin's list: %+v; want both", list)
	}
	var del struct {
		DeleteWebhookEndpoint struct{ UserErrors []struct{ Code string } }
	}
	partner.Query(`mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { userErrors { code } } }`, map[string]any{"id": adminEndpoint}, &del)
	if len(del.DeleteWebhookEndpoint.UserErrors) != 1 || del.DeleteWebhookEndpoint.UserErrors[0].Code != "NOT_FOUND" {
		t.Errorf("a partner deleting the admin's endpoint: %+v; want NOT_FOUND", del)
	}

	for _, c := range []struct{ id, programme string }{{"HORIZON-LIVE-1", "HORIZON"}, {"DIGITAL-LIVE-1", "DIGITAL"}} {
		admin.Query(`mutation($i: String!, $p: String!) { createFundingOpportunity(input: {identifier: $i, title: $i, programme: $p,
			openingDate: "2027-01-01", deadlineModel: SINGLE_STAGE, deadlines: ["2027-03-01"]}) { userErrors { message } } }`,
			map[string]any{"i": c.id, "p": c.programme}, &struct{}{})
	}
	wait.For(t, "the DIGITAL call's delivery", 30*time.Second, func() bool { return len(rc.requests()) >= 1 })
	// Behind the calls in the feed: once the member is told, both calls were decided for the partner.
	createMember(t, admin, "Told to the admin's endpoint")
	wait.For(t, "the admin's member delivery", 30*time.Second, func() bool { return len(adminRC.requests()) >= 1 })
	wait.For(t, "the partner's deliveries to be sent", 30*time.Second, func() bool {
		var n int
		h.DB().Pool.QueryRow(t.Context(), `select count(*) from webhook_delivery where status = 'PENDING'`).Scan(&n)
		return n == 0
	})
	if n := len(rc.requests()); n != 1 {
		t.Errorf("the partner's endpoint got %d requests; want the DIGITAL call's alone", n)
	}
	for _, r := range rc.requests() {
		if r.Type == "funding_opportunity.changed" && r.Data["identifier"] != "DIGITAL-LIVE-1" {
			t.Errorf("the partner's DIGITAL filter let through %v", r.Data)
		}
	}
}
