package httpapi_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smartcommunities/hub/hubtest"
)

// graphqlWS installs the npm graphql-ws client of scripts/graphql-ws-client into .artifacts (once per
// version of its package.json) and returns the directory to run it in. Without node the test is skipped
// (HUB_NODE_TESTS=on makes that a failure).
func graphqlWS(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		if os.Getenv("HUB_NODE_TESTS") == "on" {
			t.Fatal("node not found")
		}
		t.Skip("node not found: the npm graphql-ws client cannot run (install Node.js 20 or later)")
	}
	src, _ := filepath.Abs("../scripts/graphql-ws-client")
	dir, _ := filepath.Abs("../.artifacts/graphql-ws-client")
	want, err := os.ReadFile(filepath.Join(src, "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	have, _ := os.ReadFile(filepath.Join(dir, "package.json"))
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "graphql-ws")); err != nil || !bytes.Equal(want, have) {
		os.RemoveAll(dir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "package.json"), want, 0o644)
		cmd := exec.Command("npm", "install", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm install of graphql-ws: %v\n%s", err, out)
		}
	}
	script, _ := os.ReadFile(filepath.Join(src, "subscribe.mjs"))
	os.WriteFile(filepath.Join(dir, "subscribe.mjs"), script, 0o644)
	return dir
}

// nodeSubscription runs the npm client and hands on its lines.
func nodeSubscription(t *testing.T, dir string, h *hubtest.Hub, query string) <-chan map[string]json.RawMessage {
	t.Helper()
	args := []string{"subscribe.mjs", "ws" + strings.TrimPrefix(h.URL(), "http") + "/graphql", query}
	if h.Token != "" {
		args = append(args, h.Token)
	}
	cmd := exec.Command("node", args...)
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan map[string]json.RawMessage, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var m map[string]json.RawMessage
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				lines <- m
			}
		}
	}()
	return lines
}

func nextLine(t *testing.T, lines <-chan map[string]json.RawMessage, d time.Duration) map[string]json.RawMessage {
	t.Helper()
	select {
	case m, ok := <-lines:
		if !ok {
			t.Fatal("the graphql-ws client ended")
		}
		return m
	case <-time.After(d):
		return nil
	}
}

// The npm graphql-ws client: an anonymous and an admin subscriber; a draft reaches the admin's list
// filter only, a published practice both; the hub's shutdown closes with 1001.
func TestSubscriptionWithNpmGraphqlWS(t *testing.T) {
	t.Parallel()
	dir := graphqlWS(t)
	h := hubtest.New(t, false)
	admin := h.Admin()
	query := `subscription { bestPracticePublished { title } }`
	anon := nodeSubscription(t, dir, h, query)
	if m := nextLine(t, anon, eventWait); m == nil || string(m["connected"]) != "true" {
		t.Fatalf("the client did not connect: %v", m)
	}
	h.WaitSubscribers(1)
	createPractice(t, admin, "A draft nobody anonymous sees", "DRAFT")
	createPractice(t, admin, "Seen through graphql-ws", "PUBLISHED")
	m := nextLine(t, anon, eventWait)
	if m == nil || !strings.Contains(string(m["data"]), "Seen through graphql-ws") {
		t.Fatalf("the first event: %v; want the published practice (never the draft)", m)
	}
	h.Stop()
	for m := nextLine(t, anon, eventWait); ; m = nextLine(t, anon, eventWait) {
		if m == nil {
			t.Fatal("the client was not told of the shutdown")
		}
		if code, ok := m["ended"]; ok {
			if string(code) != "1001" {
				t.Errorf("closed with %s; want 1001", code)
			}
			break
		}
		if _, ok := m["data"]; ok {
			t.Errorf("another event after the published practice: %v", m)
		}
	}
}
