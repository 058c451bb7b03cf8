package resolvers_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/smartcommunities/hub/auth"
	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/db/dbtest"
	"github.com/smartcommunities/hub/graph"
	"github.com/smartcommunities/hub/resolvers"
)

// schema is the hub's executable schema on a new database, without the HTTP layer of server.go (its
// error presenter, limits and authentication): requests run as the principal given.
type schema struct {
	t *testing.T
	d *db.DB
	h http.Handler
	// A member, a practice it authors, a tool, a call, a token and an application, to point IDs at.
	member, practice, tool, call, token, application int64
}

func newSchema(t *testing.T) *schema {
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
	srv := handler.New(graph.NewExecutableSchema(graph.Config{Resolvers: &resolvers.Resolver{DB: d},
		Directives: graph.DirectiveRoot{HasRole: auth.HasRole, Owner: auth.Owner, Private: auth.Private}}))
	srv.AddTransport(transport.POST{})
	s := &schema{t: t, d: d, h: srv}

	m, errs, err := d.CreateMember(ctx, &db.CreateMemberInput{Name: "Boundary Association", Kind: db.MemberKindOther, Country: "BE"})
	s.check(errs, err)
	s.member = m.ID
	p, errs, err := d.CreateBestPractice(ctx, &db.CreateBestPracticeInput{Title: "Boundary practice", Language: "en", Country: "BE",
		Year: 2024, Authors: []db.MemberID{db.MemberID(m.ID)}})
	s.check(errs, err)
	s.practice = p.ID
	tool, errs, err := d.CreateDigitalTool(ctx, &db.CreateDigitalToolInput{Name: "Boundary tool", Licence: "MIT", DevelopmentStatus: db.DevelopmentStatusCompleted}, nil)
	s.check(errs, err)
	s.tool = tool.ID
	call, errs, err := d.CreateFundingOpportunity(ctx, &db.CreateFundingOpportunityInput{Identifier: "BOUNDARY-1", Title: "Call", Programme: "DIGITAL",
		OpeningDate: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), DeadlineModel: db.DeadlineModelSingleStage,
		Deadlines: []time.Time{time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}})
	s.check(errs, err)
	s.call = call.ID
	token, _, errs, err := d.CreateAPIToken(ctx, &db.CreateAPITokenInput{Name: "boundary", Role: db.RolePartner}, nil)
	s.check(errs, err)
	s.token = token.ID
	a, _, errs, err := d.ApplyForMembership(ctx, &db.ApplyForMembershipInput{Organisation: "Applicant", Kind: db.MemberKindOther,
		Country: "PT", Motivation: "We share.", ContactName: "Ana", ContactEmail: "ana@example.org"})
	s.check(errs, err)
	s.application = a.ID
	return s
}

func (s *schema) check(errs []db.UserError, err error) {
	s.t.Helper()
	if err != nil || len(errs) > 0 {
		s.t.Fatalf("setting up: %v %v", err, errs)
	}
}

type response struct {
	Data   json.RawMessage
	Errors []struct {
		Message string
		Path    []any
	}
}

func (s *schema) post(p auth.Principal, query string, vars map[string]any) response {
	s.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	ctx := resolvers.WithLoaders(auth.WithPrincipal(context.Background(), p), resolvers.NewLoaders(s.d))
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	var r response
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		s.t.Fatalf("%s: %v", rec.Body, err)
	}
	return r
}

var admin = auth.Principal{Role: db.RoleAdmin}

