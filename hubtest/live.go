package hubtest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/smartcommunities/hub/hubtest/wait"
)

// Subscription is one subscription over a WebSocket of its own, spoken in the graphql-transport-ws
// protocol as graphql-ws clients speak it.
type Subscription struct {
	h      *Hub
	conn   *websocket.Conn
	ctx    context.Context
	cancel context.CancelFunc
	events chan Response
	mu     sync.Mutex
	done   bool
	more   int // subscriptions added by Also
	// Err is the error message the server ended the subscription with, if any; CloseCode the WebSocket's.
	Err       string
	CloseCode websocket.StatusCode
}

type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// Subscribe connects (with the client's token in connection_init), subscribes with query and returns
// the subscription once the hub has acknowledged the connection.
func (h *Hub) Subscribe(query string, vars map[string]any) *Subscription {
	h.T.Helper()
	s, err := h.TrySubscribe(query, vars)
	if err != nil {
		h.T.Fatal(err)
	}
	return s
}

// TrySubscribe is Subscribe that returns its failure to connect.
func (h *Hub) TrySubscribe(query string, vars map[string]any) (*Subscription, error) {
	ctx, cancel := context.WithCancel(context.Background())
	u := "ws" + strings.TrimPrefix(h.URL(), "http") + "/graphql"
	conn, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("dialling %s: %w", u, err)
	}
	s := &Subscription{h: h, conn: conn, ctx: ctx, cancel: cancel, events: make(chan Response, 100)}
	h.T.Cleanup(s.Close)
	init := map[string]any{}
	if h.Token != "" {
		init["Authorization"] = "Bearer " + h.Token
	}
	if err := s.send("", "connection_init", init); err != nil {
		return nil, err
	}
	_, b, err := conn.Read(ctx)
	if err != nil {
		s.CloseCode = websocket.CloseStatus(err)
		return s, fmt.Errorf("waiting for connection_ack: %w", err)
	}
	var ack wsMessage
	if json.Unmarshal(b, &ack); ack.Type != "connection_ack" {
		return s, fmt.Errorf("expected connection_ack, got %s", b)
	}
	before := h.Backend.Live.Subscribers()
	if err := s.send("1", "subscribe", map[string]any{"query": query, "variables": vars}); err != nil {
		return s, err
	}
	go s.read()
	h.WaitSubscribers(before + 1)
	return s, nil
}

func (s *Subscription) send(id, typ string, payload any) error {
	p, _ := json.Marshal(payload)
	b, _ := json.Marshal(wsMessage{ID: id, Type: typ, Payload: p})
	return s.conn.Write(s.ctx, websocket.MessageText, b)
}

// read answers pings and hands on the subscription's results until the connection ends.
func (s *Subscription) read() {
	defer close(s.events)
	for {
		_, b, err := s.conn.Read(s.ctx)
		if err != nil {
			s.mu.Lock()
			s.CloseCode = websocket.CloseStatus(err)
			s.mu.Unlock()
			return
		}
		var m wsMessage
		json.Unmarshal(b, &m)
		switch m.Type {
		case "ping":
			s.send("", "pong", nil)
		case "next":
			var r Response
			json.Unmarshal(m.Payload, &r)
			s.events <- r
		case "error":
			s.mu.Lock()
			s.Err = string(m.Payload)
			s.mu.Unlock()
		case "complete":
			s.mu.Lock()
			s.Err += "(completed)"
			s.mu.Unlock()
		}
	}
}

// Next waits up to d for the next result; ok is false when none came, or the subscription ended.
func (s *Subscription) Next(d time.Duration) (r Response, ok bool) {
	select {
	case r, ok = <-s.events:
		return r, ok
	case <-time.After(d):
		return Response{}, false
	}
}

// Ended waits up to d for the subscription to end, and returns the WebSocket's close code (-1: it did
// not end).
func (s *Subscription) Ended(d time.Duration) websocket.StatusCode {
	deadline := time.After(d)
	for {
		select {
		case _, ok := <-s.events:
			if !ok {
				s.mu.Lock()
				defer s.mu.Unlock()
				return s.CloseCode
			}
		case <-deadline:
			return -1
		}
	}
}

// Error is the error the subscription was refused or ended with, if any.
func (s *Subscription) Error() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Err
}

// Also subscribes with another query on the same connection; its results arrive through Next too.
func (s *Subscription) Also(query string) error {
	s.mu.Lock()
	s.more++
	id := fmt.Sprint(s.more + 1)
	s.mu.Unlock()
	return s.send(id, "subscribe", map[string]any{"query": query})
}

// WaitSubscribers waits until the hub's broker has at least n subscriptions: a subscription is
// registered a moment after the hub reads it, and an event committed before then is not its to see.
func (h *Hub) WaitSubscribers(n int) {
	h.T.Helper()
	wait.For(h.T, fmt.Sprintf("%d subscriptions to be registered", n), 30*time.Second, func() bool {
		return h.Backend.Live.Subscribers() >= n
	})
}

// Close ends the subscription and its connection.
func (s *Subscription) Close() {
	s.mu.Lock()
	done := s.done
	s.done = true
	s.mu.Unlock()
	if !done {
		s.conn.Close(websocket.StatusNormalClosure, "")
		s.cancel()
	}
}
