package telemetry

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

func TestLogLinesCarryTheTraceID(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(LogHandler(slog.NewJSONHandler(&buf, nil)))
	ctx, span := sdktrace.NewTracerProvider().Tracer("test").Start(context.Background(), "request")
	log.InfoContext(ctx, "served")
	span.End()
	if want := `"trace_id":"` + span.SpanContext().TraceID().String() + `"`; !strings.Contains(buf.String(), want) {
		t.Errorf("log line %s lacks %s", buf.String(), want)
	}
	buf.Reset()
	log.InfoContext(context.Background(), "untraced")
	if strings.Contains(buf.String(), "trace_id") {
		t.Errorf("a line without a span has a trace id: %s", buf.String())
	}
}
