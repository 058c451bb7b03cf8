package search

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Metrics at /metrics, for every index in the process.
var (
	searchDuration = promauto.NewHistogram(prometheus.HistogramOpts{
		Name: "hub_search_duration_seconds", Help: "Searches, from parsing to highlights.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
	})
	changesApplied = promauto.NewCounter(prometheus.CounterOpts{
		Name: "hub_search_changes_applied_total", Help: "Outbox changes applied to the search index.",
	})
	indexDamaged = promauto.NewCounter(prometheus.CounterOpts{
		Name: "hub_search_index_damaged_total", Help: "Search indexes found damaged, moved aside and rebuilt.",
	})
	rebuildDuration = promauto.NewHistogram(prometheus.HistogramOpts{
		Name: "hub_search_rebuild_duration_seconds", Help: "Full rebuilds of the search index from PostgreSQL.",
		Buckets: prometheus.ExponentialBuckets(0.5, 2, 10),
	})
)
