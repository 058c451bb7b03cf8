package httpapi

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/smartcommunities/hub/graph"
)

// Variables are coerced as the GraphQL specification says, for every scalar and every enum of the
// schema: an enum value only as written, no string for a number, no number for a string.
func TestStrictInputEveryScalarAndEnum(t *testing.T) {
	t.Parallel()
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	check := func(typ string, raw string) string {
		t.Helper()
		doc, err := parser.ParseQuery(&ast.Source{Input: fmt.Sprintf("query($v: %s) { __typename }", typ)})
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(strings.NewReader(`{"v":` + raw + `}`))
		dec.UseNumber() // as gqlgen decodes a request
		var vars map[string]any
		if err := dec.Decode(&vars); err != nil {
			t.Fatal(err)
		}
		if e := strictInput(schema, doc, "", vars); e != nil {
			if e.Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" {
				t.Errorf("%s %s: code %v", typ, raw, e.Extensions["code"])
			}
			return e.Message
		}
		return ""
	}
	scalars := []struct {
		typ        string
		good, bad  []string
		badMessage string // of the first bad value
	}{
		{"Int", []string{`2024`, `-3`, `2147483647`}, []string{`"2024"`, `2.5`, `2147483648`, `true`, `[1,2]`},
			`$v: expected an Int, a whole number between -2147483648 and 2147483647 written without quotes; got the string "2024"`},
		{"Float", []string{`2.5`, `3`, `-1e3`}, []string{`"2.5"`, `false`, `{}`},
			`$v: expected a Float, a number written without quotes; got the string "2.5"`},
		{"String", []string{`"x"`, `""`}, []string{`2024`, `true`, `{"a":1}`},
			`$v: expected a String, in quotes; got the number 2024`},
		{"Boolean", []string{`true`, `false`}, []string{`"true"`, `1`},
			`$v: expected a Boolean, true or false; got the string "true"`},
		{"ID", []string{`"TWVtYmVyOjE"`, `4`}, []string{`4.5`, `true`},
			`$v: expected an ID, a string such as "TWVtYmVyOjE"; got the number 4.5`},
		{"Date", []string{`"2026-01-31"`}, []string{`20260131`},
			`$v: expected a Date, a string YYYY-MM-DD; got the number 20260131`},
		{"Time", []string{`"2026-01-31T12:00:00Z"`}, []string{`1767182400`},
			`$v: expected a Time, a string such as "2026-01-31T12:00:00Z"; got the number 1767182400`},
		{"Decimal", []string{`"85500000.00"`, `85500000.5`}, []string{`true`},
			`$v: expected a Decimal, a string such as "85500000.00"; got the boolean true`},
		// A file comes only as a part of a multipart request, never in JSON (the import tests send files).
		{"Upload", nil, []string{`"tools.csv"`, `{}`},
			`$v: expected an Upload, a file sent as a part of a multipart/form-data request (the GraphQL multipart request specification), with null in its place in the variables; got the string "tools.csv"`},
	}
	seen := map[string]bool{}
	for _, c := range scalars {
		seen[c.typ] = true
		for _, v := range c.good {
			if msg := check(c.typ, v); msg != "" {
				t.Errorf("%s %s refused: %s", c.typ, v, msg)
			}
		}
		for i, v := range c.bad {
			msg := check(c.typ, v)
			switch {
			case msg == "":
				t.Errorf("%s %s accepted", c.typ, v)
			case i == 0 && msg != c.badMessage:
				t.Errorf("%s %s: %q, want %q", c.typ, v, msg, c.badMessage)
			}
		}
		if msg := check(c.typ+"!", "null"); msg != fmt.Sprintf("$v of type %s! cannot be null", c.typ) {
			t.Errorf("null for %s!: %q", c.typ, msg)
		}
	}
	enums := 0
	for _, def := range schema.Types {
		switch {
		case def.Kind == ast.Scalar && !seen[def.Name]:
			t.Errorf("the scalar %s is not in the table", def.Name)
		case def.Kind != ast.Enum || strings.HasPrefix(def.Name, "__") || !def.IsInputType():
			continue
		}
		if def.Kind != ast.Enum {
			continue
		}
		enums++
		var names []string
		for _, v := range def.EnumValues {
			names = append(names, v.Name)
			if msg := check(def.Name, `"`+v.Name+`"`); msg != "" {
				t.Errorf("%s %s refused: %s", def.Name, v.Name, msg)
			}
		}
		first := def.EnumValues[0].Name
		lower := strings.ToLower(first)
		want := fmt.Sprintf(`$v: "%s" is not a %s; the values are %s (as written, in capitals)`, lower, def.Name, strings.Join(names, ", "))
		if msg := check(def.Name, `"`+lower+`"`); msg != want {
			t.Errorf("%s %q: %q, want %q", def.Name, lower, msg, want)
		}
		if msg := check(def.Name, `1`); msg == "" {
			t.Errorf("%s 1 accepted", def.Name)
		}
		// In a list, the message names the place.
		if msg := check("["+def.Name+"!]", `["`+first+`", "`+lower+`"]`); !strings.HasPrefix(msg, "$v[1]: ") {
			t.Errorf("%s in a list: %q", def.Name, msg)
		}
	}
	if enums < 10 {
		t.Errorf("%d enums checked", enums)
	}
}

// An input object's fields are named with their place and type when missing, unknown or wrong.
func TestStrictInputObjects(t *testing.T) {
	t.Parallel()
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	doc, err := parser.ParseQuery(&ast.Source{Input: `query($f: FundingOpportunityFilter, $n: Int!) { __typename }`})
	if err != nil {
		t.Fatal(err)
	}
	for vars, want := range map[string]string{
		`{}`:                                  `variable $n of type Int! was not given`,
		`{"n": 1, "f": {"status": ["open"]}}`: `$f.status[0]: "open" is not a FundingStatus; the values are FORTHCOMING, OPEN, CLOSED (as written, in capitals)`,
		`{"n": 1, "f": {"nosuch": 1}}`:        `$f: FundingOpportunityFilter has no field "nosuch"; its fields are `,
		`{"n": 1, "f": "OPEN"}`:               `$f: expected a FundingOpportunityFilter object; got the string "OPEN"`,
		`{"n": 1, "f": {"status": ["OPEN"]}}`: ``,
	} {
		dec := json.NewDecoder(strings.NewReader(vars))
		dec.UseNumber()
		var v map[string]any
		dec.Decode(&v)
		msg := ""
		if e := strictInput(schema, doc, "", v); e != nil {
			msg = e.Message
		}
		if !strings.HasPrefix(msg, want) || (want == "") != (msg == "") {
			t.Errorf("%s: %q, want %q", vars, msg, want)
		}
	}
}

func TestCut(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 250)
	if got := cut(long, maxLoggedName); got != strings.Repeat("é", 200)+"…" {
		t.Errorf("cut to %d characters", len([]rune(got)))
	}
	if got := cut("Short", maxLoggedName); got != "Short" {
		t.Errorf("cut %q", got)
	}
}
