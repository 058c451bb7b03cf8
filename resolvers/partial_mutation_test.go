package resolvers_test

import (
	"encoding/json"
	"testing"

	"github.com/smartcommunities/hub/hubtest"
)

// The root fields of a mutation commit one by one: when one fails, what the others committed (a new
// token's secret, an applicant's receipt, shown only in this response) is still in data.
func TestMutationResultsSurviveAFailingSibling(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, true)
	admin := h.Admin()

	// The second field fails (no such member to delete) after the first created a token.
	r := admin.Post(`mutation {
		created: createApiToken(input: {name: "kept", role: PARTNER}) { token { id name } secret userErrors { code } }
		failed: deleteMember(input: {id: "not an id"}) { deletedId }
	}`, nil)
	var data struct {
		Created *struct {
			Token  *struct{ ID, Name string }
			Secret string
		}
	}
	if len(r.Errors) == 0 {
		t.Fatalf("the failing field gave no error: %s", r.Data)
	}
	if err := json.Unmarshal(r.Data, &data); err != nil || data.Created == nil || data.Created.Token == nil || data.Created.Secret == "" {
		t.Fatalf("the created token was lost with its sibling's error (%v): data %s, errors %+v", err, r.Data, r.Errors)
	}
	var who struct{ Viewer *struct{ Role string } }
	h.As(data.Created.Secret).Query(`{ viewer { role } }`, nil, &who)
	if who.Viewer == nil || who.Viewer.Role != "PARTNER" {
		t.Errorf("the secret returned beside the error does not authenticate as the new token: %+v", who.Viewer)
	}

	// Anyone may apply; the same anonymous document's second field needs an admin.
	r = h.Post(`mutation {
		applied: applyForMembership(input: {organisation: "Kept Receipt Association", kind: OTHER, country: "PT",
			motivation: "We share.", contactName: "Ana", contactEmail: "ana@example.org"}) { receipt application { id } }
		refused: createApiToken(input: {name: "x", role: ADMIN}) { secret }
	}`, nil)
	var applied struct {
		Applied *struct{ Receipt string }
		Refused *struct{ Secret string }
	}
	if codes := hubtest.ErrorCodes(r.Errors); len(codes) != 1 || codes[0] != "UNAUTHENTICATED" {
		t.Errorf("an anonymous createApiToken: codes %v, want [UNAUTHENTICATED]", codes)
	}
	if err := json.Unmarshal(r.Data, &applied); err != nil || applied.Applied == nil || applied.Applied.Receipt == "" || applied.Refused != nil {
		t.Fatalf("the application's receipt was lost with its sibling's error (%v): data %s", err, r.Data)
	}
	var decision struct {
		M *struct{ Organisation string } `json:"m"`
	}
	h.Query(`query($r: String!) { m: membershipApplicationByReceipt(receipt: $r) { organisation } }`,
		map[string]any{"r": applied.Applied.Receipt}, &decision)
	if decision.M == nil || decision.M.Organisation != "Kept Receipt Association" {
		t.Errorf("the receipt returned beside the error finds %+v", decision.M)
	}
}
