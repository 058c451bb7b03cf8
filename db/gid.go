package db

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// Global IDs are opaque to clients and stable: base64url("Type:key"). The key is the row id for
// entities and the code for reference data (Country:EL, Theme:mobility, Mim:MIM1@2022).

// GlobalID encodes a global ID.
func GlobalID(typ string, key any) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%s:%v", typ, key))
}

// ParseGlobalID decodes a global ID into its type and key.
func ParseGlobalID(id string) (typ, key string, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(id)
	// One spelling per ID: the decoder would also take line breaks and stray trailing bits.
	if err != nil || base64.RawURLEncoding.EncodeToString(b) != id {
		return "", "", false
	}
	typ, key, ok = strings.Cut(string(b), ":")
	return typ, key, ok && typ != "" && key != ""
}

// The row ids of the entities, a type each, so that the id of one kind of row cannot be passed for
// another's. GraphQL inputs decode global IDs into them where they enter (graph/scalar, bound in
// gqlgen.yml), so db never sees a global ID of an entity.
type (
	MemberID                int64
	BestPracticeID          int64
	DigitalToolID           int64
	FundingOpportunityID    int64
	APITokenID              int64
	MembershipApplicationID int64
)

func (MemberID) Type() string                { return "Member" }
func (BestPracticeID) Type() string          { return "BestPractice" }
func (DigitalToolID) Type() string           { return "DigitalTool" }
func (FundingOpportunityID) Type() string    { return "FundingOpportunity" }
func (APITokenID) Type() string              { return "ApiToken" }
func (MembershipApplicationID) Type() string { return "MembershipApplication" }

func (id MemberID) GlobalID() string                { return GlobalID(id.Type(), int64(id)) }
func (id BestPracticeID) GlobalID() string          { return GlobalID(id.Type(), int64(id)) }
func (id DigitalToolID) GlobalID() string           { return GlobalID(id.Type(), int64(id)) }
func (id FundingOpportunityID) GlobalID() string    { return GlobalID(id.Type(), int64(id)) }
func (id APITokenID) GlobalID() string              { return GlobalID(id.Type(), int64(id)) }
func (id MembershipApplicationID) GlobalID() string { return GlobalID(id.Type(), int64(id)) }

// EntityID is the row id of one kind of entity.
type EntityID interface {
	~int64
	// Type is the GraphQL type of the entity, the type its global ID names.
	Type() string
	GlobalID() string
}

// ParseID decodes the global ID of an entity of ID's type. Its key must be the canonical decimal of a
// positive int64, so that an ID has one spelling (Member:01 and Member:+1 are not Member:1).
func ParseID[ID EntityID](gid string) (ID, error) {
	var want ID
	if typ, key, ok := ParseGlobalID(gid); ok && typ == want.Type() {
		if n, ok := rowID(key); ok {
			return ID(n), nil
		}
	}
	return 0, fmt.Errorf("%q is not the ID of a %s", gid, want.Type())
}

func rowID(key string) (int64, bool) {
	n, err := strconv.ParseInt(key, 10, 64)
	return n, err == nil && n > 0 && strconv.FormatInt(n, 10) == key
}

// entityTypes are the types whose global IDs hold a row id.
var entityTypes = map[string]bool{}

func init() {
	for _, t := range []string{MemberID(0).Type(), BestPracticeID(0).Type(), DigitalToolID(0).Type(),
		FundingOpportunityID(0).Type(), APITokenID(0).Type(), MembershipApplicationID(0).Type()} {
		entityTypes[t] = true
	}
}

// NodeKey is what a global ID of any type names: an entity's row, or a reference item's code.
type NodeKey struct {
	Type string
	// Row is the row id of an entity; 0 for reference data.
	Row int64
	// Code is the key of reference data; "" for an entity.
	Code string
}

// ParseNodeID decodes a global ID of any type, for node(id:), which takes them all. An entity's key
// must be a row id in its one spelling, as ParseID wants it.
func ParseNodeID(gid string) (NodeKey, bool) {
	typ, key, ok := ParseGlobalID(gid)
	if !ok {
		return NodeKey{}, false
	}
	if !entityTypes[typ] {
		return NodeKey{Type: typ, Code: key}, true
	}
	n, ok := rowID(key)
	return NodeKey{Type: typ, Row: n}, ok
}

// sqlIDs turns typed row ids into the int64s the SQL takes, without repeats.
func sqlIDs[ID EntityID](xs []ID) []int64 {
	out := make([]int64, 0, len(xs))
	for _, x := range dedupe(xs) {
		out = append(out, int64(x))
	}
	return out
}

// Node is any object that has a global ID (GraphQL's Node interface).
type Node interface{}

// The global IDs of the node types, as methods without a context so that gqlgen resolves them in line
// rather than in a goroutine of their own for every row of every list.

func (m *Member) GlobalID() string                { return GlobalID("Member", m.ID) }
func (p *BestPractice) GlobalID() string          { return GlobalID("BestPractice", p.ID) }
func (f *FundingOpportunity) GlobalID() string    { return GlobalID("FundingOpportunity", f.ID) }
func (t *DigitalTool) GlobalID() string           { return GlobalID("DigitalTool", t.ID) }
func (t *APIToken) GlobalID() string              { return GlobalID("ApiToken", t.ID) }
func (a *MembershipApplication) GlobalID() string { return GlobalID("MembershipApplication", a.ID) }
func (c *Country) GlobalID() string               { return GlobalID("Country", c.Code) }
func (t *Theme) GlobalID() string                 { return GlobalID("Theme", t.Code) }
func (p *Programme) GlobalID() string             { return GlobalID("Programme", p.Code) }
func (m *Mim) GlobalID() string                   { return GlobalID("Mim", m.Code+"@"+m.Edition) }
