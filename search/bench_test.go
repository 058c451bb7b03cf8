package search

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/db/seed"
	"github.com/smartcommunities/hub/hubtest/wait"
)

// The search benchmarks run on synthetic data: HUB_BENCH_PRACTICES practices (10,000 by default; the
// figures in docs/benchmarks.md are for 100,000), with their members and tools. The command:
//
//	HUB_BENCH_PRACTICES=100000 go test ./search -run '^$' -bench . -benchtime 3000x -timeout 30m
//
// Each query of the mix asks for 10 hits with highlights and all seven facets.
var benchQueries = []string{
	"parking", "digital twin", "energy dashboard", "LoRaWAN", "Bürgerbeteiligung", "jumeau numérique",
	"qualità aria", "open data portal", "flood monitoring", "parkeersensoren", "sensores aparcamiento",
	"energiaseuranta", "air quality sensors", "municipality", "street lighting", "waste collection",
	"telecare", "gemelo digital", "czujniki parkingowe", "digitale tweeling", "parkng", "enrgy dashbord",
	"digital tw", "citizen particip",
}

type benchEnv struct {
	x         *Index
	d         *db.DB
	dir       string
	buildTime time.Duration
	buildCPU  time.Duration // of this process, on every core: a fairer figure than buildTime on a busy machine
	documents int
}

var (
	benchOnce sync.Once
	bench     *benchEnv
	benchErr  error
)

func benchSetup(b *testing.B) *benchEnv {
	benchOnce.Do(func() {
		n := 10_000
		if v, err := strconv.Atoi(os.Getenv("HUB_BENCH_PRACTICES")); err == nil && v > 0 {
			n = v
		}
		x, d := newIndex(&sharedTB{b}, false)
		ctx := context.Background()
		if benchErr = seed.Synthetic(ctx, d, n); benchErr != nil {
			return
		}
		// The synthetic rows are in the outbox too; a build starts after them.
		x.Close()
		dir := x.dir
		os.RemoveAll(dir)
		start, startCPU := time.Now(), cpuTime()
		var documents int
		if _, benchErr = Build(ctx, dir, d, func(done, _ int) { documents = done }); benchErr != nil {
			return
		}
		built, builtCPU := time.Since(start), cpuTime()-startCPU
		if x, benchErr = Open(ctx, filepath.Dir(dir), d, slog.New(slog.DiscardHandler)); benchErr != nil {
			return
		}
		bench = &benchEnv{x: x, d: d, dir: dir, buildTime: built, buildCPU: builtCPU, documents: documents}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return bench
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func percentile(ds []time.Duration, p float64) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	return float64(s[int(p*float64(len(s)-1))].Microseconds()) / 1000
}

// BenchmarkBuild reports the bulk build of the whole index from PostgreSQL (done once, in setup).
func BenchmarkBuild(b *testing.B) {
	env := benchSetup(b)
	var size int64
	filepath.WalkDir(env.dir, func(_ string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			if info, err := e.Info(); err == nil {
				size += info.Size()
			}
		}
		return nil
	})
	for b.Loop() {
	}
	b.ReportMetric(env.buildTime.Seconds(), "build-s")
	b.ReportMetric(env.buildCPU.Seconds(), "build-cpu-s")
	b.ReportMetric(float64(env.documents), "documents")
	b.ReportMetric(float64(size)/(1<<20), "index-MiB")
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	b.ReportMetric(float64(m.HeapInuse)/(1<<20), "heap-MiB")
}

// BenchmarkSearchMix runs the query mix through the index, as the GraphQL search does: first pages,
// without the cache of totals and facets (the mix repeats its queries, which a cache would answer).
func BenchmarkSearchMix(b *testing.B) {
	env := benchSetup(b)
	ctx := context.Background()
	searches := env.x.searches
	env.x.searches = nil
	defer func() { env.x.searches = searches }()
	var took []time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		res, err := env.x.Search(ctx, Request{Query: benchQueries[i%len(benchQueries)], Today: env.d.Today()})
		took = append(took, time.Since(start))
		if err != nil || res.TotalCount == 0 {
			b.Fatalf("%q: %v hits, %v", benchQueries[i%len(benchQueries)], res, err)
		}
		i++
	}
	b.ReportMetric(percentile(took, 0.5), "p50-ms")
	b.ReportMetric(percentile(took, 0.99), "p99-ms")
}

