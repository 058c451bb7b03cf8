package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Finding the server binaries, running them as the postgres user, and locking a data directory.

// FindBinaries returns the directory holding initdb, pg_ctl and postgres:
// PATH first, then /usr/lib/postgresql/*/bin (highest version wins). All three
// must be in the same directory so that versions cannot be mixed.
func FindBinaries() (string, error) {
	for _, d := range filepath.SplitList(os.Getenv("PATH")) {
		if d == "" || !filepath.IsAbs(d) {
			// Relative PATH entries would resolve against the server's
			// working directory (the data directory), not ours.
			continue
		}
		if hasBinaries(d) {
			return resolveBinDir(d), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	// Debian names these by major version ("9.6", "15"); compare numerically
	// so that 15 beats 9.6.
	slices.SortFunc(dirs, func(a, b string) int {
		return compareVersions(filepath.Base(filepath.Dir(b)), filepath.Base(filepath.Dir(a)))
	})
	for _, d := range dirs {
		if hasBinaries(d) {
			return d, nil
		}
	}
	return "", errors.New("PostgreSQL server binaries (initdb, pg_ctl, postgres) not found on PATH or under /usr/lib/postgresql/*/bin; install them, e.g. `apt-get install -y postgresql` on Debian, or set DATABASE_URL")
}

// resolveBinDir follows symlinks such as /usr/local/bin/pg_ctl ->
// /usr/lib/postgresql/15/bin/pg_ctl so that logs show the real installation,
// as long as all three tools resolve to the same directory.
func resolveBinDir(dir string) string {
	var real string
	for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
		p, err := filepath.EvalSymlinks(filepath.Join(dir, name))
		if err != nil || (real != "" && filepath.Dir(p) != real) {
			return dir
		}
		real = filepath.Dir(p)
	}
	return real
}

func hasBinaries(dir string) bool {
	for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}

func compareVersions(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := range max(len(pa), len(pb)) {
		var na, nb int
		if i < len(pa) {
			na, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			nb, _ = strconv.Atoi(pb[i])
		}
		if na != nb {
			return na - nb
		}
	}
	return strings.Compare(a, b)
}

// serverCredential returns the identity to run the server tools with when we
// are root. It sets the setuid/setgid on the child directly so that no sudo
// or runuser needs to be installed.
func serverCredential() (*syscall.Credential, error) {
	u, err := user.Lookup(serverUser)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: running as root, but PostgreSQL refuses to run as root and the %q user to run it as was not found (it is created by the postgresql package): %w", serverUser, err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: user %s: bad uid %q", serverUser, u.Uid)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: user %s: bad gid %q", serverUser, u.Gid)
	}
	cred := &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	if ids, err := u.GroupIds(); err == nil {
		for _, id := range ids {
			if g, err := strconv.ParseUint(id, 10, 32); err == nil {
				cred.Groups = append(cred.Groups, uint32(g))
			}
		}
	}
	return cred, nil
}

// lockDir takes an exclusive flock on dir so that two hub processes starting
// at the same time do not both run initdb or pg_ctl start on it. It polls so
// that ctx cancellation is honoured.
func lockDir(ctx context.Context, dir string) (unlock func(), err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: open data directory for locking: %w", err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("pgcluster: lock data directory: %w", err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("pgcluster: waiting for another process starting the server on %s: %w", dir, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// reuseRunning reports whether a server is already running on the data
// directory and accepting connections, in which case we use it instead of
// starting one. A stale postmaster.pid (and the socket lock file) is removed.
//
