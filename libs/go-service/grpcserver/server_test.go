package grpcserver_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/protomesh/protomesh/libs/go-service/grpcserver"
	"github.com/protomesh/protomesh/libs/go-service/grpctest"
	greeterv1 "github.com/protomesh/protomesh/libs/go-service/internal/gen/greeter/v1"
	"github.com/protomesh/protomesh/libs/go-service/telemetry"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	reflectionv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	reflectionv1alpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
)

func expectCode(t *testing.T, st *status.Status, code codes.Code, message string) {
	t.Helper()
	if st.Code() != code || (message != "" && st.Message() != message) {
		t.Fatalf("got %v %q, want %v %q", st.Code(), st.Message(), code, message)
	}
}

func expectServerHeaders(t *testing.T, md metadata.MD) {
	t.Helper()
	if got := md.Get("x-server-instance"); !slices.Equal(got, []string{testInstance}) {
		t.Errorf("x-server-instance = %v", got)
	}
	if got := md.Get("x-server-version"); !slices.Equal(got, []string{testVersion}) {
		t.Errorf("x-server-version = %v", got)
	}
}

func TestHeadersOnEveryResponse(t *testing.T) {
	l := startLoopback(t, nil)
	var header metadata.MD

	st, msg := l.sayHello("headers", 5*time.Second, grpc.Header(&header))
	expectCode(t, st, codes.OK, "")
	if msg != "Hello, headers!" {
		t.Errorf("message %q", msg)
	}
	expectServerHeaders(t, header)

	header = nil
	st, _ = l.sayHello("invalid", 5*time.Second, grpc.Header(&header))
	expectCode(t, st, codes.InvalidArgument, "name: must not be empty")
	expectServerHeaders(t, header)

	header = nil
	if _, err := l.health.Check(context.Background(), &healthpb.HealthCheckRequest{}, grpc.Header(&header)); err != nil {
		t.Fatal(err)
	}
	expectServerHeaders(t, header)

	for _, path := range []string{"/greeter.v1.GreeterService/SayGoodbye", "/no.such.v1.Service/Method"} {
		header = nil
		err := l.conn.Invoke(context.Background(), path, &greeterv1.SayHelloRequest{}, &greeterv1.SayHelloResponse{}, grpc.Header(&header))
		expectCode(t, status.Convert(err), codes.Unimplemented, "unknown method "+path)
		expectServerHeaders(t, header)
	}
}

func TestErrorMappingAndCallLog(t *testing.T) {
	l := startLoopback(t, nil)
	st, _ := l.sayHello("bug", 5*time.Second)
	expectCode(t, st, codes.Unknown, "internal error")
	st, _ = l.sayHello("panic", 5*time.Second)
	expectCode(t, st, codes.Unknown, "internal error")
	st, _ = l.sayHello("denied", 5*time.Second)
	expectCode(t, st, codes.PermissionDenied, "not for you")
	ctx := metadata.AppendToOutgoingContext(context.Background(),
		"traceparent", "00-5b8efff798038103d269b633813fc60c-eee19b7ec3c1b174-01", "x-request-id", "req-1")
	if _, err := l.client.SayHello(ctx, &greeterv1.SayHelloRequest{Name: "again"}); err != nil {
		t.Fatalf("still serving: %v", err)
	}

	var lines []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.logs.String()), "\n") {
		var fields map[string]any
		if err := json.Unmarshal([]byte(line), &fields); err != nil {
			t.Fatalf("not JSON: %s", line)
		}
		lines = append(lines, fields)
	}
	find := func(code string) map[string]any {
		for _, line := range lines {
			if line["code"] == code {
				return line
			}
		}
		t.Fatalf("no call line with code %s in %v", code, lines)
		return nil
	}
	failed := find("UNKNOWN")
	if failed["msg"] != "call failed" || failed["level"] != "error" || failed["procedure"] != sayHelloPath ||
		!strings.Contains(failed["err"].(map[string]any)["message"].(string), "postgres://") {
		t.Errorf("failure line %v", failed)
	}
	denied := find("PERMISSION_DENIED")
	if denied["msg"] != "call" || denied["level"] != "debug" {
		t.Errorf("denied line %v", denied)
	}
	ok := find("OK")
	if ok["trace_id"] != "5b8efff798038103d269b633813fc60c" || ok["request_id"] != "req-1" || ok["durationMs"] == nil {
		t.Errorf("ok line %v", ok)
	}
}

