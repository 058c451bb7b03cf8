package pgcluster

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestClusterLifecycle(t *testing.T) {
	// No skip: CI installs the server binaries, and a silently skipped test
	// would hide a broken setup.
	bin, err := FindBinaries()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("binaries: %s (euid %d)", bin, os.Geteuid())

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	log := slog.New(slog.NewTextHandler(testWriter{t}, nil))
	dir := filepath.Join(t.TempDir(), "pg")
	const db = "hub_test"

	var owned []*Cluster
	t.Cleanup(func() {
		for _, c := range owned {
			if err := c.Stop(context.Background()); err != nil {
				t.Errorf("cleanup stop: %v", err)
			}
		}
		// If a step failed between a crash and a restart, make sure no
		// server outlives the test.
		if pid := readPID(dir); processIsPostgres(pid) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	start := func(step string) *Cluster {
		t.Helper()
		t0 := time.Now()
		c, err := StartWithOptions(ctx, dir, db, log, Options{Fast: true})
		if err != nil {
			t.Fatalf("%s: Start: %v", step, err)
		}
		if c.owned {
			owned = append(owned, c)
		}
		t.Logf("%s: Start took %v (owned=%v)", step, time.Since(t0).Round(time.Millisecond), c.owned)
		return c
	}

	// First start: initdb + start + CREATE DATABASE.
	c1 := start("first start")
	if !c1.owned {
		t.Fatal("first start: expected to own the server")
	}
	if got := queryInt(t, ctx, c1.DSN(db), "select 1"); got != 1 {
		t.Fatalf("select 1 = %d", got)
	}
	exec1(t, ctx, c1.DSN(db), "create table persisted (v int); insert into persisted values (42)")
	checkDataDir(t, dir)

	// Second start on a running server: reuse, and its Stop is a no-op.
	c2 := start("reuse")
	if c2.owned {
		t.Fatal("reuse: second Start claims to own the running server")
	}
	if err := c2.Stop(ctx); err != nil {
		t.Fatalf("reuse: Stop: %v", err)
	}
	if got := queryInt(t, ctx, c1.DSN(db), "select 1"); got != 1 {
		t.Fatalf("after non-owner Stop: select 1 = %d", got)
	}

	// Owner's Stop really stops it.
	t0 := time.Now()
	if err := c1.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	t.Logf("stop took %v", time.Since(t0).Round(time.Millisecond))
	if _, err := os.Stat(filepath.Join(dir, "postmaster.pid")); !os.IsNotExist(err) {
		t.Fatalf("postmaster.pid still present after Stop: %v", err)
	}
	if conn, err := pgx.Connect(ctx, c1.DSN(db)); err == nil {
		conn.Close(ctx)
		t.Fatal("server still accepts connections after Stop")
	}

	// Restart on the existing data directory: data persists.
	c3 := start("restart")
	if !c3.owned {
		t.Fatal("restart: expected to own the server")
	}
	if got := queryInt(t, ctx, c3.DSN(db), "select v from persisted"); got != 42 {
		t.Fatalf("restart: persisted value = %d", got)
	}

	// Crash: kill -9 the postmaster, leaving a stale postmaster.pid (and,
	// as nobody may reap it, possibly a zombie with that PID).
	pid := readPID(dir)
	if pid <= 0 {
		t.Fatal("no PID in postmaster.pid")
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 %d: %v", pid, err)
	}
	c4 := start("start after kill -9")
	if !c4.owned {
		t.Fatal("after crash: expected to own the new server")
	}
	if newPID := readPID(dir); newPID == pid {
		t.Fatalf("after crash: postmaster.pid still names the killed postmaster %d", pid)
	}
	if got := queryInt(t, ctx, c4.DSN(db), "select v from persisted"); got != 42 {
		t.Fatalf("after crash: persisted value = %d", got)
	}
	// c3's server is gone; its Stop must leave c4's server alone.
	if err := c3.Stop(ctx); err != nil {
		t.Fatalf("Stop of crashed server: %v", err)
	}
	if got := queryInt(t, ctx, c4.DSN(db), "select 1"); got != 1 {
		t.Fatalf("after Stop of crashed server: select 1 = %d", got)
	}
	if err := c4.Stop(ctx); err != nil {
		t.Fatalf("after crash: Stop: %v", err)
	}

	// Stale postmaster.pid whose PID now belongs to an unrelated live
	// process (PID reuse after a reboot or in a container).
	sleeper := exec.Command("sleep", "300")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sleeper.Process.Kill(); _ = sleeper.Wait() }()
	fake := strconv.Itoa(sleeper.Process.Pid) + "\n" + dir + "\n1700000000\n5432\n" + dir + "\n\n 5432001 0\nready   \n"
	if err := os.WriteFile(filepath.Join(dir, "postmaster.pid"), []byte(fake), 0o600); err != nil {
		t.Fatal(err)
	}
	c5 := start("start with reused PID in postmaster.pid")
	if !c5.owned {
		t.Fatal("reused PID: expected to own the new server")
	}
	if got := queryInt(t, ctx, c5.DSN(db), "select v from persisted"); got != 42 {
		t.Fatalf("reused PID: persisted value = %d", got)
	}
	if err := c5.Stop(ctx); err != nil {
		t.Fatalf("reused PID: Stop: %v", err)
	}
}

func TestStartRejectsLongDir(t *testing.T) {
	dir := "/tmp/" + strings.Repeat("x", 100)
	_, err := Start(context.Background(), dir, "hub", nil)
	if err == nil || !strings.Contains(err.Error(), "too long") {
		t.Fatalf("Start(%q) error = %v, want a 'too long' error", dir, err)
	}
	if _, statErr := os.Stat(dir); !os.IsNotExist(statErr) {
		t.Errorf("Start created %s despite rejecting it", dir)
	}
}

func TestDSNQuoting(t *testing.T) {
	c := &Cluster{Dir: `/tmp/a b/it's`}
	got := c.DSN("hub")
	want := `host='/tmp/a b/it\'s' port=5432 user=hub dbname=hub sslmode=disable`
	if got != want {
		t.Fatalf("DSN = %q, want %q", got, want)
	}
	cfg, err := pgx.ParseConfig(got)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != c.Dir || cfg.Database != "hub" || cfg.User != "hub" || cfg.Port != 5432 {
		t.Fatalf("parsed DSN = host %q db %q user %q port %d", cfg.Host, cfg.Database, cfg.User, cfg.Port)
	}
}

func TestFindBinariesFallback(t *testing.T) {
	// Without PATH, only /usr/lib/postgresql/*/bin can supply the binaries.
	t.Setenv("PATH", "")
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	got, err := FindBinaries()
	if len(dirs) == 0 {
		if err == nil || !strings.Contains(err.Error(), "apt-get install -y postgresql") {
			t.Fatalf("FindBinaries() = %q, %v; want the install hint", got, err)
		}
		return
	}
	if err != nil || !strings.HasPrefix(got, "/usr/lib/postgresql/") {
		t.Fatalf("FindBinaries() = %q, %v; want a /usr/lib/postgresql/*/bin directory", got, err)
	}
	t.Logf("fallback: %s", got)
}

func TestCompareVersions(t *testing.T) {
	if compareVersions("15", "9.6") <= 0 || compareVersions("9.6", "10") >= 0 || compareVersions("16", "16") != 0 {
		t.Fatal("compareVersions does not order PostgreSQL major versions numerically")
	}
}

func checkDataDir(t *testing.T, dir string) {
	t.Helper()
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode = %v, want 0700", fi.Mode().Perm())
	}
	if os.Geteuid() == 0 {
		cred, err := serverCredential()
		if err != nil {
			t.Fatal(err)
		}
		if st := fi.Sys().(*syscall.Stat_t); st.Uid != cred.Uid {
			t.Errorf("data dir owned by uid %d, want %s (%d)", st.Uid, serverUser, cred.Uid)
		}
	}
}

func queryInt(t *testing.T, ctx context.Context, dsn, sql string) int {
	t.Helper()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect %q: %v", dsn, err)
	}
	defer conn.Close(ctx)
	var v int
	if err := conn.QueryRow(ctx, sql).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}

func exec1(t *testing.T, ctx context.Context, dsn, sql string) {
	t.Helper()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect %q: %v", dsn, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// testWriter sends the package's slog output to the test log, so it shows up
// with -v or on failure only.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
