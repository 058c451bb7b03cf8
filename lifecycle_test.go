package main

import (
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/smartcommunities/hub/db"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func postmasterPID(dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return 0
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(first))
	return pid
}

// The private PostgreSQL lives and dies with the hub: one left running by a killed hub is taken over by
// the next and stopped when that one stops, on SIGHUP as on SIGTERM; and a start that cannot listen fails
// before it makes a cluster or prints the first admin token.
func TestPrivatePostgreSQLLifecycle(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the hub binary and starts private clusters")
	}
	bin := buildHub(t)

	t.Run("address in use", func(t *testing.T) {
		busy, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer busy.Close()
		dataDir := t.TempDir()
		cmd := exec.Command(bin, "serve")
		cmd.Env = append(os.Environ(), "HUB_ADDR="+busy.Addr().String(), "DATABASE_URL=", "HUB_DATA_DIR="+dataDir)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() == 0 {
			t.Fatalf("hub serve on an address in use: %v, want a failure\n%s", err, out)
		}
		if !strings.Contains(string(out), busy.Addr().String()) || !strings.Contains(string(out), "HUB_ADDR") {
			t.Errorf("the message does not name the address and HUB_ADDR:\n%s", out)
		}
		if strings.Contains(string(out), db.TokenPrefix) || strings.Contains(string(out), "first admin token") {
			t.Errorf("a start that failed printed the first admin token:\n%s", out)
		}
		if entries, _ := os.ReadDir(dataDir); len(entries) > 0 {
			t.Errorf("a start that failed made %v in the data directory", entries)
		}
	})

	t.Run("taken over after a kill, stopped on SIGHUP", func(t *testing.T) {
		// Not t.TempDir: named after the test, its path would make the cluster's socket path too long.
		dataDir, err := os.MkdirTemp("", "hub-lifecycle-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dataDir) })
		pgDir := filepath.Join(dataDir, "postgres")
		t.Cleanup(func() { // whatever happened, no server outlives the test
			if pid := postmasterPID(pgDir); pid > 0 {
				syscall.Kill(pid, syscall.SIGQUIT)
			}
		})
		start := func(name string) (*exec.Cmd, string, string) {
			addr := freeAddr(t)
			cmd := exec.Command(bin, "serve")
			cmd.Env = append(os.Environ(), "HUB_ADDR="+addr, "DATABASE_URL=", "HUB_DATA_DIR="+dataDir)
			logPath := filepath.Join(t.TempDir(), name+".log")
			log, _ := os.Create(logPath)
			cmd.Stdout, cmd.Stderr = log, log
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if cmd.ProcessState == nil {
					cmd.Process.Kill()
					cmd.Wait()
				}
			})
			deadline := time.Now().Add(120 * time.Second)
			for {
				resp, err := http.Get("http://" + addr + "/readyz")
				if err == nil {
					resp.Body.Close()
					if resp.StatusCode == http.StatusOK {
						break
					}
				}
				if time.Now().After(deadline) {
					out, _ := os.ReadFile(logPath)
					t.Fatalf("%s was not ready within 120 s:\n%s", name, out)
				}
				time.Sleep(100 * time.Millisecond)
			}
			return cmd, addr, logPath
		}

		first, _, _ := start("the first hub")
		pid := postmasterPID(pgDir)
		if pid <= 0 {
			t.Fatal("no postmaster.pid in the private cluster")
		}
		first.Process.Kill()
		first.Wait()
		if err := syscall.Kill(pid, 0); err != nil {
			t.Fatalf("the private PostgreSQL did not outlive the killed hub (%v): nothing to take over", err)
		}

		second, _, logPath := start("the hub after the kill")
		if got := postmasterPID(pgDir); got != pid {
			t.Errorf("the second hub started PostgreSQL %d instead of using the running %d", got, pid)
		}
		if err := second.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- second.Wait() }()
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("after SIGHUP the hub exited with %v, want 0", err)
			}
		case <-time.After(60 * time.Second):
			t.Fatal("the hub did not stop within 60 s of SIGHUP")
		}
		if _, err := os.Stat(filepath.Join(pgDir, "postmaster.pid")); !os.IsNotExist(err) {
			log, _ := os.ReadFile(logPath)
			t.Errorf("the private PostgreSQL a hub took over still runs after that hub stopped (%v)\n%s", err, log)
		}
	})
}
