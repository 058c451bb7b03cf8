package httpapi_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/smartcommunities/hub/config"
	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/hubtest"
)

// metric reads a counter or gauge of the hub's /metrics (the process's, so shared by every hub of a test
// binary: compare before and after).
func metric(t *testing.T, h *hubtest.Hub, name string) float64 {
	t.Helper()
	code, body := hubtest.Get(t, h.URL()+"/metrics")
	if code != 200 {
		t.Fatalf("/metrics: %d", code)
	}
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", sc.Text(), err)
			}
			return f
		}
	}
	t.Fatalf("/metrics has no %s", name)
	return 0
}

// waitFollowing waits until the hub follows the database's changes: before that nothing is reused.
func waitFollowing(t *testing.T, h *hubtest.Hub) {
	t.Helper()
	for start := time.Now(); ; time.Sleep(10 * time.Millisecond) {
		if _, ok := h.DB().Version().Load(); ok {
			return
		}
		if time.Since(start) > 10*time.Second {
			t.Fatal("the hub does not follow the database's changes")
		}
	}
}

// memberName reads VNG's name through h, anonymously, as a dashboard would ask it again and again.
func memberName(t *testing.T, h *hubtest.Hub) string {
	t.Helper()
	var out struct{ Member struct{ Name string } }
	h.As("").Query(`{ member(slug: "vng") { name } }`, nil, &out)
	return out.Member.Name
}

