package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// postJSON is gqlgen's POST transport (transport.POST: the same negotiation of the response's media
// type, the same statuses, the same errors) except in how it writes the answer. gqlgen's json.Marshal
// of the response validates and compacts the data again, byte by byte, after the executor built it
// compact: 6% of the hub's CPU on the README's members query at 100,000 practices. writeResponse
// writes the data as it is.
type postJSON struct{}

var _ graphql.Transport = postJSON{}

func (postJSON) Supports(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && r.Method == http.MethodPost && mt == "application/json"
}

const (
	mediaJSON         = "application/json"
	mediaGraphQLReply = "application/graphql-response+json"
)

// replyMediaType is the media type of the answer to r, as gqlgen's transports choose it: the first of
// the two the Accept header names, application/json for none or a wildcard.
func replyMediaType(r *http.Request) string {
	accept := r.Header.Get("Accept")
	if accept == "" {
		return mediaJSON
	}
	for part := range strings.SplitSeq(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "*/*", "application/*", mediaJSON:
			return mediaJSON
		case mediaGraphQLReply:
			return mediaGraphQLReply
		}
	}
	return mediaGraphQLReply
}

func (postJSON) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	mediaType := replyMediaType(r)
	w.Header().Set("Content-Type", mediaType)
	start := graphql.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{gqlerror.Errorf("could not read request body: %+v", err)}))
		return
	}
	var params graphql.RawParams
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&params); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{gqlerror.Errorf("json request body could not be decoded: %+v body:%s", err, body)}))
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	oc, errs := exec.CreateOperationContext(ctx, &params)
	if errs != nil {
		status := http.StatusOK
		if errcode.GetErrorKind(errs) == errcode.KindProtocol {
			// The GraphQL-over-HTTP specification's 400 for its own media type; gqlgen's 422 for JSON,
			// which graphqlOverHTTP answers as the specification says.
			status = http.StatusUnprocessableEntity
			if mediaType == mediaGraphQLReply {
				status = http.StatusBadRequest
			}
		}
		w.WriteHeader(status)
		writeResponse(w, exec.DispatchError(graphql.WithOperationContext(ctx, oc), errs))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, oc)
	writeResponse(w, responses(ctx))
}

// writeResponse writes resp as encoding/json would, in the order of graphql.Response's fields, with
// its data as the executor wrote it.
func writeResponse(w io.Writer, resp *graphql.Response) {
	var b bytes.Buffer
	b.Grow(len(resp.Data) + 256)
	b.WriteByte('{')
	if len(resp.Errors) > 0 {
		b.WriteString(`"errors":`)
		appendJSON(&b, resp.Errors)
		b.WriteByte(',')
	}
	b.WriteString(`"data":`)
	if len(resp.Data) == 0 {
		b.WriteString("null")
	} else {
		b.Write(resp.Data)
	}
	if resp.Label != "" {
		b.WriteString(`,"label":`)
		appendJSON(&b, resp.Label)
	}
	if len(resp.Path) > 0 {
		b.WriteString(`,"path":`)
		appendJSON(&b, resp.Path)
	}
	if resp.HasNext != nil {
		b.WriteString(`,"hasNext":`)
		appendJSON(&b, *resp.HasNext)
	}
	if len(resp.Extensions) > 0 {
		b.WriteString(`,"extensions":`)
		appendJSON(&b, resp.Extensions)
	}
	b.WriteByte('}')
	w.Write(b.Bytes())
}

// appendJSON appends v's JSON: the parts of a response other than its data are the hub's own errors and
// extensions, which always marshal.
func appendJSON(b *bytes.Buffer, v any) {
	j, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	b.Write(j)
}
