package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/db/pgcluster"
	"github.com/smartcommunities/hub/hubtest"
	"github.com/smartcommunities/hub/hubtest/wait"
)

// A primary and a streaming replica of it (pg_basebackup -R), for this test alone: the shared test
// server may be one the test cannot replicate (DATABASE_URL).
func replicated(t *testing.T) (primary, replica *pgcluster.Cluster) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts two PostgreSQL servers")
	}
	ctx := context.Background()
	dir := t.TempDir()
	primary, err := pgcluster.StartWithOptions(ctx, filepath.Join(dir, "p"), "hub", nil, pgcluster.Options{Fast: true})
	if err != nil {
		t.Fatalf("starting the primary: %v", err)
	}
	t.Cleanup(func() { primary.Stop(context.Background()) })
	replica, err = pgcluster.StartWithOptions(ctx, filepath.Join(dir, "r"), "hub", nil, pgcluster.Options{Fast: true, ReplicaOf: primary})
	if err != nil {
		t.Fatalf("starting the replica: %v", err)
	}
	t.Cleanup(func() { replica.Stop(context.Background()) })
	return primary, replica
}

// post sends a GraphQL request with the headers given and returns the response's data and headers.
func post(t *testing.T, h *hubtest.Hub, token, minLSN, query string, vars map[string]any) (string, http.Header) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, h.URL()+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if minLSN != "" {
		req.Header.Set("X-Hub-Min-LSN", minLSN)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Data   json.RawMessage
		Errors []hubtest.Error
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || len(r.Errors) > 0 {
		t.Fatalf("status %d: %v %+v", resp.StatusCode, err, r.Errors)
	}
	return string(r.Data), resp.Header
}

