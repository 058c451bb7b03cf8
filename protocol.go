package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
)

// graphqlOverHTTP holds the /graphql endpoint to the GraphQL-over-HTTP specification where gqlgen's
// transports do not already: a request body over the limit is refused with 413 before it is decoded,
// a POST that is not JSON with 415, a mutation over GET with 405 and Allow: POST (gqlgen answers 406),
// and a well-formed request that fails GraphQL validation gets 200 under application/json (gqlgen
// answers 422; under application/graphql-response+json its 400 is the specification's). Content
// negotiation between the two media types is gqlgen's.
func graphqlOverHTTP(maxBody int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
				protocolError(w, http.StatusUnsupportedMediaType, "send the request as application/json")
				return
			}
			if r.ContentLength > maxBody {
				protocolError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is over %d bytes", maxBody))
				return
			}
			body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
			if err != nil {
				protocolError(w, http.StatusBadRequest, "the request body could not be read")
				return
			}
			if int64(len(body)) > maxBody {
				protocolError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is over %d bytes", maxBody))
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		case http.MethodGet, http.MethodOptions:
		default:
			w.Header().Set("Allow", "GET, POST, OPTIONS")
			protocolError(w, http.StatusMethodNotAllowed, "use GET for queries, POST for any operation")
			return
		}
		next.ServeHTTP(&specStatus{ResponseWriter: w, get: r.Method == http.MethodGet}, r)
	})
}

// specStatus rewrites the two status codes of gqlgen's that differ from the specification's.
type specStatus struct {
	http.ResponseWriter
	get bool
}

func (w *specStatus) WriteHeader(code int) {
	switch {
	case code == http.StatusNotAcceptable && w.get: // a mutation over GET
		w.Header().Set("Allow", "POST")
		code = http.StatusMethodNotAllowed
	case code == http.StatusUnprocessableEntity && w.Header().Get("Content-Type") == "application/json":
		code = http.StatusOK
	}
	w.ResponseWriter.WriteHeader(code)
}

func protocolError(w http.ResponseWriter, status int, msg string) {
	httpError(w, status, "BAD_REQUEST", msg)
}

// httpError answers a request refused before GraphQL ran, in the shape of a GraphQL response, with the
// request id that logRequests gave it.
func httpError(w http.ResponseWriter, status int, code, msg string) {
	ext := map[string]any{"code": code}
	if id := w.Header().Get("X-Request-Id"); id != "" {
		ext["requestId"] = id
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{"message": msg, "extensions": ext}}})
}