// The cache answers repeated queries, and never with what a committed write changed: the writer's own
// next read (through the same hub) sees the write at once, and another hub's readers within 300 ms.
func TestResponseCacheIsNeverStale(t *testing.T) {
	a := hubtest.New(t, true)
	b := hubtest.StartWith(t, false, func(c *config.Config) { c.DatabaseURL = a.Config.DatabaseURL })
	waitFollowing(t, a)
	waitFollowing(t, b)
	var vng struct{ Member struct{ ID string } }
	a.Query(`{ member(slug: "vng") { id } }`, nil, &vng)

	hits := metric(t, a, "hub_response_cache_hits_total")
	for range 3 {
		memberName(t, a)
	}
	if got := metric(t, a, "hub_response_cache_hits_total") - hits; got < 2 {
		t.Errorf("the same query three times: %v cache hits, want at least 2", got)
	}

	rename := func(via *hubtest.Hub, name string) {
		t.Helper()
		r := via.Post(`mutation($id: ID!, $name: String!) { updateMember(input: {id: $id, name: $name}) { userErrors { code } } }`,
			map[string]any{"id": vng.Member.ID, "name": name})
		if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"userErrors":[]`) {
			t.Fatalf("renaming: %v %s", r.Errors, r.Data)
		}
	}
	adminA, adminB := a.Admin(), b.Admin()
	for i := range 10 {
		// The writer reads its own write through its hub, and so does every other reader of that hub.
		name := fmt.Sprintf("VNG renamed %d", i)
		memberName(t, a) // cached before the write
		rename(adminA, name)
		if got := memberName(t, a); got != name {
			t.Fatalf("after a write through the same hub: %q, want %q", got, name)
		}
		// A write through the other hub reaches this hub's cache through PostgreSQL's notification.
		name += " elsewhere"
		memberName(t, a)
		rename(adminB, name)
		written := time.Now()
		for {
			got := memberName(t, a)
			if got == name {
				break
			}
			if time.Since(written) > 300*time.Millisecond {
				t.Fatalf("300 ms after a write through another hub: %q, want %q", got, name)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// What one caller may read is never answered from the cache to another: an editor's drafts are not
// served to the anonymous caller who asks the same thing.
func TestResponseCacheKeepsAccessApart(t *testing.T) {
	h := hubtest.New(t, true)
	waitFollowing(t, h)
	editor := h.As(h.NewToken(db.RoleEditor, "vng"))
	r := editor.Post(`mutation { createBestPractice(input: {title: "A draft of VNG's", language: "en", country: "NL",
		year: 2025, themes: ["urban-data-platforms"], status: DRAFT}) { userErrors { code } } }`, nil)
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	const q = `{ bestPractices(first: 100, filter: {status: [DRAFT]}) { nodes { title } } }`
	for range 2 {
		if r := editor.Post(q, nil); !strings.Contains(string(r.Data), "A draft of VNG's") {
			t.Fatalf("the editor does not see their draft: %s %v", r.Data, r.Errors)
		}
	}
	for range 2 {
		if r := h.As("").Post(q, nil); strings.Contains(string(r.Data), "A draft of VNG's") {
			t.Fatalf("an anonymous caller was answered with the editor's draft: %s", r.Data)
		}
	}
}

// GET requests carry an ETag and Cache-Control; a conditional request whose copy is current gets 304,
// and after a write the new answer with a new ETag.
func TestETagAndNotModified(t *testing.T) {
	h := hubtest.New(t, true)
	waitFollowing(t, h)
	get := func(token, ifNoneMatch string) (*http.Response, string) {
		t.Helper()
		u := h.URL() + "/graphql?query=" + url.QueryEscape(`{ member(slug: "vng") { name } }`)
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if ifNoneMatch != "" {
			req.Header.Set("If-None-Match", ifNoneMatch)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	first, body := get("", "")
	etag := first.Header.Get("ETag")
	if first.StatusCode != 200 || etag == "" || !strings.Contains(body, "Netherlands") {
		t.Fatalf("GET: %d, ETag %q, %s", first.StatusCode, etag, body)
	}
	if cc := first.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "public, max-age=") {
		t.Errorf("anonymous GET: Cache-Control %q, want public with a max-age", cc)
	}
	again, body := get("", etag)
	if again.StatusCode != http.StatusNotModified || body != "" || again.Header.Get("ETag") != etag {
		t.Errorf("If-None-Match with the current ETag: %d %q, ETag %q", again.StatusCode, body, again.Header.Get("ETag"))
	}
	partner := h.NewToken(db.RolePartner, "")
	if resp, _ := get(partner, ""); resp.Header.Get("Cache-Control") != "private, no-cache" {
		t.Errorf("GET with a token: Cache-Control %q, want private, no-cache", resp.Header.Get("Cache-Control"))
	}

	var vng struct{ Member struct{ ID string } }
	h.Query(`{ member(slug: "vng") { id } }`, nil, &vng)
	admin := h.Admin()
	if r := admin.Post(`mutation($id: ID!) { updateMember(input: {id: $id, name: "VNG, renamed"}) { userErrors { code } } }`,
		map[string]any{"id": vng.Member.ID}); len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	changed, body := get("", etag)
	if changed.StatusCode != 200 || changed.Header.Get("ETag") == etag || !strings.Contains(body, "VNG, renamed") {
		t.Errorf("after a write, If-None-Match with the old ETag: %d, ETag %q, %s", changed.StatusCode, changed.Header.Get("ETag"), body)
	}

	// A persisted query sent by its hash alone is conditional too.
	query := `{ member(slug: "vng") { slug } }`
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": sha256Hex(query)}}
	post := func(body map[string]any, ifNoneMatch string) *http.Response {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(http.MethodPost, h.URL()+"/graphql", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		if ifNoneMatch != "" {
			req.Header.Set("If-None-Match", ifNoneMatch)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	post(map[string]any{"query": query, "extensions": ext}, "")
	byHash := post(map[string]any{"extensions": ext}, "")
	if byHash.StatusCode != 200 || byHash.Header.Get("ETag") == "" {
		t.Fatalf("persisted query by hash: %d, ETag %q", byHash.StatusCode, byHash.Header.Get("ETag"))
	}
	if resp := post(map[string]any{"extensions": ext}, byHash.Header.Get("ETag")); resp.StatusCode != http.StatusNotModified {
		t.Errorf("persisted query with If-None-Match: %d, want 304", resp.StatusCode)
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