func TestReplicaReadsAndReadYourWrites(t *testing.T) {
	primary, replica := replicated(t)
	start := func(maxLag time.Duration) *hubtest.Hub {
		cfg := hubtest.Config(t)
		cfg.DatabaseURL = primary.DSN("hub")
		cfg.ReplicaURLs = []string{replica.DSN("hub")}
		cfg.ReplicaMaxLag = maxLag
		return hubtest.Start(t, cfg, true)
	}
	// Patient: a replica whose replay is paused stays in use, which shows where reads go.
	patient := start(time.Hour)
	healthy := func(h *hubtest.Hub) func() bool {
		return func() bool { _, ok := h.DB().Replicas().Replayed(); return ok }
	}
	wait.For(t, "the replica to be admitted", 30*time.Second, healthy(patient))
	ctx := context.Background()
	rconn, err := pgx.Connect(ctx, replica.DSN("hub"))
	if err != nil {
		t.Fatal(err)
	}
	defer rconn.Close(ctx)
	// Everything the demo load wrote is on the replica before it stops replaying.
	wait.For(t, "the replica to replay the demo data", 30*time.Second, func() bool {
		var n int
		return rconn.QueryRow(ctx, "select count(*) from member").Scan(&n) == nil && n > 0 &&
			replayedPast(ctx, t, primary, rconn)
	})
	pause(ctx, t, rconn)

	token := patient.NewToken(db.RoleAdmin, "")
	const find = `{ members(first: 100, filter: {nameContains: "Replicated council"}) { totalCount } }`
	data, hdr := post(t, patient, token, "", `mutation { createMember(input: {name: "Replicated council", kind: AGENCY, country: "NL"}) { member { id } userErrors { code } } }`, nil)
	if !bytes.Contains([]byte(data), []byte(`"userErrors":[]`)) {
		t.Fatalf("creating a member: %s", data)
	}
	lsn := hdr.Get("X-Hub-Min-LSN")
	if _, err := db.ParseLSN(lsn); err != nil {
		t.Fatalf("a mutation's response carries its position in X-Hub-Min-LSN: %q (%v)", lsn, err)
	}
	const seen, unseen = `{"members":{"totalCount":1}}`, `{"members":{"totalCount":0}}`
	// However long the replica lags, the write is not settled while a replica that may be read lacks it:
	// two more checks would have settled it on the primary's positions alone.
	patient.DB().Replicas().Check(ctx)
	patient.DB().Replicas().Check(ctx)
	if written, _ := db.ParseLSN(lsn); patient.DB().Replicas().Settled() >= written {
		t.Errorf("the write at %s is settled (%s) while the replica that is read from has not replayed it", lsn, patient.DB().Replicas().Settled())
	}
	// Anyone else reads from the replica, which has not replayed the write (and that answer is not
	// cached: the hub has counted the write).
	if got, _ := post(t, patient, "", "", find, nil); got != unseen {
		_, m := hubtest.Get(t, patient.URL()+"/metrics")
		t.Errorf("an anonymous reader, from the paused replica: %s, want %s\n%s", got, unseen, grepLines(m, "hub_reads_total", "hub_replica"))
	}
	// The writer reads its own write at once: by its token on the hub that took it, and by the header
	// on any hub.
	if got, _ := post(t, patient, token, "", find, nil); got != seen {
		t.Errorf("the writer, by its token: %s, want %s", got, seen)
	}
	if got, _ := post(t, patient, "", lsn, find, nil); got != seen {
		t.Errorf("a reader sending X-Hub-Min-LSN: %s, want %s", got, seen)
	}
	// Once the replica replays, the reader sees the write.
	if _, err := rconn.Exec(ctx, "select pg_wal_replay_resume()"); err != nil {
		t.Fatal(err)
	}
	wait.For(t, "the anonymous reader to see the write after the replica replayed it", 30*time.Second, func() bool {
		got, _ := post(t, patient, "", "", find, nil)
		return got == seen
	})

	// A hub that allows little lag skips a replica that has stopped replaying, and reads the primary.
	// Admitted first, so that the wait below sees a check find the lag, not a hub yet to check at all.
	strict := start(200 * time.Millisecond)
	wait.For(t, "the replica to be admitted by a hub that allows little lag", 30*time.Second, healthy(strict))
	pause(ctx, t, rconn)
	post(t, strict, token, "", `mutation { createMember(input: {name: "Replicated council two", kind: AGENCY, country: "NL"}) { userErrors { code } } }`, nil)
	const find2 = `{ members(first: 100, filter: {nameContains: "Replicated council two"}) { totalCount } }`
	wait.For(t, "the lagging replica to be skipped", 30*time.Second, func() bool { return !healthy(strict)() })
	if got, _ := post(t, strict, "", "", find2, nil); got != seen {
		t.Errorf("an anonymous reader of a hub that skips the lagging replica: %s, want %s", got, seen)
	}
	// A hub started while the replica lags has no history to measure the lag against: it does not
	// admit the replica on its first checks (the one it ran on starting, and this one).
	late := start(200 * time.Millisecond)
	late.DB().Replicas().Check(ctx)
	if healthy(late)() {
		t.Error("a hub started while the replica lags admitted it on its first checks")
	}
	if got, _ := post(t, late, "", "", find2, nil); got != seen {
		t.Errorf("an anonymous reader of a hub started while the replica lags: %s, want %s", got, seen)
	}

	// A replica that stops is skipped: reads keep being answered, from the primary.
	if err := replica.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if got, _ := post(t, patient, "", "", find2, nil); got != seen {
			t.Errorf("with the replica stopped: %s, want %s", got, seen)
		}
	}
	if healthy(patient)() {
		t.Error("the stopped replica is still counted healthy after a read failed on it")
	}
}

// replayedPast tells whether the replica has replayed everything the primary has written so far.
func replayedPast(ctx context.Context, t *testing.T, primary *pgcluster.Cluster, rconn *pgx.Conn) bool {
	pconn, err := pgx.Connect(ctx, primary.DSN("hub"))
	if err != nil {
		t.Fatal(err)
	}
	defer pconn.Close(ctx)
	var ok bool
	err = rconn.QueryRow(ctx, "select pg_last_wal_replay_lsn() >= $1::pg_lsn", mustLSN(ctx, pconn)).Scan(&ok)
	return err == nil && ok
}

func mustLSN(ctx context.Context, c *pgx.Conn) string {
	var s string
	c.QueryRow(ctx, "select pg_current_wal_lsn()::text").Scan(&s)
	return s
}

// pause stops the replica's replay, and waits until it has stopped (the request takes effect later).
func pause(ctx context.Context, t *testing.T, rconn *pgx.Conn) {
	t.Helper()
	if _, err := rconn.Exec(ctx, "select pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}
	wait.For(t, "the replica's replay to pause", 30*time.Second, func() bool {
		var state string
		return rconn.QueryRow(ctx, "select pg_get_wal_replay_pause_state()").Scan(&state) == nil && state == "paused"
	})
}

func grepLines(s string, prefixes ...string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		for _, p := range prefixes {
			if strings.HasPrefix(l, p) {
				out = append(out, l)
			}
		}
	}
	return strings.Join(out, "\n")
}
