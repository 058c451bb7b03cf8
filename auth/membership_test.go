package auth_test

import (
	"context"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/hubtest"
)

// TestMembershipApplicationToPublishedPractice is the whole way in for a new organisation: it applies,
// an admin approves, the member appears, and its editor's token publishes a practice.
func TestMembershipApplicationToPublishedPractice(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, true)
	admin := h.Admin()
	apply := `mutation($in: ApplyForMembershipInput!) { m: applyForMembership(input: $in) {
		application { id status organisation country { code } } receipt userErrors { field code message } } }`
	input := map[string]any{"organisation": "Udruga gradova Dalmacije", "kind": "REGIONAL_ASSOCIATION", "country": "HR",
		"municipalitiesRepresented": 21, "website": "https://example.hr", "motivation": "We want to share our smart island work.",
		"contactName": "Ivana Horvat", "contactEmail": "ivana@example.hr"}
	type payload struct {
		M struct {
			Application *struct {
				ID, Status, Organisation string
				Country                  struct{ Code string }
			}
			Receipt    string
			UserErrors []struct {
				Field         []string
				Code, Message string
			}
		}
	}
	var applied payload
	h.Query(apply, map[string]any{"in": input}, &applied)
	if applied.M.Application == nil || applied.M.Application.Status != "SUBMITTED" || applied.M.Receipt == "" {
		t.Fatalf("apply: %+v", applied.M)
	}
	// The applicant follows the application with its receipt, anonymously.
	byReceipt := func(receipt string) (status, reason, member string) {
		var out struct {
			A *struct {
				Status          string
				RejectionReason *string
				Member          *struct{ Slug string }
			}
		}
		h.Query(`query($r: String!) { a: membershipApplicationByReceipt(receipt: $r) { status rejectionReason member { slug } } }`,
			map[string]any{"r": receipt}, &out)
		if out.A == nil {
			return "", "", ""
		}
		if out.A.RejectionReason != nil {
			reason = *out.A.RejectionReason
		}
		if out.A.Member != nil {
			member = out.A.Member.Slug
		}
		return out.A.Status, reason, member
	}
	if status, _, _ := byReceipt(applied.M.Receipt); status != "SUBMITTED" {
		t.Errorf("by receipt: %q", status)
	}
	if status, _, _ := byReceipt("app_" + strings.Repeat("A", 32)); status != "" {
		t.Errorf("an unknown receipt found %q", status)
	}

	// The same organisation again, spelt differently, in the same country: refused.
	again := hubtest.Merge(input, map[string]any{"organisation": "  udruga GRADOVA   dalmacije "})
	var dup payload
	h.Query(apply, map[string]any{"in": again}, &dup)
	if dup.M.Application != nil || len(dup.M.UserErrors) != 1 || dup.M.UserErrors[0].Code != "DUPLICATE" {
		t.Fatalf("duplicate application: %+v", dup.M)
	}
	// An organisation that is already a member (by its acronym or its name): refused too.
	vng, _ := h.DB().MemberBySlug(context.Background(), "vng")
	for _, name := range []string{"VNG", vng.Name} {
		var member payload
		h.Query(apply, map[string]any{"in": hubtest.Merge(input, map[string]any{"organisation": name, "country": "NL"})}, &member)
		if member.M.Application != nil || len(member.M.UserErrors) != 1 || member.M.UserErrors[0].Code != "DUPLICATE" {
			t.Fatalf("application of a member as %q: %+v", name, member.M)
		}
	}
	// Bad input: userErrors naming the fields.
	var bad payload
	h.Query(apply, map[string]any{"in": hubtest.Merge(input, map[string]any{"organisation": "Another", "country": "XX", "contactEmail": "nope", "motivation": " "})}, &bad)
	fields := []string{}
	for _, e := range bad.M.UserErrors {
		fields = append(fields, e.Field[1])
	}
	sort.Strings(fields)
	if bad.M.Application != nil || !slices.Equal(fields, []string{"contactEmail", "country", "motivation"}) {
		t.Fatalf("bad application: %+v", bad.M)
	}

	// The admin sees it among the submitted applications, and approves it.
	var list struct {
		MembershipApplications struct {
			TotalCount int
			Nodes      []struct{ ID, ContactEmail string }
		}
	}
	admin.Query(`{ membershipApplications(filter: {status: [SUBMITTED]}) { totalCount nodes { id contactEmail } } }`, nil, &list)
	if list.MembershipApplications.TotalCount != 1 || list.MembershipApplications.Nodes[0].ContactEmail != "ivana@example.hr" {
		t.Fatalf("submitted applications: %+v", list)
	}
	var approved struct {
		M struct {
			Application       struct{ Status string }
			Member            struct{ ID, Slug string }
			EditorToken       struct{ Role string }
			EditorTokenSecret string
			UserErrors        []struct{ Code string }
		}
	}
	admin.Query(`mutation($id: ID!) { m: approveMembershipApplication(input: {id: $id}) { application { status }
		member { id slug } editorToken { role } editorTokenSecret userErrors { code } } }`,
		map[string]any{"id": applied.M.Application.ID}, &approved)
	a := approved.M
	if a.Application.Status != "APPROVED" || a.Member.Slug != "udruga-gradova-dalmacije" || a.EditorToken.Role != "EDITOR" || a.EditorTokenSecret == "" {
		t.Fatalf("approval: %+v", a)
	}
	if status, _, member := byReceipt(applied.M.Receipt); status != "APPROVED" || member != "udruga-gradova-dalmacije" {
		t.Errorf("by receipt after approval: %q, member %q", status, member)
	}
	// Deciding twice is refused.
	var twice struct {
		M struct{ UserErrors []struct{ Code string } }
	}
	admin.Query(`mutation($id: ID!) { m: rejectMembershipApplication(input: {id: $id, reason: "Changed our mind"}) { userErrors { code } } }`,
		map[string]any{"id": applied.M.Application.ID}, &twice)
	if len(twice.M.UserErrors) != 1 || twice.M.UserErrors[0].Code != "ALREADY_DECIDED" {
		t.Fatalf("rejecting an approved application: %+v", twice.M)
	}

	// The new member is in the public directory.
	var dir struct {
		Members struct{ Nodes []struct{ Slug string } }
	}
	h.Query(`{ members(first: 100, filter: {country: ["HR"]}) { nodes { slug } } }`, nil, &dir)
	if !slices.ContainsFunc(dir.Members.Nodes, func(n struct{ Slug string }) bool { return n.Slug == "udruga-gradova-dalmacije" }) {
		t.Fatalf("the new member is not listed: %+v", dir)
	}

	// Its editor publishes a practice, authored by the new member without saying so.
	editor := h.As(a.EditorTokenSecret)
	var created struct {
		M struct {
			BestPractice *struct {
				Slug    string
				Authors []struct{ Slug string }
			}
			UserErrors []struct{ Message string }
		}
	}
	editor.Query(`mutation { m: createBestPractice(input: {title: "Smart island ferries", language: "hr", country: "HR",
		year: 2026, status: PUBLISHED, summary: "Real-time ferry information for islanders."}) {
		bestPractice { slug authors { slug } } userErrors { message } } }`, nil, &created)
	if created.M.BestPractice == nil || len(created.M.BestPractice.Authors) != 1 || created.M.BestPractice.Authors[0].Slug != "udruga-gradova-dalmacije" {
		t.Fatalf("the new editor's practice: %+v", created.M)
	}
	var public struct{ BestPractice *struct{ Title string } }
	h.Query(`{ bestPractice(slug: "smart-island-ferries") { title } }`, nil, &public)
	if public.BestPractice == nil {
		t.Fatal("the published practice is not public")
	}
	// ... and may not touch another member's.
	r := editor.Post(`mutation($id: ID!) { updateMember(input: {id: $id, description: "mine now"}) { userErrors { code } } }`,
		map[string]any{"id": db.GlobalID("Member", vng.ID)})
	if codes := hubtest.ErrorCodes(r.Errors); !slices.Equal(codes, []string{"FORBIDDEN"}) {
		t.Errorf("the new editor updating vng: %v", codes)
	}

	// A rejection records its reason; an empty reason is refused.
	var second payload
	h.Query(apply, map[string]any{"in": hubtest.Merge(input, map[string]any{"organisation": "Spam Ltd"})}, &second)
	var rejected struct {
		M struct {
			Application *struct{ Status, RejectionReason string }
			UserErrors  []struct{ Code string }
		}
	}
	admin.Query(`mutation($id: ID!) { m: rejectMembershipApplication(input: {id: $id, reason: " "}) { application { status } userErrors { code } } }`,
		map[string]any{"id": second.M.Application.ID}, &rejected)
	if rejected.M.Application != nil || len(rejected.M.UserErrors) != 1 || rejected.M.UserErrors[0].Code != "REQUIRED" {
		t.Fatalf("rejecting without a reason: %+v", rejected.M)
	}
	admin.Query(`mutation($id: ID!) { m: rejectMembershipApplication(input: {id: $id, reason: "Not an association of municipalities."}) {
		application { status rejectionReason } userErrors { code } } }`, map[string]any{"id": second.M.Application.ID}, &rejected)
	if rejected.M.Application == nil || rejected.M.Application.Status != "REJECTED" || rejected.M.Application.RejectionReason != "Not an association of municipalities." {
		t.Fatalf("rejection: %+v", rejected.M)
	}
	if status, reason, _ := byReceipt(second.M.Receipt); status != "REJECTED" || reason != "Not an association of municipalities." {
		t.Errorf("by receipt after rejection: %q %q", status, reason)
	}
	// A rejected organisation may apply again.
	var retry payload
	h.Query(apply, map[string]any{"in": hubtest.Merge(input, map[string]any{"organisation": "Spam Ltd"})}, &retry)
	if retry.M.Application == nil {
		t.Fatalf("applying again after a rejection: %+v", retry.M)
	}
}

