// Command hub serves the Smart Communities Hub: one GraphQL graph of the Smart Communities Network's
// members, best practices, funding opportunities and digital tools.
//
//	hub serve                     migrate, load demo data into an empty database, serve
//	hub migrate                   apply the database migrations and exit
//	hub seed --demo               load the demo data
//	hub seed --synthetic N        generate N multilingual best practices (with members and tools)
//	hub reindex                   rebuild the search index from the database
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/db/seed"
	"github.com/smartcommunities/hub/search"
)

func main() {
	level := slog.LevelInfo
	if os.Getenv("HUB_LOG_LEVEL") == "debug" {
		level = slog.LevelDebug
	}
	slog.SetDefault(slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level})))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		slog.Error(err.Error())
		os.Exit(1)
	}
}

const usage = `usage: hub <command>

commands:
  serve                   migrate, load the demo data into an empty database, and serve GraphQL
  migrate                 apply the database migrations and exit
  seed --demo             load the demo data
  seed --synthetic N      generate N multilingual best practices with members and tools
  reindex                 rebuild the search index (HUB_DATA_DIR/index) from the database; a hub
                          serving from the same HUB_DATA_DIR switches to it when it is complete

environment: HUB_ADDR (default localhost:8080), DATABASE_URL (unset: a private PostgreSQL under
HUB_DATA_DIR/postgres), HUB_DATA_DIR (default ./.data), HUB_CORS_ORIGINS, HUB_LOG_LEVEL=debug`

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, usage)
		return errors.New("no command given")
	}
	cfg := configFromEnv()
	switch args[0] {
	case "serve":
		return serve(ctx, cfg)
	case "migrate":
		b, err := migrated(ctx, cfg)
		if err != nil {
			return err
		}
		b.Close(context.WithoutCancel(ctx))
		return nil
	case "seed":
		fs := flag.NewFlagSet("seed", flag.ContinueOnError)
		demo := fs.Bool("demo", false, "load the demo data")
		synthetic := fs.Int("synthetic", 0, "generate this many synthetic best practices")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if !*demo && *synthetic <= 0 {
			return errors.New("hub seed: give --demo or --synthetic N")
		}
		b, err := openBackend(ctx, cfg)
		if err != nil {
			return err
		}
		defer b.Close(context.WithoutCancel(ctx))
		if *demo {
			if err := b.DB.InTx(ctx, func(d *db.DB) error { return seed.Demo(ctx, d) }); err != nil {
				return err
			}
		}
		if *synthetic > 0 {
			start := time.Now()
			if err := seed.Synthetic(ctx, b.DB, *synthetic); err != nil {
				return err
			}
			slog.Info("synthetic data loaded", "practices", *synthetic, "seconds", time.Since(start).Seconds())
		}
		return nil
	case "reindex":
		b, err := openBackend(ctx, cfg)
		if err != nil {
			return err
		}
		defer b.Close(context.WithoutCancel(ctx))
		start := time.Now()
		var documents int
		name, err := search.Build(ctx, filepath.Join(cfg.DataDir, "index"), b.DB, func(done, total int) {
			documents = done
		})
		if err != nil {
			return err
		}
		slog.Info("search index rebuilt", "index", name, "documents", documents, "seconds", time.Since(start).Seconds())
		return nil
	default:
		fmt.Fprintln(os.Stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
}

func serve(ctx context.Context, cfg Config) error {
	b, err := openBackend(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close(context.WithoutCancel(ctx))
	if err := seedDemoIfEmpty(ctx, b.DB); err != nil {
		return fmt.Errorf("loading demo data: %w", err)
	}
	if err := b.startSearch(ctx, cfg); err != nil {
		return err
	}
	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           NewHandler(b, cfg),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	slog.Info("serving", "graphql", "http://"+ln.Addr().String()+"/graphql", "graphiql", "http://"+ln.Addr().String()+"/")
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	slog.Info("shutting down: draining requests")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	slog.Info("stopped")
	return nil
}
