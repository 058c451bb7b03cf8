package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Webhooks (migration 011): endpoints, and the durable deliveries written from the change feed, which
// package webhooks sends.

// WebhookEndpoint is a registered receiver of events.
type WebhookEndpoint struct {
	ID             int64
	URL            string
	Events         []LiveEvent
	Filter         *WebhookFilter
	Description    string
	Enabled        bool
	DisabledReason *string
	CreatedAt      time.Time
	// The owner: who registered it (Principal key), with the role and editor's member whose read access
	// its payloads are made with.
	Owner       string
	OwnerRole   Role
	OwnerMember *int64
	secret      string
}

// Secret is the endpoint's signing secret.
func (e *WebhookEndpoint) Secret() string { return e.secret }

// Access is the read access of the endpoint's owner.
func (e *WebhookEndpoint) Access() ReadAccess {
	switch e.OwnerRole {
	case RoleAdmin:
		return ReadAccess{All: true}
	case RoleEditor:
		if e.OwnerMember != nil {
			return ReadAccess{Member: *e.OwnerMember}
		}
	}
	return ReadAccess{}
}

// WebhookFilter narrows an endpoint's events to those whose entity is in the list so filtered.
type WebhookFilter struct {
	BestPractice       *BestPracticeFilter       `json:"bestPractice,omitempty"`
	FundingOpportunity *FundingOpportunityFilter `json:"fundingOpportunity,omitempty"`
}

// WebhookDeliveryStatus is where a delivery is.
type WebhookDeliveryStatus string

const (
	WebhookDeliveryStatusPending   WebhookDeliveryStatus = "PENDING"
	WebhookDeliveryStatusDelivered WebhookDeliveryStatus = "DELIVERED"
	WebhookDeliveryStatusFailed    WebhookDeliveryStatus = "FAILED"
)

// WebhookDelivery is one message to one endpoint.
type WebhookDelivery struct {
	ID            int64
	EndpointID    int64
	MessageID     string
	Type          string
	Payload       json.RawMessage
	Status        WebhookDeliveryStatus
	Attempts      int32
	NextAttemptAt time.Time
	LastAttemptAt *time.Time
	ResponseCode  *int32
	LastError     *string
	CreatedAt     time.Time
}

const endpointColumns = `e.id, e.url, e.events, e.filter, e.description, e.enabled, e.disabled_reason, e.created_at,
	e.owner, e.owner_role, e.owner_member, e.secret`

func scanEndpoint(r pgx.CollectableRow) (*WebhookEndpoint, error) {
	var e WebhookEndpoint
	var events []string
	err := r.Scan(&e.ID, &e.URL, &events, &e.Filter, &e.Description, &e.Enabled, &e.DisabledReason, &e.CreatedAt,
		&e.Owner, &e.OwnerRole, &e.OwnerMember, &e.secret)
	for _, ev := range events {
		e.Events = append(e.Events, LiveEvent(ev))
	}
	return &e, err
}

const deliveryColumns = `id, endpoint_id, message_id, type, payload, status, attempts, next_attempt_at,
	last_attempt_at, response_code, last_error, created_at`

func scanDelivery(r pgx.CollectableRow) (*WebhookDelivery, error) {
	var d WebhookDelivery
	err := r.Scan(&d.ID, &d.EndpointID, &d.MessageID, &d.Type, &d.Payload, &d.Status, &d.Attempts, &d.NextAttemptAt,
		&d.LastAttemptAt, &d.ResponseCode, &d.LastError, &d.CreatedAt)
	return &d, err
}

// CreateWebhookEndpoint registers an endpoint with its secret.
func (d *DB) CreateWebhookEndpoint(ctx context.Context, e *WebhookEndpoint, secret string) (*WebhookEndpoint, error) {
	events := make([]string, len(e.Events))
	for i, ev := range e.Events {
		events[i] = string(ev)
	}
	rows, err := d.q.Query(ctx, `insert into webhook_endpoint as e (url, events, filter, description, secret, owner, owner_role, owner_member)
		values ($1, $2, $3, $4, $5, $6, $7, $8) returning `+endpointColumns,
		e.URL, events, e.Filter, e.Description, secret, e.Owner, e.OwnerRole, e.OwnerMember)
	if err != nil {
		return nil, err
	}
	return pgx.CollectExactlyOneRow(rows, scanEndpoint)
}

// WebhookEndpoints lists endpoints, oldest first: all of them when owner is "", else owner's.
func (d *DB) WebhookEndpoints(ctx context.Context, owner string) ([]*WebhookEndpoint, error) {
	rows, err := d.q.Query(ctx, `select `+endpointColumns+` from webhook_endpoint e where $1 = '' or e.owner = $1 order by e.id`, owner)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanEndpoint)
}

