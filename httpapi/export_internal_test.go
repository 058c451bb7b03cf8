package httpapi

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// At most cap(slots) exports run at once; one more is told to retry. The GraphQL handler here stands
// still until released, so the first export is surely running when the second arrives.
func TestCSVExportsRunFewAtATime(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	stall := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-release
		w.Write([]byte(`{"data":{"list":{"pageInfo":{"hasNextPage":false},"nodes":[]}}}`))
	})
	mux := http.NewServeMux()
	mux.Handle("GET /export/{file}", exportCSV(stall, make(chan struct{}, 1)))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	first := make(chan int)
	go func() {
		resp, err := http.Get(srv.URL + "/export/members.csv")
		if err != nil {
			first <- 0
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	<-started
	resp, err := http.Get(srv.URL + "/export/members.csv")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("a second export while one runs: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	close(release)
	if code := <-first; code != http.StatusOK {
		t.Errorf("the first export: %d", code)
	}
}
