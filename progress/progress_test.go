package progress

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

// Without a terminal, a Reporter writes plain lines, at most one every few seconds, with the count, the
// share done, the rate and the time left; on a terminal it draws a bar with the rate and cleans it up.
func TestReporter(t *testing.T) {
	var plain bytes.Buffer
	r := NewTo(&plain, false, "importing best-practices")
	r.Set(1, 10)
	if plain.Len() != 0 {
		t.Errorf("a line before %s: %q", logEvery, plain.String())
	}
	r.every = 0
	r.Set(5, 10)
	r.Done()
	if !regexp.MustCompile(`^importing best-practices: 5 of 10 \(50%\), \d+/s, \d+s left\n$`).MatchString(plain.String()) {
		t.Errorf("the log line: %q", plain.String())
	}

	var term bytes.Buffer
	r = NewTo(&term, true, "indexing")
	for i := 1; i <= 10; i++ {
		r.Set(i, 10)
	}
	r.Done()
	if !strings.Contains(term.String(), "indexing") || !strings.Contains(term.String(), " it/") {
		t.Errorf("the bar: %q", term.String())
	}
}
