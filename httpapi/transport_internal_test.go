package httpapi

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// writeResponse answers what gqlgen's json.Marshal of the response answered, member for member and in
// the same order, for every part a response can have, and writes the data as the executor built it.
func TestWriteResponseIsGqlgensJSON(t *testing.T) {
	t.Parallel()
	yes := true
	for name, resp := range map[string]*graphql.Response{
		"data only":   {Data: json.RawMessage(`{"members":{"totalCount":2,"name":"Città <Rome> & Co"}}`)},
		"no data":     {},
		"errors only": {Errors: gqlerror.List{{Message: "bad \"id\"", Path: ast.Path{ast.PathName("member")}, Extensions: map[string]any{"code": "BAD_USER_INPUT"}}}},
		"everything": {
			Errors:     gqlerror.List{{Message: "partial", Extensions: map[string]any{"code": "INTERNAL_SERVER_ERROR"}}},
			Data:       json.RawMessage(`{"a":null}`),
			Label:      "later",
			Path:       ast.Path{ast.PathName("members"), ast.PathIndex(3)},
			HasNext:    &yes,
			Extensions: map[string]any{"cost": 12},
		},
		"empty parts": {Data: json.RawMessage(`{}`), Path: ast.Path{}, Extensions: map[string]any{}},
	} {
		want, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		writeResponse(&got, resp)
		if !json.Valid(got.Bytes()) {
			t.Fatalf("%s: not JSON: %s", name, got.Bytes())
		}
		if keys(t, got.Bytes()) != keys(t, want) {
			t.Errorf("%s: members %s, gqlgen's %s", name, keys(t, got.Bytes()), keys(t, want))
		}
		var g, w any
		json.Unmarshal(got.Bytes(), &g)
		json.Unmarshal(want, &w)
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s:\n got  %s\n want %s", name, got.Bytes(), want)
		}
		if len(resp.Data) > 0 && !bytes.Contains(got.Bytes(), resp.Data) {
			t.Errorf("%s: the data was rewritten: %s", name, got.Bytes())
		}
	}
}

// keys are the top-level members of a JSON object, in their order.
func keys(t *testing.T, b []byte) string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.Token()
	var out string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		out += k.(string) + " "
		var skip json.RawMessage
		dec.Decode(&skip)
	}
	return out
}
