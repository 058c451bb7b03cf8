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
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/smartcommunities/hub/backend"
	"github.com/smartcommunities/hub/config"
	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/db/seed"
	"github.com/smartcommunities/hub/search"
)

func main() {
	// A configuration that does not parse stops the hub before it starts anything: a silent default
	// would run it in a way the operator did not ask for.
	cfg, err := config.FromEnv()
	if err != nil {
		fmt.Fprintf(os.Stderr, "hub: the configuration is not valid:\n%v\n", err)
		os.Exit(2)
	}
	slog.SetDefault(slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel})))
	// SIGHUP (the terminal closed, or a supervisor's stop) stops the hub like SIGTERM: by default it would
	// kill it at once, leaving the private PostgreSQL running.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	if err := run(ctx, cfg, os.Args[1:]); err != nil {
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
  token create --role ROLE [--member SLUG] [--name N] [--expires 2160h] [--rate-limit R]
                          create an API token (ADMIN, EDITOR with --member, PARTNER); prints its secret
  token list | token revoke ID
                          list API tokens, or revoke one
  reindex                 rebuild the search index (HUB_DATA_DIR/index) from the database; a hub
                          serving from the same HUB_DATA_DIR switches to it when it is complete

environment: HUB_ADDR (default localhost:8080), DATABASE_URL (unset: a private PostgreSQL under
HUB_DATA_DIR/postgres), HUB_DATA_DIR (default ./.data), HUB_CORS_ORIGINS, HUB_LOG_LEVEL=debug`

func run(ctx context.Context, cfg config.Config, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, cfg)
	case "migrate":
		b, err := backend.Migrated(ctx, cfg)
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
		b, err := backend.Open(ctx, cfg)
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
	case "token":
		return tokenCommand(ctx, cfg, args[1:])
	case "reindex":
		b, err := backend.Open(ctx, cfg)
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

// tokenCommand creates, lists and revokes API tokens from the command line: the way in for the first
// admin, and for operators who lost theirs.
func tokenCommand(ctx context.Context, cfg config.Config, args []string) error {
	if len(args) == 0 {
		return errors.New("hub token: give create, list or revoke")
	}
	b, err := backend.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close(context.WithoutCancel(ctx))
	switch args[0] {
	case "create":
		fs := flag.NewFlagSet("token create", flag.ContinueOnError)
		role := fs.String("role", "", "ADMIN, EDITOR or PARTNER")
		member := fs.String("member", "", "for an editor token: the slug of the member it edits for")
		name := fs.String("name", "", "what the token is for (default: the role and the time)")
		expires := fs.Duration("expires", 0, "lifetime, e.g. 2160h for 90 days (default: no expiry)")
		rateLimit := fs.Float64("rate-limit", 0, "requests a second (default: HUB_TOKEN_RATE_LIMIT)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		in := db.CreateAPITokenInput{Name: *name, Role: db.Role(strings.ToUpper(*role))}
		if in.Name == "" {
			in.Name = fmt.Sprintf("%s token created %s", strings.ToLower(string(in.Role)), time.Now().UTC().Format("2006-01-02 15:04"))
		}
		if *member != "" {
			m, err := b.DB.MemberBySlug(ctx, *member)
			if err != nil {
				return err
			}
			if m == nil {
				return fmt.Errorf("hub token create: no member has the slug %q", *member)
			}
			id := db.MemberID(m.ID)
			in.Member = &id
		}
		if *expires > 0 {
			t := time.Now().Add(*expires)
			in.ExpiresAt = &t
		}
		if *rateLimit > 0 {
			in.RateLimit = rateLimit
		}
		t, secret, errs, err := b.DB.CreateAPIToken(ctx, &in, nil)
		if err != nil {
			return err
		}
		if len(errs) > 0 {
			return fmt.Errorf("hub token create: %s", errs[0].Message)
		}
		fmt.Fprintf(os.Stderr, "created %s token %s (%q); its secret, shown once:\n", t.Role, db.GlobalID("ApiToken", t.ID), t.Name)
		fmt.Println(secret)
		return nil
	case "list":
		page, err := b.DB.APITokens(ctx, db.PageArgs{First: ptr(100)}, nil)
		if err != nil {
			return err
		}
		for _, t := range page.Items {
			state := "active"
			if !t.Active(time.Now()) {
				state = "inactive"
			}
			fmt.Printf("%s\t%s\t%s\t%s\n", db.GlobalID("ApiToken", t.ID), t.Role, state, t.Name)
		}
		return nil
	case "revoke":
		if len(args) != 2 {
			return errors.New("hub token revoke: give the token's ID (hub token list shows them)")
		}
		id, err := db.ParseID[db.APITokenID](args[1])
		if err != nil {
			return fmt.Errorf("hub token revoke: %v (hub token list shows the IDs)", err)
		}
		_, errs, err := b.DB.RevokeAPIToken(ctx, id)
		if err != nil {
			return err
		}
		if len(errs) > 0 {
			return fmt.Errorf("hub token revoke: %s", errs[0].Message)
		}
		fmt.Fprintln(os.Stderr, "revoked")
		return nil
	}
	return fmt.Errorf("hub token: unknown subcommand %q (create, list, revoke)", args[0])
}

func ptr[T any](v T) *T { return &v }
