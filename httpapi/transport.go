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
	return err == nil && r.Method == http.MethodPost && mt == mediaJSON
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
// its data as the executor wrote it, straight to w (the server buffers the writes).
func writeResponse(w io.Writer, resp *graphql.Response) {
	io.WriteString(w, "{")
	if len(resp.Errors) > 0 {
		writeMember(w, `"errors":`, resp.Errors)
		io.WriteString(w, ",")
	}
	io.WriteString(w, `"data":`)
	if len(resp.Data) == 0 {
		io.WriteString(w, "null")
	} else {
		w.Write(resp.Data)
	}
	if resp.Label != "" {
		writeMember(w, `,"label":`, resp.Label)
	}
	if len(resp.Path) > 0 {
		writeMember(w, `,"path":`, resp.Path)
	}
	if resp.HasNext != nil {
		writeMember(w, `,"hasNext":`, *resp.HasNext)
	}
	if len(resp.Extensions) > 0 {
		writeMember(w, `,"extensions":`, resp.Extensions)
	}
	io.WriteString(w, "}")
}

// writeMember writes a name and v's JSON. The parts of a response other than its data are the hub's own
// errors and extensions, which always marshal; gqlgen's transport panics too if one does not.
func writeMember(w io.Writer, name string, v any) {
	j, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	io.WriteString(w, name)
	w.Write(j)
}
