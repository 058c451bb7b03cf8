// Package web serves the partner dashboard: static assets embedded in the binary, which call the public
// GraphQL API like any other client.
package web

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed dashboard
var assets embed.FS

// Dashboard serves the dashboard under /dashboard/. Its pages run no inline script and load nothing from
// elsewhere, and the Content-Security-Policy says so.
func Dashboard() http.Handler {
	sub, err := fs.Sub(assets, "dashboard")
	if err != nil {
		panic(err)
	}
	files := http.StripPrefix("/dashboard/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		// Assets change with the binary; a short cache keeps a redeploy visible.
		h.Set("Cache-Control", "public, max-age=300")
		files.ServeHTTP(w, r)
	})
}
