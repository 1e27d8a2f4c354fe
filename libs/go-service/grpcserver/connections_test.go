package grpcserver_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/protomesh/protomesh/libs/go-service/grpcserver"
	"github.com/protomesh/protomesh/libs/go-service/grpctest"
	greeterv1 "github.com/protomesh/protomesh/libs/go-service/internal/gen/greeter/v1"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// short is a policy whose timeouts a test can wait out (grpc-go pings no
// more often than once a second).
var short = grpcserver.ConnectionPolicy{
	HandshakeTimeout: 300 * time.Millisecond,
	RequestTimeout:   300 * time.Millisecond,
	KeepaliveTime:    time.Second,
	KeepaliveTimeout: 300 * time.Millisecond,
}

func withPolicy(change func(*grpcserver.ConnectionPolicy)) func(*grpcserver.Options) {
	return func(o *grpcserver.Options) {
		o.Connections = short
		if change != nil {
			change(&o.Connections)
		}
	}
}

// peer is an HTTP/2 connection driven frame by frame, with nothing between
// the test and the wire; what it reads arrives on frames.
type peer struct {
	conn    net.Conn
	framer  *http2.Framer
	frames  chan frameSeen
	err     error // why reading stopped, once frames is closed
	writeMu sync.Mutex
	hbuf    bytes.Buffer
	henc    *hpack.Encoder
}

// frameSeen is what the tests look at in a frame read (the framer reuses
// its frames, so they cannot leave the reading goroutine).
type frameSeen struct {
	Type       http2.FrameType
	StreamID   uint32
	EndStream  bool
	Ack        bool
	PingData   [8]byte
	ErrCode    http2.ErrCode // RST_STREAM, GOAWAY
	Debug      string        // GOAWAY
	GrpcStatus string        // HEADERS
}

func seen(f http2.Frame) frameSeen {
	out := frameSeen{Type: f.Header().Type, StreamID: f.Header().StreamID}
	switch f := f.(type) {
	case *http2.MetaHeadersFrame:
		out.EndStream = f.StreamEnded()
		for _, field := range f.RegularFields() {
			if field.Name == "grpc-status" {
				out.GrpcStatus = field.Value
			}
		}
	case *http2.DataFrame:
		out.EndStream = f.StreamEnded()
	case *http2.PingFrame:
		out.Ack, out.PingData = f.IsAck(), f.Data
	case *http2.RSTStreamFrame:
		out.ErrCode = f.ErrCode
	case *http2.GoAwayFrame:
		out.ErrCode, out.Debug = f.ErrCode, string(f.DebugData())
	}
	return out
}

// dialPeer connects and sends the client preface and an empty SETTINGS; it
// acknowledges the server's SETTINGS, and nothing else unless told.
func dialPeer(t *testing.T, addr string) *peer {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	p := &peer{conn: conn, framer: http2.NewFramer(conn, conn), frames: make(chan frameSeen, 1000)}
	p.henc = hpack.NewEncoder(&p.hbuf)
	p.framer.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	if _, err := io.WriteString(conn, http2.ClientPreface); err != nil {
		t.Fatal(err)
	}
	if err := p.framer.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			f, err := p.framer.ReadFrame()
			if err != nil {
				p.err = err
				close(p.frames)
				return
			}
			if settings, ok := f.(*http2.SettingsFrame); ok && !settings.IsAck() {
				p.write(func() error { return p.framer.WriteSettingsAck() })
			}
			p.frames <- seen(f)
		}
	}()
	return p
}

func (p *peer) write(w func() error) {
	p.writeMu.Lock()
	defer p.writeMu.Unlock()
	_ = w()
}

// sayHello opens stream id with a SayHello request's headers and writes body
// (a gRPC frame, or part of one); end ends the request.
func (p *peer) sayHello(id uint32, body []byte, end bool) {
	p.write(func() error {
		p.hbuf.Reset()
		for _, field := range [][2]string{
			{":method", "POST"}, {":scheme", "http"}, {":authority", "test"}, {":path", sayHelloPath},
			{"content-type", "application/grpc"}, {"te", "trailers"},
		} {
			_ = p.henc.WriteField(hpack.HeaderField{Name: field[0], Value: field[1]})
		}
		if err := p.framer.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: p.hbuf.Bytes(), EndHeaders: true}); err != nil {
			return err
		}
		return p.framer.WriteData(id, end, body)
	})
}

// next is the next frame matching keep; false when the connection closed first.
func (p *peer) next(t *testing.T, within time.Duration, keep func(frameSeen) bool) (frameSeen, bool) {
	t.Helper()
	timeout := time.After(within)
	for {
		select {
		case f, ok := <-p.frames:
			if !ok {
				return frameSeen{}, false
			}
			if keep(f) {
				return f, true
			}
		case <-timeout:
			t.Fatalf("no such frame within %v", within)
		}
	}
}

// closed waits for the server to close the connection, ignoring the frames before.
func (p *peer) closed(t *testing.T, within time.Duration) {
	t.Helper()
	p.next(t, within, func(frameSeen) bool { return false })
}

