// Command generate is gqlgen's generator (gqlgen.yml at the top of the repository), followed by one
// change to what it generates: lists of objects are marshalled one element after another, by
// graph.MarshalSliceInOrder, instead of in a goroutine per element. gqlgen has no setting for that
// (its codegen/type.gotpl always calls graphql.MarshalSliceConcurrently for lists of objects); see
// graph/inorder.go for why the hub does not need the goroutines.
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

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen/config"
)

const (
	generated  = "graph/generated.go"
	concurrent = "graphql.MarshalSliceConcurrently("
	inOrder    = "MarshalSliceInOrder("
)

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
	n := bytes.Count(src, []byte(concurrent))
	if n == 0 {
		// gqlgen changed how it marshals lists: the rewrite would silently do nothing.
		return errors.New(generated + " has no " + concurrent + " left to rewrite: check graph/inorder.go against this gqlgen")
	}
	return os.WriteFile(generated, bytes.ReplaceAll(src, []byte(concurrent), []byte(inOrder)), 0o644)
}
