package main

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// A value that does not parse stops `hub serve` with status 2 and a message naming the variable,
// before anything starts: no data directory, no PostgreSQL.
func TestBadConfigurationStopsBeforeStarting(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the hub binary")
	}
	bin := buildHub(t)
	dataDir := t.TempDir()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "HUB_REQUEST_TIMEOUT=30", "HUB_RATE_LIMIT=abc", "HUB_DATA_DIR="+dataDir, "DATABASE_URL=")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("hub serve with a bad configuration: %v, want exit status 2\n%s", err, out)
	}
	for _, want := range []string{`HUB_REQUEST_TIMEOUT: "30" is not a duration; write it like 30s`, `HUB_RATE_LIMIT: "abc" is not a number`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the message does not say %q:\n%s", want, out)
		}
	}
	if entries, _ := os.ReadDir(dataDir); len(entries) > 0 {
		t.Errorf("a refused configuration still made %v in the data directory", entries)
	}
}
