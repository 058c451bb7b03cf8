package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Subscribers follow bestPracticePublished through the balancer, in the graphql-transport-ws protocol,
// each on one WebSocket at a time: cut off, one connects again (to whichever hub the balancer picks) and
// goes on from there. HAProxy names the hub that took the connection in X-Hub-Server.

const publishedSubscription = `subscription { bestPracticePublished { id title } }`

// connection is one subscriber's WebSocket, from its dial to its end.
type connection struct {
	subscriber int
	hub        string
	dialled    time.Time
	ready      time.Time // when its first event came: every write sent later is its to see
	ended      time.Time // zero while it lasts (and when closed at the end of the run)
	endErr     error
	received   map[string]int // title -> how many times
	order      []string       // titles as they came
}

type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

type subscribers struct {
	url  string
	mu   sync.Mutex
	all  []*connection
	stop context.CancelFunc
	done sync.WaitGroup
}

// startSubscribers connects n subscribers one after another (so that round robin spreads them over the
// hubs) and keeps each connected until stop.
func startSubscribers(lb string, n int) (*subscribers, error) {
	ctx, cancel := context.WithCancel(context.Background())
	s := &subscribers{url: "ws" + strings.TrimPrefix(lb, "http") + "/graphql", stop: cancel}
	for i := range n {
		c, conn, err := s.connect(ctx, i)
		if err != nil {
			cancel()
			return nil, fmt.Errorf("subscriber %d: %w", i, err)
		}
		s.done.Go(func() { s.follow(ctx, i, c, conn) })
	}
	return s, nil
}

// connect dials, initialises the connection and subscribes.
func (s *subscribers) connect(ctx context.Context, i int) (*connection, *websocket.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(dctx, s.url, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		return nil, nil, err
	}
	c := &connection{subscriber: i, dialled: time.Now(), received: map[string]int{}, hub: hubOf(resp)}
	send := func(id, typ string, payload any) error {
		p, _ := json.Marshal(payload)
		b, _ := json.Marshal(wsMessage{ID: id, Type: typ, Payload: p})
		return conn.Write(dctx, websocket.MessageText, b)
	}
	if err := send("", "connection_init", map[string]any{}); err != nil {
		conn.CloseNow()
		return nil, nil, err
	}
	_, b, err := conn.Read(dctx)
	var ack wsMessage
	if err == nil && (json.Unmarshal(b, &ack) != nil || ack.Type != "connection_ack") {
		err = fmt.Errorf("expected connection_ack, got %s", b)
	}
	if err == nil {
		err = send("1", "subscribe", map[string]any{"query": publishedSubscription})
	}
	if err != nil {
		conn.CloseNow()
		return nil, nil, err
	}
	s.mu.Lock()
	s.all = append(s.all, c)
	s.mu.Unlock()
	return c, conn, nil
}

func hubOf(resp *http.Response) string {
	if resp == nil || resp.Header.Get("X-Hub-Server") == "" {
		return "?"
	}
	return resp.Header.Get("X-Hub-Server")
}

