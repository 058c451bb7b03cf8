package db_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/db/dbtest"
)

// newDB is a migrated, empty database with its reference data.
func newDB(t *testing.T) *db.DB {
	t.Helper()
	ctx := context.Background()
	dsn := dbtest.NewDatabase(t)
	if _, err := db.Migrate(ctx, dsn); err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	if err := d.LoadReference(ctx); err != nil {
		t.Fatal(err)
	}
	return d
}

// fixture is a database with two members and a practice that the first of them authors.
type fixture struct {
	d                *db.DB
	author, outsider *db.Member
	practice         *db.BestPractice
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{d: newDB(t)}
	ctx := context.Background()
	f.author = must(f.d.CreateMember(ctx, &db.CreateMemberInput{Name: "Authoring Association", Kind: db.MemberKindOther, Country: "BE"}))(t)
	f.outsider = must(f.d.CreateMember(ctx, &db.CreateMemberInput{Name: "Other Association", Kind: db.MemberKindOther, Country: "NL"}))(t)
	f.practice = must(f.d.CreateBestPractice(ctx, &db.CreateBestPracticeInput{Title: "Shared parking", Language: "en",
		Country: "BE", Year: 2024, Authors: []db.MemberID{memberID(f.author)}}))(t)
	return f
}

// must is a write that succeeds.
func must[T any](v *T, errs []db.UserError, err error) func(t *testing.T) *T {
	return func(t *testing.T) *T {
		t.Helper()
		if err != nil || len(errs) > 0 || v == nil {
			t.Fatalf("write failed: %v %v", err, errs)
		}
		return v
	}
}

func memberID(m *db.Member) db.MemberID               { return db.MemberID(m.ID) }
func practiceID(p *db.BestPractice) db.BestPracticeID { return db.BestPracticeID(p.ID) }

func (f *fixture) readPractice(t *testing.T) *db.BestPractice {
	t.Helper()
	ps, err := f.d.BestPracticesByID(db.WithReadAccess(context.Background(), db.ReadAccess{All: true}), []int64{f.practice.ID})
	if err != nil || ps[0] == nil {
		t.Fatalf("reading the practice: %v", err)
	}
	return ps[0]
}

func (f *fixture) readMember(t *testing.T, id int64) *db.Member {
	t.Helper()
	ms, err := f.d.MembersByID(context.Background(), []int64{id})
	if err != nil || ms[0] == nil {
		t.Fatalf("reading the member: %v", err)
	}
	return ms[0]
}

// row is a stored row with its links, as text, to tell that a refused write changed nothing.
func (f *fixture) row(t *testing.T, table string, id int64) string {
	t.Helper()
	links := map[string][]string{
		"best_practice": {"best_practice_author", "best_practice_translation", "best_practice_theme", "best_practice_tool"},
		"member":        {"member_country", "contact_point"},
	}[table]
	owner := map[string]string{"best_practice": "practice_id", "member": "member_id"}[table]
	var out string
	if err := f.d.Pool.QueryRow(context.Background(), fmt.Sprintf("select x::text from %s x where id = $1", table), id).Scan(&out); err != nil {
		t.Fatal(err)
	}
	for _, l := range links {
		var s string
		err := f.d.Pool.QueryRow(context.Background(), fmt.Sprintf("select coalesce(string_agg(x::text, '|' order by x::text), '') from %s x where %s = $1", l, owner), id).Scan(&s)
		if err != nil {
			t.Fatal(err)
		}
		out += "," + l + "=" + s
	}
	return out
}

// concurrently runs a and b at the same moment and waits for both.
func concurrently(a, b func() error) (errA, errB error) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	wg.Add(2)
	go func() { defer wg.Done(); <-start; errA = a() }()
	go func() { defer wg.Done(); <-start; errB = b() }()
	close(start)
	wg.Wait()
	return errA, errB
}

func failed(errs []db.UserError, err error) error {
	if err == nil && len(errs) > 0 {
		err = fmt.Errorf("userErrors %v", errs)
	}
	return err
}

// Two partial updates of one practice at the same time, one of its title and one of its summary: both
// changes are there afterwards, every time. Reading the row outside the write's transaction lost one of
// them in most rounds.
func TestConcurrentUpdatesOfOnePracticeKeepBothChanges(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := practiceID(f.practice)
	const rounds = 50
	kept := 0
	for i := range rounds {
		title, summary := fmt.Sprintf("Title %d", i), fmt.Sprintf("Summary %d", i)
		before := f.readPractice(t).Version
		errA, errB := concurrently(
			func() error {
				_, errs, err := f.d.UpdateBestPractice(ctx, &db.UpdateBestPracticeInput{ID: id, Title: &title})
				return failed(errs, err)
			},
			func() error {
				_, errs, err := f.d.UpdateBestPractice(ctx, &db.UpdateBestPracticeInput{ID: id, Summary: &summary})
				return failed(errs, err)
			})
		if errA != nil || errB != nil {
			t.Fatalf("round %d: %v, %v", i, errA, errB)
		}
		p := f.readPractice(t)
		if p.Title == title && p.Summary == summary && p.Version == before+2 {
			kept++
		} else {
			t.Errorf("round %d: title %q, summary %q, version %d after %d: want %q, %q, %d", i, p.Title, p.Summary, p.Version, before, title, summary, before+2)
		}
	}
	t.Logf("both changes kept in %d of %d rounds", kept, rounds)
}

