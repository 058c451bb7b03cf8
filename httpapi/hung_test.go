package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/smartcommunities/hub/config"
	"github.com/smartcommunities/hub/db/pgcluster"
	"github.com/smartcommunities/hub/hubtest"
	"github.com/smartcommunities/hub/hubtest/wait"
)

// serverProcesses are the postmaster of the cluster at dir and its children (backends, background
// workers).
func serverProcesses(t *testing.T, dir string) []int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	postmaster, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		t.Fatal(err)
	}
	pids := []int{postmaster}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, s := range stats {
		b, err := os.ReadFile(s)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces.
		fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(postmaster) {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(s)))
			pids = append(pids, pid)
		}
	}
	return pids
}

// processState is the state letter of process pid ("T" once it is stopped), or "" when it is gone.
func processState(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(fields) == 0 {
		return ""
	}
	return fields[0]
}

// answer is what a client saw of one request to the hub while its database was hung.
type answer struct {
	status  int
	code    string // the first error's extensions.code
	elapsed time.Duration
	err     error
}

func timedRequest(h *hubtest.Hub, method, path, token, body string) answer {
	start := time.Now()
	req, _ := http.NewRequest(method, h.URL()+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client := &http.Client{Timeout: 15 * time.Second}
	resp, err := client.Do(req)
	a := answer{elapsed: time.Since(start), err: err}
	if err != nil {
		return a
	}
	defer resp.Body.Close()
	a.status = resp.StatusCode
	var out struct {
		Errors []struct {
			Extensions struct{ Code string } `json:"extensions"`
		} `json:"errors"`
	}
	if json.NewDecoder(resp.Body).Decode(&out) == nil && len(out.Errors) > 0 {
		a.code = out.Errors[0].Extensions.Code
	}
	return a
}

// With PostgreSQL hung (every process of its cluster stopped), no request hangs: anonymous and
// authenticated ones answer within the request timeout and a small margin, with TIMEOUT or 503, and
// /readyz within 2 s. When PostgreSQL resumes, the same hub answers again.
func TestHungDatabaseNeverHangsARequest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// A private cluster: stopping the tests' shared one would hang every other test.
	dir := filepath.Join(t.TempDir(), "pg")
	cluster, err := pgcluster.StartWithOptions(ctx, dir, "hub", nil, pgcluster.Options{Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cluster.Stop(context.Background()) })
	cfg := config.Default()
	cfg.DatabaseURL = cluster.DSN("hub")
	cfg.DataDir = t.TempDir()
	cfg.RateLimit, cfg.TokenRateLimit, cfg.ApplicationsPerHour = 0, 0, 0
	cfg.RequestTimeout = time.Second
	h := hubtest.Start(t, cfg, false)
	admin := h.Admin().Token
	const query = `{"query":"{ members(first: 1) { totalCount } }"}`
	for _, token := range []string{"", admin} {
		if a := timedRequest(h, http.MethodPost, "/graphql", token, query); a.status != http.StatusOK || a.code != "" {
			t.Fatalf("before the hang: %+v", a)
		}
	}

	// The postmaster is stopped first, and its children listed only then: a backend it forked between
	// a listing and its own stop would run on and answer the requests below.
	pids := serverProcesses(t, dir)
	resume := sync.OnceFunc(func() {
		for _, pid := range serverProcesses(t, dir) {
			syscall.Kill(pid, syscall.SIGCONT)
		}
	})
	t.Cleanup(resume) // runs before the hub and the cluster stop
	if err := syscall.Kill(pids[0], syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	wait.For(t, "the postmaster to stop", 5*time.Second, func() bool { return processState(pids[0]) == "T" })
	for _, pid := range serverProcesses(t, dir)[1:] {
		if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
	}

	margin := 1500 * time.Millisecond
	var wg sync.WaitGroup
	for _, c := range []struct {
		name, method, path, token string
		within                    time.Duration
	}{
		{"anonymous", http.MethodPost, "/graphql", "", cfg.RequestTimeout + margin},
		{"authenticated", http.MethodPost, "/graphql", admin, cfg.RequestTimeout + margin},
		{"a second authenticated", http.MethodPost, "/graphql", admin, cfg.RequestTimeout + margin},
		{"/readyz", http.MethodGet, "/readyz", "", 2*time.Second + 500*time.Millisecond},
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := timedRequest(h, c.method, c.path, c.token, query)
			t.Logf("%s request while the database is hung: status %d, code %q, after %v", c.name, a.status, a.code, a.elapsed.Round(time.Millisecond))
			switch {
			case a.err != nil:
				t.Errorf("%s request while the database is hung: no answer (%v after %v)", c.name, a.err, a.elapsed)
			case a.elapsed > c.within:
				t.Errorf("%s request while the database is hung answered after %v, want within %v", c.name, a.elapsed, c.within)
			case a.status != http.StatusServiceUnavailable && a.code != "TIMEOUT":
				t.Errorf("%s request while the database is hung: status %d, code %q; want 503 or TIMEOUT", c.name, a.status, a.code)
			}
		}()
	}
	wg.Wait()

	resume()
	wait.For(t, "the hub to answer again after PostgreSQL resumed", 30*time.Second, func() bool {
		a := timedRequest(h, http.MethodPost, "/graphql", admin, query)
		r := timedRequest(h, http.MethodGet, "/readyz", "", "")
		return a.status == http.StatusOK && a.code == "" && r.status == http.StatusOK
	})
}