// BenchmarkSearchNextPage asks for the second page of each query of the mix right after its first, and
// times the second: its total and facets come from the cache.
func BenchmarkSearchNextPage(b *testing.B) {
	env := benchSetup(b)
	ctx := context.Background()
	var took []time.Duration
	i := 0
	for b.Loop() {
		r := Request{Query: benchQueries[i%len(benchQueries)], Today: env.d.Today()}
		env.x.searches = newSearchCache(searchCacheSize) // the first page is not cached already
		first, err := env.x.Search(ctx, r)
		if err != nil || len(first.Hits) == 0 {
			b.Fatalf("%q: %v, %v", r.Query, first, err)
		}
		r.After = &first.Hits[len(first.Hits)-1].Cursor
		start := time.Now()
		res, err := env.x.Search(ctx, r)
		took = append(took, time.Since(start))
		if err != nil || res.TotalCount != first.TotalCount {
			b.Fatalf("%q page 2: %v, %v", r.Query, res, err)
		}
		i++
	}
	b.ReportMetric(percentile(took, 0.5), "p50-ms")
	b.ReportMetric(percentile(took, 0.99), "p99-ms")
}

// BenchmarkPostgresFTS runs the same queries through PostgreSQL's full-text search on the same rows:
// websearch_to_tsquery over title, summary and body ('simple' configuration, as the texts are in many
// languages), ranked by ts_rank_cd, the total, ts_headline on the ten best, and counts by language and
// year standing in for the facets. It has no typo tolerance and no prefixes, so misspelt queries find
// nothing here.
func BenchmarkPostgresFTS(b *testing.B) {
	env := benchSetup(b)
	ctx := context.Background()
	ftsOnce.Do(func() {
		_, ftsErr = env.d.Pool.Exec(ctx, `create table if not exists bench_fts as
			select id, language, year, title, summary, body,
				to_tsvector('simple', title || ' ' || summary || ' ' || body) tsv from best_practice;
			create index if not exists bench_fts_tsv on bench_fts using gin (tsv); analyze bench_fts`)
	})
	if ftsErr != nil {
		b.Fatal(ftsErr)
	}
	var took []time.Duration
	i := 0
	for b.Loop() {
		q := benchQueries[i%len(benchQueries)]
		start := time.Now()
		batch := env.d.Pool.SendBatch(ctx, fetchFTS(q))
		for range 2 {
			rows, err := batch.Query()
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
			}
			if rows.Err() != nil {
				b.Fatal(rows.Err())
			}
		}
		batch.Close()
		took = append(took, time.Since(start))
		i++
	}
	b.ReportMetric(percentile(took, 0.5), "p50-ms")
	b.ReportMetric(percentile(took, 0.99), "p99-ms")
}

var (
	ftsOnce sync.Once
	ftsErr  error
)

func fetchFTS(q string) *pgx.Batch {
	batch := &pgx.Batch{}
	batch.Queue(`with m as (select id, ts_rank_cd(tsv, q) r, count(*) over () total
			from bench_fts, websearch_to_tsquery('simple', $1) q where tsv @@ q order by r desc limit 10)
		select m.id, m.total, ts_headline('simple', f.title || ' ' || f.summary, websearch_to_tsquery('simple', $1)),
			ts_headline('simple', f.body, websearch_to_tsquery('simple', $1))
		from m join bench_fts f using (id) order by m.r desc`, q)
	batch.Queue(`select 'language', language, count(*) from bench_fts where tsv @@ websearch_to_tsquery('simple', $1) group by language
		union all
		select 'year', year::text, count(*) from bench_fts where tsv @@ websearch_to_tsquery('simple', $1) group by year`, q)
	return batch
}

// BenchmarkFreshness measures the time from a committed write to the first search that finds it, with
// the indexer following the outbox as `hub serve` does.
func BenchmarkFreshness(b *testing.B) {
	env := benchSetup(b)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { env.x.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	var took []time.Duration
	i := 0
	for b.Loop() {
		word := fmt.Sprintf("freshness%dmarker%d", time.Now().UnixNano(), i)
		if _, err := env.d.Pool.Exec(ctx, `insert into best_practice (slug, title, language, country_code, year, status)
			values ($1, $2, 'en', 'IE', 2026, 'PUBLISHED')`, word, "Fresh practice "+word); err != nil {
			b.Fatal(err)
		}
		took = append(took, wait.For(b, word+" to be found", 10*time.Second, func() bool {
			res, err := env.x.Search(ctx, Request{Query: word + " ", Today: env.d.Today()})
			if err != nil {
				b.Fatal(err)
			}
			return res.TotalCount == 1
		}))
		i++
	}
	b.ReportMetric(percentile(took, 0.5), "p50-ms")
	b.ReportMetric(percentile(took, 0.99), "p99-ms")
}
