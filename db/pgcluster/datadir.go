package pgcluster

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
)

// The data directory: made traversable for the server's user, initialised once, configured.

func (c *Cluster) prepareDir() error {
	if err := os.Chmod(c.Dir, 0o700); err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	if c.cred == nil {
		return nil
	}
	uid, gid := int(c.cred.Uid), int(c.cred.Gid)
	err := filepath.WalkDir(c.Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok && int(st.Uid) == uid && int(st.Gid) == gid {
			return nil
		}
		return os.Lchown(path, uid, gid)
	})
	if err != nil {
		return fmt.Errorf("pgcluster: give data directory to %s: %w", serverUser, err)
	}
	return c.makeParentsTraversable()
}

// makeParentsTraversable adds o+x to those ancestors of the data directory the
// server user could not otherwise pass through. Without search permission on
// every ancestor, initdb/postgres (running as postgres, not root) cannot reach
// the data directory; t.TempDir() for example creates 0700 root-owned
// directories. Only execute (not read) is granted, so directory listings stay
// private; only the directories on the path are touched.
func (c *Cluster) makeParentsTraversable() error {
	for p := filepath.Dir(c.Dir); ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("pgcluster: %w", err)
		}
		if !c.credCanSearch(fi) {
			c.log.Warn("adding o+x so the postgres user can reach the data directory", "path", p)
			if err := os.Chmod(p, fi.Mode().Perm()|0o001); err != nil {
				return fmt.Errorf("pgcluster: make %s traversable for %s: %w", p, serverUser, err)
			}
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

func (c *Cluster) credCanSearch(fi fs.FileInfo) bool {
	perm := fi.Mode().Perm()
	if perm&0o001 != 0 {
		return true
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return false
	}
	if st.Uid == c.cred.Uid {
		return perm&0o100 != 0
	}
	if st.Gid == c.cred.Gid || slices.Contains(c.cred.Groups, st.Gid) {
		return perm&0o010 != 0
	}
	return false
}

func (c *Cluster) initIfNeeded(ctx context.Context, primary *Cluster) error {
	if _, err := os.Stat(filepath.Join(c.Dir, "PG_VERSION")); err == nil {
		return nil
	}
	if primary != nil {
		// -R writes standby.signal and primary_conninfo (the primary's socket); -X stream copies the WAL
		// written meanwhile, so the copy starts consistent. The copy brings the primary's pg_hba.conf.
		out, err := c.run(ctx, "pg_basebackup", "-D", c.Dir, "-R", "-X", "stream", "-c", "fast",
			"-h", primary.Dir, "-p", strconv.Itoa(port), "-U", superuser)
		if err != nil {
			return fmt.Errorf("pgcluster: pg_basebackup: %w: %s", err, bytes.TrimSpace(out))
		}
		// The primary's socket lives in its data directory, and its lock file came with the copy.
		locks, _ := filepath.Glob(filepath.Join(c.Dir, ".s.PGSQL.*"))
		for _, l := range locks {
			os.Remove(l)
		}
		return nil
	}
	c.log.Info("initialising PostgreSQL data directory", "bin", c.bin)
	// C locale: sorting does not depend on the host's glibc collation data,
	// which can change under an existing cluster and silently break indexes.
	out, err := c.run(ctx, "initdb", "-D", c.Dir, "-U", superuser,
		"--auth=trust", "--encoding=UTF8", "--locale=C")
	if err != nil {
		return fmt.Errorf("pgcluster: initdb: %w: %s", err, bytes.TrimSpace(out))
	}
	// Trust is only acceptable because nothing but local users with access
	// to the socket directory can connect; make that explicit instead of
	// relying on listen_addresses alone.
	// Replication connections (pg_basebackup, a standby's WAL receiver) are matched only by the
	// "replication" keyword, so they get a line of their own, on the socket too.
	hba := "# Written by pgcluster: unix-socket connections only.\nlocal all all trust\nlocal replication all trust\n"
	if err := c.writeServerFile(filepath.Join(c.Dir, "pg_hba.conf"), hba); err != nil {
		return err
	}
	return nil
}

func (c *Cluster) writeServerFile(path, content string) error {
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	if c.cred != nil {
		if err := os.Chown(path, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			return fmt.Errorf("pgcluster: %w", err)
		}
	}
	return nil
}
