// Package webhooks tells registered endpoints of the hub's events: it writes durable deliveries from the
// committed change feed (db.FanOutWebhooks) and sends them, signed as the Standard Webhooks specification
// says, at least once and in order per endpoint, retrying with exponential backoff. Each endpoint has
// its own worker, with its own timeout, so a slow or failing endpoint delays no other, nor the API.
package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	"github.com/smartcommunities/hub/db"
)

// Config is how webhooks are sent.
type Config struct {
	AllowPrivate bool          // HUB_WEBHOOK_ALLOW_PRIVATE: may endpoints be on loopback, private or link-local addresses
	Timeout      time.Duration // HUB_WEBHOOK_TIMEOUT: one attempt, from dialling to the answer's status
	RetryBase    time.Duration // HUB_WEBHOOK_RETRY_BASE: the wait after the first failure, doubled after each next one
	RetryMax     time.Duration // HUB_WEBHOOK_RETRY_MAX: a delivery whose next wait would pass it is FAILED
}

// Type is the Standard Webhooks event type of a feed event.
func Type(e db.LiveEvent) string {
	switch e {
	case db.LiveEventBestPracticePublished:
		return "best_practice.published"
	case db.LiveEventFundingOpportunityChanged:
		return "funding_opportunity.changed"
	case db.LiveEventMemberJoined:
		return "member.joined"
	}
	return string(e)
}

// TestType is the type of the deliveries of sendWebhookTestEvent.
const TestType = "webhook.test"

// NewSecret is a signing secret as Standard Webhooks writes them: whsec_ and base64 of 24 random bytes.
func NewSecret() string {
	b := make([]byte, 24)
	rand.Read(b)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

// newMessageID is a delivery's webhook-id.
func newMessageID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return "msg_" + base64.RawURLEncoding.EncodeToString(b)
}

// ErrPrivateAddress refuses a URL whose host is on a loopback, private or link-local address.
var ErrPrivateAddress = errors.New("the URL's host is on a loopback, private or link-local address, which the hub does not call (HUB_WEBHOOK_ALLOW_PRIVATE)")

// private reports addresses a webhook may not reach: the hub's own machine, its networks and the cloud
// metadata services (link-local).
func private(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsUnspecified() || a.IsMulticast() || a.IsInterfaceLocalMulticast() ||
		netip.MustParsePrefix("100.64.0.0/10").Contains(a) // carrier-grade NAT, often internal too
}

// CheckURL says what is wrong with an endpoint's URL, or "": an absolute http(s) URL whose host, when
// private addresses are not allowed, resolves to public addresses only.
func (c Config) CheckURL(ctx context.Context, raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return "must be an absolute http or https URL without credentials, such as https://example.org/hooks/hub"
	}
	if len(raw) > 2000 {
		return "must be at most 2000 characters"
	}
	if c.AllowPrivate {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", u.Hostname())
	if err != nil || len(addrs) == 0 {
		return fmt.Sprintf("its host %q does not resolve", u.Hostname())
	}
	for _, a := range addrs {
		if private(a) {
			return ErrPrivateAddress.Error()
		}
	}
	return ""
}

