package telemetry

import (
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
)

const sayHello = "greeter.v1.GreeterService/SayHello"

func TestLabels(t *testing.T) {
	if StatusCodeLabel(codes.OK) != "OK" || StatusCodeLabel(codes.Canceled) != "CANCELLED" || StatusCodeLabel(99) != "UNKNOWN" {
		t.Error("status labels")
	}
	for _, code := range []codes.Code{codes.Unknown, codes.DeadlineExceeded, codes.Unimplemented, codes.Internal, codes.Unavailable, codes.DataLoss} {
		if ServerErrorType(code) != StatusCodeLabel(code) {
			t.Errorf("%v is a server failure", code)
		}
	}
	for _, code := range []codes.Code{codes.OK, codes.InvalidArgument, codes.NotFound, codes.PermissionDenied, codes.Canceled, codes.ResourceExhausted} {
		if ServerErrorType(code) != "" {
			t.Errorf("%v is not a server failure", code)
		}
	}
}

func TestMethodLabelsFoldIntoOther(t *testing.T) {
	labels := NewMethodLabels(2)
	got := []string{labels.Label("a/One"), labels.Label("a/Two"), labels.Label("a/Three"), labels.Label("a/One")}
	if !slices.Equal(got, []string{"a/One", "a/Two", OtherMethod, "a/One"}) {
		t.Errorf("got %v", got)
	}
}

func TestBucketsAreSortedAndKeepOpenTelemetrysAdvice(t *testing.T) {
	if !slices.IsSorted(CallDurationBuckets) || len(CallDurationBuckets) != 27 {
		t.Error("sorted")
	}
	for _, b := range []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10} {
		if !slices.Contains(CallDurationBuckets, b) {
			t.Errorf("missing %v", b)
		}
	}
}

// scrape serves reg and returns the exposition text.
func scrape(t *testing.T, reg *prometheus.Registry) (string, *MetricsServer) {
	t.Helper()
	server, err := StartMetricsServer(reg, "127.0.0.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = server.Close() })
	resp, err := http.Get(server.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return string(body), server
}

func TestServerMetricsExposition(t *testing.T) {
	reg := NewRegistry()
	metrics, err := NewServerMetrics(reg, DefaultMaxMethods)
	if err != nil {
		t.Fatal(err)
	}
	metrics.Start(sayHello)(codes.OK)
	metrics.Start(sayHello)(codes.OK)
	metrics.Start(sayHello)(codes.InvalidArgument)
	metrics.Start(sayHello)(codes.DeadlineExceeded)
	inFlight := metrics.Start(sayHello)
	text, server := scrape(t, reg)
	for _, line := range []string{
		`rpc_server_call_duration_seconds_count{rpc_method="greeter.v1.GreeterService/SayHello",rpc_status_code="OK",rpc_system_name="grpc"} 2`,
		`rpc_server_call_duration_seconds_count{rpc_method="greeter.v1.GreeterService/SayHello",rpc_status_code="INVALID_ARGUMENT",rpc_system_name="grpc"} 1`,
		`rpc_server_call_duration_seconds_count{error_type="DEADLINE_EXCEEDED",rpc_method="greeter.v1.GreeterService/SayHello",rpc_status_code="DEADLINE_EXCEEDED",rpc_system_name="grpc"} 1`,
		`rpc_server_call_duration_seconds_bucket{rpc_method="greeter.v1.GreeterService/SayHello",rpc_status_code="OK",rpc_system_name="grpc",le="+Inf"} 2`,
		`rpc_server_call_duration_seconds_bucket{rpc_method="greeter.v1.GreeterService/SayHello",rpc_status_code="OK",rpc_system_name="grpc",le="0.0001"} `,
		`rpc_server_active_calls{rpc_method="greeter.v1.GreeterService/SayHello",rpc_system_name="grpc"} 1`,
		`# TYPE rpc_server_call_duration_seconds histogram`,
	} {
		if !strings.Contains(text, line) {
			t.Errorf("missing %s", line)
		}
	}
	if strings.Contains(text, `error_type=""`) {
		t.Error("error_type must be absent, not empty, on calls that did not fail")
	}
	for _, re := range []string{`(?m)^process_resident_memory_bytes \d`, `(?m)^process_cpu_seconds_total \d`, `(?m)^go_goroutines \d`} {
		if !regexp.MustCompile(re).MatchString(text) {
			t.Errorf("missing %s", re)
		}
	}
	inFlight(codes.Unavailable)

	base := strings.TrimSuffix(server.URL, MetricsPath)
	for _, probe := range []struct{ method, url string }{{"GET", base + "/"}, {"GET", base + "/metricsx"}, {"POST", server.URL}} {
		req, _ := http.NewRequest(probe.method, probe.url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("%s %s: %d", probe.method, probe.url, resp.StatusCode)
		}
	}
	if resp, err := http.Get(server.URL + "?name[]=x"); err != nil || resp.StatusCode != 200 {
		t.Errorf("query: %v", err)
	}
}

func TestMetricsServerFailsOnATakenPort(t *testing.T) {
	first, err := StartMetricsServer(NewRegistry(), "127.0.0.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	if _, err := StartMetricsServer(NewRegistry(), "127.0.0.1", first.Addr.Port); err == nil {
		t.Error("second server started on the same port")
	}
}

func TestTraceLogFields(t *testing.T) {
	fields := func(md metadata.MD) map[string]any {
		out := map[string]any{}
		for _, f := range TraceLogFields(md) {
			out[f.Key] = f.Value
		}
		return out
	}
	got := fields(metadata.Pairs("traceparent", "00-5b8efff798038103d269b633813fc60c-eee19b7ec3c1b174-01", "x-request-id", "req-1",
		"x-b3-traceid", "1111111111111111", "x-b3-spanid", "2222222222222222"))
	if got["trace_id"] != "5b8efff798038103d269b633813fc60c" || got["span_id"] != "eee19b7ec3c1b174" || got["trace_flags"] != "01" || got["request_id"] != "req-1" {
		t.Errorf("w3c wins: %v", got)
	}
	got = fields(metadata.Pairs("x-b3-traceid", "1111111111111111", "x-b3-spanid", "2222222222222222", "x-b3-sampled", "1"))
	if got["trace_id"] != "00000000000000001111111111111111" || got["trace_flags"] != "01" {
		t.Errorf("b3 multi: %v", got)
	}
	got = fields(metadata.Pairs("b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-0"))
	if got["trace_id"] != "80f198ee56343ba864fe8b2a57d3eff7" || got["span_id"] != "e457b5a2e4d86bd1" || got["trace_flags"] != "00" {
		t.Errorf("b3 single: %v", got)
	}
	if len(fields(metadata.Pairs("traceparent", "00-00000000000000000000000000000000-eee19b7ec3c1b174-01"))) != 0 {
		t.Error("an all-zero trace id is no trace")
	}
	if len(fields(metadata.MD{})) != 0 {
		t.Error("no headers, no fields")
	}
}
