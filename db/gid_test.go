package db

import (
	"encoding/base64"
	"testing"
)

func raw(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// A global ID has one spelling: the key of an entity's ID is the canonical decimal of a positive int64.
func TestEntityIDTakesOneSpellingOfEachID(t *testing.T) {
	if id, ok := entityID(GlobalID("Member", 1), "Member"); !ok || id != 1 {
		t.Errorf("Member:1 = %d, %v", id, ok)
	}
	for _, gid := range []string{raw("Member:01"), raw("Member:+1"), raw("Member:-1"), raw("Member:0"), raw("Member:1 "),
		raw("Member: 1"), raw("Member:1.0"), raw("Member:0x1"), raw("Member:9223372036854775808"), raw("Member:"),
		raw("member:1"), raw("BestPractice:1"), raw(":1"), "TWVtYmVyOjE=", "TWVtYmVyOjE\n", "xyz", "", "%%%"} {
		if id, ok := entityID(gid, "Member"); ok {
			t.Errorf("%q parsed as Member %d", gid, id)
		}
	}
}