func TestHealth(t *testing.T) {
	l := startLoopback(t, nil)
	for _, service := range []string{"", "greeter.v1.GreeterService"} {
		resp, err := l.health.Check(context.Background(), &healthpb.HealthCheckRequest{Service: service})
		if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Errorf("%q: %v %v", service, resp, err)
		}
	}
	_, err := l.health.Check(context.Background(), &healthpb.HealthCheckRequest{Service: "no.such.Service"})
	expectCode(t, status.Convert(err), codes.NotFound, `unknown service "no.such.Service"`)

	list, err := l.health.List(context.Background(), &healthpb.HealthListRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for name, st := range list.GetStatuses() {
		names = append(names, name)
		if st.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Errorf("%q: %v", name, st)
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"", "greeter.v1.GreeterService"}) {
		t.Errorf("listed %q", names)
	}

	// A watcher sees a change; an unknown service is SERVICE_UNKNOWN, not an error.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	watch, err := l.health.Watch(ctx, &healthpb.HealthCheckRequest{Service: "greeter.v1.GreeterService"})
	if err != nil {
		t.Fatal(err)
	}
	first, _ := watch.Recv()
	l.server.Health.SetStatus("greeter.v1.GreeterService", healthpb.HealthCheckResponse_NOT_SERVING)
	second, _ := watch.Recv()
	if first.GetStatus() != healthpb.HealthCheckResponse_SERVING || second.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("watched %v then %v", first, second)
	}
	unknown, err := l.health.Watch(ctx, &healthpb.HealthCheckRequest{Service: "no.such.Service"})
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := unknown.Recv(); err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVICE_UNKNOWN {
		t.Errorf("unknown: %v %v", resp, err)
	}
}

func TestWatchGetsNotServingAndEndsWhenADrainStarts(t *testing.T) {
	l := startLoopback(t, nil)
	watch, err := l.health.Watch(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var seen []healthpb.HealthCheckResponse_ServingStatus
	drained := make(chan grpcserver.DrainOutcome, 1)
	for {
		resp, err := watch.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("watch ended with %v", err)
		}
		seen = append(seen, resp.GetStatus())
		if len(seen) == 1 {
			go func() { drained <- l.server.Drain(2 * time.Second) }()
		}
	}
	if !slices.Equal(seen, []healthpb.HealthCheckResponse_ServingStatus{healthpb.HealthCheckResponse_SERVING, healthpb.HealthCheckResponse_NOT_SERVING}) {
		t.Errorf("seen %v", seen)
	}
	if outcome := <-drained; outcome != grpcserver.Drained {
		t.Errorf("outcome %s", outcome)
	}
	// A drain cannot be undone.
	l.server.Health.SetStatus("", healthpb.HealthCheckResponse_SERVING)
	if st, _ := l.server.Health.Status(""); st != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("status after drain %v", st)
	}
}