func raw(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// Every ID an input takes is decoded where the input enters: a malformed ID, one of another type, or one
// whose key is not spelt the one way, is an error on the argument's path that names the type wanted, and
// the resolver does not run. A well-formed ID of a row that does not exist is still the userError NOT_FOUND.
func TestEntityIDsAreDecodedWhereInputEnters(t *testing.T) {
	s := newSchema(t)
	member, practice, tool := db.MemberID(s.member).GlobalID(), db.BestPracticeID(s.practice).GlobalID(), db.DigitalToolID(s.tool).GlobalID()
	call, token, application := db.FundingOpportunityID(s.call).GlobalID(), db.APITokenID(s.token).GlobalID(), db.MembershipApplicationID(s.application).GlobalID()
	payload := "{ userErrors { code } }"
	cases := []struct {
		field, inputType string
		input            map[string]any
		// at is the ID's path inside the input; typ the type it must be of.
		at, typ string
		// missing, when set, replaces the ID by a well-formed ID of no row, for the NOT_FOUND check.
		missing string
	}{
		{"updateMember", "UpdateMemberInput", map[string]any{"id": member, "name": "X"}, "id", "Member", "Member"},
		{"deleteMember", "DeleteMemberInput", map[string]any{"id": member}, "id", "Member", "Member"},
		{"createBestPractice", "CreateBestPracticeInput", map[string]any{"title": "X", "language": "en", "country": "BE", "year": 2024,
			"authors": []string{member}}, "authors.0", "Member", ""},
		{"createBestPractice", "CreateBestPracticeInput", map[string]any{"title": "X", "language": "en", "country": "BE", "year": 2024,
			"authors": []string{member}, "tools": []string{tool}}, "tools.0", "DigitalTool", ""},
		{"updateBestPractice", "UpdateBestPracticeInput", map[string]any{"id": practice, "title": "X"}, "id", "BestPractice", "BestPractice"},
		{"updateBestPractice", "UpdateBestPracticeInput", map[string]any{"id": practice, "funding": []string{call}}, "funding.0", "FundingOpportunity", ""},
		{"deleteBestPractice", "DeleteBestPracticeInput", map[string]any{"id": practice}, "id", "BestPractice", "BestPractice"},
		{"updateDigitalTool", "UpdateDigitalToolInput", map[string]any{"id": tool, "name": "X"}, "id", "DigitalTool", "DigitalTool"},
		{"acceptDigitalTool", "AcceptDigitalToolInput", map[string]any{"id": tool}, "id", "DigitalTool", "DigitalTool"},
		{"deleteDigitalTool", "DeleteDigitalToolInput", map[string]any{"id": tool}, "id", "DigitalTool", "DigitalTool"},
		{"updateFundingOpportunity", "UpdateFundingOpportunityInput", map[string]any{"id": call, "title": "X"}, "id", "FundingOpportunity", "FundingOpportunity"},
		{"deleteFundingOpportunity", "DeleteFundingOpportunityInput", map[string]any{"id": call}, "id", "FundingOpportunity", "FundingOpportunity"},
		{"revokeApiToken", "RevokeApiTokenInput", map[string]any{"id": token}, "id", "ApiToken", "ApiToken"},
		{"approveMembershipApplication", "ApproveMembershipApplicationInput", map[string]any{"id": application}, "id", "MembershipApplication", "MembershipApplication"},
		{"rejectMembershipApplication", "RejectMembershipApplicationInput", map[string]any{"id": application, "reason": "No."}, "id", "MembershipApplication", "MembershipApplication"},
	}
	for _, c := range cases {
		query := fmt.Sprintf("mutation($input: %s!) { m: %s(input: $input) %s }", c.inputType, c.field, payload)
		for _, bad := range []string{"xyz", db.GlobalID("Theme", "mobility"), otherType(c.typ), raw(c.typ + ":01"), raw(c.typ + ":+1"), raw(c.typ + ":0")} {
			t.Run(c.field+"/"+c.at+"/"+bad, func(t *testing.T) {
				r := s.post(admin, query, map[string]any{"input": with(c.input, c.at, bad)})
				want := fmt.Sprintf("%q is not the ID of a %s", bad, c.typ)
				if len(r.Errors) != 1 || r.Errors[0].Message != want || joined(r.Errors[0].Path) != "m.input."+c.at || string(r.Data) != `{"m":null}` {
					t.Errorf("errors %+v, data %s; want %q on m.input.%s", r.Errors, r.Data, want, c.at)
				}
			})
		}
		if c.missing != "" {
			r := s.post(admin, query, map[string]any{"input": with(c.input, c.at, db.GlobalID(c.missing, 999999))})
			if len(r.Errors) != 0 || !strings.Contains(string(r.Data), `"code":"NOT_FOUND"`) {
				t.Errorf("%s of a missing row: %+v %s", c.field, r.Errors, r.Data)
			}
		}
	}
	// Nothing above was written.
	var name string
	s.d.Pool.QueryRow(context.Background(), "select name from member where id = $1", s.member).Scan(&name)
	if name != "Boundary Association" {
		t.Errorf("the member is now %q", name)
	}
	// A filter's ID too.
	r := s.post(admin, `query($m: ID!) { apiTokens(filter: {member: $m}) { totalCount } }`, map[string]any{"m": practice})
	if len(r.Errors) != 1 || r.Errors[0].Message != fmt.Sprintf("%q is not the ID of a Member", practice) || joined(r.Errors[0].Path) != "apiTokens.filter.member" {
		t.Errorf("apiTokens filtered by a practice's ID: %+v", r.Errors)
	}
}

// otherType is a well-formed ID of a type other than typ.
func otherType(typ string) string {
	if typ == "Member" {
		return db.GlobalID("BestPractice", 1)
	}
	return db.GlobalID("Member", 1)
}

// with is input with the ID at path (a field, or field.index of a list) replaced.
func with(input map[string]any, path, id string) map[string]any {
	out := map[string]any{}
	for k, v := range input {
		out[k] = v
	}
	field, _, list := strings.Cut(path, ".")
	if list {
		out[field] = []string{id}
	} else {
		out[field] = id
	}
	return out
}

func joined(path []any) string {
	parts := make([]string, len(path))
	for i, p := range path {
		parts[i] = fmt.Sprint(p)
	}
	return strings.Join(parts, ".")
}

// node(id:) and nodes(ids:) take any ID and answer null for those that name nothing, the non-canonical
// spellings of an entity's ID among them; output IDs are global IDs.
func TestNodesOfIDsThatNameNothingAreNull(t *testing.T) {
	s := newSchema(t)
	member := db.MemberID(s.member).GlobalID()
	r := s.post(admin, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": []string{member,
		raw(fmt.Sprintf("Member:0%d", s.member)), raw(fmt.Sprintf("Member:+%d", s.member)), "xyz", db.GlobalID("Member", 999999),
		db.GlobalID("Country", "EL"), db.GlobalID("ApiToken", s.token)}})
	want := fmt.Sprintf(`{"nodes":[{"id":%q},null,null,null,null,{"id":%q},null]}`, member, db.GlobalID("Country", "EL"))
	if len(r.Errors) > 0 || string(r.Data) != want {
		t.Errorf("nodes: %s %+v, want %s", r.Data, r.Errors, want)
	}
}

