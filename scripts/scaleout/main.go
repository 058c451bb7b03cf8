// Command scaleout is the load and the checks of scripts/scaleout-test.sh: a mixed load through the load
// balancer for a while (reads, searches, writes whose writers read them back at once, subscribers of
// the writes' events), then the checks: no request failed outside the window after a hub was killed,
// every acknowledged write is in PostgreSQL and found by search through every surviving hub, every
// subscriber received every event it was owed, and a token's rate and an address's applications were
// limited across hubs. It prints the summary line and exits 1 on a violation.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

var client = &http.Client{Timeout: 20 * time.Second}

type response struct {
	Data   json.RawMessage
	Errors []struct {
		Message    string
		Extensions map[string]any
	}
}

// post sends one GraphQL request; the error is a transport failure, a non-200 status or a GraphQL error.
func post(url, token, minLSN, xff, query string, vars map[string]any) (response, http.Header, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if minLSN != "" {
		req.Header.Set("X-Hub-Min-LSN", minLSN)
	}
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	var r response
	resp, err := client.Do(req)
	if err != nil {
		return r, nil, err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return r, resp.Header, fmt.Errorf("status %d: %v", resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusOK {
		return r, resp.Header, fmt.Errorf("status %d", resp.StatusCode)
	}
	if len(r.Errors) > 0 {
		return r, resp.Header, fmt.Errorf("%s (%v)", r.Errors[0].Message, r.Errors[0].Extensions["code"])
	}
	return r, resp.Header, nil
}

var reads = []string{
	`{ members(first: 20) { totalCount nodes { name country { code } } } }`,
	`{ bestPractices(first: 20, orderBy: {field: YEAR, direction: DESC}) { totalCount nodes { title year } } }`,
	`{ fundingOpportunities(filter: {status: [OPEN, FORTHCOMING]}) { totalCount nodes { title } } }`,
	`{ themes { code bestPractices { totalCount } } }`,
}

var searches = []string{"parking", "open data", "mobility", "energy", "citizen participation", "smart lighting"}

func main() {
	lb := flag.String("url", "http://127.0.0.1:18080", "the load balancer")
	hubs := flag.String("hubs", "", "comma-separated URLs of the hubs that survive")
	dsn := flag.String("dsn", "", "the primary's connection string")
	tokens := flag.String("tokens", "", "comma-separated editor tokens, one per writer")
	duration := flag.Duration("duration", 60*time.Second, "how long the load runs")
	killAt := flag.Duration("kill-at", 20*time.Second, "when a hub is killed, from the start")
	grace := flag.Duration("grace", 3*time.Second, "how long after the kill failures count as in flight on the killed hub")
	killed := flag.String("killed", "hub2", "the killed hub's name in HAProxy (its X-Hub-Server)")
	nsubs := flag.Int("subscribers", 6, "subscribers of bestPracticePublished")
	limited := flag.String("limited-token", "", "a token with a rate limit of its own of 1 request a second")
	flag.Parse()

	start := time.Now()
	// A word of this run alone, for search to find its writes by (letters: a number may be split).
	tag := "scaleout"
	for n := start.Unix(); n > 0; n /= 26 {
		tag += string(rune('a' + n%26))
	}
	subs, err := startSubscribers(*lb, *nsubs)
	if err != nil {
		fmt.Fprintln(os.Stderr, "scaleout:", err)
		os.Exit(1)
	}
	deadline := start.Add(*duration)
	var requests, failed, excused, writes atomic.Int64
	var rywBroken atomic.Int64
	var mu sync.Mutex
	var written []write // acknowledged
	var failures []string
	fail := func(what string, err error) {
		since := time.Since(start)
		if since >= *killAt && since < *killAt+*grace {
			excused.Add(1)
			return
		}
		failed.Add(1)
		mu.Lock()
		if len(failures) < 10 && !strings.Contains(strings.Join(failures, "\n"), what+" ") || len(failures) < 3 {
			failures = append(failures, fmt.Sprintf("%s at %s: %v", what, since.Round(time.Millisecond), err))
		}
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for w := range 4 { // readers and searchers
		wg.Go(func() {
			for time.Now().Before(deadline) {
				requests.Add(1)
				var err error
				if rand.IntN(3) == 0 {
					_, _, err = post(*lb, "", "", "", `query($q: String!) { search(query: $q, first: 10) { totalCount edges { node { __typename } } } }`,
						map[string]any{"q": searches[rand.IntN(len(searches))]})
				} else {
					_, _, err = post(*lb, "", "", "", reads[(w+rand.IntN(len(reads)))%len(reads)], nil)
				}
				if err != nil {
					fail("read", err)
				}
			}
		})
	}
	for i, token := range strings.Split(*tokens, ",") { // writers, each reading its own writes back at once
		wg.Go(func() {
			lsn := ""
			for n := 0; time.Now().Before(deadline); n++ {
				title := fmt.Sprintf("Practice %s by writer %d number %d", tag, i, n)
				requests.Add(1)
				sent := time.Now()
				r, h, err := post(*lb, token, lsn, "", `mutation($t: String!) { createBestPractice(input: {title: $t, language: "en", country: "NL", year: 2025, themes: ["urban-data-platforms"], status: PUBLISHED}) { bestPractice { id } userErrors { code } } }`,
					map[string]any{"t": title})
				if err != nil {
					fail("write", err)
					continue
				}
				var out struct {
					CreateBestPractice struct {
						BestPractice *struct{ ID string }
					}
				}
				json.Unmarshal(r.Data, &out)
				if out.CreateBestPractice.BestPractice == nil {
					fail("write", fmt.Errorf("refused: %s", r.Data))
					continue
				}
				writes.Add(1)
				mu.Lock()
				written = append(written, write{title: title, writer: i, n: n, sent: sent, acked: time.Now()})
				mu.Unlock()
				if v := h.Get("X-Hub-Min-LSN"); v != "" {
					lsn = v
				}
				// Read it back at once, through the balancer: whichever hub answers, from wherever it reads.
				requests.Add(1)
				r, h, err = post(*lb, token, lsn, "", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": out.CreateBestPractice.BestPractice.ID})
				if err != nil {
					fail("read-back", err)
					continue
				}
				if string(r.Data) == `{"node":null}` {
					rywBroken.Add(1)
					fmt.Fprintf(os.Stderr, "scaleout: writer %d did not read its write %s\n", i, title)
				}
				if v := h.Get("X-Hub-Min-LSN"); v != "" {
					lsn = v
				}
			}
		})
	}
	wg.Wait()
	// The subscribers have a while to receive the last events, then their check.
	subs.catchUp(written, 30*time.Second)
	subViolations, subSummary := subs.check(written, tag, *killed, start, *killAt, *grace)

	// The application limit (HUB_APPLICATIONS_PER_HOUR=5) of one address, through the balancer: shared,
	// exactly 5 of 8 go through whichever hubs answer.
	accepted := 0
	for n := range 8 {
		_, _, err := post(*lb, "", "", "10.9.9.9", `mutation($o: String!) { applyForMembership(input: {organisation: $o, kind: AGENCY, country: "NL", motivation: "Scaling out", contactName: "A. Tester", contactEmail: "tester@example.org"}) { receipt userErrors { code } } }`,
			map[string]any{"o": fmt.Sprintf("Scaleout applicant %d %d", n, start.Unix())})
		if err == nil {
			accepted++
		} else if !strings.Contains(err.Error(), "RATE_LIMITED") && !strings.Contains(err.Error(), "429") {
			fmt.Fprintf(os.Stderr, "scaleout: application %d: %v\n", n, err)
		}
	}
	limits := "shared"
	if accepted != 5 {
		limits = "not shared"
		fmt.Fprintf(os.Stderr, "scaleout: %d of 8 applications from one address went through, want 5\n", accepted)
	}
	// A token of 1 request a second (in bursts of 3) sends 12 at once, one after another, through the
	// balancer: 3 go through, and those a second or so refills, whichever hubs answer; every other one
	// is a 429 with Retry-After, from each hub that answered. (Each hub learns the token's own limit at
	// its first request, which passes, but is counted.)
	if *limited != "" {
		began, ok, refused := time.Now(), 0, map[string]int{}
		for range 12 {
			status, hub, retry := get(*lb, *limited)
			switch {
			case status == http.StatusOK:
				ok++
			case status == http.StatusTooManyRequests && retry != "":
				refused[hub]++
			default:
				fmt.Fprintf(os.Stderr, "scaleout: the limited token's request: status %d (Retry-After %q) from %s\n", status, retry, hub)
			}
		}
		allowed := 3 + int(time.Since(began).Seconds())
		fmt.Fprintf(os.Stderr, "scaleout: a token of 1 request/s sent 12: %d went through (at most %d allowed), 429 from %v\n", ok, allowed, refused)
		if ok < 3 || ok > allowed || len(refused) < len(strings.Split(*hubs, ",")) || ok+sum(refused) != 12 {
			limits = "not shared"
		}
	}

	// Every acknowledged write is in PostgreSQL, and found by search through every surviving hub.
	ctx := context.Background()
	lost := 0
	conn, err := pgx.Connect(ctx, *dsn)
	if err != nil {
		fmt.Fprintln(os.Stderr, "scaleout: connecting to the primary:", err)
		os.Exit(1)
	}
	var inDB int
	titles := make([]string, len(written))
	for i, w := range written {
		titles[i] = w.title
	}
	conn.QueryRow(ctx, `select count(*) from best_practice where title = any($1)`, titles).Scan(&inDB)
	lost += len(written) - inDB
	for _, hub := range strings.Split(*hubs, ",") {
		missing := len(written)
		for until := time.Now().Add(60 * time.Second); time.Now().Before(until); time.Sleep(time.Second) {
			r, _, err := post(hub, "", "", "", fmt.Sprintf(`{ search(query: "%s", first: 1) { totalCount } }`, tag), nil)
			var out struct{ Search struct{ TotalCount int } }
			if err == nil && json.Unmarshal(r.Data, &out) == nil {
				missing = max(len(written)-out.Search.TotalCount, 0)
				if missing == 0 {
					break
				}
			}
		}
		if missing > 0 {
			fmt.Fprintf(os.Stderr, "scaleout: %s: %d acknowledged writes not found by search\n", hub, missing)
		}
		lost += missing
	}

	ryw := "ok"
	if rywBroken.Load() > 0 {
		ryw = "broken"
	}
	for _, f := range failures {
		fmt.Fprintln(os.Stderr, "scaleout: failed:", f)
	}
	fmt.Fprintf(os.Stderr, "scaleout: %d requests failed while the killed hub's were in flight (excused)\n", excused.Load())
	for _, v := range subViolations {
		fmt.Fprintln(os.Stderr, "scaleout: subscriptions:", v)
	}
	fmt.Fprintln(os.Stderr, "scaleout: subscriptions:", subSummary)
	fmt.Printf("scaleout: %d requests, %d failed, %d writes, %d lost, read-your-writes %s, limits %s\n",
		requests.Load(), failed.Load(), writes.Load(), lost, ryw, limits)
	if failed.Load() > 0 || lost > 0 || ryw != "ok" || limits != "shared" || len(subViolations) > 0 {
		os.Exit(1)
	}
}

// get sends a small query with token and returns the status, the hub that answered and Retry-After.
func get(lb, token string) (status int, hub, retryAfter string) {
	req, _ := http.NewRequest(http.MethodGet, lb+"/graphql?query=%7B%20themes%20%7B%20code%20%7D%20%7D", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", ""
	}
	resp.Body.Close()
	return resp.StatusCode, hubOf(resp), resp.Header.Get("Retry-After")
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
