package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/db/dbtest"
	"github.com/smartcommunities/hub/hubtest"
	"github.com/smartcommunities/hub/hubtest/wait"
)

// hubProcess is `hub serve` run as its own process, so that it can be killed.
type hubProcess struct {
	cmd  *exec.Cmd
	addr string
	// token is an admin token, made with `hub token create` as an operator would.
	token string
}

func buildHub(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "hub")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func startHubProcess(t *testing.T, bin, dsn, dataDir string) *hubProcess {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := append(os.Environ(), "HUB_ADDR="+addr, "DATABASE_URL="+dsn, "HUB_DATA_DIR="+dataDir, "HUB_RATE_LIMIT=0", "HUB_TOKEN_RATE_LIMIT=0")
	tok := exec.Command(bin, "token", "create", "--role", "admin", "--name", "crash test")
	tok.Env = env
	secret, err := tok.Output()
	if err != nil {
		t.Fatalf("hub token create: %v", err)
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = env
	log, _ := os.Create(filepath.Join(dataDir, fmt.Sprintf("hub-%d.log", time.Now().UnixNano())))
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &hubProcess{cmd: cmd, addr: addr, token: strings.TrimSpace(string(secret))}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
		}
	})
	return p
}

// waitCaughtUp waits until the process serves and its index has applied every committed change.
func (p *hubProcess) waitCaughtUp(t *testing.T) {
	t.Helper()
	wait.For(t, "the hub at "+p.addr+" to catch up", 90*time.Second, func() bool {
		resp, err := http.Get("http://" + p.addr + "/readyz")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var r struct {
			Search struct {
				State   string
				Pending int
			}
		}
		json.NewDecoder(resp.Body).Decode(&r)
		return r.Search.State == "ready" && r.Search.Pending == 0
	})
}

func (p *hubProcess) post(query string, vars map[string]any, out any) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, "http://"+p.addr+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if p.token != "" {
		req.Header.Set("Authorization", "Bearer "+p.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var r struct {
		Data   json.RawMessage
		Errors []hubtest.Error
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return err
	}
	if len(r.Errors) > 0 {
		return fmt.Errorf("%v", r.Errors)
	}
	return json.Unmarshal(r.Data, out)
}

// TestKilledDuringWritesLosesNothing kills the hub with SIGKILL in the middle of a burst of 500 writes
// (creates, updates and deletes of practices), restarts it, and compares what search finds with what
// PostgreSQL holds: every committed write is searchable, and no deleted practice is.
func TestKilledDuringWritesLosesNothing(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the hub binary")
	}
	bin := buildHub(t)
	dsn := dbtest.NewDatabase(t)
	dataDir := t.TempDir()
	p := startHubProcess(t, bin, dsn, dataDir)
	p.waitCaughtUp(t)
	var m struct {
		Members struct{ Nodes []struct{ ID string } }
	}
	if err := p.post(`{ members(first: 3) { nodes { id } } }`, nil, &m); err != nil {
		t.Fatal(err)
	}

	const writes = 500
	var (
		next, done atomic.Int64
		mu         sync.Mutex
		created    []string
	)
	create := `mutation($title: String!, $authors: [ID!]!) { m: createBestPractice(input: {title: $title, language: "en",
		country: "IE", year: 2026, status: PUBLISHED, authors: $authors}) { bestPractice { id } userErrors { code } } }`
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := next.Add(1)
				if n > writes {
					return
				}
				var err error
				mu.Lock()
				var victim string
				if n%4 == 0 && len(created) > 0 {
					victim = created[int(n)%len(created)]
				}
				mu.Unlock()
				switch {
				case victim != "" && n%8 == 0:
					var out any
					err = p.post(`mutation($id: ID!) { deleteBestPractice(input: {id: $id}) { deletedId } }`, map[string]any{"id": victim}, &out)
				case victim != "":
					var out any
					err = p.post(`mutation($id: ID!, $t: String!) { updateBestPractice(input: {id: $id, title: $t}) { userErrors { code } } }`,
						map[string]any{"id": victim, "t": fmt.Sprintf("Crashtest updated %d by %d", n, w)}, &out)
				default:
					var out struct {
						M struct{ BestPractice *struct{ ID string } }
					}
					err = p.post(create, map[string]any{"title": fmt.Sprintf("Crashtest practice %d", n),
						"authors": []string{m.Members.Nodes[int(n)%len(m.Members.Nodes)].ID}}, &out)
					if err == nil && out.M.BestPractice != nil {
						mu.Lock()
						created = append(created, out.M.BestPractice.ID)
						mu.Unlock()
					}
				}
				if err == nil {
					done.Add(1)
				}
			}
		}()
	}
	// Kill in the middle of the burst; if writes fail instead, say so rather than wait for ever.
	wait.For(t, "half the writes to succeed", 60*time.Second, func() bool {
		if next.Load() > writes+6 {
			t.Fatalf("only %d of %d writes succeeded before the kill was due", done.Load(), min(next.Load(), writes))
		}
		return done.Load() >= writes/2
	})
	if err := p.cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown of any kind
		t.Fatal(err)
	}
	p.cmd.Wait()
	wg.Wait()
	t.Logf("%d of %d writes answered before the kill", done.Load(), writes)

	p = startHubProcess(t, bin, dsn, dataDir)
	p.waitCaughtUp(t)

	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, _ := conn.Query(context.Background(), `select id from best_practice where title like 'Crashtest%'`)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	var inDB []string
	for _, id := range ids {
		inDB = append(inDB, db.GlobalID("BestPractice", id))
	}
	var found []string
	var after any
	for {
		var r hubtest.SearchResult
		if err := p.post(hubtest.SearchQuery, map[string]any{"q": "crashtest", "first": 100, "after": after,
			"filter": map[string]any{"status": []string{"DRAFT", "PUBLISHED", "ARCHIVED"}}}, &r); err != nil {
			t.Fatal(err)
		}
		for _, e := range r.Search.Edges {
			found = append(found, e.Node.ID)
		}
		if !r.Search.PageInfo.HasNextPage {
			break
		}
		after = r.Search.PageInfo.EndCursor
	}
	sort.Strings(inDB)
	sort.Strings(found)
	if fmt.Sprint(inDB) != fmt.Sprint(found) {
		t.Errorf("after the crash search finds %d practices, PostgreSQL holds %d:\nsearch: %v\ndb:     %v", len(found), len(inDB), found, inDB)
	}
	if len(inDB) < 50 {
		t.Errorf("only %d practices were written before the kill: the burst did not run", len(inDB))
	}
	t.Logf("%d practices in PostgreSQL, all found, none deleted found", len(inDB))
}