// version through GraphQL: read, then an update from a stale version is CONFLICT and one from the current
// version applies and increments it.
func TestExpectedVersionThroughGraphQL(t *testing.T) {
	s := newSchema(t)
	vars := map[string]any{"id": db.BestPracticeID(s.practice).GlobalID()}
	type practice struct {
		Title   string
		Version int
	}
	read := func() practice {
		var data struct{ Node practice }
		s.decode(s.post(admin, `query($id: ID!) { node(id: $id) { ... on BestPractice { title version } } }`, vars), &data)
		return data.Node
	}
	update := func(title string, version int) (p *practice, errs []struct {
		Field         []string
		Code, Message string
	}) {
		var data struct {
			M struct {
				BestPractice *practice
				UserErrors   []struct {
					Field         []string
					Code, Message string
				}
			}
		}
		s.decode(s.post(admin, `mutation($id: ID!, $t: String!, $v: Int) { m: updateBestPractice(input: {id: $id, title: $t,
			expectedVersion: $v}) { bestPractice { title version } userErrors { field code message } } }`,
			map[string]any{"id": vars["id"], "t": title, "v": version}), &data)
		return data.M.BestPractice, data.M.UserErrors
	}
	if p := read(); p.Version != 1 {
		t.Fatalf("a new practice at version %d", p.Version)
	}
	if p, errs := update("First", 1); p == nil || p.Version != 2 || len(errs) > 0 {
		t.Fatalf("an update from the current version: %+v %+v", p, errs)
	}
	p, errs := update("Second", 1)
	if p != nil || len(errs) != 1 || errs[0].Code != "CONFLICT" || strings.Join(errs[0].Field, ".") != "input.expectedVersion" ||
		!strings.Contains(errs[0].Message, "version 2") {
		t.Fatalf("an update from a stale version: %+v %+v", p, errs)
	}
	if p := read(); p.Title != "First" || p.Version != 2 {
		t.Errorf("after the refused update: %+v", p)
	}
}

func (s *schema) decode(r response, data any) {
	s.t.Helper()
	if len(r.Errors) > 0 {
		s.t.Fatalf("errors: %+v", r.Errors)
	}
	if err := json.Unmarshal(r.Data, data); err != nil {
		s.t.Fatal(err)
	}
}
