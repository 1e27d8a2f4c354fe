package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	greeterv1 "github.com/protomesh/protomesh/apps/server-go/gen/greeter/v1"
	"github.com/protomesh/protomesh/libs/go-service/grpctest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// runAsServer makes the test binary the server when it is started by
// startProcess: the tests below run the real main, with its signals, exit
// codes, stdout and stderr, without building a second binary.
const runAsServer = "GREETER_SERVER_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runAsServer) == "1" {
		os.Exit(run())
	}
	os.Exit(m.Run())
}

// process is the server as a child process, its stdout log lines collected.
type process struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	lines  []map[string]any
	stderr strings.Builder
	newRow chan struct{}
	exited chan struct{}
	code   int
}

// startProcess runs the server with exactly env (plus METRICS_PORT=0 unless given).
func startProcess(t *testing.T, env map[string]string) *process {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = []string{runAsServer + "=1", "METRICS_PORT=0"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	p := &process{cmd: cmd, newRow: make(chan struct{}, 1000), exited: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pipes sync.WaitGroup
	pipes.Add(2)
	go func() {
		defer pipes.Done()
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			var line map[string]any
			if err := json.Unmarshal(scanner.Bytes(), &line); err != nil {
				line = map[string]any{"raw": scanner.Text()}
			}
			p.mu.Lock()
			p.lines = append(p.lines, line)
			p.mu.Unlock()
			p.newRow <- struct{}{}
		}
	}()
	go func() {
		defer pipes.Done()
		b, _ := io.ReadAll(stderr)
		p.mu.Lock()
		p.stderr.Write(b)
		p.mu.Unlock()
	}()
	go func() {
		pipes.Wait()
		_ = cmd.Wait()
		p.code = cmd.ProcessState.ExitCode()
		close(p.exited)
		p.newRow <- struct{}{}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.exited
	})
	return p
}

func (p *process) waitForLine(t *testing.T, msg string, timeout time.Duration) map[string]any {
	t.Helper()
	deadline := time.After(timeout)
	for {
		p.mu.Lock()
		for _, line := range p.lines {
			if m, _ := line["msg"].(string); m == msg || strings.HasPrefix(m, msg) {
				p.mu.Unlock()
				return line
			}
		}
		p.mu.Unlock()
		select {
		case <-p.newRow:
		case <-p.exited:
			p.mu.Lock()
			t.Fatalf("exited before %q; stdout %v stderr %s", msg, p.lines, p.stderr.String())
		case <-deadline:
			t.Fatalf("no %q within %v; stdout %v", msg, timeout, p.lines)
		}
	}
}

func (p *process) waitForExit(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.exited:
		return p.code
	case <-time.After(timeout):
		t.Fatalf("still running after %v; stdout %v", timeout, p.lines)
		return -1
	}
}

func (p *process) messages() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, line := range p.lines {
		m, _ := line["msg"].(string)
		out = append(out, m)
	}
	return out
}

// startServer starts the server on 127.0.0.1 at a free port, without a drain
// delay unless env sets one, and reads the bound port from its "greeter server
// listening" line, as libs/testing's startServer does for the Jest suites.
func startServer(t *testing.T, env map[string]string) (*process, string) {
	t.Helper()
	full := map[string]string{"HOST": "127.0.0.1", "PORT": "0", "DRAIN_DELAY": "0s"}
	for k, v := range env {
		full[k] = v
	}
	p := startProcess(t, full)
	address := p.waitForLine(t, "greeter server listening", 10*time.Second)["address"].(string)
	return p, "127.0.0.1" + address[strings.LastIndex(address, ":"):]
}

func sayHello(conn *grpc.ClientConn, name string, timeout time.Duration) (*greeterv1.SayHelloResponse, *status.Status) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	resp, err := greeterv1.NewGreeterServiceClient(conn).SayHello(ctx, &greeterv1.SayHelloRequest{Name: name})
	return resp, status.Convert(err)
}

