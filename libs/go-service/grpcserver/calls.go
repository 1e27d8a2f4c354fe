package grpcserver

import (
	"context"
	"fmt"
	"math"
	"runtime/debug"
	"time"

	"github.com/protomesh/protomesh/libs/go-service/runtime"
	"github.com/protomesh/protomesh/libs/go-service/telemetry"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

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
