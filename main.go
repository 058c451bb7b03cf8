// Command hub serves the Smart Communities Hub: one GraphQL graph of the Smart Communities Network's
// members, best practices, funding opportunities and digital tools. `hub help` lists its commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/smartcommunities/hub/backend"
	"github.com/smartcommunities/hub/config"
	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/db/seed"
	"github.com/smartcommunities/hub/progress"
	"github.com/smartcommunities/hub/publiccode"
	"github.com/smartcommunities/hub/search"
	"github.com/smartcommunities/hub/telemetry"
)

// command is one of hub's commands. Every command but serve is one-shot: it logs only warnings and
// errors (to stderr), so that its answer, on stdout, stands alone.
type command struct {
	name     string // "token create"
	synopsis string // its arguments, as help shows them
	summary  string
	detail   string
	flags    func(fs *flag.FlagSet)
	run      func(ctx context.Context, cfg config.Config, fs *flag.FlagSet, out io.Writer) error
}

var commands []*command

func init() {
	commands = []*command{
		{name: "serve", summary: "start the hub: migrate, load the demo data into an empty database, serve",
			detail: "Starts (or reuses) the database, applies the migrations, loads the demo data when the database has\n" +
				"no member, and serves GraphiQL, the dashboard, /graphql, /metrics and the health checks on HUB_ADDR.\n" +
				"The first start of an install prints an admin token, once. SIGINT or SIGTERM drain the requests and stop.",
			run: func(ctx context.Context, cfg config.Config, _ *flag.FlagSet, _ io.Writer) error {
				return serve(ctx, cfg)
			}},
		{name: "migrate", summary: "apply the database migrations and exit",
			detail: "Prints how many migrations it applied (0 when the database is up to date).",
			run:    migrateCommand},
		{name: "seed", synopsis: "--demo | --synthetic N", summary: "load the demo data, or N generated best practices",
			detail: "--demo loads the demo data; entries already there are skipped. --synthetic N adds N generated best\n" +
				"practices in 10 languages, with N/40 members and N/200 tools, for load and search benchmarks.",
			flags: func(fs *flag.FlagSet) {
				fs.Bool("demo", false, "load the demo data")
				fs.Int("synthetic", 0, "generate this many synthetic best practices")
			},
			run: seedCommand},
		{name: "reindex", summary: "rebuild the search index from the database",
			detail: "Builds a new index in HUB_DATA_DIR/index from the database; a hub serving from the same\n" +
				"HUB_DATA_DIR switches to it when it is complete.",
			run: reindexCommand},
		{name: "import", synopsis: "[--dry-run] members|best-practices|funding-opportunities|digital-tools FILE.csv | publiccode FILE|DIR",
			summary: "import a CSV file in the columns of the hub's export, or publiccode.yml files",
			detail: "A CSV file (UTF-8, with or without a byte-order mark, cells separated by , or ;) is upserted by slug\n" +
				"(by identifier for funding opportunities) in one transaction, each row validated as the mutations\n" +
				"validate; when any row is refused, nothing is written and each refusal is printed with its line and\n" +
				"column. publiccode.yml files (a file, or every publiccode.yml and *.publiccode.yml under a directory)\n" +
				"become digital tools, upserted by url. --dry-run prints what would be created and changed, and writes\n" +
				"nothing. Exit status 1 when anything was refused.",
			flags: func(fs *flag.FlagSet) {
				fs.Bool("dry-run", false, "report what would be created and changed, and write nothing")
			},
			run: importCommand},
		{name: "token create", synopsis: "--role ROLE [--member SLUG] [--name NAME] [--expires 2160h] [--rate-limit R]",
			summary: "create an API token and print its secret",
			detail:  "Prints the token's secret alone on stdout (shown this once; the hub keeps only a hash).",
			flags: func(fs *flag.FlagSet) {
				fs.String("role", "", "ADMIN, EDITOR or PARTNER (required)")
				fs.String("member", "", "for an editor token: the slug of the member it edits for")
				fs.String("name", "", "what the token is for (default: the role and the time)")
				fs.Duration("expires", 0, "lifetime, e.g. 2160h for 90 days (default: no expiry)")
				fs.Float64("rate-limit", 0, "requests a second (default: HUB_TOKEN_RATE_LIMIT)")
			},
			run: tokenCreate},
		{name: "token list", summary: "list the API tokens: role, member, expiry, last use",
			detail: "A table, newest first, of every token: revoked and expired ones too, marked so.", run: tokenList},
		{name: "token revoke", synopsis: "ID", summary: "revoke an API token; it stops working at its next request",
			detail: "ID is the token's ID as `hub token list` shows it.", run: tokenRevoke},
		{name: "help", synopsis: "[COMMAND]", summary: "show this help, or a command's",
			run: func(context.Context, config.Config, *flag.FlagSet, io.Writer) error { return nil }},
	}
}

