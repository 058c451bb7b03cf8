// Package feeds serves what municipal staff subscribe to rather than query: /feeds/deadlines.ics, an
// iCalendar (RFC 5545) of the upcoming deadlines of open and forthcoming calls, and
// /feeds/best-practices.atom, an Atom feed (RFC 4287) of the latest published practices.
//
// A feed is a GraphQL list read through db with the list's own filter (FundingOpportunities,
// BestPractices), so it shows what the same filter shows in the API. Its query parameters are that
// filter's codes; a code the hub does not know is a 400 that names it, never an empty feed: a calendar
// subscribed with a mistyped country would otherwise stay empty without anyone noticing. Feeds are
// public documents that proxies and calendar services cache: they show published content only, whatever
// token comes with the request. Both answer conditional requests (ETag, Last-Modified, 304) and HEAD.
package feeds

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/smartcommunities/hub/db"
)

// Domain names the hub in the identifiers of feed items: calendar UIDs (topic-date@Domain) and Atom
// tag: URIs. It must never change, or every subscriber's calendar would see every deadline as new; so
// it is a constant, not the host a request happened to use.
const Domain = "hub.smartcommunities.network"

// tagDate is the date of Domain in its tag: URIs (RFC 4151): the year the feeds began.
const tagDate = "2026"

// Handler serves the feeds under /feeds/.
func Handler(d *db.DB) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /feeds/deadlines.ics", func(w http.ResponseWriter, r *http.Request) { deadlines(w, r, d) })
	mux.HandleFunc("GET /feeds/best-practices.atom", func(w http.ResponseWriter, r *http.Request) { bestPractices(w, r, d) })
	mux.HandleFunc("/feeds/", func(w http.ResponseWriter, r *http.Request) {
		httpError(w, http.StatusNotFound, "NOT_FOUND", "the feeds are /feeds/deadlines.ics and /feeds/best-practices.atom")
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Published content only: a feed may be cached and passed on by anyone who fetched it.
		mux.ServeHTTP(w, r.WithContext(db.WithReadAccess(r.Context(), db.ReadAccess{})))
	})
}

// params are a feed's query parameters, each a list: repeated (theme=a&theme=b) or comma-separated
// (theme=a,b), as a calendar URL is easier to write by hand.
type params map[string][]string

// parseParams reads the query, refusing parameters the feed does not take: a misspelt one (contry=EL)
// would otherwise be a feed of everything.
func parseParams(r *http.Request, allowed ...string) (params, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("the query string does not parse: %v", err)
	}
	p := params{}
	for k, vs := range q {
		if !slices.Contains(allowed, k) {
			return nil, fmt.Errorf("%q is not a parameter of this feed; it takes %s", k, strings.Join(allowed, ", "))
		}
		for _, v := range vs {
			for _, s := range strings.Split(v, ",") {
				if s = strings.TrimSpace(s); s != "" && !slices.Contains(p[k], s) {
					p[k] = append(p[k], s)
				}
			}
		}
	}
	return p, nil
}

// codes checks each value of parameter name against the reference data; the message of an unknown
// one says what the hub calls it when only the spelling differs.
func (p params) codes(name string, known func(string) bool, hint func(string) string) ([]string, error) {
	for _, c := range p[name] {
		if !known(c) {
			msg := fmt.Sprintf("%s: %q is not known to the hub", name, c)
			if h := hint(c); h != "" {
				msg += "; " + h
			}
			return nil, errors.New(msg)
		}
	}
	return p[name], nil
}

func countryCodes(p params, ref *db.Reference) ([]string, error) {
	return p.codes("country", func(c string) bool { return ref.Country(c) != nil }, func(c string) string {
		for _, k := range ref.Countries {
			if strings.EqualFold(k.IsoCode, c) && k.IsoCode != k.Code {
				return fmt.Sprintf("the hub uses EU country codes: %s is %s", k.Name, k.Code)
			}
			if strings.EqualFold(k.Code, c) {
				return fmt.Sprintf("did you mean %s?", k.Code)
			}
		}
		return "use EU country codes, e.g. DE, EL (Greece), IE"
	})
}

func themeCodes(p params, ref *db.Reference) ([]string, error) {
	return p.codes("theme", func(c string) bool { return ref.Theme(c) != nil }, func(c string) string {
		codes := []string{}
		for _, t := range ref.Themes {
			codes = append(codes, t.Code)
		}
		return "the themes are " + strings.Join(codes, ", ")
	})
}

func programmeCodes(p params, ref *db.Reference) ([]string, error) {
	return p.codes("programme", func(c string) bool { return ref.Programme(c) != nil }, func(c string) string {
		codes := []string{}
		for _, pr := range ref.Programmes {
			codes = append(codes, pr.Code)
		}
		return "the programmes are " + strings.Join(codes, ", ")
	})
}

// serve answers with body, or 304 when the client's copy is current. The ETag is a hash of the body, so
// it is exact: a feed is small enough to build before deciding. Last-Modified is lastModified unless
// that falls in the database's current second: HTTP dates count whole seconds, so a change later in the
// same second would carry the same date and be answered 304 to a client that only sends
// If-Modified-Since. http.ServeContent applies the conditional headers as RFC 9110 orders them (and
// HEAD).
func serve(w http.ResponseWriter, r *http.Request, contentType string, body []byte, lastModified, dbNow time.Time) {
	sum := sha256.Sum256(body)
	w.Header().Set("ETag", `"`+base64.RawURLEncoding.EncodeToString(sum[:18])+`"`)
	w.Header().Set("Content-Type", contentType)
	// Feed readers and calendar services poll; five minutes of caching spares the database, and the
	// ETag makes every poll after that cheap.
	w.Header().Set("Cache-Control", "public, max-age=300")
	if !lastModified.Before(dbNow.Truncate(time.Second)) {
		lastModified = time.Time{}
	}
	http.ServeContent(w, r, "", lastModified, bytes.NewReader(body))
}

// failed answers a feed the hub could not build: 503 when its time ran out, 500 otherwise, the detail
// only in the log.
func failed(w http.ResponseWriter, r *http.Request, feed string, err error) {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		httpError(w, http.StatusServiceUnavailable, "TIMEOUT", "building the feed took too long; retry shortly")
		return
	}
	slog.ErrorContext(r.Context(), "feed failed", "feed", feed, "err", err, "request_id", w.Header().Get("X-Request-Id"))
	httpError(w, http.StatusInternalServerError, "INTERNAL_SERVER_ERROR", "the feed failed; the log has the detail under this request id")
}

// httpError answers in the shape of the hub's other refusals (httpapi's httpError): a GraphQL-style
// error with a code and the request id, so a client reads every error of the hub alike.
func httpError(w http.ResponseWriter, status int, code, msg string) {
	ext := map[string]any{"code": code}
	if id := w.Header().Get("X-Request-Id"); id != "" {
		ext["requestId"] = id
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{"message": msg, "extensions": ext}}})
}

func badRequest(w http.ResponseWriter, err error) {
	httpError(w, http.StatusBadRequest, "BAD_USER_INPUT", err.Error())
}

// latest is the latest of ts.
func latest(ts ...time.Time) time.Time {
	var out time.Time
	for _, t := range ts {
		if t.After(out) {
			out = t
		}
	}
	return out
}

// describe says which filter a feed has, for its title: "country DE; theme mobility, energy".
func describe(names []string, lists ...[]string) string {
	var parts []string
	for i, l := range lists {
		if len(l) > 0 {
			parts = append(parts, names[i]+" "+strings.Join(l, ", "))
		}
	}
	return strings.Join(parts, "; ")
}