func TestExitsWithOneLineOnABadSetting(t *testing.T) {
	safe := map[string]string{"HOST": "127.0.0.1", "PORT": "0"}
	for setting, env := range map[string]map[string]string{
		"PORT":                {"PORT": "abc"},
		"DRAIN_TIMEOUT":       {"DRAIN_TIMEOUT": "10"},
		"FAULT_DELAY_PERCENT": {"FAULT_DELAY": "1s"},
		"LOG_LEVEL":           {"LOG_LEVEL": "loud"},
		"METRICS_PORT":        {"PORT": "8080", "METRICS_PORT": "8080"},
		"DRAIN_DELAY":         {"DRAIN_DELAY": "soon"},
		"KEEPALIVE_TIME":      {"KEEPALIVE_TIME": "10ms"},
	} {
		full := map[string]string{}
		for k, v := range safe {
			full[k] = v
		}
		for k, v := range env {
			full[k] = v
		}
		p := startProcess(t, full)
		if code := p.waitForExit(t, 10*time.Second); code != 2 {
			t.Errorf("%s: exit %d", setting, code)
		}
		lines := strings.Split(strings.TrimRight(p.stderr.String(), "\n"), "\n")
		if len(lines) != 1 || !regexp.MustCompile(`^config error: `+setting+`: expected .+, got ".*"$`).MatchString(lines[0]) {
			t.Errorf("%s: stderr %q", setting, p.stderr.String())
		}
		if len(p.messages()) != 0 {
			t.Errorf("%s: stdout %v", setting, p.messages())
		}
	}
}

func TestServesMetricsAndLogsCalls(t *testing.T) {
	p, addr := startServer(t, map[string]string{"LOG_LEVEL": "debug", "POD_NAME": "interop-pod", "SERVICE_VERSION": "1.2.3"})
	metricsURL := p.waitForLine(t, "metrics on ", time.Second)["url"].(string)
	if !regexp.MustCompile(`^http://127\.0\.0\.1:\d+/metrics$`).MatchString(metricsURL) || strings.HasSuffix(metricsURL, addr[strings.LastIndex(addr, ":"):]+"/metrics") {
		t.Errorf("metrics url %s (gRPC on %s)", metricsURL, addr)
	}
	conn := grpctest.Dial(t, addr)
	var header metadata.MD
	ctx := metadata.AppendToOutgoingContext(context.Background(),
		"traceparent", "00-5b8efff798038103d269b633813fc60c-eee19b7ec3c1b174-01", "x-request-id", "req-1")
	resp, err := greeterv1.NewGreeterServiceClient(conn).SayHello(ctx, &greeterv1.SayHelloRequest{Name: "Ada"}, grpc.Header(&header))
	if err != nil || resp.GetMessage() != "Hello, Ada!" {
		t.Fatalf("%v %v", resp, err)
	}
	if header.Get("x-server-instance")[0] != "interop-pod" || header.Get("x-server-version")[0] != "1.2.3" {
		t.Errorf("headers %v", header)
	}
	if _, st := sayHello(conn, "", 5*time.Second); st.Code() != codes.InvalidArgument || st.Message() != "name: must not be empty" {
		t.Errorf("empty name: %v", st)
	}
	if _, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
	res, err := http.Get(metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, line := range []string{
		`rpc_server_call_duration_seconds_count{rpc_method="greeter.v1.GreeterService/SayHello",rpc_status_code="OK",rpc_system_name="grpc"} 1`,
		`rpc_server_call_duration_seconds_count{rpc_method="greeter.v1.GreeterService/SayHello",rpc_status_code="INVALID_ARGUMENT",rpc_system_name="grpc"} 1`,
		`rpc_server_call_duration_seconds_count{rpc_method="grpc.health.v1.Health/Check",rpc_status_code="OK",rpc_system_name="grpc"} 1`,
		`rpc_server_active_calls{rpc_method="greeter.v1.GreeterService/SayHello",rpc_system_name="grpc"} 0`,
		"\nprocess_resident_memory_bytes ",
	} {
		if !strings.Contains(string(body), line) {
			t.Errorf("metrics lack %s", line)
		}
	}
	call := p.waitForLine(t, "call", time.Second)
	if call["procedure"] != "/greeter.v1.GreeterService/SayHello" || call["code"] != "OK" ||
		call["trace_id"] != "5b8efff798038103d269b633813fc60c" || call["request_id"] != "req-1" || call["level"] != "debug" {
		t.Errorf("call line %v", call)
	}
}

func TestDrainsOnSIGTERM(t *testing.T) {
	p, addr := startServer(t, map[string]string{"FAULT_DELAY": "1s", "FAULT_DELAY_PERCENT": "100", "DRAIN_TIMEOUT": "8s"})
	if warn := p.waitForLine(t, "FAULT INJECTION ACTIVE: delay 1000ms on 100% of calls", time.Second); warn["level"] != "warn" {
		t.Errorf("warning %v", warn)
	}
	conn := grpctest.Dial(t, addr)
	watch, err := healthpb.NewHealthClient(conn).Watch(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if first, err := watch.Recv(); err != nil || first.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("%v %v", first, err)
	}
	results := make(chan string, 5)
	for i := range 5 {
		go func() {
			resp, st := sayHello(conn, "caller-"+string(rune('0'+i)), 10*time.Second)
			results <- st.Code().String() + " " + resp.GetMessage()
		}()
	}
	time.Sleep(300 * time.Millisecond)

	signalled := time.Now()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	second, err := watch.Recv()
	if err != nil || second.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("watch: %v %v", second, err)
	}
	if _, err := watch.Recv(); err != io.EOF {
		t.Errorf("the watch did not end OK: %v", err)
	}
	// NOT_SERVING comes first; the drain, which refuses calls, a moment later (DRAIN_DELAY 0s):
	// a call may still slip in between.
	for _, caller := range []*grpc.ClientConn{conn, grpctest.Dial(t, addr)} {
		st := status.New(codes.OK, "")
		for deadline := time.Now().Add(3 * time.Second); st.Code() == codes.OK && time.Now().Before(deadline); {
			_, st = sayHello(caller, "late", 5*time.Second)
		}
		if st.Code() != codes.Unavailable {
			t.Errorf("late call: %v", st)
		}
	}
	for range 5 {
		if result := <-results; !strings.HasPrefix(result, "OK Hello, caller-") {
			t.Errorf("in flight: %s", result)
		}
	}
	if code := p.waitForExit(t, 8*time.Second); code != 0 {
		t.Errorf("exit %d", code)
	}
	if time.Since(signalled) > 5*time.Second {
		t.Errorf("drain took %v", time.Since(signalled))
	}
	messages := strings.Join(p.messages(), "\n")
	for _, msg := range []string{
		"health NOT_SERVING, still serving during the drain delay",
		"draining: refusing new calls, finishing those in flight",
		"drained, exiting",
	} {
		if !strings.Contains(messages, msg) {
			t.Errorf("no %q in %s", msg, messages)
		}
	}
}

