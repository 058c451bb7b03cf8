package feeds_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/smartcommunities/hub/hubtest"
)

// BenchmarkFeeds is a poll of each feed on the demo data: whole, and revalidated with the ETag (304), which
// a feed reader or calendar service sends after its first fetch.
func BenchmarkFeeds(b *testing.B) {
	h := hubtest.New(b, true)
	for _, path := range []string{"/feeds/deadlines.ics", "/feeds/best-practices.atom?limit=100"} {
		resp, err := http.Get(h.URL() + path)
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("%s: %v %v", path, err, resp.Status)
		}
		etag := resp.Header.Get("ETag")
		resp.Body.Close()
		for _, c := range []struct{ name, etag string }{{"whole", ""}, {"304", etag}} {
			b.Run(path+"/"+c.name, func(b *testing.B) {
				req, _ := http.NewRequest(http.MethodGet, h.URL()+path, nil)
				if c.etag != "" {
					req.Header.Set("If-None-Match", c.etag)
				}
				b.ReportAllocs()
				for b.Loop() {
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		}
	}
}