const environment = `environment (read once, at start; the README lists every variable):
  HUB_ADDR       where to listen (default localhost:8080)
  DATABASE_URL   a PostgreSQL to use; unset: a private PostgreSQL under HUB_DATA_DIR/postgres
  HUB_DATA_DIR   the private PostgreSQL and the search index (default ./.data)
  HUB_LOG_LEVEL  debug, info, warn or error (default info; one-shot commands log warnings and errors
                 only, unless debug is asked for)`

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: hub COMMAND [arguments]\n\nThe Smart Communities Hub: one GraphQL graph of the network's members, best practices, funding\nopportunities and digital tools.\n\ncommands:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range commands {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	tw.Flush()
	fmt.Fprintln(w, "\n`hub help COMMAND` (or `hub COMMAND --help`) tells more of one.\n\n"+environment)
}

func (c *command) flagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("hub "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if c.flags != nil {
		c.flags(fs)
	}
	return fs
}

func (c *command) help(w io.Writer) {
	fmt.Fprintf(w, "usage: %s\n\n%s.\n", strings.TrimSpace("hub "+c.name+" "+c.synopsis), strings.ToUpper(c.summary[:1])+c.summary[1:])
	if c.detail != "" {
		fmt.Fprintf(w, "\n%s\n", c.detail)
	}
	fs := c.flagSet()
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintln(w, "\nflags:")
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
}

// find names the command args start with, and the arguments left; nil when there is none.
func find(args []string) (*command, []string) {
	for _, n := range []int{2, 1} {
		if len(args) >= n {
			name := strings.Join(args[:n], " ")
			for _, c := range commands {
				if c.name == name {
					return c, args[n:]
				}
			}
		}
	}
	return nil, args
}

// usageError is a command line hub does not understand: exit status 2, as for a bad configuration.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() { os.Exit(mainStatus(os.Args[1:], os.Stdout, os.Stderr)) }

func mainStatus(args []string, stdout, stderr io.Writer) int {
	// Help needs no configuration: it answers even when the environment does not parse.
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		return helpCommand(args[1:], stdout, stderr)
	}
	c, rest := find(args)
	if c == nil || c.name == "help" {
		fmt.Fprintf(stderr, "hub: unknown command %q; `hub help` lists the commands\n", strings.Join(args[:min(len(args), 2)], " "))
		return 2
	}
	fs := c.flagSet()
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.help(stdout)
			return 0
		}
		fmt.Fprintf(stderr, "hub %s: %v; `hub help %s` tells how\n", c.name, err, c.name)
		return 2
	}

	// A configuration that does not parse stops the hub before it starts anything: a silent default
	// would run it in a way the operator did not ask for.
	cfg, err := config.FromEnv()
	if err != nil {
		fmt.Fprintf(stderr, "hub: the configuration is not valid:\n%v\n", err)
		return 2
	}
	if c.name == "serve" {
		slog.SetDefault(slog.New(telemetry.LogHandler(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))))
	} else {
		slog.SetDefault(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: max(cfg.LogLevel, slog.LevelWarn)})))
		if cfg.LogLevel == slog.LevelDebug {
			slog.SetDefault(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug})))
		}
	}
	// SIGHUP (the terminal closed, or a supervisor's stop) stops the hub like SIGTERM: by default it would
	// kill it at once, leaving the private PostgreSQL running.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	if err := c.run(ctx, cfg, fs, stdout); err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "hub %s: %v; `hub help %s` tells how\n", c.name, err, c.name)
			return 2
		}
		if c.name == "serve" {
			slog.Error(err.Error())
		}
		fmt.Fprintf(stderr, "hub %s: %v\n", c.name, err)
		return 1
	}
	return 0
}

func helpCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stdout)
		return 0
	}
	if c, rest := find(args); c != nil && len(rest) == 0 {
		c.help(stdout)
		return 0
	}
	// `hub help token`: every token command.
	var group []*command
	for _, c := range commands {
		if strings.HasPrefix(c.name, strings.Join(args, " ")+" ") {
			group = append(group, c)
		}
	}
	if len(group) == 0 {
		fmt.Fprintf(stderr, "hub help: no command %q; `hub help` lists them\n", strings.Join(args, " "))
		return 2
	}
	for i, c := range group {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		c.help(stdout)
	}
	return 0
}

// noArgs refuses words after a command's flags that it does not take.
func noArgs(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected %q", fs.Arg(0))}
	}
	return nil
}

func flagValue[T any](fs *flag.FlagSet, name string) T {
	return fs.Lookup(name).Value.(flag.Getter).Get().(T)
}

func migrateCommand(ctx context.Context, cfg config.Config, _ *flag.FlagSet, out io.Writer) error {
	b, err := backend.Migrated(ctx, cfg)
	if err != nil {
		return err
	}
	b.Close(context.WithoutCancel(ctx))
	fmt.Fprintf(out, "migrations applied: %d\n", b.Migrations)
	return nil
}

func seedCommand(ctx context.Context, cfg config.Config, fs *flag.FlagSet, out io.Writer) error {
	demo, synthetic := flagValue[bool](fs, "demo"), flagValue[int](fs, "synthetic")
	if err := noArgs(fs); err != nil {
		return err
	}
	if !demo && synthetic <= 0 {
		return usageError{"give --demo or --synthetic N"}
	}
	b, err := backend.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close(context.WithoutCancel(ctx))
	if demo {
		var loaded, existing int
		err := b.DB.InTx(ctx, func(d *db.DB) (err error) {
			loaded, existing, err = seed.DemoCounted(ctx, d)
			return err
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "demo entries loaded: %d (already there: %d)\n", loaded, existing)
	}
	if synthetic > 0 {
		start := time.Now()
		bar := progress.New("generating best practices")
		err := seed.SyntheticWithProgress(ctx, b.DB, synthetic, bar.Set)
		bar.Done()
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "synthetic best practices loaded: %d in %.1f s\n", synthetic, time.Since(start).Seconds())
	}
	return nil
}

func reindexCommand(ctx context.Context, cfg config.Config, fs *flag.FlagSet, out io.Writer) error {
	if err := noArgs(fs); err != nil {
		return err
	}
	b, err := backend.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close(context.WithoutCancel(ctx))
	start := time.Now()
	var documents int
	dir := filepath.Join(cfg.DataDir, "index")
	bar := progress.New("indexing")
	name, err := search.Build(ctx, dir, b.DB, func(done, total int) {
		documents = done
		bar.Set(done, total)
	})
	bar.Done()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "search index rebuilt: %d documents in %.1f s (%s)\n", documents, time.Since(start).Seconds(), filepath.Join(dir, name))
	return nil
}

