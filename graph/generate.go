// Package graph holds the GraphQL schema (*.graphqls) and the code gqlgen generates from it.
package graph

//go:generate go run github.com/99designs/gqlgen generate --config ../gqlgen.yml
