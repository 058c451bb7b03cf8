package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/smartcommunities/hub/db/dbtest"
)

// runHub runs the hub binary with env added and returns its stdout, stderr and exit status.
func runHub(t *testing.T, bin string, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("hub %v: %v", args, err)
	}
	return stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
}

// TestCommandLine runs the hub binary's commands as an operator would.
func TestCommandLine(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the hub binary")
	}
	bin := buildHub(t)
	t.Run("help", func(t *testing.T) { testHelp(t, bin) })
	t.Run("one-shot commands", func(t *testing.T) { testOneShotCommands(t, bin) })
}

// testHelp: `hub --help`, `hub help COMMAND` and `hub COMMAND --help` answer on stdout
// with status 0, even with a configuration that does not parse; what hub does not understand is status 2
// and says where help is.
func testHelp(t *testing.T, bin string) {
	bad := []string{"HUB_RATE_LIMIT=abc"}
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		out, errOut, code := runHub(t, bin, bad, args...)
		if code != 0 || errOut != "" || !strings.HasPrefix(out, "usage: hub COMMAND") {
			t.Errorf("hub %v: status %d, stderr %q, stdout:\n%s", args, code, errOut, out)
		}
		for _, c := range []string{"serve", "migrate", "seed", "reindex", "import", "token create", "token list", "token revoke"} {
			if !strings.Contains(out, "\n  "+c+" ") {
				t.Errorf("hub %v does not list %s", args, c)
			}
		}
	}
	for _, args := range [][]string{{"help", "token", "create"}, {"token", "create", "--help"}} {
		out, _, code := runHub(t, bin, bad, args...)
		if code != 0 || !strings.HasPrefix(out, "usage: hub token create --role ROLE") || !strings.Contains(out, "-member string") {
			t.Errorf("hub %v: status %d:\n%s", args, code, out)
		}
	}
	if out, _, code := runHub(t, bin, bad, "help", "token"); code != 0 || strings.Count(out, "usage: hub token ") != 3 {
		t.Errorf("hub help token: status %d, not the three token commands:\n%s", code, out)
	}
	for _, args := range [][]string{{}, {"bogus"}, {"seed", "--bogus"}, {"help", "bogus"}} {
		out, errOut, code := runHub(t, bin, nil, args...)
		if code != 2 || out != "" || !strings.Contains(errOut, "hub help") && !strings.HasPrefix(errOut, "usage: hub") {
			t.Errorf("hub %v: status %d, stdout %q, stderr %q; want status 2 and where help is", args, code, out, errOut)
		}
	}
}

// testOneShotCommands: migrate, seed, token and reindex write their answer, and only it, to
// stdout, and log nothing below a warning: a script can take the answer as it is, and a person sees
// it without log lines around it. `hub token list` is a table with role, member, expiry and last use.
func testOneShotCommands(t *testing.T, bin string) {
	env := []string{"DATABASE_URL=" + dbtest.NewDatabase(t), "HUB_DATA_DIR=" + t.TempDir()}
	run := func(wantOut, wantErr string, args ...string) string {
		t.Helper()
		out, errOut, code := runHub(t, bin, env, args...)
		if code != 0 || !regexp.MustCompile(wantOut).MatchString(out) || !regexp.MustCompile(wantErr).MatchString(errOut) {
			t.Errorf("hub %v: status %d\nstdout:\n%s\nstderr:\n%s\nwant stdout %s and stderr %s", args, code, out, errOut, wantOut, wantErr)
		}
		return out
	}
	run(`^migrations applied: \d+\n$`, `^$`, "migrate")
	run(`^demo entries loaded: [1-9]\d* \(already there: 0\)\n$`, `^$`, "seed", "--demo")
	run(`^demo entries loaded: 0 \(already there: [1-9]\d*\)\n$`, `^$`, "seed", "--demo")
	run(`^hub_[A-Za-z0-9_-]{43}\n$`, `^created EDITOR token \S+ \("for vng"\); its secret, shown once:\n$`,
		"token", "create", "--role", "editor", "--member", "vng", "--name", "for vng")
	run(`^hub_[A-Za-z0-9_-]{43}\n$`, `^created ADMIN token`, "token", "create", "--role", "admin", "--expires", "2160h", "--name", "ops")
	list := run(`^ID +ROLE +MEMBER +EXPIRES \(UTC\) +LAST USED \(UTC\) +STATE +NAME\n`, `^$`, "token", "list")
	rows := strings.Split(strings.TrimSpace(list), "\n")
	if len(rows) != 3 || !regexp.MustCompile(`^\S+ +ADMIN +- +20\d\d-\d\d-\d\d \d\d:\d\d +never +active +ops$`).MatchString(rows[1]) ||
		!regexp.MustCompile(`^\S+ +EDITOR +vng +never +never +active +for vng$`).MatchString(rows[2]) {
		t.Fatalf("hub token list:\n%s", list)
	}
	id := strings.Fields(rows[2])[0]
	run(`^revoked `+regexp.QuoteMeta(id)+` \(EDITOR, "for vng"\)\n$`, `^$`, "token", "revoke", id)
	if list := run(`^ID`, `^$`, "token", "list"); !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(id) + ` +EDITOR +vng +never +never +revoked 20`).MatchString(list) {
		t.Errorf("the revoked token is not shown so:\n%s", list)
	}
	run(`^search index rebuilt: [1-9]\d* documents in [\d.]+ s \(.+\)\n$`, `^$`, "reindex")

	// hub import: a dry run tells what it would do, the import does it, a second one changes nothing, and a
	// refused row is reported with its line and column, status 1.
	dir := t.TempDir()
	tools := filepath.Join(dir, "tools.csv")
	os.WriteFile(tools, []byte("\ufeffslug;name;licence;development_status;themes\ncli-test-tool;CLI test tool;EUPL-1.2;COMPLETED;mobility\n"), 0o644)
	run(`^digital-tools from \S+: 1 created, 0 changed, 0 unchanged \(dry run: nothing written\)\ncreate line 2 cli-test-tool: slug, name, licence, development_status, themes\n$`, `^$`,
		"import", "digital-tools", tools, "--dry-run")
	run(`^digital-tools from \S+: 1 created, 0 changed, 0 unchanged \(written\)\n$`, `^$`, "import", "digital-tools", tools)
	run(`^digital-tools from \S+: 0 created, 0 changed, 1 unchanged \(written\)\n$`, `^$`, "import", "digital-tools", tools)
	os.WriteFile(tools, []byte("slug,name,licence\ncli-test-tool,CLI test tool,Not-A-Licence\n"), 0o644)
	out, errOut, code := runHub(t, bin, env, "import", "digital-tools", tools)
	if code != 1 || !strings.Contains(out, `error: line 2, column licence: "Not-A-Licence" is not an SPDX licence identifier`) || !strings.Contains(errOut, "nothing was written") {
		t.Errorf("a refused import: status %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	run(`^publiccode from \S+: 3 created, 0 changed, 0 unchanged \(written\)\n(warning: .+\n)+$`, `^$`, "import", "publiccode", "publiccode/testdata/catalogue")
}