// A tool an editor proposes is seen by its member's editors and the admins only, and found by nobody's
// search, until an admin accepts it; then it is public and searchable.
func TestToolProposals(t *testing.T) {
	t.Parallel()
	f := newAccessFixture(t)
	f.h.WaitSearch()
	var proposed struct {
		M struct {
			DigitalTool struct {
				ID, Slug, ReviewStatus string
				ProposedBy             struct{ Slug string }
			}
		}
	}
	f.callers["editor-own"].Query(`mutation { m: createDigitalTool(input: {name: "Zorblax kerbside sensor hub", licence: "EUPL-1.2",
		developmentStatus: COMPLETED}) { digitalTool { id slug reviewStatus proposedBy { slug } } } }`, nil, &proposed)
	tool := proposed.M.DigitalTool
	if tool.ReviewStatus != "PROPOSED" || tool.ProposedBy.Slug != "vng" {
		t.Fatalf("proposal: %+v", tool)
	}
	sees := func(caller string) (bySlug, byID, listed bool) {
		var out struct {
			Slug *struct{ ID string } `json:"slug"`
			Node *struct{ ID string } `json:"node"`
			List struct{ Nodes []struct{ ID string } }
		}
		f.callers[caller].Query(`query($s: String!, $id: ID!) { slug: digitalTool(slug: $s) { id } node(id: $id) { id }
			list: digitalTools(first: 100, filter: {reviewStatus: [PROPOSED]}) { nodes { id } } }`,
			map[string]any{"s": tool.Slug, "id": tool.ID}, &out)
		return out.Slug != nil, out.Node != nil, slices.ContainsFunc(out.List.Nodes, func(n struct{ ID string }) bool { return n.ID == tool.ID })
	}
	for _, caller := range callerNames {
		want := caller == "editor-own" || caller == "admin"
		if s, i, l := sees(caller); s != want || i != want || l != want {
			t.Errorf("%s sees the proposal by slug %v, by ID %v, listed %v; want %v", caller, s, i, l, want)
		}
	}
	// Only those who see a proposal may link a practice to it.
	link := func(caller string) []string {
		var out struct {
			M struct{ UserErrors []struct{ Code string } }
		}
		f.callers[caller].Query(`mutation($tools: [ID!]!) { m: createBestPractice(input: {title: "Kerbside sensing", language: "en",
			country: "NL", year: 2026, tools: $tools}) { userErrors { code } } }`, map[string]any{"tools": []string{tool.ID}}, &out)
		var codes []string
		for _, e := range out.M.UserErrors {
			codes = append(codes, e.Code)
		}
		return codes
	}
	if got := link("editor-own"); len(got) != 0 {
		t.Errorf("the proposer's editor linking its proposal: %v", got)
	}
	if got := link("editor-other"); !slices.Equal(got, []string{"UNKNOWN_REFERENCE"}) {
		t.Errorf("another member's editor linking the proposal: %v, want UNKNOWN_REFERENCE", got)
	}
	f.h.WaitSearch()
	if n := f.callers["admin"].Search("zorblax", nil).Search.TotalCount; n != 0 {
		t.Errorf("search found the proposal %d times", n)
	}
	var accepted struct {
		M struct{ DigitalTool struct{ ReviewStatus string } }
	}
	f.callers["admin"].Query(`mutation($id: ID!) { m: acceptDigitalTool(input: {id: $id}) { digitalTool { reviewStatus } } }`,
		map[string]any{"id": tool.ID}, &accepted)
	if accepted.M.DigitalTool.ReviewStatus != "ACCEPTED" {
		t.Fatalf("accepted: %+v", accepted)
	}
	if s, i, _ := sees("anonymous"); !s || !i {
		t.Error("an accepted tool is not public")
	}
	f.h.WaitSearch()
	if n := f.h.Search("zorblax", nil).Search.TotalCount; n != 1 {
		t.Errorf("search finds the accepted tool %d times, want 1", n)
	}
}
