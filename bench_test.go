package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
)

// BenchmarkMembersNested is the README's first query (members with their practices and tools) over HTTP
// on loopback, against the demo data.
func BenchmarkMembersNested(b *testing.B) {
	h := newHub(b, true)
	body, _ := json.Marshal(map[string]any{"query": membersNested})
	b.ReportAllocs()
	for b.Loop() {
		resp, err := http.Post(h.server.URL+"/graphql", "application/json", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		var r gqlResponse
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || len(r.Errors) > 0 {
			b.Fatalf("%v %v", err, r.Errors)
		}
		resp.Body.Close()
	}
}

// BenchmarkMembersNestedParallel is the same query from concurrent clients (GOMAXPROCS goroutines).
func BenchmarkMembersNestedParallel(b *testing.B) {
	h := newHub(b, true)
	body, _ := json.Marshal(map[string]any{"query": membersNested})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := http.Post(h.server.URL+"/graphql", "application/json", bytes.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			var r gqlResponse
			json.NewDecoder(resp.Body).Decode(&r)
			resp.Body.Close()
		}
	})
}

// BenchmarkPracticesWide asks 100 practices for five nested lists each: the case where every nested
// field of a large page loads through its batch.
func BenchmarkPracticesWide(b *testing.B) {
	h := newHub(b, true)
	body, _ := json.Marshal(map[string]any{"query": `{ bestPractices(first: 100) { nodes { title
		tools { name themes { code } } themes { code } authors { name bestPractices(first: 3) { totalCount } } mims { code } translations { title } } } }`})
	b.ReportAllocs()
	for b.Loop() {
		resp, err := http.Post(h.server.URL+"/graphql", "application/json", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		var r gqlResponse
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || len(r.Errors) > 0 {
			b.Fatalf("%v %v", err, r.Errors)
		}
		resp.Body.Close()
	}
}
