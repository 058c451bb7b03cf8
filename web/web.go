// Package web serves the hub's pages: the partner dashboard and GraphiQL, static assets embedded in the
// binary, which call the public GraphQL API like any other client.
package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"time"
)

//go:embed dashboard
var assets embed.FS

// GraphiQL's own files and the pinned npm builds it runs on (graphiql/vendor/VERSIONS), checked in so
// that it loads nothing from elsewhere.
//
//go:embed graphiql
var graphiqlAssets embed.FS

// GraphiQLDefaultQuery is what GraphiQL shows on a first visit: an explanation of tokens and the docs,
// and a query that answers on the demo data.
//
//go:embed graphiql/default-query.graphql
var GraphiQLDefaultQuery string

// Both pages run no inline script and load nothing from elsewhere, and the Content-Security-Policy says
// so. GraphiQL's stylesheet carries its fonts and icons as data: URLs.
const (
	dashboardCSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
	graphiqlCSP  = "default-src 'self'; img-src 'self' data:; font-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)

func secure(csp string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		// Assets change with the binary; a short cache keeps a redeploy visible.
		h.Set("Cache-Control", "public, max-age=300")
		next.ServeHTTP(w, r)
	})
}

// Dashboard serves the dashboard under /dashboard/.
func Dashboard() http.Handler {
	sub, err := fs.Sub(assets, "dashboard")
	if err != nil {
		panic(err)
	}
	return secure(dashboardCSP, http.StripPrefix("/dashboard/", http.FileServerFS(sub)))
}

// GraphiQL serves GraphiQL's page (mount it at /) and, under /graphiql/, its assets.
func GraphiQL() (page, files http.Handler) {
	tmpl := template.Must(template.ParseFS(graphiqlAssets, "graphiql/index.html"))
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, struct{ DefaultQuery string }{GraphiQLDefaultQuery}); err != nil {
		panic(err)
	}
	html := buf.Bytes()
	built := time.Now()
	page = secure(graphiqlCSP, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		http.ServeContent(w, r, "index.html", built, bytes.NewReader(html))
	}))
	files = secure(graphiqlCSP, http.FileServerFS(graphiqlAssets))
	return page, files
}