func importCommand(ctx context.Context, cfg config.Config, fs *flag.FlagSet, out io.Writer) error {
	args := fs.Args()
	if len(args) > 2 { // flags after the kind and the file
		if err := fs.Parse(args[2:]); err != nil {
			return usageError{err.Error()}
		}
		if err := noArgs(fs); err != nil {
			return err
		}
	}
	if len(args) < 2 {
		return usageError{"give what to import and the file: hub import best-practices practices.csv"}
	}
	kind, path, dryRun := args[0], args[1], flagValue[bool](fs, "dry-run")
	if kind != "publiccode" && !slices.Contains(db.ImportKinds, db.ImportKind(kind)) {
		return usageError{fmt.Sprintf("%q is not a kind of import: members, best-practices, funding-opportunities, digital-tools or publiccode", kind)}
	}
	var files []string
	if kind == "publiccode" {
		var err error
		if files, err = publiccode.Files(path); err != nil {
			return err
		}
	}
	b, err := backend.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close(context.WithoutCancel(ctx))
	bar := progress.New("importing " + kind)
	var rep *db.ImportReport
	if kind == "publiccode" {
		rep, err = publiccode.ImportFiles(ctx, b.DB, files, dryRun, bar.Set)
	} else {
		var f *os.File
		if f, err = os.Open(path); err != nil {
			bar.Done()
			return err
		}
		defer f.Close()
		var t *db.CSVTable
		if t, err = db.ReadCSV(f); err == nil {
			rep, err = b.DB.Import(ctx, db.ImportKind(kind), t, dryRun, bar.Set)
		}
	}
	bar.Done()
	var fileErr *db.ImportError
	if errors.As(err, &fileErr) {
		rep, err = &db.ImportReport{Kind: kind, DryRun: dryRun, Errors: []*db.ImportError{fileErr}}, nil
	}
	if err != nil {
		return err
	}
	printImportReport(out, path, rep)
	if len(rep.Errors) > 0 {
		return fmt.Errorf("%d refused; nothing was written", len(rep.Errors))
	}
	return nil
}

// printImportReport writes what an import did: a summary line, then every refusal, and in a dry run
// every row it would create or change.
func printImportReport(out io.Writer, path string, rep *db.ImportReport) {
	state := "written"
	switch {
	case len(rep.Errors) > 0:
		state = "refused: nothing written"
	case rep.DryRun:
		state = "dry run: nothing written"
	}
	fmt.Fprintf(out, "%s from %s: %d created, %d changed, %d unchanged (%s)\n", rep.Kind, path, rep.Created, rep.Changed, rep.Unchanged, state)
	for _, w := range rep.Warnings {
		fmt.Fprintf(out, "warning: %s\n", w)
	}
	for _, e := range rep.Errors {
		fmt.Fprintf(out, "error: %s\n", e.Error())
	}
	if rep.DryRun {
		for _, r := range rep.Rows {
			what := "create"
			if r.Action == db.ImportActionChanged {
				what = "change"
			}
			where := r.Key
			if r.Line > 0 {
				where = fmt.Sprintf("line %d %s", r.Line, r.Key)
			}
			fmt.Fprintf(out, "%s %s: %s\n", what, where, strings.Join(r.Fields, ", "))
		}
	}
}

// The token commands create, list and revoke API tokens from the command line: the way in for the
// first admin, and for operators who lost theirs.

