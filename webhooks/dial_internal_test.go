package webhooks

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// The address is checked when connecting, after DNS: a name that resolved to a public address at
// registration and to a private one later is still refused.
func TestDialRefusesPrivateAddresses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	_, err := Config{Timeout: time.Second}.client().Get(srv.URL)
	if !errors.Is(err, ErrPrivateAddress) {
		t.Errorf("a request to %s: %v; want ErrPrivateAddress", srv.URL, err)
	}
	if resp, err := (Config{Timeout: time.Second, AllowPrivate: true}).client().Get(srv.URL); err != nil {
		t.Errorf("with private addresses allowed: %v", err)
	} else {
		resp.Body.Close()
	}
}
