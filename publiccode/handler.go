package publiccode

import (
	"log/slog"
	"net/http"

	"github.com/smartcommunities/hub/db"
)

// Handler serves GET /digital-tools/{slug}/publiccode.yml: a tool the caller may read, as a
// publiccode.yml (404 for any other slug).
func Handler(d *db.DB) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		t, err := d.DigitalToolBySlug(ctx, r.PathValue("slug"))
		if err == nil && t == nil {
			http.Error(w, "no digital tool has this slug", http.StatusNotFound)
			return
		}
		var countries map[int64][]string
		var translations map[int64][]*db.DigitalToolTranslation
		if err == nil {
			countries, err = d.ToolCountries(ctx, []int64{t.ID})
		}
		if err == nil {
			translations, err = d.ToolTranslations(ctx, []int64{t.ID})
		}
		var out []byte
		if err == nil {
			var cs []*db.Country
			for _, c := range countries[t.ID] {
				cs = append(cs, d.Reference().Country(c))
			}
			out, err = Render(t, cs, translations[t.ID])
		}
		if err != nil {
			slog.ErrorContext(ctx, "serving a publiccode.yml failed", "slug", r.PathValue("slug"), "error", err)
			http.Error(w, "the hub could not read this tool; try again later", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
		w.Write(out)
	})
}
