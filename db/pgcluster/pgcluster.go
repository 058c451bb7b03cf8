// Package pgcluster runs a private PostgreSQL server for the hub when no
// external database is configured (DATABASE_URL unset), and throwaway servers
// for tests.
//
// The server listens only on a unix socket inside its data directory, so
// several clusters (and a system PostgreSQL) can coexist without TCP port
// clashes, and nothing outside the machine can reach it even though it uses
// trust authentication.
package pgcluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

const (
	// superuser is the role initdb creates; everything connects as it.
	superuser = "hub"
	// port only names the socket file (.s.PGSQL.<port>); no TCP is opened.
	port = 5432
	// serverUser is who runs the server when we are root, because postgres
	// refuses to run as root.
	serverUser = "postgres"
	// maxSocketPath is sizeof(sockaddr_un.sun_path) minus the trailing NUL on
	// Linux; postgres and libpq/pgx cannot use a longer socket path.
	maxSocketPath = 107
	logFileName   = "server.log"
	// defaultWait bounds start/stop/readiness waits when ctx has no deadline,
	// so a wedged server surfaces as an error rather than a hung process.
	defaultWait = 60 * time.Second
)

// Options tune the server. The zero value is what the real service uses.
type Options struct {
	// Fast trades crash safety for speed (fsync=off, synchronous_commit=off,
	// full_page_writes=off). Only for tests: an OS crash or power loss can
	// corrupt a cluster run this way.
	Fast bool
	// ReplicaOf, on a first start, makes the cluster a streaming replica of that (running) cluster:
	// pg_basebackup -R copies it and writes the standby settings, instead of initdb. Tests and
	// scripts/scaleout-test.sh use it; the hub itself never starts a replica.
	ReplicaOf *Cluster
}

// Cluster is a PostgreSQL server whose data directory and unix socket live in
// one directory.
type Cluster struct {
	// Dir is the absolute path of the data directory; it also holds the
	// server's unix socket and its log file (server.log).
	Dir string

	bin  string
	cred *syscall.Credential // nil: run server tools as the current user
	log  *slog.Logger

	mu    sync.Mutex
	owned bool // we started the server, or took it over, so Stop must stop it
	pid   int  // postmaster PID of the server we own
	// ownerLock is an flock on Dir+".owner" held while this Cluster owns the server: a process that
	// finds the server running and can take the lock knows that whoever started it is gone.
	ownerLock *os.File
}

// Start initialises dir on first use, starts a server on it (or reuses one
// that is already running there, taking it over when the process that
// started it is gone) and makes sure database dbname exists.
// A nil log discards log output.
func Start(ctx context.Context, dir, dbname string, log *slog.Logger) (*Cluster, error) {
	return StartWithOptions(ctx, dir, dbname, log, Options{})
}