func TestDrainLetsCallsInFlightFinishAndRefusesNewOnes(t *testing.T) {
	l := startLoopback(t, nil)
	const inFlight = 5
	var wg sync.WaitGroup
	results := make([]string, inFlight)
	for i := range inFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, msg := l.sayHello("wait:300", 5*time.Second)
			results[i] = st.Code().String() + " " + msg
		}()
	}
	l.greeter.waitArrivals(t, inFlight)

	drained := make(chan grpcserver.DrainOutcome, 1)
	go func() { drained <- l.server.Drain(5 * time.Second) }()
	for deadline := time.Now().Add(2 * time.Second); !l.server.IsDraining(); {
		if time.Now().After(deadline) {
			t.Fatal("the drain did not begin")
		}
		time.Sleep(time.Millisecond)
	}
	// On the draining connection (GOAWAY) and on a new one (listener closed).
	st, _ := l.sayHello("late", 2*time.Second)
	expectCode(t, st, codes.Unavailable, "")
	fresh := greeterv1.NewGreeterServiceClient(grpctest.Dial(t, l.addr))
	_, err := fresh.SayHello(context.Background(), &greeterv1.SayHelloRequest{Name: "late"})
	expectCode(t, status.Convert(err), codes.Unavailable, "")

	wg.Wait()
	for _, result := range results {
		if result != "OK done wait:300" {
			t.Errorf("in flight: %s", result)
		}
	}
	if outcome := <-drained; outcome != grpcserver.Drained {
		t.Errorf("outcome %s", outcome)
	}
	if l.greeter.handled.Load() != inFlight || l.greeter.aborted.Load() != 0 {
		t.Errorf("handled %d, aborted %d", l.greeter.handled.Load(), l.greeter.aborted.Load())
	}
}

func TestForcedDrainCancelsCallsInFlight(t *testing.T) {
	for _, how := range []string{"timeout", "force"} {
		t.Run(how, func(t *testing.T) {
			l := startLoopback(t, nil)
			result := make(chan *status.Status, 1)
			go func() {
				st, _ := l.sayHello("slow", 8*time.Second)
				result <- st
			}()
			l.greeter.waitArrivals(t, 1)
			started := time.Now()
			var outcome grpcserver.DrainOutcome
			if how == "timeout" {
				outcome = l.server.Drain(200 * time.Millisecond)
			} else {
				go func() {
					time.Sleep(100 * time.Millisecond)
					l.server.Force()
				}()
				outcome = l.server.Drain(time.Minute)
			}
			if outcome != grpcserver.Forced || time.Since(started) > 3*time.Second {
				t.Errorf("outcome %s after %v", outcome, time.Since(started))
			}
			expectCode(t, <-result, codes.Canceled, "")
			if l.greeter.aborted.Load() != 1 {
				t.Error("the handler was not aborted")
			}
		})
	}
}

func TestReceiveLimitIs4MiB(t *testing.T) {
	l := startLoopback(t, nil)
	const limit = 4 * 1024 * 1024
	// Field 1 with a 4-byte length varint: 5 bytes of framing inside the message.
	at := &greeterv1.SayHelloRequest{Name: strings.Repeat("x", limit-5)}
	over := &greeterv1.SayHelloRequest{Name: strings.Repeat("x", limit-4)}
	if proto.Size(at) != limit || proto.Size(over) != limit+1 {
		t.Fatal("sizes")
	}
	resp, err := l.client.SayHello(context.Background(), at)
	if err != nil || resp.GetMessage() != "4194299 characters" {
		t.Fatalf("at the limit: %v", err)
	}
	var header metadata.MD
	_, err = l.client.SayHello(context.Background(), over, grpc.Header(&header))
	expectCode(t, status.Convert(err), codes.ResourceExhausted, "")
	expectServerHeaders(t, header)
	if l.greeter.handled.Load() != 1 {
		t.Error("the handler saw the oversized request")
	}
}

func TestMaxDeadline(t *testing.T) {
	l := startLoopback(t, func(o *grpcserver.Options) { o.MaxDeadline = 10 * time.Second })
	st, _ := l.sayHello("patient", 11*time.Second)
	expectCode(t, st, codes.InvalidArgument, "")
	if !strings.HasSuffix(st.Message(), "ms must be <= 10000") {
		t.Errorf("message %q", st.Message())
	}
	if l.greeter.handled.Load() != 0 {
		t.Error("handled")
	}
	st, _ = l.sayHello("prompt", 10*time.Second)
	expectCode(t, st, codes.OK, "")
}

