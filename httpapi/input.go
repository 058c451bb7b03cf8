package httpapi

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// strictInput holds an operation's variables to their declared types as the GraphQL specification
// coerces them, where gqlparser is lenient: an enum value matches only as written ("open" is not OPEN),
// a String is not an Int or a Float ("2024" is not 2024) and a number is not a String. Its messages name
// the variable, its type and what was sent. A variable whose type the schema does not know is left to
// validation, which refuses the document. It runs before validation: a request with a bad document and
// a bad variable hears about the variable first.
func strictInput(schema *ast.Schema, doc *ast.QueryDocument, operationName string, vars map[string]any) *gqlerror.Error {
	op := doc.Operations.ForName(operationName)
	if op == nil {
		return nil // gqlgen names the missing operation
	}
	for _, def := range op.VariableDefinitions {
		if !known(schema, def.Type) {
			continue
		}
		v, given := vars[def.Variable]
		switch {
		case !given && def.DefaultValue == nil && def.Type.NonNull:
			return inputError(ast.Path{ast.PathName("variable"), ast.PathName(def.Variable)},
				"variable $%s of type %s was not given", def.Variable, def.Type)
		case !given:
			continue
		}
		c := coercion{schema: schema, path: ast.Path{ast.PathName("variable"), ast.PathName(def.Variable)}}
		if err := c.value(def.Type, v); err != nil {
			return err
		}
	}
	return nil
}

func known(schema *ast.Schema, t *ast.Type) bool {
	for t.Elem != nil {
		t = t.Elem
	}
	return schema.Types[t.NamedType] != nil
}

// maxListValues bounds a list in the variables: no argument of the schema takes more than a hundred
// values, and a long list costs its coercion before any limit of the operation is checked.
const maxListValues = 1000

// coercion walks one variable's value; path is where it is ("variable", name, then fields and indexes).
type coercion struct {
	schema *ast.Schema
	path   ast.Path
}

// name is the value's name in messages: $input.contacts[2].email.
func (c *coercion) name() string {
	var b strings.Builder
	for i, p := range c.path[1:] {
		switch p := p.(type) {
		case ast.PathIndex:
			fmt.Fprintf(&b, "[%d]", int(p))
		case ast.PathName:
			if i == 0 {
				b.WriteString("$")
			} else {
				b.WriteString(".")
			}
			b.WriteString(string(p))
		}
	}
	return b.String()
}

func (c *coercion) fail(format string, args ...any) *gqlerror.Error {
	return inputError(slices.Clone(c.path), "%s"+format, append([]any{c.name()}, args...)...)
}

func (c *coercion) value(t *ast.Type, v any) *gqlerror.Error {
	if v == nil {
		if t.NonNull {
			return c.fail(" of type %s cannot be null", t)
		}
		return nil
	}
	if t.Elem != nil {
		list, ok := v.([]any)
		if !ok { // a single value is a list of one
			return c.value(t.Elem, v)
		}
		if len(list) > maxListValues {
			return c.fail(": a list of %d values; at most %d are allowed", len(list), maxListValues)
		}
		for i, e := range list {
			c.path = append(c.path, ast.PathIndex(i))
			err := c.value(t.Elem, e)
			c.path = c.path[:len(c.path)-1]
			if err != nil {
				return err
			}
		}
		return nil
	}
	def := c.schema.Types[t.NamedType]
	switch def.Kind {
	case ast.Enum:
		s, ok := v.(string)
		if ok && def.EnumValues.ForName(s) != nil {
			return nil
		}
		names := make([]string, len(def.EnumValues))
		for i, e := range def.EnumValues {
			names[i] = e.Name
		}
		if ok {
			return c.fail(": %s is not a %s; the values are %s (as written, in capitals)", quote(s), def.Name, strings.Join(names, ", "))
		}
		return c.fail(": expected a %s, one of %s; got %s", def.Name, strings.Join(names, ", "), describe(v))
	case ast.Scalar:
		if !scalarAccepts(def.Name, v) {
			return c.fail(": expected %s; got %s", expected(def.Name), describe(v))
		}
		return nil
	case ast.InputObject:
		obj, ok := v.(map[string]any)
		if !ok {
			return c.fail(": expected a %s object; got %s", def.Name, describe(v))
		}
		for k := range obj {
			if def.Fields.ForName(k) == nil {
				names := make([]string, len(def.Fields))
				for i, f := range def.Fields {
					names[i] = f.Name
				}
				return c.fail(": %s has no field %s; its fields are %s", def.Name, quote(k), strings.Join(names, ", "))
			}
		}
		for _, f := range def.Fields {
			fv, given := obj[f.Name]
			if !given && (!f.Type.NonNull || f.DefaultValue != nil) {
				continue
			}
			c.path = append(c.path, ast.PathName(f.Name))
			var err *gqlerror.Error
			if given {
				err = c.value(f.Type, fv)
			} else {
				err = c.fail(" of type %s was not given", f.Type)
			}
			c.path = c.path[:len(c.path)-1]
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// scalarAccepts tells whether a JSON value (decoded with UseNumber) is one of the scalar's input forms.
// The hub's own scalars take strings (Date, Time) or also numbers (Decimal); their parsers check the rest.
func scalarAccepts(scalar string, v any) bool {
	n, isNumber := v.(json.Number)
	_, isString := v.(string)
	switch scalar {
	case "Int":
		i, err := n.Int64()
		return isNumber && err == nil && i >= math.MinInt32 && i <= math.MaxInt32
	case "Float":
		_, err := n.Float64()
		return isNumber && err == nil
	case "String", "Date", "Time":
		return isString
	case "Boolean":
		_, ok := v.(bool)
		return ok
	case "ID":
		_, err := n.Int64()
		return isString || isNumber && err == nil
	case "Decimal":
		return isString || isNumber
	case "Upload":
		// Only the multipart transport's file: in JSON, any value for an Upload is a mistake.
		_, isFile := v.(graphql.Upload)
		return isFile
	}
	return true
}

func expected(scalar string) string {
	switch scalar {
	case "Int":
		return "an Int, a whole number between -2147483648 and 2147483647 written without quotes"
	case "Float":
		return "a Float, a number written without quotes"
	case "String":
		return "a String, in quotes"
	case "Boolean":
		return "a Boolean, true or false"
	case "ID":
		return "an ID, a string such as \"TWVtYmVyOjE\""
	case "Date":
		return "a Date, a string YYYY-MM-DD"
	case "Time":
		return "a Time, a string such as \"2026-01-31T12:00:00Z\""
	case "Decimal":
		return "a Decimal, a string such as \"85500000.00\""
	case "Upload":
		return "an Upload, a file sent as a part of a multipart/form-data request (the GraphQL multipart request specification), with null in its place in the variables"
	}
	return "a " + scalar
}

// describe says what a JSON value is, quoting at most 100 characters of it.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		return "the string " + quote(x)
	case json.Number:
		return "the number " + x.String()
	case bool:
		return fmt.Sprintf("the boolean %v", x)
	case []any:
		return fmt.Sprintf("a list of %d values", len(x))
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// quote quotes s, cut to its first 100 characters.
func quote(s string) string {
	if r := []rune(s); len(r) > 100 {
		return fmt.Sprintf("%q… (%d characters)", string(r[:100]), len(r))
	}
	return fmt.Sprintf("%q", s)
}

func inputError(path ast.Path, format string, args ...any) *gqlerror.Error {
	err := gqlerror.ErrorPathf(path, format, args...)
	errcode.Set(err, errcode.ValidationFailed)
	return err
}
