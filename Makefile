# The two commands a newcomer needs: `make run` and `make test`.
GO ?= go

.PHONY: run test build generate check-generated bench bench-search postgres chromium redis clean

## run: build, start (a private PostgreSQL under .data/ unless DATABASE_URL is set), migrate, load demo data, serve
run: postgres build
	./bin/hub serve

## test: all tests, against a throwaway PostgreSQL (or DATABASE_URL), the dashboard's in headless Chromium
## (screenshot and load time in .artifacts/)
test: postgres chromium redis
	$(GO) test -count=1 ./...

build:
	$(GO) build -o bin/hub .

## generate: regenerate the gqlgen code after a schema change
generate:
	$(GO) generate ./...

## check-generated: fail if the checked-in generated code is not what the schema generates
check-generated: generate
	git diff --exit-code -- graph resolvers

## bench: Go benchmarks of the GraphQL endpoint (see docs/benchmarks.md)
bench: postgres
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./httpapi

## bench-search: search benchmarks on 100,000 synthetic practices, Bleve beside PostgreSQL FTS (about 6 min)
bench-search: postgres
	HUB_BENCH_PRACTICES=100000 $(GO) test ./search -run '^$$' -bench . -benchtime 1000x -timeout 30m

postgres:
	@scripts/ensure-postgres.sh

chromium:
	@scripts/ensure-chromium.sh

redis:
	@scripts/ensure-redis.sh

clean:
	rm -rf bin .data .artifacts
