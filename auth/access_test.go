package auth_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/hubtest"
)

// accessFixture is a demo hub with a client per kind of caller. "Own" content belongs to the member vng
// (it authors a draft and published practices, and has contact points); kl-denmark is another member,
// whose editor is "editor-other".
type accessFixture struct {
	h       *hubtest.Hub
	callers map[string]*hubtest.Hub
	// own is vng's global ID, other kl-denmark's.
	own, other string
	// ownDraft is a draft practice of vng; ownPublished a published one.
	ownDraft, ownDraftSlug, ownPublished string
}

var callerNames = []string{"anonymous", "partner", "editor-own", "editor-other", "admin"}

func newAccessFixture(t *testing.T) *accessFixture {
	h := hubtest.New(t, true)
	f := &accessFixture{h: h, callers: map[string]*hubtest.Hub{
		"anonymous":    h,
		"partner":      h.As(h.NewToken(db.RolePartner, "")),
		"editor-own":   h.As(h.NewToken(db.RoleEditor, "vng")),
		"editor-other": h.As(h.NewToken(db.RoleEditor, "kl-denmark")),
		"admin":        h.Admin(),
	}}
	ctx := context.Background()
	var own, other, draft, published int64
	q := h.DB().Pool.QueryRow
	if err := q(ctx, "select id from member where slug = 'vng'").Scan(&own); err != nil {
		t.Fatal(err)
	}
	if err := q(ctx, "select id from member where slug = 'kl-denmark'").Scan(&other); err != nil {
		t.Fatal(err)
	}
	if err := q(ctx, `select bp.id, bp.slug from best_practice bp join best_practice_author a on a.practice_id = bp.id
		where a.member_id = $1 and bp.status = 'DRAFT' limit 1`, own).Scan(&draft, &f.ownDraftSlug); err != nil {
		t.Fatalf("the demo data has no draft of vng: %v", err)
	}
	if err := q(ctx, `select bp.id from best_practice bp join best_practice_author a on a.practice_id = bp.id
		where a.member_id = $1 and bp.status = 'PUBLISHED' order by bp.id limit 1`, own).Scan(&published); err != nil {
		t.Fatalf("the demo data has no published practice of vng: %v", err)
	}
	f.own, f.other = db.GlobalID("Member", own), db.GlobalID("Member", other)
	f.ownDraft, f.ownPublished = db.GlobalID("BestPractice", draft), db.GlobalID("BestPractice", published)
	return f
}

var unique atomic.Int64

// fresh is a name no other call of the test uses.
func fresh(prefix string) string { return fmt.Sprintf("%s %d", prefix, unique.Add(1)) }

// A mutation case: its request (vars built fresh for every caller, so that each allowed call succeeds on
// its own), the callers allowed, and, for denied callers, a probe showing nothing changed.
type accessCase struct {
	name     string
	mutation string // the top-level field, to check the matrix covers every mutation
	query    string
	vars     func(caller string) map[string]any
	allowed  []string
	// unchanged reports whether the state a denied call would have changed is as before.
	unchanged func(caller string) bool
	// rows is the table a denied create must not add to.
	rows string
}

