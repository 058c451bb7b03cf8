package resolvers_test

import (
	"strings"
	"testing"

	"github.com/smartcommunities/hub/hubtest"
)

// TestEverySchemaElementIsDescribed introspects the running schema and fails for every type, field,
// argument, enum value and input field without a description: GraphiQL's documentation and editors'
// tooltips are all a client sees of the API, the directives that decide access included, since
// introspection does not show them. GraphQL's own types (__*) and scalars are left out.
func TestEverySchemaElementIsDescribed(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	type described struct{ Name, Description string }
	type field struct {
		described
		Args []described
	}
	var schema struct {
		Schema struct {
			Types []struct {
				described
				Kind        string
				Fields      []field
				InputFields []described
				EnumValues  []described
			}
		} `json:"__schema"`
	}
	h.Query(`{ __schema { types { kind name description
		fields(includeDeprecated: true) { name description args { name description } }
		inputFields { name description }
		enumValues(includeDeprecated: true) { name description } } } }`, nil, &schema)
	builtIn := map[string]bool{"String": true, "Int": true, "Float": true, "Boolean": true, "ID": true}
	var missing []string
	blank := func(s string) bool { return strings.TrimSpace(s) == "" }
	types := 0
	for _, ty := range schema.Schema.Types {
		if strings.HasPrefix(ty.Name, "__") || builtIn[ty.Name] {
			continue
		}
		types++
		if blank(ty.Description) {
			missing = append(missing, ty.Name)
		}
		for _, f := range ty.Fields {
			if blank(f.Description) {
				missing = append(missing, ty.Name+"."+f.Name)
			}
			for _, a := range f.Args {
				if blank(a.Description) {
					missing = append(missing, ty.Name+"."+f.Name+"("+a.Name+":)")
				}
			}
		}
		for _, f := range ty.InputFields {
			if blank(f.Description) {
				missing = append(missing, ty.Name+"."+f.Name)
			}
		}
		for _, v := range ty.EnumValues {
			if blank(v.Description) {
				missing = append(missing, ty.Name+"."+v.Name)
			}
		}
	}
	if types < 50 {
		t.Fatalf("introspection shows only %d types", types)
	}
	if len(missing) > 0 {
		t.Errorf("%d schema elements have no description (say what each is, its units and limits, who may read or call it, its error codes):\n%s",
			len(missing), strings.Join(missing, "\n"))
	}
}
