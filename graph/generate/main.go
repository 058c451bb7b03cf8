// Command generate is gqlgen's generator (gqlgen.yml at the top of the repository), followed by four
// changes to what it generates, for which gqlgen has no setting (its codegen/type.gotpl, object.gotpl
// and field.gotpl): see graph/inorder.go and graph/fields.go for why.
//   - Lists of objects are marshalled one element after another, by graph.MarshalSliceInOrder, instead of
//     in a goroutine per element (graphql.MarshalSliceConcurrently).
//   - An object's group of @defer'd fields is made by graph.NewDeferredGroupFor, which costs nothing when
//     none of its fields is deferred, instead of graphql.NewDeferredGroup, which computes the object's path
//     every time.
//   - An object's answer is written by graph.ObjectInOrder instead of its graphql.FieldSet.
//   - A field read off its object (a struct field, or a method without context or error) is answered by
//     graph.ResolveStructField with the value, instead of graphql.ResolveField with a resolver returning it.
//
// `go generate ./...` runs it (server.go).
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"regexp"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen/config"
)

const generated = "graph/generated.go"

// rewrites are the changes, each from what gqlgen writes to what the hub runs.
var rewrites = [][2]string{
	{"graphql.MarshalSliceConcurrently(", "MarshalSliceInOrder("},
	{"deferred := graphql.NewDeferredGroup(ctx)", "deferred := NewDeferredGroupFor(ctx, fields)"},
	{"\t\tec.ProcessDeferredGroup(deferred)\n\t}\n\n\treturn out\n}", "\t\tec.ProcessDeferredGroup(deferred)\n\t}\n\n\treturn ObjectInOrder(fields, out)\n}"},
}

// structField is graphql.ResolveField called with a resolver that only reads the field off obj, and no
// middleware of its own (directives), as gqlgen's field.gotpl writes it: the value's expression is
// group 3.
var structField = regexp.MustCompile(`(?m)^(\treturn )graphql\.ResolveField\((\n\t\tctx,\n\t\tec\.OperationContext,\n\t\tfield,\n` +
	`\t\tfunc\(ctx context\.Context, field graphql\.CollectedField\) \(\*graphql\.FieldContext, error\) \{\n\t\t\treturn ec\.fieldContext_\w+\(ctx, field\)\n\t\t\},\n)` +
	`\t\tfunc\(ctx context\.Context\) \(any, error\) \{\n\t\t\treturn (obj\.\w+(?:\(\))?), nil\n\t\t\},\n\t\tnil,\n`)

func main() {
	log.SetFlags(0)
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "generate:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg, err := config.LoadConfigFromDefaultLocations()
	if err != nil {
		return err
	}
	// gqlgen logs its progress to the standard logger; its own command discards it unless --verbose.
	log.SetOutput(io.Discard)
	err = api.Generate(cfg)
	log.SetOutput(os.Stderr)
	if err != nil {
		return err
	}
	src, err := os.ReadFile(generated)
	if err != nil {
		return err
	}
	for _, r := range rewrites {
		if !bytes.Contains(src, []byte(r[0])) {
			// gqlgen changed what it writes: the rewrite would silently do nothing.
			return errors.New(generated + " has no " + r[0] + " left to rewrite: check graph/inorder.go against this gqlgen")
		}
		src = bytes.ReplaceAll(src, []byte(r[0]), []byte(r[1]))
	}
	if !structField.Match(src) {
		return errors.New(generated + " has no field read off its object left to rewrite: check graph/fields.go against this gqlgen")
	}
	src = structField.ReplaceAll(src, []byte("${1}ResolveStructField(${2}\t\t${3},\n"))
	return os.WriteFile(generated, src, 0o644)
}