func TestCutsCallsOffWhenTheDrainEndsEarly(t *testing.T) {
	for _, how := range []string{"DRAIN_TIMEOUT", "second signal"} {
		t.Run(how, func(t *testing.T) {
			drainTimeout := "10s"
			if how == "DRAIN_TIMEOUT" {
				drainTimeout = "300ms"
			}
			p, addr := startServer(t, map[string]string{"FAULT_DELAY": "5s", "FAULT_DELAY_PERCENT": "100", "DRAIN_TIMEOUT": drainTimeout})
			conn := grpctest.Dial(t, addr)
			started := time.Now()
			results := make(chan *status.Status, 2)
			for range 2 {
				go func() {
					_, st := sayHello(conn, "cut", 8*time.Second)
					results <- st
				}()
			}
			time.Sleep(300 * time.Millisecond)
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
			if how == "second signal" {
				p.waitForLine(t, "draining", 5*time.Second)
				_ = p.cmd.Process.Signal(syscall.SIGTERM)
			}
			if code := p.waitForExit(t, 5*time.Second); code != 1 {
				t.Errorf("exit %d", code)
			}
			for range 2 {
				if st := <-results; st.Code() != codes.Canceled {
					t.Errorf("cut-off call: %v", st)
				}
			}
			if elapsed := time.Since(started); elapsed > 4*time.Second {
				t.Errorf("took %v", elapsed)
			}
			messages := strings.Join(p.messages(), "\n")
			if !strings.Contains(messages, "drain cut short, calls in flight were cancelled") ||
				(how == "second signal" && !strings.Contains(messages, "second signal: forcing shutdown")) {
				t.Errorf("messages %s", messages)
			}
		})
	}
}

