package search

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

func BenchmarkZZPerQuery(b *testing.B) {
	env := benchSetup(b)
	ctx := context.Background()
	for b.Loop() {
	}
	for _, q := range benchQueries {
		var took []time.Duration
		total := 0
		for range 15 {
			start := time.Now()
			res, err := env.x.Search(ctx, Request{Query: q, Today: env.d.Today()})
			took = append(took, time.Since(start))
			if err != nil {
				b.Fatal(err)
			}
			total = res.TotalCount
		}
		slices.Sort(took)
		fmt.Printf("PQ %-22q total %6d median %6.1f ms max %6.1f\n", q, total, float64(took[7].Microseconds())/1000, float64(took[14].Microseconds())/1000)
	}
}
