package grpcserver

import (
	"context"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/protomesh/protomesh/libs/go-service/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	_ "google.golang.org/grpc/encoding/gzip" // accept gzip-compressed requests, as the Connect server does
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/reflection"
)

// Defaults of Options, those of libs/grpc-server.
const (
	DefaultMaxRecvBytes         = 4 * 1024 * 1024
	DefaultMaxDeadline          = 5 * time.Minute
	DefaultMaxConcurrentStreams = 1000
	// forceGrace is how long a forced drain waits for the cut-off calls to
	// send their CANCELLED status before the connections are closed.
	forceGrace = time.Second
)

// CallMetrics observes calls: Start is called when a call starts and its
// result once with the status the caller receives.
type CallMetrics interface {
	Start(method string) func(code codes.Code)
}

// Options configure a Server.
type Options struct {
	// Host to listen on (default 0.0.0.0) and Port (0 picks a free one).
	Host string
	Port int
	// Logger receives the call lines (debug) and failures (error).
	Logger *runtime.Logger
	// Instance and Version are sent in x-server-instance and x-server-version.
	Instance string
	Version  string
	// MaxRecvBytes is the largest request message; larger ones get
	// RESOURCE_EXHAUSTED. Default 4 MiB.
	MaxRecvBytes int
	// MaxDeadline is the longest deadline a caller may ask for; longer ones
	// get INVALID_ARGUMENT. Default 5 minutes.
	MaxDeadline time.Duration
	// MaxConcurrentStreams per connection. Default 1000.
	MaxConcurrentStreams uint32
	// Connections is the connection policy; the zero value stands for
	// DefaultConnectionPolicy.
	Connections ConnectionPolicy
	// Metrics, when set, sees every call to a registered method (health and
	// reflection included) with its final status.
	Metrics CallMetrics
	// Interceptors wrap the application's unary methods only (never health
	// or reflection), inside the error mapping: app-mode faults go here.
	Interceptors []grpc.UnaryServerInterceptor
	// Register registers the application's services; health and reflection
	// are added for them.
	Register func(grpc.ServiceRegistrar)
}

// DrainOutcome says how a drain ended.
type DrainOutcome string

const (
	// Drained: every call in flight finished.
	Drained DrainOutcome = "drained"
	// Forced: the timeout passed or Force was called, and the calls still in
	// flight were cancelled.
	Forced DrainOutcome = "forced"
)

// Server is a grpc-go server with the behaviour of libs/grpc-server.
type Server struct {
	opts   Options
	grpc   *grpc.Server
	header metadata.MD
	// Health is what grpc.health.v1 reports.
	Health *HealthRegistry

	draining  atomic.Bool
	calls     context.Context // cancelled when a drain is forced
	cutCalls  context.CancelFunc
	force     chan struct{}
	forceOnce sync.Once
	drainOnce sync.Once
	outcome   DrainOutcome
}

// New builds the server and registers the application's services, health
// and reflection (v1 and v1alpha).
func New(opts Options) *Server {
	if opts.Host == "" {
		opts.Host = "0.0.0.0"
	}
	if opts.MaxRecvBytes == 0 {
		opts.MaxRecvBytes = DefaultMaxRecvBytes
	}
	if opts.MaxDeadline == 0 {
		opts.MaxDeadline = DefaultMaxDeadline
	}
	if opts.MaxConcurrentStreams == 0 {
		opts.MaxConcurrentStreams = DefaultMaxConcurrentStreams
	}
	if opts.Connections == (ConnectionPolicy{}) {
		opts.Connections = DefaultConnectionPolicy
	}
	if opts.Logger == nil {
		opts.Logger = runtime.NewLogger(os.Stdout, "grpc-server", runtime.LevelSilent)
	}
	if opts.Instance == "" {
		opts.Instance, _ = os.Hostname()
	}
	calls, cut := context.WithCancel(context.Background())
	s := &Server{
		opts:     opts,
		header:   metadata.Pairs("x-server-instance", opts.Instance, "x-server-version", opts.Version),
		Health:   NewHealthRegistry(),
		calls:    calls,
		cutCalls: cut,
		force:    make(chan struct{}),
	}
	s.grpc = grpc.NewServer(append(opts.Connections.serverOptions(s.startRequestTimer),
		grpc.MaxRecvMsgSize(opts.MaxRecvBytes),
		grpc.MaxConcurrentStreams(opts.MaxConcurrentStreams),
		grpc.UnknownServiceHandler(s.unknownMethod),
	)...)
	app := &registrar{server: s, app: true}
	if opts.Register != nil {
		opts.Register(app)
	}
	for _, service := range app.services {
		s.Health.Register(service)
	}
	infrastructure := &registrar{server: s}
	healthpb.RegisterHealthServer(infrastructure, &healthService{registry: s.Health})
	reflection.Register(infrastructure)
	return s
}

// Listen binds Host:Port and serves in the background; it returns the bound address.
func (s *Server) Listen() (*net.TCPAddr, error) {
	listener, err := runtime.Listen(s.opts.Host, s.opts.Port)
	if err != nil {
		return nil, err
	}
	go func() {
		if err := s.grpc.Serve(listener); err != nil {
			s.opts.Logger.Error("grpc server stopped serving", runtime.F("err", err))
		}
	}()
	return listener.Addr().(*net.TCPAddr), nil
}

// Drain shuts down gracefully: health turns NOT_SERVING (Watch streams get
// it, then end), the listener closes, every connection gets a GOAWAY, new
// calls are refused with UNAVAILABLE, and calls in flight run to completion.
// It returns Drained when they have, or Forced when timeout passed or Force
// was called first: the calls still in flight are then cancelled (their
// callers see CANCELLED) and the connections closed. Later calls return the
// first outcome.
func (s *Server) Drain(timeout time.Duration) DrainOutcome {
	s.drainOnce.Do(func() { s.outcome = s.drain(timeout) })
	return s.outcome
}

func (s *Server) drain(timeout time.Duration) DrainOutcome {
	s.draining.Store(true)
	s.Health.Shutdown()
	stopped := make(chan struct{})
	go func() {
		s.grpc.GracefulStop()
		close(stopped)
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-stopped:
		return Drained
	case <-timer.C:
	case <-s.force:
	}
	select {
	case <-stopped:
		return Drained
	default:
	}
	// Handlers see their context cancelled with errForced and end with
	// CANCELLED, which grpc-go sends as the call's status; whatever does not
	// end within forceGrace is closed with its connection.
	s.cutCalls()
	grace := time.NewTimer(forceGrace)
	defer grace.Stop()
	select {
	case <-stopped:
	case <-grace.C:
		s.grpc.Stop()
		<-stopped
	}
	return Forced
}

// Force ends a drain at once (the second signal), cancelling the calls in flight.
func (s *Server) Force() {
	s.forceOnce.Do(func() { close(s.force) })
}

// Stop closes everything at once, for tests.
func (s *Server) Stop() {
	s.cutCalls()
	s.grpc.Stop()
}

// IsDraining reports whether a drain has begun.
func (s *Server) IsDraining() bool {
	return s.draining.Load()
}
