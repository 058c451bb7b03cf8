package main

//go:generate go run ./graph/generate

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"github.com/smartcommunities/hub/backend"
	"github.com/smartcommunities/hub/config"
	"github.com/smartcommunities/hub/httpapi"
	"github.com/smartcommunities/hub/telemetry"
)

// serve is `hub serve`: configuration → backend → handler, then the HTTP server until ctx ends, when it
// drains the requests and closes the backend (stopping the private PostgreSQL it started).
func serve(ctx context.Context, cfg config.Config) error {
	// The address first: one already in use stops the hub before it creates anything (a data directory,
	// a PostgreSQL cluster) or prints the first admin token of an install that then never starts.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s (HUB_ADDR): %w", cfg.Addr, err)
	}
	defer ln.Close()
	servingGC()
	stopTracing, err := telemetry.Start(ctx)
	if err != nil {
		return fmt.Errorf("starting the trace exporter (OTEL_EXPORTER_OTLP_ENDPOINT): %w", err)
	}
	defer stopTracing(context.WithoutCancel(ctx)) //nolint:errcheck // spans that could not be sent are lost
	b, err := backend.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close(context.WithoutCancel(ctx))
	if err := b.SeedDemoIfEmpty(ctx); err != nil {
		return fmt.Errorf("loading demo data: %w", err)
	}
	if err := b.StartOIDC(ctx, cfg); err != nil {
		return err
	}
	// The first start of an install prints an admin token, the only way in until someone creates more.
	secret, err := b.DB.CreateFirstAdminToken(ctx)
	if err != nil {
		return err
	}
	if secret != "" {
		fmt.Fprintf(os.Stderr, "\n  The first admin token of this install (shown once; keep it, or create another with\n"+
			"  `hub token create --role admin`):\n\n    %s\n\n  Send it as: Authorization: Bearer <token>\n\n", secret)
	}
	if err := b.StartSearch(ctx, cfg); err != nil {
		return err
	}
	b.StartFollowing(ctx)
	b.StartLive(ctx, cfg)
	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           httpapi.NewHandler(b, cfg),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	// Shutdown waits for requests, but WebSocket connections are hijacked: they are closed (1001) here.
	srv.RegisterOnShutdown(b.Live.Shutdown)
	base := "http://" + ln.Addr().String()
	slog.Info("serving", "graphql", base+"/graphql", "graphiql", base+"/", "dashboard", base+"/dashboard/", "metrics", base+"/metrics")
	fmt.Fprint(os.Stderr, servingBanner(base, secret != ""))
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

// servingBanner tells the person who started the hub where to go, and where their admin token is.
func servingBanner(base string, tokenShown bool) string {
	token := "the first start of an install prints one, once; `hub token create --role admin` makes another"
	if tokenShown {
		token = "printed above, once"
	}
	return fmt.Sprintf("\n  The Smart Communities Hub is serving:\n"+
		"    GraphiQL     %[1]s/\n"+
		"    Dashboard    %[1]s/dashboard/\n"+
		"    GraphQL      %[1]s/graphql\n"+
		"    Metrics      %[1]s/metrics\n"+
		"    Admin token  %[2]s\n\n", base, token)
}

// servingGC collects garbage a quarter as often as Go's default. A request allocates about a megabyte
// that lives only as long as it does (gqlgen's values of every field), against a live heap of some tens
// of megabytes: with GOGC 100, the collector ran several times a second under load and took a quarter
// of the hub's CPU (docs/benchmarks.md). The heap may grow to five times the live one. An operator's
// GOGC or GOMEMLIMIT wins.
func servingGC() {
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetGCPercent(400)
	}
}