// WebhookEndpoint returns the endpoint id (owner's, unless owner is ""), or nil.
func (d *DB) WebhookEndpoint(ctx context.Context, id int64, owner string) (*WebhookEndpoint, error) {
	rows, err := d.q.Query(ctx, `select `+endpointColumns+` from webhook_endpoint e where e.id = $1 and ($2 = '' or e.owner = $2)`, id, owner)
	if err != nil {
		return nil, err
	}
	return oneOrNone(rows, scanEndpoint)
}

// SetWebhookEndpointEnabled enables or disables an endpoint; enabling clears the reason.
func (d *DB) SetWebhookEndpointEnabled(ctx context.Context, id int64, enabled bool, reason string) error {
	_, err := d.q.Exec(ctx, `update webhook_endpoint set enabled = $2,
		disabled_reason = case when $2 then null else $3 end where id = $1`, id, enabled, reason)
	return err
}

// DeleteWebhookEndpoint removes an endpoint and its deliveries.
func (d *DB) DeleteWebhookEndpoint(ctx context.Context, id int64) error {
	_, err := d.q.Exec(ctx, `delete from webhook_endpoint where id = $1`, id)
	return err
}

// WebhookDeliveries lists an endpoint's deliveries, newest first, at most first of them, of the given
// statuses (all when empty).
func (d *DB) WebhookDeliveries(ctx context.Context, endpoint int64, first int, statuses []WebhookDeliveryStatus) ([]*WebhookDelivery, error) {
	st := make([]string, len(statuses))
	for i, s := range statuses {
		st[i] = string(s)
	}
	rows, err := d.q.Query(ctx, `select `+deliveryColumns+` from webhook_delivery where endpoint_id = $1
		and (cardinality($3::text[]) = 0 or status = any($3)) order by id desc limit $2`, endpoint, first, st)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanDelivery)
}

// WebhookAttempt is one try of a delivery.
type WebhookAttempt struct {
	Attempt      int32
	AttemptedAt  time.Time
	ResponseCode *int32
	Error        *string
}

// WebhookAttempts lists the attempts of deliveries, oldest first.
func (d *DB) WebhookAttempts(ctx context.Context, ids []int64) (map[int64][]*WebhookAttempt, error) {
	rows, err := d.q.Query(ctx, `select delivery_id, attempt, attempted_at, response_code, error from webhook_attempt
		where delivery_id = any($1) order by delivery_id, attempt`, ids)
	if err != nil {
		return nil, err
	}
	out := map[int64][]*WebhookAttempt{}
	var id int64
	var a WebhookAttempt
	_, err = pgx.ForEachRow(rows, []any{&id, &a.Attempt, &a.AttemptedAt, &a.ResponseCode, &a.Error}, func() error {
		c := a
		out[id] = append(out[id], &c)
		return nil
	})
	return out, err
}

// EnqueueWebhookDelivery writes a delivery that comes from no event (a test event).
func (d *DB) EnqueueWebhookDelivery(ctx context.Context, endpoint int64, messageID, typ string, payload []byte) (*WebhookDelivery, error) {
	rows, err := d.q.Query(ctx, `insert into webhook_delivery (endpoint_id, message_id, type, payload)
		values ($1, $2, $3, $4) returning `+deliveryColumns, endpoint, messageID, typ, payload)
	if err != nil {
		return nil, err
	}
	return pgx.CollectExactlyOneRow(rows, scanDelivery)
}

// NewWebhookDelivery is a delivery that FanOutWebhooks writes.
type NewWebhookDelivery struct {
	Endpoint  int64
	Event     int64
	MessageID string
	Type      string
	Payload   []byte
}

