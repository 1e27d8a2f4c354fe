package telemetry

import (
	"regexp"
	"strings"

	"github.com/protomesh/protomesh/libs/go-service/runtime"
	"google.golang.org/grpc/metadata"
)

var (
	traceparentRegexp = regexp.MustCompile(`^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$`)
	hex16or32Regexp   = regexp.MustCompile(`^([0-9a-f]{16}|[0-9a-f]{32})$`)
	hex16Regexp       = regexp.MustCompile(`^[0-9a-f]{16}$`)
)

const (
	zeroTraceID = "00000000000000000000000000000000"
	zeroSpanID  = "0000000000000000"
)

// TraceLogFields are the log fields of an incoming call, named as
// OpenTelemetry's "trace context in non-OTLP log formats" asks (trace_id,
// span_id, trace_flags) plus the mesh's request_id, in the order the
// TypeScript server writes them. The trace comes from W3C traceparent or,
// failing that, B3 (single or multi header), as Istio forwards them; the
// span_id is the caller's, since this server records no spans of its own.
func TraceLogFields(md metadata.MD) []runtime.Field {
	var fields []runtime.Field
	if traceID, spanID, flags, ok := w3cTrace(md); ok {
		fields = append(fields, runtime.F("trace_id", traceID), runtime.F("span_id", spanID), runtime.F("trace_flags", flags))
	} else if traceID, spanID, flags, ok := b3Trace(md); ok {
		fields = append(fields, runtime.F("trace_id", traceID), runtime.F("span_id", spanID), runtime.F("trace_flags", flags))
	}
	if requestID := first(md, "x-request-id"); requestID != "" {
		fields = append(fields, runtime.F("request_id", requestID))
	}
	return fields
}

func first(md metadata.MD, key string) string {
	if values := md.Get(key); len(values) > 0 {
		return values[0]
	}
	return ""
}

func w3cTrace(md metadata.MD) (traceID, spanID, flags string, ok bool) {
	match := traceparentRegexp.FindStringSubmatch(strings.TrimSpace(first(md, "traceparent")))
	if match == nil || match[1] == "ff" || (match[1] == "00" && match[5] != "") {
		return "", "", "", false
	}
	if match[2] == zeroTraceID || match[3] == zeroSpanID {
		return "", "", "", false
	}
	return match[2], match[3], match[4], true
}

func b3Trace(md metadata.MD) (traceID, spanID, flags string, ok bool) {
	var sampled string
	if single := first(md, "b3"); single != "" {
		parts := strings.Split(single, "-")
		if len(parts) < 2 {
			return "", "", "", false
		}
		traceID, spanID = parts[0], parts[1]
		if len(parts) > 2 {
			sampled = parts[2]
		}
	} else {
		traceID, spanID, sampled = first(md, "x-b3-traceid"), first(md, "x-b3-spanid"), first(md, "x-b3-sampled")
		if first(md, "x-b3-flags") == "1" {
			sampled = "d"
		}
	}
	if !hex16or32Regexp.MatchString(traceID) || !hex16Regexp.MatchString(spanID) {
		return "", "", "", false
	}
	if len(traceID) == 16 {
		traceID = "0000000000000000" + traceID
	}
	if traceID == zeroTraceID || spanID == zeroSpanID {
		return "", "", "", false
	}
	flags = "00"
	if sampled == "1" || sampled == "d" || sampled == "true" {
		flags = "01"
	}
	return traceID, spanID, flags, true
}