func TestKeepsServingDuringTheDrainDelay(t *testing.T) {
	// Long enough for the checks below to fit in the delay on a loaded machine.
	const drainDelay = 4 * time.Second
	p, addr := startServer(t, map[string]string{"DRAIN_DELAY": "4s", "DRAIN_TIMEOUT": "5s"})
	conn := grpctest.Dial(t, addr)
	health := healthpb.NewHealthClient(conn)
	watch, err := health.Watch(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if first, err := watch.Recv(); err != nil || first.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("%v %v", first, err)
	}

	signalled := time.Now()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	// At once: the watchers hear NOT_SERVING and their streams end...
	if second, err := watch.Recv(); err != nil || second.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("watch: %v %v", second, err)
	}
	if _, err := watch.Recv(); err != io.EOF {
		t.Errorf("the watch did not end OK: %v", err)
	}
	line := p.waitForLine(t, "health NOT_SERVING, still serving during the drain delay", time.Second)
	if line["signal"] != "SIGTERM" || line["drainDelayMs"] != 4000.0 || line["level"] != "info" {
		t.Errorf("line %v", line)
	}
	// ...while calls are still served, on the open connection and on a new
	// one, and Check says NOT_SERVING.
	for _, caller := range []*grpc.ClientConn{conn, grpctest.Dial(t, addr)} {
		if resp, st := sayHello(caller, "during the delay", 2*time.Second); st.Code() != codes.OK || resp.GetMessage() != "Hello, during the delay!" {
			t.Errorf("call during the delay: %v", st)
		}
		resp, err := healthpb.NewHealthClient(caller).Check(context.Background(), &healthpb.HealthCheckRequest{})
		if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
			t.Errorf("check during the delay: %v %v", resp, err)
		}
	}
	if elapsed := time.Since(signalled); elapsed >= drainDelay {
		t.Fatalf("the checks took %v, longer than the delay", elapsed)
	}
	if slices.ContainsFunc(p.messages(), func(m string) bool { return strings.HasPrefix(m, "draining") }) {
		t.Error("draining before the delay was over")
	}

	// Then the drain: new calls refused, exit 0.
	draining := p.waitForLine(t, "draining: refusing new calls, finishing those in flight", drainDelay+2*time.Second)
	if waited := time.Since(signalled); waited < drainDelay {
		t.Errorf("draining after %v, before the delay of %v", waited, drainDelay)
	}
	if draining["drainTimeoutMs"] != 5000.0 {
		t.Errorf("line %v", draining)
	}
	// The line comes just before the drain begins: a call may still slip in.
	st := status.New(codes.OK, "")
	for deadline := time.Now().Add(time.Second); st.Code() == codes.OK && time.Now().Before(deadline); {
		_, st = sayHello(conn, "late", 2*time.Second)
	}
	if st.Code() != codes.Unavailable {
		t.Errorf("call after the delay: %v", st)
	}
	if code := p.waitForExit(t, 5*time.Second); code != 0 {
		t.Errorf("exit %d", code)
	}
	want := []string{
		"health NOT_SERVING, still serving during the drain delay",
		"draining: refusing new calls, finishing those in flight",
		"drained, exiting",
	}
	var got []string
	for _, m := range p.messages() {
		if slices.Contains(want, m) {
			got = append(got, m)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("shutdown lines %q", got)
	}
}

func TestASecondSignalDuringTheDrainDelayForcesTheShutdown(t *testing.T) {
	p, addr := startServer(t, map[string]string{
		"DRAIN_DELAY": "1m", "DRAIN_TIMEOUT": "1m", "FAULT_DELAY": "5s", "FAULT_DELAY_PERCENT": "100",
	})
	conn := grpctest.Dial(t, addr)
	result := make(chan *status.Status, 1)
	go func() {
		_, st := sayHello(conn, "cut", 8*time.Second)
		result <- st
	}()
	time.Sleep(300 * time.Millisecond)
	started := time.Now()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	p.waitForLine(t, "health NOT_SERVING, still serving during the drain delay", 2*time.Second)
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	if code := p.waitForExit(t, 5*time.Second); code != 1 {
		t.Errorf("exit %d", code)
	}
	if st := <-result; st.Code() != codes.Canceled {
		t.Errorf("cut-off call: %v", st)
	}
	if elapsed := time.Since(started); elapsed > 3*time.Second {
		t.Errorf("took %v", elapsed)
	}
	want := []string{
		"health NOT_SERVING, still serving during the drain delay",
		"second signal: forcing shutdown",
		"draining: refusing new calls, finishing those in flight",
		"drain cut short, calls in flight were cancelled",
	}
	messages := p.messages()
	if !slices.Equal(messages[len(messages)-len(want):], want) {
		t.Errorf("messages %q", messages)
	}
}
