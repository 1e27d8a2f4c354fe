package grpcserver

import (
	"context"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/tap"
)

// ConnectionPolicy is how the server treats slow, silent, old and hostile
// connections: libs/grpc-server's ConnectionPolicy (HANDSHAKE_TIMEOUT,
// REQUEST_TIMEOUT, KEEPALIVE_TIME, KEEPALIVE_TIMEOUT, MAX_CONNECTION_AGE,
// MAX_CONNECTION_AGE_GRACE), applied through grpc-go's own options where it
// has one. Every duration but the MaxConnectionAge pair must be positive.
type ConnectionPolicy struct {
	// HandshakeTimeout: a connection must complete the HTTP/2 preface and its
	// SETTINGS within this, or it is closed (grpc.ConnectionTimeout).
	HandshakeTimeout time.Duration
	// RequestTimeout: a call's request (headers, then its messages up to the
	// end of the stream) must arrive whole within this, or the call ends
	// CANCELLED. A call whose request has arrived may run longer.
	RequestTimeout time.Duration
	// KeepaliveTime: a connection the peer has sent nothing on for this long
	// is pinged (grpc-go's minimum is 1 s)...
	KeepaliveTime time.Duration
	// KeepaliveTimeout: ...and closed when the peer sends nothing within this.
	KeepaliveTimeout time.Duration
	// MaxConnectionAge: a connection this old (±10 %, grpc-go's jitter) gets a
	// GOAWAY, so clients reconnect and spread over replicas; 0 = never.
	MaxConnectionAge time.Duration
	// MaxConnectionAgeGrace: how long calls on an aged connection may still
	// run before it is closed (grpc-go closes it, up to 1 s later, rather than
	// resetting the calls: they fail UNAVAILABLE); 0 = not at all.
	MaxConnectionAgeGrace time.Duration
}

// DefaultConnectionPolicy is the policy of libs/grpc-server's SERVICE_DEFAULTS.
var DefaultConnectionPolicy = ConnectionPolicy{
	HandshakeTimeout:      10 * time.Second,
	RequestTimeout:        30 * time.Second,
	KeepaliveTime:         time.Minute,
	KeepaliveTimeout:      20 * time.Second,
	MaxConnectionAge:      30 * time.Minute,
	MaxConnectionAgeGrace: time.Minute,
}

// MinPingInterval is how close together a peer's PINGs may come. grpc-go
// counts a strike for each PING that arrives sooner than this after the
// previous one (whether or not calls are open: PermitWithoutStream), forgets
// the strikes whenever it sends HEADERS or DATA, and at the third strike
// sends GOAWAY ENHANCE_YOUR_CALM ("too_many_pings") and closes the
// connection. 50 ms is the TypeScript server's 20 PINGs a second spread
// evenly: a flood is cut off at its fourth PING, while keepalive pings (1 s
// and up) never strike and BDP pings (sent as responses arrive) are forgiven.
const MinPingInterval = 50 * time.Millisecond

// serverOptions are the grpc-go options that apply the policy; the request
// timeout is started by startRequestTimer and stopped by requestArrived.
func (p ConnectionPolicy) serverOptions(startRequestTimer tap.ServerInHandle) []grpc.ServerOption {
	grace := p.MaxConnectionAgeGrace
	if grace == 0 {
		// grpc-go reads 0 as "forever"; the shortest grace closes the
		// connection right after its GOAWAY, as 0 does in the TypeScript server.
		grace = time.Nanosecond
	}
	return []grpc.ServerOption{
		grpc.ConnectionTimeout(p.HandshakeTimeout),
		grpc.KeepaliveParams(keepalive.ServerParameters{
			Time:    p.KeepaliveTime,
			Timeout: p.KeepaliveTimeout,
			// grpc-go reads 0 as "never", as MAX_CONNECTION_AGE does.
			MaxConnectionAge:      p.MaxConnectionAge,
			MaxConnectionAgeGrace: grace,
		}),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{
			MinTime:             MinPingInterval,
			PermitWithoutStream: true,
		}),
		grpc.InTapHandle(startRequestTimer),
	}
}

// requestTimerKey holds, in a call's context, the timer that cancels the call
// when its request has not arrived whole within the RequestTimeout.
type requestTimerKey struct{}

// startRequestTimer runs in the connection's reader as each stream opens,
// after its headers: the context it returns is the one the stream's reads
// wait on, so cancelling it ends a read stalled on a request that never
// arrives whole (grpc-go then answers CANCELLED and resets the stream), which
// no interceptor or handler could do. The timer is stopped by requestArrived
// or when the stream ends, whichever comes first.
func (s *Server) startRequestTimer(ctx context.Context, _ *tap.Info) (context.Context, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	timer := time.AfterFunc(s.opts.Connections.RequestTimeout, func() { cancel(errRequestTimeout) })
	context.AfterFunc(ctx, func() { timer.Stop() })
	return context.WithValue(ctx, requestTimerKey{}, timer), nil
}

// requestArrived stops the request timer of the call of ctx: its request has
// arrived whole (or failed), and the call may take as long as it needs.
func requestArrived(ctx context.Context) {
	if timer, ok := ctx.Value(requestTimerKey{}).(*time.Timer); ok {
		timer.Stop()
	}
}