// StartWithOptions is Start with non-default server options. opts only take
// effect if this call starts the server; a reused server keeps its settings.
//
// Concurrent calls for the same dir, also from other processes, are
// serialised with an flock on dir, so exactly one of them initialises and
// starts the server and the others reuse it.
func StartWithOptions(ctx context.Context, dir, dbname string, log *slog.Logger, opts Options) (*Cluster, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if dbname == "" {
		return nil, errors.New("pgcluster: empty database name")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	dir = abs
	if sock := filepath.Join(dir, ".s.PGSQL."+strconv.Itoa(port)); len(sock) > maxSocketPath {
		return nil, fmt.Errorf("pgcluster: data directory path %q is too long: its unix socket path %q would be %d bytes, the limit is %d; use a shorter directory",
			dir, sock, len(sock), maxSocketPath)
	}
	bin, err := FindBinaries()
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, bin: bin, log: log.With("dir", dir)}
	if os.Geteuid() == 0 {
		if c.cred, err = serverCredential(); err != nil {
			return nil, err
		}
	}

	// Parents the hub creates are world-traversable from the start, so that the postgres user can reach
	// the data directory without widening them afterwards; the data directory itself stays private.
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, fmt.Errorf("pgcluster: create data directory: %w", err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("pgcluster: create data directory: %w", err)
	}
	unlock, err := lockDir(ctx, dir)
	if err != nil {
		return nil, err
	}
	defer unlock()

	c.ownerLock = tryOwnerLock(dir + ".owner")
	reused, err := c.reuseRunning(ctx)
	if err != nil {
		c.releaseOwnerLock()
		return nil, err
	}
	if reused && c.ownerLock != nil {
		// A server nobody owns was left by a process that was killed (or crashed): take it over, so
		// that it stops with this one rather than run on forever.
		c.owned, c.pid = true, readPID(c.Dir)
		c.log.Info("taking over the PostgreSQL server left running by a process that is gone; it stops with this one", "pid", c.pid)
	} else if reused {
		c.releaseOwnerLock()
	}
	if !reused {
		if err := c.prepareDir(); err != nil {
			return nil, err
		}
		if err := c.initIfNeeded(ctx, opts.ReplicaOf); err != nil {
			return nil, err
		}
		if err := c.start(ctx, opts); err != nil {
			return nil, err
		}
		c.owned = true
		c.pid = readPID(c.Dir)
		// Even though pg_ctl -w waited for "ready", confirm with a real
		// connection: that is what callers depend on.
		if err := c.waitReady(ctx, func() bool { return processIsPostgres(c.pid) }); err != nil {
			c.stopQuietly()
			return nil, fmt.Errorf("pgcluster: server started but does not accept connections: %w", err)
		}
	}
	if opts.ReplicaOf != nil {
		// A standby is read-only: it has the primary's databases, and cannot create one.
		return c, nil
	}
	if err := c.ensureDatabase(ctx, dbname); err != nil {
		c.stopQuietly()
		return nil, err
	}
	return c, nil
}

// DSN returns a libpq keyword/value connection string for database dbname on
// this cluster.
func (c *Cluster) DSN(dbname string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable",
		dsnQuote(c.Dir), port, superuser, dsnQuote(dbname))
}

// Stop stops the server if this Cluster started it or took it over, and waits
// until it is down. For a server reused from a live owner it does nothing,
// because that process (or Cluster) still depends on it. Stop is idempotent.
func (c *Cluster) Stop(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.owned {
		c.releaseOwnerLock()
		return nil
	}
	defer func() {
		if !c.owned {
			c.releaseOwnerLock()
		}
	}()
	// pg_ctl stop acts on whatever server runs on the directory now. If ours
	// crashed and someone else has since started a new one there, that one
	// is not ours to stop.
	if pid := readPID(c.Dir); pid != c.pid || !processIsPostgres(pid) {
		c.log.Info("PostgreSQL server started by this process is already gone", "pid", c.pid)
		c.owned = false
		return nil
	}
	c.log.Info("stopping PostgreSQL server", "pid", c.pid)
	out, err := c.run(ctx, "pg_ctl", "stop", "-D", c.Dir, "-m", "fast", "-w", "-t", waitSeconds(ctx))
	if err != nil {
		if pid := readPID(c.Dir); pid != c.pid || !processIsPostgres(pid) {
			// It went away by other means meanwhile; the goal is reached.
			c.owned = false
			return nil
		}
		return fmt.Errorf("pgcluster: pg_ctl stop: %w: %s", err, bytes.TrimSpace(out))
	}
	c.owned = false
	return nil
}

// tryOwnerLock takes the owner lock at path, or returns nil when another Cluster (in this process or
// another) holds it.
func tryOwnerLock(path string) *os.File {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil
	}
	return f
}

func (c *Cluster) releaseOwnerLock() {
	if c.ownerLock != nil {
		c.ownerLock.Close()
		c.ownerLock = nil
	}
}

// stopQuietly undoes a start whose later steps failed, so a failed Start does
// not leak a server.
func (c *Cluster) stopQuietly() {
	ctx, cancel := context.WithTimeout(context.Background(), defaultWait)
	defer cancel()
	if err := c.Stop(ctx); err != nil {
		c.log.Warn("stopping PostgreSQL server after failed start", "err", err)
	}
}

