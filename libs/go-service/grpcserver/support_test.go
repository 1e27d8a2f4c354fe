package grpcserver_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/protomesh/protomesh/libs/go-service/grpcserver"
	"github.com/protomesh/protomesh/libs/go-service/grpctest"
	greeterv1 "github.com/protomesh/protomesh/libs/go-service/internal/gen/greeter/v1"
	"github.com/protomesh/protomesh/libs/go-service/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

const (
	testInstance = "loopback-instance"
	testVersion  = "9.9.9-test"
	sayHelloPath = "/greeter.v1.GreeterService/SayHello"
)

// testGreeter answers by name: "slow" waits 10 s (or until its context ends),
// "wait:<ms>" waits that long, "bug" fails with a plain error, "panic"
// panics, "invalid" breaks the contract, "denied" is refused; a long name is
// answered with its length; anything else is greeted.
type testGreeter struct {
	greeterv1.UnimplementedGreeterServiceServer
	handled  atomic.Int64
	aborted  atomic.Int64
	arrivals chan string
}

func (g *testGreeter) SayHello(ctx context.Context, req *greeterv1.SayHelloRequest) (*greeterv1.SayHelloResponse, error) {
	g.handled.Add(1)
	name := req.GetName()
	select {
	case g.arrivals <- name:
	default:
	}
	wait := time.Duration(0)
	switch {
	case name == "slow":
		wait = 10 * time.Second
	case strings.HasPrefix(name, "wait:"):
		ms, _ := strconv.Atoi(strings.TrimPrefix(name, "wait:"))
		wait = time.Duration(ms) * time.Millisecond
	case name == "bug":
		return nil, errors.New("connection string postgres://admin:secret@db")
	case name == "panic":
		panic("handler bug")
	case name == "invalid":
		return nil, &grpcserver.InvalidFieldError{Field: "name", Problem: "must not be empty"}
	case name == "denied":
		return nil, status.Error(codes.PermissionDenied, "not for you")
	case len(name) > 1000:
		return &greeterv1.SayHelloResponse{Message: fmt.Sprintf("%d characters", len(name))}, nil
	}
	if wait > 0 {
		select {
		case <-time.After(wait):
			return &greeterv1.SayHelloResponse{Message: "done " + name}, nil
		case <-ctx.Done():
			g.aborted.Add(1)
			return nil, ctx.Err()
		}
	}
	return &greeterv1.SayHelloResponse{Message: "Hello, " + name + "!"}, nil
}

// waitArrivals waits until n calls have reached the handler.
func (g *testGreeter) waitArrivals(t *testing.T, n int) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for i := 0; i < n; i++ {
		select {
		case <-g.arrivals:
		case <-timeout:
			t.Fatalf("only %d of %d calls arrived", i, n)
		}
	}
}

// syncBuffer is a log destination safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type loopback struct {
	server  *grpcserver.Server
	greeter *testGreeter
	addr    string
	conn    *grpc.ClientConn
	client  greeterv1.GreeterServiceClient
	health  healthpb.HealthClient
	logs    *syncBuffer
}

// startLoopback serves the test greeter on 127.0.0.1 at a free port, with a
// grpc-go client on one connection; everything is stopped when the test ends.
func startLoopback(t *testing.T, configure func(*grpcserver.Options)) *loopback {
	t.Helper()
	g := &testGreeter{arrivals: make(chan string, 100)}
	logs := &syncBuffer{}
	opts := grpcserver.Options{
		Host:     "127.0.0.1",
		Port:     0,
		Logger:   runtime.NewLogger(logs, "grpc-server-test", runtime.LevelDebug),
		Instance: testInstance,
		Version:  testVersion,
		Register: func(r grpc.ServiceRegistrar) { greeterv1.RegisterGreeterServiceServer(r, g) },
	}
	if configure != nil {
		configure(&opts)
	}
	server := grpcserver.New(opts)
	addr, err := server.Listen()
	if err != nil {
		t.Fatal(err)
	}
	conn := grpctest.Dial(t, addr.String())
	t.Cleanup(server.Stop)
	return &loopback{
		server:  server,
		greeter: g,
		addr:    addr.String(),
		conn:    conn,
		client:  greeterv1.NewGreeterServiceClient(conn),
		health:  healthpb.NewHealthClient(conn),
		logs:    logs,
	}
}

// sayHello calls with a deadline and returns the status (OK included) and the message.
func (l *loopback) sayHello(name string, timeout time.Duration, opts ...grpc.CallOption) (*status.Status, string) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	resp, err := l.client.SayHello(ctx, &greeterv1.SayHelloRequest{Name: name}, opts...)
	return status.Convert(err), resp.GetMessage()
}
