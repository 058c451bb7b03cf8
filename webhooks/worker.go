package webhooks

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/smartcommunities/hub/db"
)

// pollInterval bounds how late a due retry or a fan-out is when no notification wakes the worker.
const pollInterval = time.Second

// eventsKept is how long the feed's events, and finished deliveries, are kept: the delivery log's reach.
const eventsKept = 30 * 24 * time.Hour

// Worker writes deliveries from the feed and sends them.
type Worker struct {
	DB     *db.DB
	Config Config
	client *http.Client

	mu      sync.Mutex
	running map[int64]bool // endpoints this process is sending to now
	wg      sync.WaitGroup
}

// NewWorker returns a worker; Run starts it.
func NewWorker(d *db.DB, c Config) *Worker {
	return &Worker{DB: d, Config: c, client: c.client(), running: map[int64]bool{}}
}

// lease is how long an endpoint is this hub's: longer than an attempt, so that a live worker renews it
// in time; when the hub dies, another takes over once it runs out.
func (w *Worker) lease() time.Duration { return w.Config.Timeout + 5*time.Second }

// Run fans out and sends until ctx ends, then waits for the attempts under way.
func (w *Worker) Run(ctx context.Context) {
	events := make(chan struct{}, 1)
	deliveries := make(chan struct{}, 1)
	go w.DB.ListenEvents(ctx, "hub_event", events)
	go w.DB.ListenEvents(ctx, "webhook_delivery", deliveries)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	prune := time.NewTicker(time.Hour)
	defer prune.Stop()
	for {
		select {
		case <-ctx.Done():
			w.wg.Wait()
			return
		case <-events:
		case <-deliveries:
		case <-tick.C:
		case <-prune.C:
			logErr("webhooks: pruning the feed failed", w.DB.PruneEvents(ctx, eventsKept))
			continue
		}
		for {
			n, err := w.DB.FanOutWebhooks(ctx, 100, payloads)
			logErr("webhooks: writing deliveries failed", err)
			if err != nil || n == 0 {
				break
			}
		}
		due, err := w.DB.DueWebhookEndpoints(ctx)
		logErr("webhooks: finding due deliveries failed", err)
		for _, id := range due {
			w.start(ctx, id)
		}
	}
}

// start runs the endpoint's sender unless it runs already.
func (w *Worker) start(ctx context.Context, id int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.running[id] {
		return
	}
	w.running[id] = true
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		defer func() {
			w.mu.Lock()
			delete(w.running, id)
			w.mu.Unlock()
		}()
		w.send(ctx, id)
	}()
}

// send delivers the endpoint's pending deliveries in order while it holds the endpoint's lease, until
// none is due.
func (w *Worker) send(ctx context.Context, id int64) {
	ep, err := w.DB.LeaseWebhookEndpoint(ctx, id, w.lease(), false)
	if err != nil || ep == nil {
		logErr("webhooks: leasing an endpoint failed", err, "endpoint", id)
		return
	}
	defer func() {
		logErr("webhooks: releasing an endpoint failed", w.DB.ReleaseWebhookEndpoint(context.WithoutCancel(ctx), id))
	}()
	signer, err := standardwebhooks.NewWebhook(ep.Secret())
	if err != nil {
		logErr("webhooks: the endpoint's secret is unusable", err, "endpoint", id)
		return
	}
	for ctx.Err() == nil {
		dl, err := w.DB.NextWebhookDelivery(ctx, id)
		if err != nil || dl == nil || dl.NextAttemptAt.After(time.Now()) {
			logErr("webhooks: reading a delivery failed", err, "endpoint", id)
			return
		}
		code, errText := w.attempt(ctx, signer, ep.URL, dl)
		if ctx.Err() != nil {
			return // the hub stops: the attempt is not counted, and is made again by the next hub
		}
		status, next, reason := db.WebhookDeliveryStatusDelivered, time.Now(), ""
		if errText != nil {
			status = db.WebhookDeliveryStatusPending
			wait := w.Config.RetryBase << dl.Attempts
			if dl.Attempts >= 40 || wait > w.Config.RetryMax || wait <= 0 {
				status = db.WebhookDeliveryStatusFailed
				reason = fmt.Sprintf("delivery %s failed %d times: %s", dl.MessageID, dl.Attempts+1, *errText)
			}
			next = time.Now().Add(wait)
		}
		if err := w.DB.RecordWebhookAttempt(context.WithoutCancel(ctx), dl, code, errText, status, next, reason); err != nil {
			logErr("webhooks: recording an attempt failed", err, "endpoint", id)
			return
		}
		if status != db.WebhookDeliveryStatusDelivered {
			return // a retry or a disabled endpoint: the poll starts it again when due
		}
		if ep, err = w.DB.LeaseWebhookEndpoint(ctx, id, w.lease(), true); err != nil || ep == nil {
			return
		}
	}
}

// attempt sends one delivery, signed; it returns the answer's status and, when it failed, why.
func (w *Worker) attempt(ctx context.Context, signer *standardwebhooks.Webhook, url string, dl *db.WebhookDelivery) (*int32, *string) {
	fail := func(s string) *string { return &s }
	now := time.Now()
	sig, err := signer.Sign(dl.MessageID, now, dl.Payload)
	if err != nil {
		return nil, fail("signing: " + err.Error())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(dl.Payload))
	if err != nil {
		return nil, fail(err.Error())
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "SmartCommunitiesHub-Webhooks/1")
	req.Header.Set("webhook-id", dl.MessageID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := w.client.Do(req)
	if err != nil {
		return nil, fail(err.Error())
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	code := int32(resp.StatusCode)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &code, fail(fmt.Sprintf("the endpoint answered %d", resp.StatusCode))
	}
	return &code, nil
}
