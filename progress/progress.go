// Package progress shows how far a long command (an import, a synthetic seed, a reindex) has got: a bar
// with the rate and the time left when stderr is a terminal, and a plain log line every few seconds when
// it is not (a pipe, a CI log, a file), where a bar's redraws would be noise.
package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Reporter is told how much of a total is done.
type Reporter struct {
	mu    sync.Mutex
	what  string
	w     io.Writer
	bar   *progressbar.ProgressBar
	start time.Time
	last  time.Time
	every time.Duration
	total int
	done  int
}

// logEvery is how often a Reporter without a terminal writes a line.
const logEvery = 5 * time.Second

// New reports to stderr on what (e.g. "importing best-practices").
func New(what string) *Reporter {
	return NewTo(os.Stderr, term.IsTerminal(int(os.Stderr.Fd())), what)
}

// NewTo reports to w, with a bar when w is a terminal.
func NewTo(w io.Writer, terminal bool, what string) *Reporter {
	r := &Reporter{what: what, w: w, start: time.Now(), every: logEvery}
	r.last = r.start
	if terminal {
		r.bar = progressbar.NewOptions(-1, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(what),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish(),
			progressbar.OptionSetWidth(30))
	}
	return r
}

// Set says that done of total are done; it is safe to call from several goroutines.
func (r *Reporter) Set(done, total int) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done = done
	if r.bar != nil {
		if total != r.total {
			r.bar.ChangeMax(total)
		}
		r.total = total
		r.bar.Set(done)
		return
	}
	r.total = total
	if now := time.Now(); now.Sub(r.last) >= r.every {
		r.last = now
		fmt.Fprintln(r.w, r.line(now))
	}
}

func (r *Reporter) line(now time.Time) string {
	elapsed := now.Sub(r.start).Seconds()
	rate := float64(r.done) / max(elapsed, 1e-9)
	s := fmt.Sprintf("%s: %d of %d", r.what, r.done, r.total)
	if r.total > 0 {
		s += fmt.Sprintf(" (%.0f%%)", 100*float64(r.done)/float64(r.total))
	}
	s += fmt.Sprintf(", %.0f/s", rate)
	if rate > 0 && r.total > r.done {
		s += fmt.Sprintf(", %s left", time.Duration(float64(r.total-r.done)/rate*float64(time.Second)).Round(time.Second))
	}
	return s
}

// Done ends the report: the bar is cleared, so that what the command prints after stands alone.
func (r *Reporter) Done() {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.bar != nil {
		r.bar.Finish()
		r.bar.Clear()
	}
}