// onStream keeps the end of a stream: its trailers or its reset.
func onStream(id uint32) func(frameSeen) bool {
	return func(f frameSeen) bool {
		return f.StreamID == id && (f.Type == http2.FrameRSTStream || (f.Type == http2.FrameHeaders && f.EndStream))
	}
}

func ofType(t http2.FrameType) func(frameSeen) bool {
	return func(f frameSeen) bool { return f.Type == t }
}

var helloX = frame([]byte{0x0a, 0x01, 'x'}, 0, 3)

func TestServesWhileHealthIsNotServing(t *testing.T) {
	// What DRAIN_DELAY relies on: health shut down, calls still served until the drain.
	l := startLoopback(t, nil)
	l.server.Health.Shutdown()
	resp, err := l.health.Check(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("check: %v %v", resp, err)
	}
	for _, client := range []greeterv1.GreeterServiceClient{l.client, greeterv1.NewGreeterServiceClient(grpctest.Dial(t, l.addr))} {
		if resp, err := client.SayHello(context.Background(), &greeterv1.SayHelloRequest{Name: "delay"}); err != nil || resp.GetMessage() != "Hello, delay!" {
			t.Errorf("during the delay: %v %v", resp, err)
		}
	}
	if l.server.IsDraining() {
		t.Error("draining")
	}
	if outcome := l.server.Drain(time.Second); outcome != grpcserver.Drained {
		t.Errorf("outcome %s", outcome)
	}
}

func TestHandshakeTimeout(t *testing.T) {
	l := startLoopback(t, withPolicy(nil))
	conn, err := net.Dial("tcp", l.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	started := time.Now()
	_, _ = io.WriteString(conn, "PRI * HTTP/2.0\r\n")
	// grpc-go writes its SETTINGS first, then gives up on the preface.
	_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	if _, err := io.Copy(io.Discard, conn); err != nil {
		t.Fatalf("not closed: %v", err)
	}
	if elapsed := time.Since(started); elapsed < 250*time.Millisecond || elapsed > 2*time.Second {
		t.Errorf("closed after %v", elapsed)
	}
	st, _ := l.sayHello("next", 2*time.Second)
	expectCode(t, st, codes.OK, "")
}

func TestRequestTimeout(t *testing.T) {
	l := startLoopback(t, withPolicy(nil))
	p := dialPeer(t, l.addr)
	started := time.Now()
	// A length prefix announcing 9 bytes that never come.
	p.sayHello(1, []byte{0, 0, 0, 0, 9}, false)
	trailers, _ := p.next(t, 3*time.Second, onStream(1))
	if trailers.Type != http2.FrameHeaders || trailers.GrpcStatus != "1" {
		t.Errorf("stalled request: %+v, want CANCELLED trailers", trailers)
	}
	if elapsed := time.Since(started); elapsed < 250*time.Millisecond || elapsed > 2*time.Second {
		t.Errorf("cut off after %v", elapsed)
	}
	// Then the stream is reset (NO_ERROR: the server answered before the request ended).
	if reset, _ := p.next(t, time.Second, onStream(1)); reset.Type != http2.FrameRSTStream || reset.ErrCode != http2.ErrCodeNo {
		t.Errorf("reset %+v", reset)
	}
	// The connection serves the next call.
	p.sayHello(3, helloX, true)
	if next, _ := p.next(t, 3*time.Second, onStream(3)); next.GrpcStatus != "0" {
		t.Errorf("next call: %+v", next)
	}
}

func TestRequestTimeoutSparesCallsWhoseRequestArrived(t *testing.T) {
	l := startLoopback(t, withPolicy(nil))
	// A unary call running longer than the request timeout.
	st, msg := l.sayHello("wait:900", 5*time.Second)
	expectCode(t, st, codes.OK, "")
	if msg != "done wait:900" {
		t.Errorf("message %q", msg)
	}
	// A server stream open longer than the request timeout.
	watch, err := l.health.Watch(context.Background(), &healthpb.HealthCheckRequest{Service: "greeter.v1.GreeterService"})
	if err != nil {
		t.Fatal(err)
	}
	if first, err := watch.Recv(); err != nil || first.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("%v %v", first, err)
	}
	time.Sleep(900 * time.Millisecond)
	l.server.Health.SetStatus("greeter.v1.GreeterService", healthpb.HealthCheckResponse_NOT_SERVING)
	if second, err := watch.Recv(); err != nil || second.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("watch after the request timeout: %v %v", second, err)
	}
}

