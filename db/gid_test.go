package db

import (
	"encoding/base64"
	"fmt"
	"testing"
)

func raw(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// A global ID has one spelling: the key of an entity's ID is the canonical decimal of a positive int64.
func TestParseIDTakesOneSpellingOfEachID(t *testing.T) {
	if id, err := ParseID[MemberID](GlobalID("Member", 1)); err != nil || id != 1 {
		t.Errorf("Member:1 = %d, %v", id, err)
	}
	if id, err := ParseID[BestPracticeID](GlobalID("BestPractice", int64(9223372036854775807))); err != nil || id != 9223372036854775807 {
		t.Errorf("the largest int64: %d, %v", id, err)
	}
	for _, gid := range []string{raw("Member:01"), raw("Member:+1"), raw("Member:-1"), raw("Member:0"), raw("Member:1 "),
		raw("Member: 1"), raw("Member:1.0"), raw("Member:0x1"), raw("Member:9223372036854775808"), raw("Member:"),
		raw("member:1"), raw("BestPractice:1"), raw(":1"), "TWVtYmVyOjE=", "TWVtYmVyOjE\n", "xyz", "", "%%%"} {
		if id, err := ParseID[MemberID](gid); err == nil {
			t.Errorf("%q parsed as Member %d", gid, id)
		} else if want := fmt.Sprintf("%q is not the ID of a Member", gid); err.Error() != want {
			t.Errorf("%q: %q, want %q", gid, err, want)
		}
		if k, ok := ParseNodeID(gid); ok && k.Type == "Member" {
			t.Errorf("%q is a node of Member %d", gid, k.Row)
		}
	}
	// Another type's ID names the type it is of.
	if _, err := ParseID[DigitalToolID](GlobalID("Member", 1)); err == nil || err.Error() != fmt.Sprintf("%q is not the ID of a DigitalTool", GlobalID("Member", 1)) {
		t.Errorf("a Member's ID as a tool's: %v", err)
	}
	for _, c := range []struct {
		gid  string
		want NodeKey
	}{
		{GlobalID("Member", 7), NodeKey{Type: "Member", Row: 7}},
		{GlobalID("Country", "EL"), NodeKey{Type: "Country", Code: "EL"}},
		{GlobalID("Mim", "MIM1@2022"), NodeKey{Type: "Mim", Code: "MIM1@2022"}},
		{GlobalID("Theme", "01"), NodeKey{Type: "Theme", Code: "01"}},
	} {
		if k, ok := ParseNodeID(c.gid); !ok || k != c.want {
			t.Errorf("node %q = %+v %v, want %+v", c.gid, k, ok, c.want)
		}
	}
}