// The same for a member: one update of its name and description, one of its website and the number of
// municipalities it represents.
func TestConcurrentUpdatesOfOneMemberKeepBothChanges(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := memberID(f.author)
	const rounds = 50
	kept := 0
	for i := range rounds {
		name, description := fmt.Sprintf("Association %d", i), fmt.Sprintf("Round %d", i)
		website, municipalities := fmt.Sprintf("https://example.org/%d", i), int32(i)
		errA, errB := concurrently(
			func() error {
				_, errs, err := f.d.UpdateMember(ctx, &db.UpdateMemberInput{ID: id, Name: &name, Description: &description})
				return failed(errs, err)
			},
			func() error {
				_, errs, err := f.d.UpdateMember(ctx, &db.UpdateMemberInput{ID: id, Website: &website, MunicipalitiesRepresented: &municipalities})
				return failed(errs, err)
			})
		if errA != nil || errB != nil {
			t.Fatalf("round %d: %v, %v", i, errA, errB)
		}
		m := f.readMember(t, f.author.ID)
		if m.Name == name && m.Description == description && m.Website != nil && *m.Website == website &&
			m.MunicipalitiesRepresented != nil && *m.MunicipalitiesRepresented == municipalities {
			kept++
		} else {
			t.Errorf("round %d: %+v", i, m)
		}
	}
	t.Logf("both changes kept in %d of %d rounds", kept, rounds)
}

// An update made from a version that is no longer current is refused with CONFLICT and changes nothing;
// one made from the current version applies and increments it.
func TestStaleExpectedVersionIsRefused(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	read := f.readPractice(t)
	title := "Changed in between"
	must(f.d.UpdateBestPractice(ctx, &db.UpdateBestPracticeInput{ID: practiceID(f.practice), Title: &title}))(t)
	before := f.row(t, "best_practice", f.practice.ID)
	current := read.Version + 1

	stale := "From the stale form"
	p, errs, err := f.d.UpdateBestPractice(ctx, &db.UpdateBestPracticeInput{ID: practiceID(f.practice), Title: &stale,
		Themes: []string{"mobility"}, ExpectedVersion: &read.Version})
	if err != nil || p != nil || len(errs) != 1 || errs[0].Code != db.UserErrorConflict ||
		strings.Join(errs[0].Field, ".") != "input.expectedVersion" || !strings.Contains(errs[0].Message, fmt.Sprint(current)) {
		t.Fatalf("a stale update: %v %v %+v", p, err, errs)
	}
	if after := f.row(t, "best_practice", f.practice.ID); after != before {
		t.Errorf("a stale update changed the practice:\n%s\n%s", before, after)
	}

	p = must(f.d.UpdateBestPractice(ctx, &db.UpdateBestPracticeInput{ID: practiceID(f.practice), Title: &stale, ExpectedVersion: &current}))(t)
	if p.Title != stale || p.Version != current+1 {
		t.Errorf("an update from the current version: title %q, version %d; want %q, %d", p.Title, p.Version, stale, current+1)
	}

	// Members, tools and funding opportunities the same way.
	m := f.readMember(t, f.outsider.ID)
	memberBefore := f.row(t, "member", m.ID)
	old := m.Version - 1
	name := "Stale name"
	if _, errs, err := f.d.UpdateMember(ctx, &db.UpdateMemberInput{ID: memberID(m), Name: &name, ExpectedVersion: &old}); err != nil ||
		len(errs) != 1 || errs[0].Code != db.UserErrorConflict {
		t.Errorf("a stale member update: %v %+v", err, errs)
	}
	if f.row(t, "member", m.ID) != memberBefore {
		t.Error("a stale member update changed the member")
	}
	if m2 := must(f.d.UpdateMember(ctx, &db.UpdateMemberInput{ID: memberID(m), Name: &name, ExpectedVersion: &m.Version}))(t); m2.Version != m.Version+1 || m2.Name != name {
		t.Errorf("a current member update: %+v", m2)
	}
	tool := must(f.d.CreateDigitalTool(ctx, &db.CreateDigitalToolInput{Name: "Kerb", Licence: "MIT", DevelopmentStatus: db.DevelopmentStatusCompleted}, nil))(t)
	zero := int32(0)
	if _, errs, _ := f.d.UpdateDigitalTool(ctx, &db.UpdateDigitalToolInput{ID: db.DigitalToolID(tool.ID), Name: &name, ExpectedVersion: &zero}); len(errs) != 1 || errs[0].Code != db.UserErrorConflict {
		t.Errorf("a stale tool update: %+v", errs)
	}
	if t2 := must(f.d.UpdateDigitalTool(ctx, &db.UpdateDigitalToolInput{ID: db.DigitalToolID(tool.ID), Name: &name, ExpectedVersion: &tool.Version}))(t); t2.Version != 2 {
		t.Errorf("a current tool update left version %d", t2.Version)
	}
	call := must(f.d.CreateFundingOpportunity(ctx, &db.CreateFundingOpportunityInput{Identifier: "TEST-1", Title: "Call", Programme: "DIGITAL",
		OpeningDate: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), DeadlineModel: db.DeadlineModelSingleStage,
		Deadlines: []time.Time{time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}}))(t)
	if _, errs, _ := f.d.UpdateFundingOpportunity(ctx, &db.UpdateFundingOpportunityInput{ID: db.FundingOpportunityID(call.ID), Title: &name, ExpectedVersion: &zero}); len(errs) != 1 || errs[0].Code != db.UserErrorConflict {
		t.Errorf("a stale funding update: %+v", errs)
	}
	if c2 := must(f.d.UpdateFundingOpportunity(ctx, &db.UpdateFundingOpportunityInput{ID: db.FundingOpportunityID(call.ID), Title: &name, ExpectedVersion: &call.Version}))(t); c2.Version != 2 {
		t.Errorf("a current funding update left version %d", c2.Version)
	}
}

