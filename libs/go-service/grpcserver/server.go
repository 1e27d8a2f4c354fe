package grpcserver

import (
	"context"
	"fmt"
	"math"
	"net"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/protomesh/protomesh/libs/go-service/runtime"
	"github.com/protomesh/protomesh/libs/go-service/telemetry"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	_ "google.golang.org/grpc/encoding/gzip" // accept gzip-compressed requests, as the Connect server does
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"
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

// registrar registers services on the grpc-go server with every method
// wrapped (headers, gate, deadline cap, metrics, call log, error mapping).
type registrar struct {
	server   *Server
	app      bool
	services []string
}

func (r *registrar) RegisterService(desc *grpc.ServiceDesc, impl any) {
	r.server.grpc.RegisterService(r.server.wrapService(desc, r.app), impl)
	r.services = append(r.services, desc.ServiceName)
}

// GetServiceInfo lets reflection list every service registered so far.
func (r *registrar) GetServiceInfo() map[string]grpc.ServiceInfo {
	return r.server.grpc.GetServiceInfo()
}

func (s *Server) wrapService(desc *grpc.ServiceDesc, app bool) *grpc.ServiceDesc {
	wrapped := *desc
	wrapped.Methods = make([]grpc.MethodDesc, len(desc.Methods))
	for i, method := range desc.Methods {
		wrapped.Methods[i] = grpc.MethodDesc{
			MethodName: method.MethodName,
			Handler:    s.wrapUnary(desc.ServiceName+"/"+method.MethodName, method.Handler, app),
		}
	}
	wrapped.Streams = make([]grpc.StreamDesc, len(desc.Streams))
	for i, stream := range desc.Streams {
		wrapped.Streams[i] = stream
		wrapped.Streams[i].Handler = s.wrapStream(desc.ServiceName+"/"+stream.StreamName, stream.Handler, stream.ClientStreams)
	}
	return &wrapped
}

// wrapUnary runs the checks before the request is read, and observes the call
// from the generated code's interceptor hook, which runs once the request has
// been decoded: a request refused while reading it (too large, not protobuf)
// is answered by grpc-go and, as in the Connect server, is not counted.
func (s *Server) wrapUnary(method string, handler grpc.MethodHandler, app bool) grpc.MethodHandler {
	appChain := chain(s.opts.Interceptors)
	return func(srv any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
		if err := s.admit(ctx); err != nil {
			return nil, err
		}
		ctx, done := s.callContext(ctx)
		defer done()
		// The generated handler reads the request first: once it has (grpc-go
		// reads a unary request up to the end of its stream), the request
		// timeout no longer applies.
		read := func(req any) error {
			err := dec(req)
			requestArrived(ctx)
			return err
		}
		observed := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
			var resp any
			err := s.observe(ctx, method, func(ctx context.Context) (err error) {
				if app && appChain != nil {
					resp, err = appChain(ctx, req, info, next)
				} else {
					resp, err = next(ctx, req)
				}
				return err
			})
			if err != nil {
				return nil, err
			}
			return resp, nil
		}
		return handler(srv, ctx, read, observed)
	}
}

func (s *Server) wrapStream(method string, handler grpc.StreamHandler, clientStreams bool) grpc.StreamHandler {
	return func(srv any, stream grpc.ServerStream) error {
		if err := s.admit(stream.Context()); err != nil {
			return err
		}
		ctx, done := s.callContext(stream.Context())
		defer done()
		return s.observe(ctx, method, func(ctx context.Context) error {
			return handler(srv, &callStream{ServerStream: stream, ctx: ctx, clientStreams: clientStreams})
		})
	}
}

// admit sets the x-server-* headers (sent with every response, errors
// included) and refuses, before the request is read, a call that arrives
// while draining (UNAVAILABLE) or asks for a deadline beyond MaxDeadline
// (INVALID_ARGUMENT, with Connect's message).
func (s *Server) admit(ctx context.Context) error {
	_ = grpc.SetHeader(ctx, s.header)
	if s.draining.Load() {
		return status.Error(codes.Unavailable, "server is shutting down")
	}
	if deadline, ok := ctx.Deadline(); ok {
		if remaining := time.Until(deadline); remaining > s.opts.MaxDeadline {
			return status.Errorf(codes.InvalidArgument, "timeout %dms must be <= %d",
				int64(math.Ceil(float64(remaining)/float64(time.Millisecond))), s.opts.MaxDeadline.Milliseconds())
		}
	}
	return nil
}

