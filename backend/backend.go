// Package backend is what serving needs besides HTTP: the database (DATABASE_URL, or a private
// PostgreSQL cluster the hub starts itself), the search index kept in step with it, and the identity
// provider's keys. `hub serve`, the one-shot commands and the test harness (hubtest) all open it the
// same way, so a test's hub is the one users run.
package backend

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/smartcommunities/hub/auth"
	"github.com/smartcommunities/hub/config"
	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/db/pgcluster"
	"github.com/smartcommunities/hub/db/seed"
	"github.com/smartcommunities/hub/live"
	"github.com/smartcommunities/hub/search"
	"github.com/smartcommunities/hub/webhooks"
)

// Backend holds the database and, once started, search and OIDC.
type Backend struct {
	DB     *db.DB
	Search *search.Index // nil until StartSearch
	DSN    string
	// Migrations is how many migrations this process applied (none when the database was up to date).
	Migrations int
	// OIDC verifies the identity provider's tokens; nil without one (StartOIDC).
	OIDC    *auth.OIDC
	cluster *pgcluster.Cluster
	// stopSearch stops the indexer and closes the index.
	stopSearch func()
	// stopFollowing stops following the database's changes.
	stopFollowing func()
	// Live fans the change feed out to subscriptions; nil until StartLive.
	Live *live.Broker
	// Webhooks writes and sends webhook deliveries; nil until StartLive.
	Webhooks *webhooks.Worker
	stopLive func()
}

// Migrated finds the database (DATABASE_URL, or the private cluster started when it is unset) and
// migrates it. It opens no pool: `hub migrate` needs nothing more.
func Migrated(ctx context.Context, cfg config.Config) (*Backend, error) {
	b := &Backend{DSN: cfg.DatabaseURL}
	if b.DSN == "" {
		dir, err := filepath.Abs(filepath.Join(cfg.DataDir, "postgres"))
		if err != nil {
			return nil, err
		}
		if b.cluster, err = pgcluster.Start(ctx, dir, "hub", slog.Default()); err != nil {
			return nil, fmt.Errorf("starting the private PostgreSQL (set DATABASE_URL to use another): %w", err)
		}
		b.DSN = b.cluster.DSN("hub")
	}
	applied, err := db.Migrate(ctx, b.DSN)
	if err != nil {
		b.Close(ctx)
		return nil, err
	}
	b.Migrations = int(applied)
	slog.Info("database migrated", "applied", applied)
	return b, nil
}

// Open migrates the database, then opens the pool and reads the reference data.
func Open(ctx context.Context, cfg config.Config) (*Backend, error) {
	b, err := Migrated(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if b.DB, err = db.Open(ctx, b.DSN); err != nil {
		b.Close(ctx)
		return nil, err
	}
	if err := b.DB.LoadReference(ctx); err != nil {
		b.Close(ctx)
		return nil, err
	}
	if err := b.DB.OpenReplicas(ctx, cfg.ReplicaURLs, cfg.ReplicaMaxLag); err != nil {
		b.Close(ctx)
		return nil, err
	}
	return b, nil
}

// StartSearch opens the search index and starts keeping it in step with the database, rebuilding it
// in the background when it must.
func (b *Backend) StartSearch(ctx context.Context, cfg config.Config) error {
	idx, err := search.Open(ctx, cfg.DataDir, b.DB, slog.Default())
	if err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		idx.Run(runCtx)
	}()
	b.Search = idx
	b.stopSearch = func() {
		cancel()
		<-done
		idx.Close()
	}
	return nil
}

// StartFollowing keeps the data version (db.DataVersion) in step with every hub's committed changes, so
// that the response cache may reuse answers, and checks the read replicas' lag; until it runs, nothing
// is reused and no replica is read from.
func (b *Backend) StartFollowing(ctx context.Context) {
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{}, 2)
	go func() {
		defer func() { done <- struct{}{} }()
		b.DB.FollowChanges(runCtx)
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		b.DB.Replicas().Run(runCtx)
	}()
	b.stopFollowing = func() {
		cancel()
		<-done
		<-done
	}
}

// StartLive starts following the change feed: the subscriptions' broker and the webhook worker.
func (b *Backend) StartLive(ctx context.Context, cfg config.Config) {
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	b.Live = live.New(b.DB)
	b.Webhooks = webhooks.NewWorker(b.DB, webhooks.Config(cfg.Webhooks))
	done := make(chan struct{}, 2)
	go func() { b.Live.Run(runCtx); done <- struct{}{} }()
	go func() { b.Webhooks.Run(runCtx); done <- struct{}{} }()
	b.stopLive = func() {
		b.Live.Shutdown()
		cancel()
		<-done
		<-done
	}
}

// StartOIDC prepares the verification of the identity provider's tokens, when one is configured.
func (b *Backend) StartOIDC(ctx context.Context, cfg config.Config) error {
	if cfg.OIDC.Issuer == "" {
		return nil
	}
	o, err := auth.NewOIDC(ctx, cfg.OIDC, b.DB)
	if err != nil {
		return err
	}
	b.OIDC = o
	slog.Info("accepting OIDC tokens", "issuer", cfg.OIDC.Issuer, "audience", cfg.OIDC.Audience)
	return nil
}

// SeedDemoIfEmpty loads the demo data into a database that has none.
func (b *Backend) SeedDemoIfEmpty(ctx context.Context) error {
	d := b.DB
	seeded, err := d.SeedIfEmpty(ctx, func(ctx context.Context) error {
		return d.InTx(ctx, func(d *db.DB) error { return seed.Demo(ctx, d) })
	})
	if seeded && err == nil {
		slog.Info("the database was empty: demo data loaded")
	}
	return err
}

// Close stops the search indexer, closes the pool and stops the private cluster if this process started
// it.
func (b *Backend) Close(ctx context.Context) {
	if b.stopLive != nil {
		b.stopLive()
		b.stopLive = nil
	}
	if b.stopSearch != nil {
		b.stopSearch()
	}
	if b.stopFollowing != nil {
		b.stopFollowing()
	}
	if b.DB != nil {
		b.DB.Close()
	}
	if b.cluster != nil {
		if err := b.cluster.Stop(ctx); err != nil {
			slog.Error("stopping PostgreSQL", "err", err)
		}
	}
}