// An editor writes only practices their member authors: the write flow checks it on the locked row.
func TestEditorMayOnlyWriteAuthoredPractices(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	title := "Taken over"
	before := f.row(t, "best_practice", f.practice.ID)
	outsider := db.WithEditor(ctx, db.MemberID(f.outsider.ID))
	if p, errs, err := f.d.UpdateBestPractice(outsider, &db.UpdateBestPracticeInput{ID: practiceID(f.practice), Title: &title}); !errors.Is(err, db.ErrNotOwner) || p != nil || errs != nil {
		t.Errorf("another member's editor updating: %v %v %v", p, errs, err)
	}
	if errs, err := f.d.DeleteBestPractice(outsider, practiceID(f.practice)); !errors.Is(err, db.ErrNotOwner) || errs != nil {
		t.Errorf("another member's editor deleting: %v %v", errs, err)
	}
	if _, _, err := f.d.UpdateMember(outsider, &db.UpdateMemberInput{ID: memberID(f.author), Name: &title}); !errors.Is(err, db.ErrNotOwner) {
		t.Errorf("another member's editor updating the member: %v", err)
	}
	if f.row(t, "best_practice", f.practice.ID) != before {
		t.Error("a refused editor changed the practice")
	}
	// A missing practice is NOT_FOUND to an editor as to an admin.
	if _, errs, err := f.d.UpdateBestPractice(outsider, &db.UpdateBestPracticeInput{ID: 999999, Title: &title}); err != nil || len(errs) != 1 || errs[0].Code != db.UserErrorNotFound {
		t.Errorf("an editor updating a missing practice: %v %v", errs, err)
	}
	if p := must(f.d.UpdateBestPractice(db.WithEditor(ctx, db.MemberID(f.author.ID)), &db.UpdateBestPracticeInput{ID: practiceID(f.practice), Title: &title}))(t); p.Title != title {
		t.Errorf("the author's editor: title %q", p.Title)
	}
}

// The authorship an editor's update is checked against is the one it will write over: an update that
// starts while another transaction takes the editor's member off the authors waits for it, and is refused.
// The other way round, an editor whose member is being added may write once that is committed.
func TestEditorUpdateWaitsForConcurrentChangeOfAuthors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		change  string
		allowed bool
	}{
		{"removed", "delete from best_practice_author where practice_id = $1 and member_id = $2", false},
		{"added", "insert into best_practice_author (practice_id, member_id) values ($1, $2)", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			editor := f.author
			if tc.allowed {
				editor = f.outsider
			}
			tx, err := f.d.Pool.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx)
			// What an admin's update of the authors does: the practice row, then its author links.
			if _, err := tx.Exec(ctx, "select 1 from best_practice where id = $1 for no key update", f.practice.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Exec(ctx, tc.change, f.practice.ID, editor.ID); err != nil {
				t.Fatal(err)
			}
			title := "Edited by " + editor.Name
			done := make(chan error, 1)
			go func() {
				_, errs, err := f.d.UpdateBestPractice(db.WithEditor(ctx, db.MemberID(editor.ID)), &db.UpdateBestPracticeInput{ID: practiceID(f.practice), Title: &title})
				done <- failed(errs, err)
			}()
			waitForLockWait(t, f.d)
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			err = <-done
			if got := f.readPractice(t).Title; tc.allowed != (got == title) {
				t.Errorf("title %q after the editor's update", got)
			}
			if tc.allowed && err != nil {
				t.Errorf("an editor whose member was just added: %v", err)
			}
			if !tc.allowed && !errors.Is(err, db.ErrNotOwner) {
				t.Errorf("an editor whose member was just removed: %v, want ErrNotOwner", err)
			}
		})
	}
}

// waitForLockWait returns once a statement on d's database waits for a lock.
func waitForLockWait(t *testing.T, d *db.DB) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var waiting int
		if err := d.Pool.QueryRow(context.Background(), `select count(*) from pg_stat_activity
			where datname = current_database() and wait_event_type = 'Lock'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the editor's update never waited for the lock")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