// TestAccessMatrixOfMutations runs every mutation as every kind of caller, on the caller's own member's
// content and on another's: allowed calls succeed, others get UNAUTHENTICATED (no token) or FORBIDDEN
// and change nothing.
func TestAccessMatrixOfMutations(t *testing.T) {
	t.Parallel()
	f := newAccessFixture(t)
	admin := f.callers["admin"]
	d := f.h.DB()
	ctx := context.Background()

	practiceTitle := func(gid string) string {
		var out struct{ Node *struct{ Title string } }
		admin.Query(`query($id: ID!) { node(id: $id) { ... on BestPractice { title } } }`, map[string]any{"id": gid}, &out)
		if out.Node == nil {
			return "<gone>"
		}
		return out.Node.Title
	}
	exists := func(gid string) bool {
		var out struct{ Node *struct{ ID string } }
		admin.Query(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": gid}, &out)
		return out.Node != nil
	}
	count := func(table string) int {
		var n int
		d.Pool.QueryRow(ctx, "select count(*) from "+table).Scan(&n)
		return n
	}
	// newPractice makes a practice of vng for one caller to delete.
	newPractice := func() string {
		var out struct {
			M struct{ BestPractice struct{ ID string } }
		}
		admin.Query(`mutation($t: String!, $a: [ID!]!) { m: createBestPractice(input: {title: $t, language: "en",
			country: "NL", year: 2025, authors: $a}) { bestPractice { id } } }`, map[string]any{"t": fresh("Doomed practice"), "a": []string{f.own}}, &out)
		return out.M.BestPractice.ID
	}
	newMember := func() string {
		var out struct {
			M struct{ Member struct{ ID string } }
		}
		admin.Query(`mutation($n: String!) { m: createMember(input: {name: $n, kind: OTHER, country: "BE"}) { member { id } } }`,
			map[string]any{"n": fresh("Doomed member")}, &out)
		return out.M.Member.ID
	}
	newCall := func() string {
		var out struct {
			M struct{ FundingOpportunity struct{ ID string } }
		}
		admin.Query(`mutation($t: String!, $i: String!) { m: createFundingOpportunity(input: {title: $t, identifier: $i,
			programme: "DIGITAL", openingDate: "2027-01-01", deadlineModel: SINGLE_STAGE, deadlines: ["2027-03-01"]}) { fundingOpportunity { id } userErrors { message } } }`,
			map[string]any{"t": fresh("Doomed call"), "i": fmt.Sprintf("DOOMED-%d", unique.Add(1))}, &out)
		return out.M.FundingOpportunity.ID
	}
	newTool := func() string {
		var out struct {
			M struct{ DigitalTool struct{ ID string } }
		}
		admin.Query(`mutation($n: String!) { m: createDigitalTool(input: {name: $n, licence: "MIT", developmentStatus: COMPLETED}) { digitalTool { id } } }`,
			map[string]any{"n": fresh("Doomed tool")}, &out)
		return out.M.DigitalTool.ID
	}
	newApplication := func() string {
		var out struct {
			M struct{ Application struct{ ID string } }
		}
		f.h.Query(`mutation($o: String!) { m: applyForMembership(input: {organisation: $o, kind: OTHER, country: "PT",
			motivation: "We share.", contactName: "Ana", contactEmail: "ana@example.org"}) { application { id } } }`,
			map[string]any{"o": fresh("Applicant")}, &out)
		return out.M.Application.ID
	}
	var lastIDs = map[string]string{}
	// newEndpoint registers a webhook endpoint of the caller's (an admin's for anonymous callers, who
	// cannot register one); the address is a public one of the documentation range, never called in time.
	newEndpoint := func(caller string) string {
		by := f.callers[caller]
		if caller == "anonymous" {
			by = admin
		}
		var out struct {
			M struct{ Endpoint struct{ ID string } }
		}
		by.Query(`mutation { m: createWebhookEndpoint(input: {url: "https://203.0.113.10/hook", events: [BEST_PRACTICE_PUBLISHED]}) { endpoint { id } } }`, nil, &out)
		return out.M.Endpoint.ID
	}
	endpointRow := func() int64 {
		_, key, _ := db.ParseGlobalID(lastIDs["endpoint"])
		id, _ := strconv.ParseInt(key, 10, 64)
		return id
	}
	// endpointEnabled is "true" or "false" for the endpoint the case last made, "" once it is gone.
	endpointEnabled := func(string) string {
		var v string
		d.Pool.QueryRow(ctx, "select enabled::text from webhook_endpoint where id = $1", endpointRow()).Scan(&v)
		return v
	}
	webhookCallers := []string{"partner", "editor-own", "editor-other", "admin"}
	// column reads a column of the row the case last made (lastIDs[key]), as text.
	column := func(table, col, key string) string {
		var v string
		id, _ := rowID(lastIDs[key])
		d.Pool.QueryRow(ctx, fmt.Sprintf("select (%s)::text from %s where id = $1", col, table), id).Scan(&v)
		return v
	}
	remember := func(key, id string) map[string]any { lastIDs[key] = id; return map[string]any{"id": id} }

	editors := []string{"editor-own", "admin"}
	cases := []accessCase{
		{name: "createMember", mutation: "createMember", allowed: []string{"admin"},
			query: `mutation($n: String!) { m: createMember(input: {name: $n, kind: OTHER, country: "BE"}) { userErrors { message } } }`,
			vars:  func(c string) map[string]any { return map[string]any{"n": fresh("New member by " + c)} }, rows: "member"},
		{name: "updateMember own", mutation: "updateMember", allowed: editors,
			query: `mutation($id: ID!, $d: String!) { m: updateMember(input: {id: $id, description: $d}) { userErrors { message } } }`,
			vars:  func(c string) map[string]any { return map[string]any{"id": f.own, "d": "marker " + c} },
			unchanged: func(c string) bool {
				m, _ := d.MemberBySlug(ctx, "vng")
				return m.Description != "marker "+c
			}},
		{name: "updateMember other's", mutation: "updateMember", allowed: []string{"editor-other", "admin"},
			query: `mutation($id: ID!, $d: String!) { m: updateMember(input: {id: $id, description: $d}) { userErrors { message } } }`,
			vars:  func(c string) map[string]any { return map[string]any{"id": f.other, "d": "marker " + c} },
			unchanged: func(c string) bool {
				m, _ := d.MemberBySlug(ctx, "kl-denmark")
				return m.Description != "marker "+c
			}},
		{name: "updateMember status (an admin's field)", mutation: "updateMember", allowed: []string{"admin"},
			query: `mutation($id: ID!) { m: updateMember(input: {id: $id, status: ACTIVE, joinedOn: "2015-01-01"}) { userErrors { message } } }`,
			vars:  func(string) map[string]any { return map[string]any{"id": f.own} },
			unchanged: func(string) bool {
				m, _ := d.MemberBySlug(ctx, "vng")
				return m.JoinedOn.Year() != 2015
			}},
		{name: "deleteMember", mutation: "deleteMember", allowed: []string{"admin"},
			query:     `mutation($id: ID!) { m: deleteMember(input: {id: $id}) { userErrors { message } } }`,
			vars:      func(string) map[string]any { return remember("member", newMember()) },
			unchanged: func(string) bool { return exists(lastIDs["member"]) }},
		{name: "createBestPractice for own member", mutation: "createBestPractice", allowed: editors,
			query: `mutation($t: String!, $a: [ID!]!) { m: createBestPractice(input: {title: $t, language: "en", country: "NL",
				year: 2025, authors: $a}) { userErrors { message } } }`,
			vars: func(c string) map[string]any {
				return map[string]any{"t": fresh("Practice by " + c), "a": []string{f.own}}
			},
			rows: "best_practice"},
		{name: "updateBestPractice own", mutation: "updateBestPractice", allowed: editors,
			query:     `mutation($id: ID!, $t: String!) { m: updateBestPractice(input: {id: $id, title: $t}) { userErrors { message } } }`,
			vars:      func(c string) map[string]any { return map[string]any{"id": f.ownPublished, "t": "Marker " + c} },
			unchanged: func(c string) bool { return practiceTitle(f.ownPublished) != "Marker "+c }},
		{name: "updateBestPractice own draft", mutation: "updateBestPractice", allowed: editors,
			query:     `mutation($id: ID!, $t: String!) { m: updateBestPractice(input: {id: $id, title: $t}) { userErrors { message } } }`,
			vars:      func(c string) map[string]any { return map[string]any{"id": f.ownDraft, "t": "Marker " + c} },
			unchanged: func(c string) bool { return practiceTitle(f.ownDraft) != "Marker "+c }},
		{name: "updateBestPractice dropping own member from the authors", mutation: "updateBestPractice", allowed: []string{"admin"},
			query: `mutation($id: ID!, $a: [ID!]!) { m: updateBestPractice(input: {id: $id, authors: $a}) { userErrors { message } } }`,
			vars: func(string) map[string]any {
				v := remember("practice", newPractice())
				v["a"] = []string{f.other}
				return v
			},
			unchanged: func(string) bool {
				id, _ := db.ParseID[db.BestPracticeID](lastIDs["practice"])
				authors, _, _ := d.PracticeAuthorIDs(ctx, id)
				return len(authors) == 1 && db.GlobalID("Member", authors[0]) == f.own
			}},
		{name: "deleteBestPractice own", mutation: "deleteBestPractice", allowed: editors,
			query:     `mutation($id: ID!) { m: deleteBestPractice(input: {id: $id}) { userErrors { message } } }`,
			vars:      func(string) map[string]any { return remember("practice", newPractice()) },
			unchanged: func(string) bool { return exists(lastIDs["practice"]) }},
		{name: "createFundingOpportunity", mutation: "createFundingOpportunity", allowed: []string{"admin"},
			query: `mutation($t: String!, $i: String!) { m: createFundingOpportunity(input: {title: $t, identifier: $i,
				programme: "DIGITAL", openingDate: "2027-01-01", deadlineModel: SINGLE_STAGE, deadlines: ["2027-03-01"]}) { userErrors { message } } }`,
			vars: func(c string) map[string]any {
				return map[string]any{"t": fresh("Call by " + c), "i": fmt.Sprintf("MATRIX-%d", unique.Add(1))}
			},
			rows: "funding_opportunity"},
		{name: "updateFundingOpportunity", mutation: "updateFundingOpportunity", allowed: []string{"admin"},
			query: `mutation($id: ID!, $t: String!) { m: updateFundingOpportunity(input: {id: $id, title: $t}) { userErrors { message } } }`,
			vars: func(c string) map[string]any {
				return map[string]any{"id": remember("call", newCall())["id"], "t": "Marker " + c}
			},
			unchanged: func(c string) bool { return column("funding_opportunity", "title", "call") != "Marker "+c }},
		{name: "deleteFundingOpportunity", mutation: "deleteFundingOpportunity", allowed: []string{"admin"},
			query:     `mutation($id: ID!) { m: deleteFundingOpportunity(input: {id: $id}) { userErrors { message } } }`,
			vars:      func(string) map[string]any { return remember("call", newCall()) },
			unchanged: func(string) bool { return exists(lastIDs["call"]) }},
		{name: "createDigitalTool (editors propose tools)", mutation: "createDigitalTool", allowed: []string{"editor-own", "editor-other", "admin"},
			query: `mutation($n: String!) { m: createDigitalTool(input: {name: $n, licence: "MIT", developmentStatus: COMPLETED}) { userErrors { message } } }`,
			vars:  func(c string) map[string]any { return map[string]any{"n": fresh("Tool by " + c)} }, rows: "digital_tool"},
		{name: "acceptDigitalTool", mutation: "acceptDigitalTool", allowed: []string{"admin"},
			query: `mutation($id: ID!) { m: acceptDigitalTool(input: {id: $id}) { userErrors { message } } }`,
			vars: func(string) map[string]any {
				own, _ := rowID(f.own)
				t, _, _ := d.CreateDigitalTool(ctx, &db.CreateDigitalToolInput{Name: fresh("Proposed tool"), Licence: "MIT",
					DevelopmentStatus: db.DevelopmentStatusCompleted}, &own)
				return remember("tool", db.GlobalID("DigitalTool", t.ID))
			},
			unchanged: func(string) bool { return column("digital_tool", "review_status", "tool") == "PROPOSED" }},
		{name: "updateDigitalTool", mutation: "updateDigitalTool", allowed: []string{"admin"},
			query: `mutation($id: ID!, $n: String!) { m: updateDigitalTool(input: {id: $id, name: $n}) { userErrors { message } } }`,
			vars: func(c string) map[string]any {
				return map[string]any{"id": remember("tool", newTool())["id"], "n": "Marker " + c}
			},
			unchanged: func(c string) bool { return column("digital_tool", "name", "tool") != "Marker "+c }},
		{name: "deleteDigitalTool", mutation: "deleteDigitalTool", allowed: []string{"admin"},
			query:     `mutation($id: ID!) { m: deleteDigitalTool(input: {id: $id}) { userErrors { message } } }`,
			vars:      func(string) map[string]any { return remember("tool", newTool()) },
			unchanged: func(string) bool { return exists(lastIDs["tool"]) }},
		{name: "createApiToken", mutation: "createApiToken", allowed: []string{"admin"},
			query: `mutation($n: String!) { m: createApiToken(input: {name: $n, role: ADMIN}) { userErrors { message } } }`,
			vars:  func(c string) map[string]any { return map[string]any{"n": fresh("token by " + c)} }, rows: "api_token"},
		{name: "revokeApiToken", mutation: "revokeApiToken", allowed: []string{"admin"},
			query: `mutation($id: ID!) { m: revokeApiToken(input: {id: $id}) { userErrors { message } } }`,
			vars: func(string) map[string]any {
				t, _, _, _ := d.CreateAPIToken(ctx, &db.CreateAPITokenInput{Name: fresh("victim"), Role: db.RolePartner}, nil)
				return remember("token", db.GlobalID("ApiToken", t.ID))
			},
			unchanged: func(string) bool { return column("api_token", "revoked_at is not null", "token") == "false" }},
		{name: "createWebhookEndpoint", mutation: "createWebhookEndpoint", allowed: webhookCallers,
			query: `mutation { m: createWebhookEndpoint(input: {url: "https://203.0.113.10/hook", events: [MEMBER_JOINED]}) { userErrors { message } } }`,
			vars:  func(string) map[string]any { return nil }, rows: "webhook_endpoint"},
		{name: "enableWebhookEndpoint own", mutation: "enableWebhookEndpoint", allowed: webhookCallers,
			query: `mutation($id: ID!) { m: enableWebhookEndpoint(id: $id) { userErrors { message } } }`,
			vars: func(c string) map[string]any {
				v := remember("endpoint", newEndpoint(c))
				d.Pool.Exec(ctx, "update webhook_endpoint set enabled = false where id = $1", endpointRow())
				return v
			},
			unchanged: func(string) bool { return endpointEnabled("endpoint") == "false" }},
		{name: "deleteWebhookEndpoint own", mutation: "deleteWebhookEndpoint", allowed: webhookCallers,
			query:     `mutation($id: ID!) { m: deleteWebhookEndpoint(id: $id) { userErrors { message } } }`,
			vars:      func(c string) map[string]any { return remember("endpoint", newEndpoint(c)) },
			unchanged: func(string) bool { return endpointEnabled("endpoint") == "true" }},
		{name: "sendWebhookTestEvent own", mutation: "sendWebhookTestEvent", allowed: webhookCallers,
			query: `mutation($id: ID!) { m: sendWebhookTestEvent(id: $id) { userErrors { message } } }`,
			vars:  func(c string) map[string]any { return remember("endpoint", newEndpoint(c)) }, rows: "webhook_delivery"},
		{name: "applyForMembership (public)", mutation: "applyForMembership", allowed: callerNames,
			query: `mutation($o: String!) { m: applyForMembership(input: {organisation: $o, kind: OTHER, country: "PT",
				motivation: "We share.", contactName: "Ana", contactEmail: "ana@example.org"}) { userErrors { message } } }`,
			vars: func(c string) map[string]any { return map[string]any{"o": fresh("Applicant of " + c)} }},
		{name: "approveMembershipApplication", mutation: "approveMembershipApplication", allowed: []string{"admin"},
			query:     `mutation($id: ID!) { m: approveMembershipApplication(input: {id: $id}) { userErrors { message } } }`,
			vars:      func(string) map[string]any { return remember("application", newApplication()) },
			unchanged: func(string) bool { return column("membership_application", "status", "application") == "SUBMITTED" }},
		{name: "rejectMembershipApplication", mutation: "rejectMembershipApplication", allowed: []string{"admin"},
			query:     `mutation($id: ID!) { m: rejectMembershipApplication(input: {id: $id, reason: "Not a public body."}) { userErrors { message } } }`,
			vars:      func(string) map[string]any { return remember("application", newApplication()) },
			unchanged: func(string) bool { return column("membership_application", "status", "application") == "SUBMITTED" }},
	}

	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.mutation] = true
		for _, caller := range callerNames {
			t.Run(c.name+"/"+caller, func(t *testing.T) {
				vars := c.vars(caller)
				before := 0
				if c.rows != "" {
					before = count(c.rows)
				}
				r := f.callers[caller].Post(c.query, vars)
				if slices.Contains(c.allowed, caller) {
					var data struct {
						M *struct{ UserErrors []struct{ Message string } }
					}
					json.Unmarshal(r.Data, &data)
					if len(r.Errors) > 0 || data.M == nil || len(data.M.UserErrors) > 0 {
						t.Fatalf("allowed, but: status %d, errors %+v, data %s", r.Status, r.Errors, r.Data)
					}
					return
				}
				want := "FORBIDDEN"
				if caller == "anonymous" {
					want = "UNAUTHENTICATED"
				}
				if got := hubtest.ErrorCodes(r.Errors); len(got) != 1 || got[0] != want || r.Status != 200 {
					t.Fatalf("want %s, got status %d, codes %v, data %s", want, r.Status, got, r.Data)
				}
				if c.unchanged != nil && !c.unchanged(caller) {
					t.Errorf("a refused %s changed the data", caller)
				}
				if c.rows != "" && count(c.rows) != before {
					t.Errorf("a refused %s added to %s", caller, c.rows)
				}
			})
		}
	}

	// Every mutation of the schema is in the matrix: a new one cannot be added without deciding who may
	// call it.
	var schema struct {
		Type struct{ Fields []struct{ Name string } } `json:"__type"`
	}
	f.h.Query(`{ __type(name: "Mutation") { fields { name } } }`, nil, &schema)
	var missing []string
	for _, fl := range schema.Type.Fields {
		if !covered[fl.Name] {
			missing = append(missing, fl.Name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("mutations missing from the access matrix: %v", missing)
	}
}

// rowID is the row id a global ID names.
func rowID(gid string) (int64, bool) {
	k, ok := db.ParseNodeID(gid)
	return k.Row, ok && k.Row > 0
}

// TestAccessMatrixOfPrivateData reads every private field, and every way to a draft practice, as every
// kind of caller.
func TestAccessMatrixOfPrivateData(t *testing.T) {
	t.Parallel()
	f := newAccessFixture(t)
	f.h.WaitSearch()
	var drafts, ownDrafts int
	ctx := context.Background()
	f.h.DB().Pool.QueryRow(ctx, "select count(*) from best_practice where status = 'DRAFT'").Scan(&drafts)
	f.h.DB().Pool.QueryRow(ctx, `select count(*) from best_practice bp join best_practice_author a on a.practice_id = bp.id
		join member m on m.id = a.member_id where bp.status = 'DRAFT' and m.slug = 'vng'`).Scan(&ownDrafts)
	if ownDrafts == 0 || drafts <= ownDrafts {
		t.Fatalf("the demo data needs drafts of vng and of others: %d of %d", ownDrafts, drafts)
	}

	type member struct {
		ContactPoints []struct {
			Role  string
			Email *string
		}
	}
	for _, caller := range callerNames {
		t.Run(caller, func(t *testing.T) {
			c := f.callers[caller]
			seesOwn := caller == "editor-own" || caller == "admin"

			// Contact points: roles for partners and above; emails for admins and the member's editors.
			var data struct{ Own, Other *member }
			c.Query(`{ own: member(slug: "vng") { contactPoints { role email } }
				other: member(slug: "kl-denmark") { contactPoints { role email } } }`, nil, &data)
			if got, want := len(data.Own.ContactPoints) > 0, caller != "anonymous"; got != want {
				t.Errorf("contact roles served: %v, want %v", got, want)
			}
			for name, m := range map[string]*member{"own": data.Own, "other": data.Other} {
				want := caller == "admin" || (name == "own" && caller == "editor-own") || (name == "other" && caller == "editor-other")
				for _, cp := range m.ContactPoints {
					if got := cp.Email != nil; got != want {
						t.Errorf("%s member's email served: %v, want %v", name, got, want)
					}
				}
			}

			// A draft practice of vng: by slug, by ID, in the list and in search.
			var byKey struct {
				Slug *struct{ ID string } `json:"slug"`
				Node *struct{ ID string } `json:"node"`
				List struct{ TotalCount int }
			}
			c.Query(`query($slug: String!, $id: ID!) { slug: bestPractice(slug: $slug) { id } node(id: $id) { id }
				list: bestPractices(filter: {status: [DRAFT]}) { totalCount } }`,
				map[string]any{"slug": f.ownDraftSlug, "id": f.ownDraft}, &byKey)
			if (byKey.Slug != nil) != seesOwn || (byKey.Node != nil) != seesOwn {
				t.Errorf("own draft by slug %v, by ID %v; want %v", byKey.Slug != nil, byKey.Node != nil, seesOwn)
			}
			wantDrafts := map[string]int{"admin": drafts, "editor-own": ownDrafts, "editor-other": 1}[caller]
			if caller == "editor-other" {
				f.h.DB().Pool.QueryRow(ctx, `select count(*) from best_practice bp join best_practice_author a on a.practice_id = bp.id
					join member m on m.id = a.member_id where bp.status = 'DRAFT' and m.slug = 'kl-denmark'`).Scan(&wantDrafts)
			}
			if byKey.List.TotalCount != wantDrafts {
				t.Errorf("drafts listed: %d, want %d", byKey.List.TotalCount, wantDrafts)
			}
			found := c.Search("", map[string]any{"types": []string{"BEST_PRACTICE"}, "filter": map[string]any{"status": []string{"DRAFT"}}, "first": 100})
			if found.Search.TotalCount != wantDrafts {
				t.Errorf("drafts found by search: %d, want %d", found.Search.TotalCount, wantDrafts)
			}

			// Draft counts for partners and above; admin lists for admins.
			r := c.Post(`{ draftBestPracticeCount }`, nil)
			if caller == "anonymous" {
				if codes := hubtest.ErrorCodes(r.Errors); !slices.Equal(codes, []string{"UNAUTHENTICATED"}) {
					t.Errorf("draftBestPracticeCount: %v", codes)
				}
			} else if string(r.Data) != fmt.Sprintf(`{"draftBestPracticeCount":%d}`, drafts) {
				t.Errorf("draftBestPracticeCount: %s %v, want %d", r.Data, r.Errors, drafts)
			}
			for _, q := range []string{`{ apiTokens { totalCount } }`, `{ membershipApplications { totalCount } }`} {
				r := c.Post(q, nil)
				want := map[string]string{"admin": "", "anonymous": "UNAUTHENTICATED"}[caller]
				if want == "" && caller != "admin" {
					want = "FORBIDDEN"
				}
				if got := hubtest.ErrorCodes(r.Errors); (want == "" && len(got) > 0) || (want != "" && !slices.Equal(got, []string{want})) {
					t.Errorf("%s: codes %v, want %q", q, got, want)
				}
			}

			// Who the hub thinks the caller is.
			var v struct {
				Viewer struct {
					Role   *string
					Member *struct{ Slug string }
				}
			}
			c.Query(`{ viewer { role member { slug } } }`, nil, &v)
			wantRole := map[string]string{"partner": "PARTNER", "editor-own": "EDITOR", "editor-other": "EDITOR", "admin": "ADMIN"}[caller]
			if (v.Viewer.Role == nil && wantRole != "") || (v.Viewer.Role != nil && *v.Viewer.Role != wantRole) {
				t.Errorf("viewer role %v, want %q", v.Viewer.Role, wantRole)
			}
			if caller == "editor-own" && (v.Viewer.Member == nil || v.Viewer.Member.Slug != "vng") {
				t.Errorf("viewer member %+v, want vng", v.Viewer.Member)
			}
		})
	}
}