func TestKeepalive(t *testing.T) {
	l := startLoopback(t, withPolicy(nil))
	p := dialPeer(t, l.addr)
	started := time.Now()
	// A silent connection is pinged after KeepaliveTime...
	isPing := func(f frameSeen) bool { return f.Type == http2.FramePing && !f.Ack }
	if _, ok := p.next(t, 3*time.Second, isPing); !ok {
		t.Fatalf("closed before a ping: %v", p.err)
	}
	if elapsed := time.Since(started); elapsed < 900*time.Millisecond {
		t.Errorf("pinged after %v", elapsed)
	}
	// ...and closed when the peer does not answer within KeepaliveTimeout.
	pinged := time.Now()
	p.closed(t, 3*time.Second)
	if elapsed := time.Since(pinged); elapsed < 250*time.Millisecond || elapsed > 2*time.Second {
		t.Errorf("closed %v after the ping", elapsed)
	}
	// A peer that answers is kept.
	answering := dialPeer(t, l.addr)
	for range 2 {
		ping, ok := answering.next(t, 3*time.Second, isPing)
		if !ok {
			t.Fatalf("closed: %v", answering.err)
		}
		answering.write(func() error { return answering.framer.WritePing(true, ping.PingData) })
	}
}

func TestMaxConnectionAge(t *testing.T) {
	t.Run("GOAWAY, the call in flight finishes, the client carries on", func(t *testing.T) {
		l := startLoopback(t, withPolicy(func(p *grpcserver.ConnectionPolicy) {
			p.MaxConnectionAge, p.MaxConnectionAgeGrace = 300*time.Millisecond, 2*time.Second
		}))
		st, msg := l.sayHello("wait:600", 5*time.Second)
		expectCode(t, st, codes.OK, "")
		if msg != "done wait:600" {
			t.Errorf("message %q", msg)
		}
		st, _ = l.sayHello("after", 5*time.Second)
		expectCode(t, st, codes.OK, "")
	})
	t.Run("the calls still running when the grace is over are cut off", func(t *testing.T) {
		l := startLoopback(t, withPolicy(func(p *grpcserver.ConnectionPolicy) {
			p.MaxConnectionAge, p.MaxConnectionAgeGrace = 200*time.Millisecond, 200*time.Millisecond
		}))
		started := time.Now()
		st, _ := l.sayHello("slow", 8*time.Second)
		// grpc-go closes the connection (after up to 1 s more, while it waits
		// for the peer to stop sending): UNAVAILABLE. The TypeScript server
		// resets the calls first: CANCELLED.
		expectCode(t, st, codes.Unavailable, "")
		if elapsed := time.Since(started); elapsed > 3*time.Second {
			t.Errorf("cut off after %v", elapsed)
		}
		// The handler's context is cancelled just after the connection closes.
		for deadline := time.Now().Add(2 * time.Second); l.greeter.aborted.Load() != 1 && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		if l.greeter.aborted.Load() != 1 {
			t.Error("the handler was not aborted")
		}
	})
	t.Run("0 is never", func(t *testing.T) {
		l := startLoopback(t, withPolicy(func(p *grpcserver.ConnectionPolicy) { p.MaxConnectionAge = 0 }))
		p := dialPeer(t, l.addr)
		p.sayHello(1, helloX, true)
		if end, _ := p.next(t, 3*time.Second, onStream(1)); end.GrpcStatus != "0" {
			t.Fatalf("call: %+v", end)
		}
		quiet := time.After(500 * time.Millisecond)
		for {
			select {
			case f, ok := <-p.frames:
				if !ok {
					t.Fatalf("closed: %v", p.err)
				}
				if f.Type == http2.FrameGoAway {
					t.Fatalf("GOAWAY %+v", f)
				}
			case <-quiet:
				return
			}
		}
	})
}

func TestPingFlood(t *testing.T) {
	l := startLoopback(t, withPolicy(nil))
	// Keepalive-like pings, however frequent, down to MinPingInterval, are answered.
	calm := dialPeer(t, l.addr)
	for i := range 6 {
		calm.write(func() error { return calm.framer.WritePing(false, [8]byte{byte(i)}) })
		time.Sleep(grpcserver.MinPingInterval + 50*time.Millisecond)
	}
	for acks := 0; acks < 6; {
		f, ok := calm.next(t, time.Second, func(f frameSeen) bool { return f.Type == http2.FramePing || f.Type == http2.FrameGoAway })
		switch {
		case !ok:
			t.Fatalf("calm peer closed: %v", calm.err)
		case f.Type == http2.FrameGoAway:
			t.Fatalf("calm peer sent GOAWAY %+v", f)
		case f.Ack:
			acks++
		}
	}

	// A flood gets GOAWAY ENHANCE_YOUR_CALM and the connection ends.
	flood := dialPeer(t, l.addr)
	for i := 0; i < 200; i++ {
		flood.write(func() error { return flood.framer.WritePing(false, [8]byte{byte(i)}) })
		time.Sleep(time.Millisecond)
	}
	goAway, ok := flood.next(t, 3*time.Second, ofType(http2.FrameGoAway))
	if !ok || goAway.ErrCode != http2.ErrCodeEnhanceYourCalm || goAway.Debug != "too_many_pings" {
		t.Fatalf("GOAWAY %+v (%v)", goAway, flood.err)
	}
	flood.closed(t, 3*time.Second)

	// Everyone else is served.
	st, _ := l.sayHello("still", 2*time.Second)
	expectCode(t, st, codes.OK, "")
}
