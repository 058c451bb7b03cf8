package httpapi_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/smartcommunities/hub/hubtest"
)

// BenchmarkSubscriptionLatency is the time from a write's commit (the mutation's answer) to its event at a
// subscriber on another hub of the same database: one member created per iteration, told by memberJoined.
// It reports the median and the 99th percentile besides the mean.
func BenchmarkSubscriptionLatency(b *testing.B) {
	cfg := hubtest.Config(b)
	writer := hubtest.Start(b, cfg, false)
	cfg.DataDir = b.TempDir()
	reader := hubtest.Start(b, cfg, false)
	s := reader.Subscribe(`subscription { memberJoined { name } }`, nil)
	var lat []time.Duration
	i := 0
	for b.Loop() {
		i++
		if _, err := writer.DB().Pool.Exec(context.Background(),
			`insert into member (name, slug, kind, country_code) values ($1, $2, 'OTHER', 'BE')`,
			fmt.Sprintf("Bench member %d", i), fmt.Sprintf("bench-member-%d", i)); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if _, ok := s.Next(10 * time.Second); !ok {
			b.Fatal("no event")
		}
		lat = append(lat, time.Since(start))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
