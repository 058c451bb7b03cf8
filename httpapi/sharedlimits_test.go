package httpapi_test

import (
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smartcommunities/hub/config"
	"github.com/smartcommunities/hub/hubtest"
	"github.com/smartcommunities/hub/hubtest/wait"
)

// startRedis runs a redis-server of the test's own on a unix socket, and returns its URL and a function
// that stops it.
func startRedis(t *testing.T) (string, func()) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not installed (scripts/ensure-redis.sh installs it as root)")
	}
	sock := filepath.Join(t.TempDir(), "redis.sock")
	cmd := exec.Command(bin, "--port", "0", "--unixsocket", sock, "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cmd.Process.Kill()
			cmd.Wait()
		}
	}
	t.Cleanup(stop)
	wait.For(t, "redis-server to listen", 30*time.Second, func() bool {
		c, err := net.Dial("unix", sock)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return "unix://" + sock, stop
}

func get(t *testing.T, h *hubtest.Hub) *http.Response {
	t.Helper()
	resp, err := http.Get(h.URL() + "/graphql?query=" + "%7B%20themes%20%7B%20code%20%7D%20%7D")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestLimitsSharedThroughRedis(t *testing.T) {
	url, stopRedis := startRedis(t)
	// One request per 100 s, in bursts of one: the second request of an address is over, whenever it
	// comes, unless the hub that answers it does not know of the first.
	limited := func(c *config.Config) {
		c.RedisURL = url
		c.RateLimit = 0.01
	}
	a := hubtest.StartWith(t, false, limited)
	cfg := a.Config
	cfg.DataDir = t.TempDir()
	b := hubtest.Start(t, cfg, false) // the same database, another hub

	if resp := get(t, a); resp.StatusCode != http.StatusOK {
		t.Fatalf("the first request, through hub A: %d", resp.StatusCode)
	}
	resp := get(t, b)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("the second request of the address, through hub B: %d (Retry-After %q), want 429 with Retry-After",
			resp.StatusCode, resp.Header.Get("Retry-After"))
	}

	// Redis gone: each hub limits alone, and lets the request through rather than refuse it.
	stopRedis()
	if resp := get(t, b); resp.StatusCode != http.StatusOK {
		t.Errorf("with Redis down, a request hub B has not counted: %d, want 200", resp.StatusCode)
	}
	_, metrics := hubtest.Get(t, b.URL()+"/metrics")
	if !strings.Contains(metrics, "hub_shared_limit_errors_total") || strings.Contains(metrics, "hub_shared_limit_errors_total 0\n") {
		t.Errorf("the fall-back is not counted in hub_shared_limit_errors_total")
	}
	if resp := get(t, b); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("with Redis down, hub B's own limit: %d, want 429", resp.StatusCode)
	}
}
