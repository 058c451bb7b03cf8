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

// entityID decodes the global ID of an entity of type typ into its row id. The key must be the canonical
// decimal of a positive int64, so that an ID has one spelling (Member:01 and Member:+1 are not Member:1).
func entityID(id, typ string) (int64, bool) {
	t, key, ok := ParseGlobalID(id)
	if !ok || t != typ {
		return 0, false
	}
	n, err := strconv.ParseInt(key, 10, 64)
	return n, err == nil && n > 0 && strconv.FormatInt(n, 10) == key
}

// Node is any object that has a global ID (GraphQL's Node interface).
type Node interface{}
