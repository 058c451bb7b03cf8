// Package telemetry is the hub's OpenTelemetry tracing: spans of HTTP requests (otelhttp, in httpapi),
// GraphQL operations (Operations, a gqlgen extension) and SQL statements (otelpgx, in db), exported over
// OTLP/HTTP only when OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set; the
// exporter reads the other OTEL_* variables itself. Without it the global provider is OpenTelemetry's
// no-op one, and a span costs next to nothing. Log lines of a traced request carry its trace_id.
package telemetry

import (
	"context"
	"log/slog"
	"os"

	"github.com/99designs/gqlgen/graphql"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"
)

// Enabled tells whether an OTLP endpoint is configured.
func Enabled() bool {
	return os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// Start installs the tracer provider exporting to the configured endpoint, and returns what flushes and
// stops it; without an endpoint it installs nothing.
func Start(ctx context.Context) (shutdown func(context.Context) error, err error) {
	if !Enabled() {
		return func(context.Context) error { return nil }, nil
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, err
	}
	res, _ := resource.Merge(resource.Default(), resource.NewSchemaless(semconv.ServiceName("smartcommunities-hub")))
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	slog.Info("exporting traces over OTLP")
	return tp.Shutdown, nil
}

// LogHandler adds the trace and span ids of a record's context to it.
func LogHandler(h slog.Handler) slog.Handler { return traceIDs{h} }

type traceIDs struct{ slog.Handler }

func (t traceIDs) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return t.Handler.Handle(ctx, r)
}

func (t traceIDs) WithAttrs(as []slog.Attr) slog.Handler { return traceIDs{t.Handler.WithAttrs(as)} }
func (t traceIDs) WithGroup(g string) slog.Handler       { return traceIDs{t.Handler.WithGroup(g)} }

// Operations is a gqlgen extension giving each GraphQL operation a span, named by its type and name,
// with its errors.
type Operations struct{}

var tracer = otel.Tracer("github.com/smartcommunities/hub/telemetry")

func (Operations) ExtensionName() string                   { return "Tracing" }
func (Operations) Validate(graphql.ExecutableSchema) error { return nil }

func (Operations) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	oc := graphql.GetOperationContext(ctx)
	kind, name := "query", oc.OperationName
	if oc.Operation != nil {
		kind = string(oc.Operation.Operation)
		if name == "" {
			name = oc.Operation.Name
		}
	}
	ctx, span := tracer.Start(ctx, "graphql."+kind+" "+name, trace.WithAttributes(
		attribute.String("graphql.operation.type", kind), attribute.String("graphql.operation.name", name)))
	defer span.End()
	resp := next(ctx)
	if resp != nil && len(resp.Errors) > 0 {
		span.SetStatus(codes.Error, resp.Errors.Error())
		span.SetAttributes(attribute.Int("graphql.errors", len(resp.Errors)))
	}
	return resp
}