// client sends the deliveries: the address is checked again when each connection is made, after DNS,
// so that a name that resolved to a public address at registration cannot later lead inside; redirects
// are not followed.
func (c Config) client() *http.Client {
	dialer := &net.Dialer{Timeout: c.Timeout}
	if !c.AllowPrivate {
		dialer.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || private(ap.Addr()) {
				return ErrPrivateAddress
			}
			return nil
		}
	}
	tr := &http.Transport{
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   c.Timeout,
		ResponseHeaderTimeout: c.Timeout,
		MaxIdleConnsPerHost:   1,
		IdleConnTimeout:       time.Minute,
	}
	return &http.Client{Transport: tr, Timeout: c.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// message is a delivery's body, as Standard Webhooks shapes it.
type message struct {
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      any       `json:"data"`
}

// payloads reads the entities of events with the access of each endpoint and makes the deliveries of
// those that pass its events and filter.
func payloads(ctx context.Context, q *db.DB, events []db.Event, endpoints []*db.WebhookEndpoint) ([]db.NewWebhookDelivery, error) {
	var out []db.NewWebhookDelivery
	ids := map[db.LiveEvent][]int64{}
	for _, e := range events {
		ids[e.Type] = append(ids[e.Type], e.EntityID)
	}
	for _, ep := range endpoints {
		ctx := db.WithReadAccess(ctx, ep.Access())
		data := map[db.LiveEvent]map[int64]any{}
		for typ, list := range ids {
			if !wants(ep, typ) {
				continue
			}
			m, err := entityData(ctx, q, typ, list, ep.Filter)
			if err != nil {
				return nil, err
			}
			data[typ] = m
		}
		for _, e := range events {
			d, ok := data[e.Type][e.EntityID]
			if !ok {
				continue
			}
			body, err := json.Marshal(message{Type: Type(e.Type), Timestamp: e.At.UTC(), Data: d})
			if err != nil {
				return nil, err
			}
			out = append(out, db.NewWebhookDelivery{Endpoint: ep.ID, Event: e.ID, MessageID: newMessageID(), Type: Type(e.Type), Payload: body})
		}
	}
	return out, nil
}

func wants(ep *db.WebhookEndpoint, t db.LiveEvent) bool {
	for _, e := range ep.Events {
		if e == t {
			return true
		}
	}
	return false
}

// entityData is what a delivery tells of each entity of ids that the request may read and that passes
// the filter: its global ID and main fields.
func entityData(ctx context.Context, q *db.DB, t db.LiveEvent, ids []int64, f *db.WebhookFilter) (map[int64]any, error) {
	out := map[int64]any{}
	switch t {
	case db.LiveEventBestPracticePublished:
		var flt *db.BestPracticeFilter
		if f != nil {
			flt = f.BestPractice
		}
		ok, err := q.BestPracticesMatching(ctx, flt, ids)
		if err != nil {
			return nil, err
		}
		ps, err := q.BestPracticesByID(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if p != nil && ok[p.ID] {
				out[p.ID] = map[string]any{"id": db.GlobalID("BestPractice", p.ID), "slug": p.Slug, "title": p.Title,
					"summary": p.Summary, "language": p.Language, "country": p.CountryCode, "year": p.Year, "status": p.Status}
			}
		}
	case db.LiveEventFundingOpportunityChanged:
		var flt *db.FundingOpportunityFilter
		if f != nil {
			flt = f.FundingOpportunity
		}
		ok, err := q.FundingOpportunitiesMatching(ctx, flt, ids)
		if err != nil {
			return nil, err
		}
		fs, err := q.FundingOpportunitiesByID(ctx, ids)
		if err != nil {
			return nil, err
		}
		today := q.Today()
		for _, f := range fs {
			if f != nil && ok[f.ID] {
				var next *string
				if d := f.NextDeadlineOn(today); d != nil {
					s := d.Format(time.DateOnly)
					next = &s
				}
				deadlines := make([]string, len(f.Deadlines))
				for i, d := range f.Deadlines {
					deadlines[i] = d.Format(time.DateOnly)
				}
				out[f.ID] = map[string]any{"id": db.GlobalID("FundingOpportunity", f.ID), "identifier": f.Identifier, "title": f.Title,
					"programme": f.ProgrammeCode, "openingDate": f.OpeningDate.Format(time.DateOnly), "deadlines": deadlines,
					"nextDeadline": next, "status": f.StatusOn(today), "url": f.URL}
			}
		}
	case db.LiveEventMemberJoined:
		ms, err := q.MembersByID(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if m != nil {
				out[m.ID] = map[string]any{"id": db.GlobalID("Member", m.ID), "slug": m.Slug, "name": m.Name, "country": m.CountryCode}
			}
		}
	}
	return out, nil
}

// TestPayload is the body of a test delivery.
func TestPayload(ep *db.WebhookEndpoint) (string, []byte) {
	body, _ := json.Marshal(message{Type: TestType, Timestamp: time.Now().UTC(),
		Data: map[string]any{"endpoint": db.GlobalID("WebhookEndpoint", ep.ID)}})
	return newMessageID(), body
}

func logErr(msg string, err error, attrs ...any) {
	if err != nil && !errors.Is(err, context.Canceled) {
		slog.Warn(msg, append(attrs, "err", err)...)
	}
}