// follow reads subscriber i's events, connecting again whenever its connection ends before stop.
func (s *subscribers) follow(ctx context.Context, i int, c *connection, conn *websocket.Conn) {
	for {
		err := s.read(ctx, c, conn)
		conn.CloseNow()
		if ctx.Err() != nil {
			return
		}
		s.mu.Lock()
		c.ended, c.endErr = time.Now(), err
		s.mu.Unlock()
		for {
			if c, conn, err = s.connect(ctx, i); err == nil {
				break
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
}

// read answers pings and records results until the connection ends, or ctx does.
func (s *subscribers) read(ctx context.Context, c *connection, conn *websocket.Conn) error {
	conn.SetReadLimit(1 << 20)
	for {
		_, b, err := conn.Read(ctx)
		if err != nil {
			return err
		}
		var m wsMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("not JSON: %s", b)
		}
		switch m.Type {
		case "ping":
			b, _ := json.Marshal(wsMessage{Type: "pong"})
			conn.Write(ctx, websocket.MessageText, b)
		case "next":
			var r struct {
				Data struct {
					BestPracticePublished struct{ ID, Title string }
				}
				Errors []struct{ Message string }
			}
			json.Unmarshal(m.Payload, &r)
			if len(r.Errors) > 0 {
				return fmt.Errorf("an error result: %s", r.Errors[0].Message)
			}
			title := r.Data.BestPracticePublished.Title
			s.mu.Lock()
			if c.ready.IsZero() {
				c.ready = time.Now()
			}
			c.received[title]++
			c.order = append(c.order, title)
			s.mu.Unlock()
		case "error", "complete":
			return fmt.Errorf("the hub ended the subscription (%s %s)", m.Type, m.Payload)
		}
	}
}

// write is an acknowledged write, as the subscribers should see it.
type write struct {
	title       string
	writer, n   int
	sent, acked time.Time
}

// owed is what c should have received of writes: those sent after its first event, while it lasted.
func (c *connection) owed(writes []write) []write {
	var out []write
	for _, w := range writes {
		if !c.ready.IsZero() && w.sent.After(c.ready) && (c.ended.IsZero() || w.acked.Before(c.ended)) {
			out = append(out, w)
		}
	}
	return out
}

// catchUp waits, up to d, until every connection that lasts has received what it is owed.
func (s *subscribers) catchUp(writes []write, d time.Duration) {
	for until := time.Now().Add(d); time.Now().Before(until); time.Sleep(200 * time.Millisecond) {
		behind := false
		s.mu.Lock()
		for _, c := range s.all {
			if !c.ended.IsZero() {
				continue
			}
			for _, w := range c.owed(writes) {
				if c.received[w.title] == 0 {
					behind = true
					break
				}
			}
		}
		s.mu.Unlock()
		if !behind {
			return
		}
	}
}

// check stops the subscribers and returns what they show: violations, and a line of counts. A
// connection to the killed hub may be cut off within the grace after the kill (what it was owed is not
// counted, its subscriber's next connection is); any other cut, a missed, repeated or reordered event
// is a violation, and so is a lasting connection that never received anything while writes were sent.
func (s *subscribers) check(writes []write, tag, killed string, start time.Time, killAt, grace time.Duration) (violations []string, summary string) {
	killTime := start.Add(killAt)
	s.stop()
	s.done.Wait()
	byTitle := map[string]write{}
	for _, w := range writes {
		byTitle[w.title] = w
	}
	perHub := map[string]int{}
	var cut, reconnects, events, missed, repeated, reordered int
	var slowest time.Duration
	subs := map[int]bool{}
	for _, c := range s.all {
		if subs[c.subscriber] {
			reconnects++
		}
		subs[c.subscriber] = true
		perHub[c.hub]++
		who := fmt.Sprintf("subscriber %d on %s (connected at %s)", c.subscriber, c.hub, c.dialled.Sub(start).Round(time.Millisecond))
		if !c.ended.IsZero() {
			if c.hub == killed && !c.ended.Before(killTime) && c.ended.Before(killTime.Add(grace)) {
				cut++
				continue
			}
			violations = append(violations, fmt.Sprintf("%s was cut off: %v", who, c.endErr))
		}
		owed := c.owed(writes)
		if c.ready.IsZero() {
			late := 0
			for _, w := range writes {
				if w.sent.After(c.dialled.Add(5*time.Second)) && (c.ended.IsZero() || w.acked.Before(c.ended)) {
					late++
				}
			}
			if late > 0 {
				violations = append(violations, fmt.Sprintf("%s received nothing of %d writes sent from 5 s after it subscribed", who, late))
			}
			continue
		}
		slowest = max(slowest, c.ready.Sub(c.dialled))
		events += len(c.order)
		m := 0
		for _, w := range owed {
			if c.received[w.title] == 0 {
				m++
			}
		}
		if m > 0 {
			violations = append(violations, fmt.Sprintf("%s missed %d of %d events owed", who, m, len(owed)))
		}
		missed += m
		last := map[int]int{}
		for title, k := range c.received {
			if k > 1 && strings.Contains(title, tag) {
				repeated += k - 1
				violations = append(violations, fmt.Sprintf("%s received %q %d times", who, title, k))
			}
		}
		for _, title := range c.order {
			w, ok := byTitle[title]
			if !ok {
				continue // not acknowledged, or not of this run
			}
			if n, seen := last[w.writer]; seen && w.n < n {
				reordered++
				violations = append(violations, fmt.Sprintf("%s received writer %d's number %d after its number %d", who, w.writer, w.n, n))
			}
			last[w.writer] = max(last[w.writer], w.n)
		}
	}
	var hubs []string
	for h, n := range perHub {
		hubs = append(hubs, fmt.Sprintf("%s %d", h, n))
	}
	sort.Strings(hubs)
	summary = fmt.Sprintf("%d subscribers, %d connections (%s), %d cut off on %s and reconnected %d times, %d events received, %d missed, %d repeated, %d out of order; first event at most %s after subscribing",
		len(subs), len(s.all), strings.Join(hubs, ", "), cut, killed, reconnects, events, missed, repeated, reordered, slowest.Round(time.Millisecond))
	if len(violations) > 10 {
		violations = append(violations[:10], fmt.Sprintf("and %d more", len(violations)-10))
	}
	return violations, summary
}