func TestMetricsSeeTheStatusTheCallerReceives(t *testing.T) {
	reg := prometheus.NewRegistry()
	metrics, err := telemetry.NewServerMetrics(reg, telemetry.DefaultMaxMethods)
	if err != nil {
		t.Fatal(err)
	}
	l := startLoopback(t, func(o *grpcserver.Options) { o.Metrics = metrics })
	l.sayHello("a", 5*time.Second)
	l.sayHello("invalid", 5*time.Second)
	l.sayHello("bug", 5*time.Second)
	_, _ = l.health.Check(context.Background(), &healthpb.HealthCheckRequest{})
	// The caller leaves: CANCELLED, not a server failure.
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		l.greeter.waitArrivals(t, 4)
		cancel()
	}()
	_, _ = l.client.SayHello(ctx, &greeterv1.SayHelloRequest{Name: "slow"})
	deadline := time.Now().Add(5 * time.Second)
	var got string
	for time.Now().Before(deadline) {
		families, _ := reg.Gather()
		got = ""
		for _, family := range families {
			if family.GetName() != telemetry.ServerDurationName {
				continue
			}
			for _, m := range family.GetMetric() {
				var labels []string
				for _, pair := range m.GetLabel() {
					labels = append(labels, pair.GetName()+"="+pair.GetValue())
				}
				got += strings.Join(labels, ",") + " " + strconv.FormatUint(m.GetHistogram().GetSampleCount(), 10) + "\n"
			}
		}
		if strings.Contains(got, "CANCELLED") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, line := range []string{
		"rpc_method=greeter.v1.GreeterService/SayHello,rpc_status_code=OK,rpc_system_name=grpc 1",
		"rpc_method=greeter.v1.GreeterService/SayHello,rpc_status_code=INVALID_ARGUMENT,rpc_system_name=grpc 1",
		"rpc_method=greeter.v1.GreeterService/SayHello,rpc_status_code=CANCELLED,rpc_system_name=grpc 1",
		"error_type=UNKNOWN,rpc_method=greeter.v1.GreeterService/SayHello,rpc_status_code=UNKNOWN,rpc_system_name=grpc 1",
		"rpc_method=grpc.health.v1.Health/Check,rpc_status_code=OK,rpc_system_name=grpc 1",
	} {
		if !strings.Contains(got, line+"\n") {
			t.Errorf("missing %s in\n%s", line, got)
		}
	}
	if active := activeCalls(t, reg); active != 0 {
		t.Errorf("active %v", active)
	}
}