// FanOutWebhooks writes the deliveries of the events after the feed's webhook position, one batch of
// transactions at a time, and moves the position on, all in one transaction that holds the position's row:
// of several hubs, one writes a batch while the others wait, and then find it written. makeDeliveries
// decides, for each event and the enabled endpoints, what to deliver. It returns how many events it read.
func (d *DB) FanOutWebhooks(ctx context.Context, limit int,
	makeDeliveries func(ctx context.Context, q *DB, events []Event, endpoints []*WebhookEndpoint) ([]NewWebhookDelivery, error)) (int, error) {
	n := 0
	err := pgx.BeginFunc(ctx, d.Pool, func(tx pgx.Tx) error {
		var pos int64
		if err := tx.QueryRow(ctx, `select position from webhook_feed for update`).Scan(&pos); err != nil {
			return err
		}
		events, err := readEvents(ctx, tx, pos, limit)
		if err != nil || len(events) == 0 {
			return err
		}
		n = len(events)
		rows, err := tx.Query(ctx, `select `+endpointColumns+` from webhook_endpoint e order by e.id`)
		if err != nil {
			return err
		}
		endpoints, err := pgx.CollectRows(rows, scanEndpoint)
		if err != nil {
			return err
		}
		if len(endpoints) > 0 {
			inTx := *d
			inTx.q = tx
			deliveries, err := makeDeliveries(ctx, &inTx, events, endpoints)
			if err != nil {
				return err
			}
			for _, dl := range deliveries {
				if _, err := tx.Exec(ctx, `insert into webhook_delivery (endpoint_id, event_id, message_id, type, payload)
					values ($1, $2, $3, $4, $5) on conflict do nothing`, dl.Endpoint, dl.Event, dl.MessageID, dl.Type, dl.Payload); err != nil {
					return err
				}
			}
		}
		_, err = tx.Exec(ctx, `update webhook_feed set position = $1`, events[len(events)-1].Position)
		return err
	})
	return n, err
}

// DueWebhookEndpoints are the enabled, unleased endpoints with a pending delivery due by now.
func (d *DB) DueWebhookEndpoints(ctx context.Context) ([]int64, error) {
	rows, err := d.Pool.Query(ctx, `select e.id from webhook_endpoint e where e.enabled
		and (e.lease_until is null or e.lease_until < now())
		and (select next_attempt_at from webhook_delivery w where w.endpoint_id = e.id and w.status = 'PENDING'
			order by w.id limit 1) <= now()`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// LeaseWebhookEndpoint takes (or renews, with renew) the endpoint for one hub's worker until now+d; false
// when another holds it or it is disabled. A lease keeps the deliveries of one endpoint in order across
// hubs; a hub that dies loses it when it runs out.
func (d *DB) LeaseWebhookEndpoint(ctx context.Context, id int64, dur time.Duration, renew bool) (*WebhookEndpoint, error) {
	rows, err := d.Pool.Query(ctx, `update webhook_endpoint e set lease_until = now() + $2::interval
		where e.id = $1 and e.enabled and ($3 or e.lease_until is null or e.lease_until < now()) returning `+endpointColumns,
		id, fmt.Sprintf("%d milliseconds", dur.Milliseconds()), renew)
	if err != nil {
		return nil, err
	}
	return oneOrNone(rows, scanEndpoint)
}

// ReleaseWebhookEndpoint gives the lease up.
func (d *DB) ReleaseWebhookEndpoint(ctx context.Context, id int64) error {
	_, err := d.Pool.Exec(ctx, `update webhook_endpoint set lease_until = null where id = $1`, id)
	return err
}

// NextWebhookDelivery is the endpoint's oldest pending delivery (nil: none); deliveries go in order, so a
// later one waits for it even when due.
func (d *DB) NextWebhookDelivery(ctx context.Context, endpoint int64) (*WebhookDelivery, error) {
	rows, err := d.Pool.Query(ctx, `select `+deliveryColumns+` from webhook_delivery
		where endpoint_id = $1 and status = 'PENDING' order by id limit 1`, endpoint)
	if err != nil {
		return nil, err
	}
	return oneOrNone(rows, scanDelivery)
}

// RecordWebhookAttempt records an attempt of a delivery: its outcome, and its new status and next attempt
// time; a FAILED delivery disables its endpoint with reason.
func (d *DB) RecordWebhookAttempt(ctx context.Context, dl *WebhookDelivery, code *int32, errText *string,
	status WebhookDeliveryStatus, next time.Time, reason string) error {
	return pgx.BeginFunc(ctx, d.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `update webhook_delivery set attempts = attempts + 1, last_attempt_at = now(),
			response_code = $2, last_error = $3, status = $4, next_attempt_at = $5 where id = $1`,
			dl.ID, code, errText, status, next); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `insert into webhook_attempt (delivery_id, attempt, response_code, error)
			values ($1, $2, $3, $4)`, dl.ID, dl.Attempts+1, code, errText); err != nil {
			return err
		}
		if status == WebhookDeliveryStatusFailed {
			_, err := tx.Exec(ctx, `update webhook_endpoint set enabled = false, disabled_reason = $2 where id = $1`, dl.EndpointID, reason)
			return err
		}
		return nil
	})
}

// oneOrNone is the one row of rows, or nil when there is none.
func oneOrNone[T any](rows pgx.Rows, scan pgx.RowToFunc[*T]) (*T, error) {
	v, err := pgx.CollectExactlyOneRow(rows, scan)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return v, err
}