// callContext is the call's context, also cancelled (with errForced as its
// cause) when a drain is forced.
func (s *Server) callContext(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	stop := context.AfterFunc(s.calls, func() { cancel(errForced) })
	return ctx, func() {
		stop()
		cancel(nil)
	}
}

// observe runs a call with metrics outermost, then the call log, then the
// error mapping, so both see the status the caller receives. A panic in the
// handler is a bug like any other: UNKNOWN "internal error", logged.
func (s *Server) observe(ctx context.Context, method string, call func(context.Context) error) error {
	var end func(codes.Code)
	if s.opts.Metrics != nil {
		end = s.opts.Metrics.Start(method)
	}
	started := time.Now()
	err := recovered(ctx, call)
	st := ToStatus(ctx, err)
	code := codes.OK
	if st != nil {
		code = st.Code()
	}
	s.logCall(ctx, method, code, time.Since(started), err)
	if end != nil {
		end(code)
	}
	if st == nil {
		return nil
	}
	return st.Err()
}

// logCall writes one debug line per call, and an error line with the cause
// for calls that failed with a code meaning a bug on our side.
func (s *Server) logCall(ctx context.Context, method string, code codes.Code, elapsed time.Duration, err error) {
	level := runtime.LevelDebug
	msg := "call"
	if code == codes.Unknown || code == codes.Internal {
		level, msg = runtime.LevelError, "call failed"
	}
	logger := s.opts.Logger
	if !logger.Enabled(level) {
		return
	}
	md, _ := metadata.FromIncomingContext(ctx)
	fields := telemetry.TraceLogFields(md)
	fields = append(fields,
		runtime.F("procedure", "/"+method),
		runtime.F("code", runtime.StatusName(code)),
		runtime.F("durationMs", math.Round(float64(elapsed.Nanoseconds())/1e3)/1e3),
	)
	if err != nil {
		fields = append(fields, runtime.F("err", err))
	}
	logger.Log(level, msg, fields...)
}

// panicError is a handler panic, kept as the cause for the log.
type panicError struct {
	value any
	stack string
}

func (e *panicError) Error() string {
	return fmt.Sprintf("panic: %v\n%s", e.value, e.stack)
}

func recovered(ctx context.Context, call func(context.Context) error) (err error) {
	defer func() {
		if value := recover(); value != nil {
			err = &panicError{value: value, stack: string(debug.Stack())}
		}
	}()
	return call(ctx)
}

// unknownMethod answers a method this server does not have the way gRPC
// servers do (HTTP 200, grpc-status 12), with the x-server-* headers.
func (s *Server) unknownMethod(_ any, stream grpc.ServerStream) error {
	_ = stream.SetHeader(s.header)
	method, _ := grpc.MethodFromServerStream(stream)
	return status.Error(codes.Unimplemented, "unknown method "+method)
}

// callStream is a server stream whose context is the call's, and which stops
// the request timeout once the request has arrived whole.
type callStream struct {
	grpc.ServerStream
	ctx           context.Context
	clientStreams bool
}

func (c *callStream) Context() context.Context { return c.ctx }

// RecvMsg reads the next request message. The request is whole when the
// client has ended its stream: io.EOF for a client-streaming method, the
// first message otherwise (grpc-go then has read up to the end of the stream).
func (c *callStream) RecvMsg(m any) error {
	err := c.ServerStream.RecvMsg(m)
	if err != nil || !c.clientStreams {
		requestArrived(c.ctx)
	}
	return err
}

// chain composes unary interceptors, the first outermost.
func chain(interceptors []grpc.UnaryServerInterceptor) grpc.UnaryServerInterceptor {
	if len(interceptors) == 0 {
		return nil
	}
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		next := handler
		for i := len(interceptors) - 1; i >= 0; i-- {
			interceptor, inner := interceptors[i], next
			next = func(ctx context.Context, req any) (any, error) { return interceptor(ctx, req, info, inner) }
		}
		return next(ctx, req)
	}
}

// IsDraining reports whether a drain has begun.
func (s *Server) IsDraining() bool {
	return s.draining.Load()
}
