// Package graph holds the GraphQL schema (*.graphqls) and the executable schema gqlgen generates from it
// (`go generate ./...` at the top of the repository).
package graph