// Liveness is what `pg_ctl status` checks (kill(pid, 0) on the PID in
// postmaster.pid), plus what pg_ctl lacks and matters after a crash: a
// zombie postmaster (nobody reaps it when PID 1 is not an init, as in many
// containers), a PID since reused by an unrelated process, and a postmaster
// that was killed just now and is still exiting. postgres itself would refuse
// to start in the first two cases ("lock file already exists").
//
// Deleting the file is safe even if this judgement were wrong: postgres also
// refuses to start while any process of the old server is still attached to
// its shared memory segment, independently of postmaster.pid.
func (c *Cluster) reuseRunning(ctx context.Context) (bool, error) {
	pidFile := filepath.Join(c.Dir, "postmaster.pid")
	data, err := os.ReadFile(pidFile)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("pgcluster: %w", err)
	}
	first, _, _ := strings.Cut(string(data), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err == nil && pid > 0 && processIsPostgres(pid) {
		c.log.Info("found running PostgreSQL server; waiting until it accepts connections", "pid", pid)
		// It may be starting or recovering (wait for it), or dying (then
		// it is stale after all).
		err := c.waitReady(ctx, func() bool { return processIsPostgres(pid) })
		if err == nil {
			c.log.Info("reusing running PostgreSQL server", "pid", pid)
			return true, nil
		}
		if processIsPostgres(pid) {
			return false, fmt.Errorf("pgcluster: a server (PID %d) is running on %s but does not accept connections: %w", pid, c.Dir, err)
		}
	}
	c.log.Info("removing stale postmaster.pid left by a server that is no longer running", "pid", strings.TrimSpace(first))
	for _, name := range []string{"postmaster.pid", ".s.PGSQL." + strconv.Itoa(port) + ".lock"} {
		if err := os.Remove(filepath.Join(c.Dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return false, fmt.Errorf("pgcluster: remove stale lock file: %w", err)
		}
	}
	return false, nil
}

func readPID(dir string) int {
	data, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return 0
	}
	first, _, _ := strings.Cut(string(data), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(first))
	return pid
}

func processIsPostgres(pid int) bool {
	if pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		// No /proc to tell us more: trust kill(pid, 0), as pg_ctl does.
		return !errors.Is(err, fs.ErrNotExist)
	}
	// Format: pid (comm) state ...; comm may contain spaces and parens.
	s := string(stat)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open || len(s) < end+3 {
		return true
	}
	comm, state := s[open+1:end], s[end+2]
	if state == 'Z' || state == 'X' {
		return false
	}
	return comm == "postgres" || comm == "postmaster"
}

// prepareDir gives the data directory the ownership and mode initdb and
// postgres insist on, and makes sure the server user can reach it.
func (c *Cluster) start(ctx context.Context, opts Options) error {
	settings := []string{
		"listen_addresses=",
		// Double quotes let the directory contain commas and spaces, which
		// postgres would otherwise treat as list separators.
		`unix_socket_directories="` + strings.ReplaceAll(c.Dir, `"`, `""`) + `"`,
		// Explicit so that a PGPORT in our environment cannot rename the
		// socket away from what DSN returns.
		"port=" + strconv.Itoa(port),
		"max_connections=200",
	}
	if opts.Fast {
		settings = append(settings, "fsync=off", "synchronous_commit=off", "full_page_writes=off")
	}
	var o []string
	for _, s := range settings {
		// pg_ctl hands -o to /bin/sh, so every argument must be shell-quoted.
		o = append(o, "-c", shellQuote(s))
	}
	logPath := filepath.Join(c.Dir, logFileName)

	// Right after a crash the old server's children may still be attached to
	// its shared memory for a moment (they exit once they notice the
	// postmaster died); postgres then refuses to start. Retry briefly.
	retryUntil := time.Now().Add(15 * time.Second)
	for attempt := 1; ; attempt++ {
		logStart := fileSize(logPath)
		c.log.Info("starting PostgreSQL server", "fast", opts.Fast, "log", logPath, "attempt", attempt)
		out, err := c.run(ctx, "pg_ctl", "start", "-D", c.Dir, "-l", logPath,
			"-w", "-t", waitSeconds(ctx), "-o", strings.Join(o, " "))
		if err == nil {
			return nil
		}
		serverLog := readFrom(logPath, logStart)
		if strings.Contains(serverLog, "is still in use") && time.Now().Before(retryUntil) && ctx.Err() == nil {
			select {
			case <-ctx.Done():
			case <-time.After(250 * time.Millisecond):
			}
			continue
		}
		return fmt.Errorf("pgcluster: pg_ctl start: %w: %s\nserver log (%s):\n%s",
			err, bytes.TrimSpace(out), logPath, lastLines(serverLog, 20))
	}
}