func tokenCreate(ctx context.Context, cfg config.Config, fs *flag.FlagSet, out io.Writer) error {
	role := strings.ToUpper(flagValue[string](fs, "role"))
	if role == "" {
		return usageError{"give the token's --role: ADMIN, EDITOR (with --member) or PARTNER"}
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	b, err := backend.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close(context.WithoutCancel(ctx))
	in := db.CreateAPITokenInput{Name: flagValue[string](fs, "name"), Role: db.Role(role)}
	if in.Name == "" {
		in.Name = fmt.Sprintf("%s token created %s", strings.ToLower(role), time.Now().UTC().Format("2006-01-02 15:04"))
	}
	if member := flagValue[string](fs, "member"); member != "" {
		m, err := b.DB.MemberBySlug(ctx, member)
		if err != nil {
			return err
		}
		if m == nil {
			return fmt.Errorf("no member has the slug %q", member)
		}
		id := db.MemberID(m.ID)
		in.Member = &id
	}
	if expires := flagValue[time.Duration](fs, "expires"); expires > 0 {
		t := time.Now().Add(expires)
		in.ExpiresAt = &t
	}
	if rate := flagValue[float64](fs, "rate-limit"); rate > 0 {
		in.RateLimit = &rate
	}
	t, secret, errs, err := b.DB.CreateAPIToken(ctx, &in, nil)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return errors.New(errs[0].Message)
	}
	// Beside the answer, for the person at the terminal: `secret=$(hub token create ...)` keeps stdout.
	fmt.Fprintf(os.Stderr, "created %s token %s (%q); its secret, shown once:\n", t.Role, db.GlobalID("ApiToken", t.ID), t.Name)
	fmt.Fprintln(out, secret)
	return nil
}

func tokenList(ctx context.Context, cfg config.Config, fs *flag.FlagSet, out io.Writer) error {
	if err := noArgs(fs); err != nil {
		return err
	}
	b, err := backend.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close(context.WithoutCancel(ctx))
	var tokens []*db.APIToken
	args := db.PageArgs{First: ptr(db.MaxPageSize)}
	for {
		page, err := b.DB.APITokens(ctx, args, nil)
		if err != nil {
			return err
		}
		tokens = append(tokens, page.Items...)
		if !page.PageInfo().HasNextPage {
			break
		}
		args.After = page.PageInfo().EndCursor
	}
	var memberIDs []int64
	for _, t := range tokens {
		if t.MemberID != nil {
			memberIDs = append(memberIDs, *t.MemberID)
		}
	}
	members, err := b.DB.MembersByID(ctx, memberIDs)
	if err != nil {
		return err
	}
	slugs := map[int64]string{}
	for _, m := range members {
		if m != nil {
			slugs[m.ID] = m.Slug
		}
	}
	when := func(t *time.Time, none string) string {
		if t == nil {
			return none
		}
		return t.UTC().Format("2006-01-02 15:04")
	}
	now := time.Now()
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tROLE\tMEMBER\tEXPIRES (UTC)\tLAST USED (UTC)\tSTATE\tNAME")
	for _, t := range tokens {
		member := "-"
		if t.MemberID != nil {
			member = slugs[*t.MemberID]
		}
		state := "active"
		switch {
		case t.RevokedAt != nil:
			state = "revoked " + when(t.RevokedAt, "")
		case !t.Active(now):
			state = "expired"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", db.GlobalID("ApiToken", t.ID), t.Role, member,
			when(t.ExpiresAt, "never"), when(t.LastUsedAt, "never"), state, t.Name)
	}
	tw.Flush()
	if len(tokens) == 0 {
		fmt.Fprintln(os.Stderr, "no API tokens yet: `hub token create --role admin` makes one")
	}
	return nil
}

func tokenRevoke(ctx context.Context, cfg config.Config, fs *flag.FlagSet, out io.Writer) error {
	if fs.NArg() != 1 {
		return usageError{"give the token's ID (hub token list shows them)"}
	}
	id, err := db.ParseID[db.APITokenID](fs.Arg(0))
	if err != nil {
		return usageError{fmt.Sprintf("%v (hub token list shows the IDs)", err)}
	}
	b, err := backend.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close(context.WithoutCancel(ctx))
	t, errs, err := b.DB.RevokeAPIToken(ctx, id)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return errors.New(errs[0].Message)
	}
	fmt.Fprintf(out, "revoked %s (%s, %q)\n", fs.Arg(0), t.Role, t.Name)
	return nil
}

func ptr[T any](v T) *T { return &v }