// activeCalls reads rpc_server_active_calls for SayHello.
func activeCalls(t *testing.T, reg *prometheus.Registry) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, family := range families {
		if family.GetName() != telemetry.ServerActiveName {
			continue
		}
		for _, m := range family.GetMetric() {
			for _, pair := range m.GetLabel() {
				if pair.GetValue() == "greeter.v1.GreeterService/SayHello" {
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	t.Fatal("no rpc_server_active_calls for SayHello")
	return 0
}

func TestReflection(t *testing.T) {
	l := startLoopback(t, nil)
	allServices := []string{"greeter.v1.GreeterService", "grpc.health.v1.Health",
		"grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"}

	ask := func(t *testing.T, version string, req *reflectionv1.ServerReflectionRequest) *reflectionv1.ServerReflectionResponse {
		t.Helper()
		if version == "v1" {
			stream, err := reflectionv1.NewServerReflectionClient(l.conn).ServerReflectionInfo(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if err := stream.Send(req); err != nil {
				t.Fatal(err)
			}
			resp, err := stream.Recv()
			if err != nil {
				t.Fatal(err)
			}
			return resp
		}
		// v1alpha's messages are field for field v1's: convert through the wire.
		stream, err := reflectionv1alpha.NewServerReflectionClient(l.conn).ServerReflectionInfo(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		alphaReq := &reflectionv1alpha.ServerReflectionRequest{}
		b, _ := proto.Marshal(req)
		_ = proto.Unmarshal(b, alphaReq)
		if err := stream.Send(alphaReq); err != nil {
			t.Fatal(err)
		}
		alphaResp, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		resp := &reflectionv1.ServerReflectionResponse{}
		b, _ = proto.Marshal(alphaResp)
		_ = proto.Unmarshal(b, resp)
		return resp
	}

	for _, version := range []string{"v1", "v1alpha"} {
		t.Run(version, func(t *testing.T) {
			resp := ask(t, version, &reflectionv1.ServerReflectionRequest{
				MessageRequest: &reflectionv1.ServerReflectionRequest_ListServices{}})
			var names []string
			for _, s := range resp.GetListServicesResponse().GetService() {
				names = append(names, s.GetName())
			}
			slices.Sort(names)
			if !slices.Equal(names, allServices) {
				t.Errorf("services %v", names)
			}
			for _, symbol := range []string{"greeter.v1.GreeterService", "greeter.v1.GreeterService.SayHello", "greeter.v1.SayHelloRequest"} {
				resp := ask(t, version, &reflectionv1.ServerReflectionRequest{
					MessageRequest: &reflectionv1.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: symbol}})
				files := resp.GetFileDescriptorResponse().GetFileDescriptorProto()
				if len(files) == 0 {
					t.Fatalf("%s: %v", symbol, resp)
				}
				file := &descriptorpb.FileDescriptorProto{}
				if err := proto.Unmarshal(files[0], file); err != nil {
					t.Fatal(err)
				}
				method := file.GetService()[0].GetMethod()[0]
				if file.GetName() != "greeter/v1/greeter.proto" || file.GetPackage() != "greeter.v1" ||
					method.GetInputType() != ".greeter.v1.SayHelloRequest" || file.GetOptions().GetGoPackage() != "" {
					t.Errorf("%s: %v", symbol, file)
				}
			}
			for _, req := range []*reflectionv1.ServerReflectionRequest{
				{MessageRequest: &reflectionv1.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: "greeter.v1.NoSuchService"}},
				{MessageRequest: &reflectionv1.ServerReflectionRequest_FileByFilename{FileByFilename: "no/such/file.proto"}},
			} {
				if code := ask(t, version, req).GetErrorResponse().GetErrorCode(); code != int32(codes.NotFound) {
					t.Errorf("%v: error code %d", req, code)
				}
			}
		})
	}
}

// rawCall sends one gRPC request over HTTP/2 with prior knowledge, with
// nothing between the test and the wire but Go's HTTP/2 client.
func rawCall(t *testing.T, addr, path string, headers map[string]string, body []byte) (int, http.Header, string, string) {
	t.Helper()
	transport := &http.Transport{Protocols: &http.Protocols{}}
	transport.Protocols.SetUnencryptedHTTP2(true)
	defer transport.CloseIdleConnections()
	req, _ := http.NewRequest("POST", "http://"+addr+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/grpc")
	req.Header.Set("TE", "trailers")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := (&http.Client{Transport: transport}).Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	grpcStatus, grpcMessage := resp.Trailer.Get("Grpc-Status"), resp.Trailer.Get("Grpc-Message")
	if grpcStatus == "" {
		grpcStatus, grpcMessage = resp.Header.Get("Grpc-Status"), resp.Header.Get("Grpc-Message")
	}
	decoded, _ := url.PathUnescape(grpcMessage)
	return resp.StatusCode, resp.Header, grpcStatus, decoded
}

func frame(payload []byte, flags byte, length uint32) []byte {
	out := make([]byte, 5, 5+len(payload))
	out[0] = flags
	binary.BigEndian.PutUint32(out[1:], length)
	return append(out, payload...)
}

func TestMalformedInputOnTheWire(t *testing.T) {
	l := startLoopback(t, func(o *grpcserver.Options) { o.MaxRecvBytes = 1024 })
	request := func(size int) []byte {
		b, _ := proto.Marshal(&greeterv1.SayHelloRequest{Name: strings.Repeat("x", size-3)})
		return b
	}
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		_, _ = w.Write(b)
		_ = w.Close()
		return buf.Bytes()
	}
	// Codes follow grpc/doc/statuscodes.md where it names the case; where it
	// does not (a cut-off frame, a malformed grpc-timeout), grpc-go's answer is
	// kept and NOTES.md lists it. Refusals grpc-go's transport makes before any
	// handler runs (content-type, grpc-timeout, grpc-encoding) carry no
	// x-server-* headers.
	const withHeaders, bare = true, false
	cases := []struct {
		name       string
		path       string
		headers    map[string]string
		body       []byte
		httpStatus int
		code       string
		identified bool
	}{
		{"not protobuf", sayHelloPath, nil, frame([]byte{0xff, 0xff, 0xff, 0xff}, 0, 4), 200, "13", withHeaders},
		{"a frame shorter than its length prefix", sayHelloPath, nil, frame([]byte("abc"), 0, 10), 200, "13", withHeaders},
		{"a cut-off length prefix", sayHelloPath, nil, []byte{0, 0, 0}, 200, "13", withHeaders},
		{"a 4 GiB length prefix, refused without the body", sayHelloPath, nil, frame(nil, 0, 0xffffffff), 200, "8", withHeaders},
		{"a small gzip body inflating past the cap", sayHelloPath, map[string]string{"grpc-encoding": "gzip"}, frame(gz(request(1025)), 1, uint32(len(gz(request(1025))))), 200, "8", withHeaders},
		{"a gzip body within the cap", sayHelloPath, map[string]string{"grpc-encoding": "gzip"}, frame(gz(request(1024)), 1, uint32(len(gz(request(1024))))), 200, "0", withHeaders},
		{"the compressed flag without grpc-encoding", sayHelloPath, nil, frame(request(10), 1, 10), 200, "13", withHeaders},
		{"an unknown method", "/greeter.v1.GreeterService/SayGoodbye", nil, frame(nil, 0, 0), 200, "12", withHeaders},
		{"an unknown service", "/no.such.v1.Service/Method", nil, frame(nil, 0, 0), 200, "12", withHeaders},
		{"an unknown grpc-encoding", sayHelloPath, map[string]string{"grpc-encoding": "snappy"}, frame([]byte("x"), 1, 1), 200, "12", bare},
		{"a malformed grpc-timeout", sayHelloPath, map[string]string{"grpc-timeout": "soon"}, frame(nil, 0, 0), 400, "13", bare},
		{"a wrong content-type", sayHelloPath, map[string]string{"Content-Type": "application/json"}, []byte(`{"name":"json"}`), 415, "3", bare},
	}
	for _, c := range cases {
		httpStatus, header, code, message := rawCall(t, l.addr, c.path, c.headers, c.body)
		if httpStatus != c.httpStatus || code != c.code {
			t.Errorf("%s: HTTP %d grpc-status %s (%s), want %d %s", c.name, httpStatus, code, message, c.httpStatus, c.code)
		}
		if c.code == "12" && c.headers == nil && message != "unknown method "+c.path {
			t.Errorf("%s: message %q", c.name, message)
		}
		if identified := header.Get("X-Server-Instance") == testInstance; identified != c.identified {
			t.Errorf("%s: x-server-instance present: %v", c.name, identified)
		}
	}
	if handled := l.greeter.handled.Load(); handled != 1 {
		t.Errorf("the handler ran %d times, want once (the valid gzip request)", handled)
	}
	st, _ := l.sayHello("still here", 5*time.Second)
	expectCode(t, st, codes.OK, "")
}

func TestListenFailsOnATakenPort(t *testing.T) {
	l := startLoopback(t, nil)
	_, port, _ := strings.Cut(l.addr, ":")
	n, _ := strconv.Atoi(port)
	server := grpcserver.New(grpcserver.Options{Host: "127.0.0.1", Port: n})
	t.Cleanup(server.Stop)
	if _, err := server.Listen(); err == nil {
		t.Error("listened twice on one port")
	}
}