// waitReady polls until the server accepts a connection, covering a server
// that another process is still starting or recovering. It gives up early
// once alive reports that the server process is gone.
func (c *Cluster) waitReady(ctx context.Context, alive func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, defaultWait)
	defer cancel()
	for {
		conn, err := c.connect(ctx, "postgres")
		if err == nil {
			err = conn.Ping(ctx)
			conn.Close(context.Background())
			if err == nil {
				return nil
			}
		}
		if !alive() {
			return fmt.Errorf("server process exited (last error: %v)", err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (c *Cluster) connect(ctx context.Context, dbname string) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return pgx.Connect(ctx, c.DSN(dbname))
}

func (c *Cluster) ensureDatabase(ctx context.Context, dbname string) error {
	conn, err := c.connect(ctx, "postgres")
	if err != nil {
		return fmt.Errorf("pgcluster: connect: %w", err)
	}
	defer conn.Close(context.Background())
	for attempt := 1; ; attempt++ {
		var exists bool
		if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", dbname).Scan(&exists); err != nil {
			return fmt.Errorf("pgcluster: look up database %q: %w", dbname, err)
		}
		if exists {
			return nil
		}
		c.log.Info("creating database", "dbname", dbname)
		_, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{dbname}.Sanitize())
		var pgErr *pgconn.PgError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &pgErr) && pgErr.Code == "42P04": // duplicate_database
			// Someone else created it between our check and CREATE.
			return nil
		case errors.As(err, &pgErr) && pgErr.Code == "55006" && attempt < 20: // object_in_use
			// CREATE DATABASE copies template1 and fails while anyone else
			// is connected to it, e.g. a concurrent CREATE DATABASE.
			select {
			case <-ctx.Done():
				return fmt.Errorf("pgcluster: create database %q: %w", dbname, ctx.Err())
			case <-time.After(time.Duration(attempt) * 50 * time.Millisecond):
			}
		default:
			return fmt.Errorf("pgcluster: create database %q: %w", dbname, err)
		}
	}
}

// run executes one of the PostgreSQL tools, as the server user when we are
// root, and returns its combined output.
func (c *Cluster) run(ctx context.Context, tool string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, tool), args...)
	// Our working directory (e.g. /root) may be unreadable for the server
	// user, which makes the tools complain; the data dir is always theirs.
	cmd.Dir = c.Dir
	// English messages, so that server log checks (see start) work.
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LC_MESSAGES=C")
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
		if u, err := user.LookupId(strconv.Itoa(int(c.cred.Uid))); err == nil {
			cmd.Env = append(cmd.Env, "HOME="+u.HomeDir, "USER="+u.Username, "LOGNAME="+u.Username)
		}
	}
	// pg_ctl start detaches the server with its output going to the log
	// file, but bound the wait anyway should anything keep our pipe open.
	cmd.WaitDelay = 5 * time.Second
	return cmd.CombinedOutput()
}

func waitSeconds(ctx context.Context) string {
	wait := defaultWait
	if dl, ok := ctx.Deadline(); ok {
		wait = max(time.Until(dl), time.Second)
	}
	return strconv.Itoa(int((wait + time.Second - 1) / time.Second))
}

// dsnQuote quotes a libpq keyword/value connection string value.
func dsnQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n\r\v\f'\\") {
		return s
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func readFrom(path string, offset int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return ""
	}
	b, _ := io.ReadAll(io.LimitReader(f, 1<<20))
	return string(b)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
