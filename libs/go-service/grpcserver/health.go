package grpcserver

import (
	"context"
	"sync"

	"github.com/protomesh/protomesh/libs/go-service/runtime"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// HealthRegistry is the serving status of each service as grpc.health.v1
// reports it; "" stands for the whole server. Once shut down (a drain has
// begun) every service reports NOT_SERVING and later updates are ignored, so
// a late SetStatus(SERVING) cannot undo a drain.
//
// grpc-go's own health.Server is not used: its Watch streams stay open after
// Shutdown, which would hold GracefulStop until the drain timeout.
type HealthRegistry struct {
	mu       sync.Mutex
	statuses map[string]healthpb.HealthCheckResponse_ServingStatus
	shutDown bool
	changed  chan struct{} // closed and replaced on every change
}

// NewHealthRegistry reports "" SERVING.
func NewHealthRegistry() *HealthRegistry {
	return &HealthRegistry{
		statuses: map[string]healthpb.HealthCheckResponse_ServingStatus{"": healthpb.HealthCheckResponse_SERVING},
		changed:  make(chan struct{}),
	}
}

// Register adds a service, SERVING unless the server is already draining.
func (h *HealthRegistry) Register(service string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.statuses[service]; ok {
		return
	}
	if h.shutDown {
		h.statuses[service] = healthpb.HealthCheckResponse_NOT_SERVING
	} else {
		h.statuses[service] = healthpb.HealthCheckResponse_SERVING
	}
	h.notifyLocked()
}

// Status of a service; false for a service nobody registered.
func (h *HealthRegistry) Status(service string) (healthpb.HealthCheckResponse_ServingStatus, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s, ok := h.statuses[service]
	return s, ok
}

// SetStatus changes a service's status, unless the registry is shut down.
func (h *HealthRegistry) SetStatus(service string, s healthpb.HealthCheckResponse_ServingStatus) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if current, ok := h.statuses[service]; h.shutDown || (ok && current == s) {
		return
	}
	h.statuses[service] = s
	h.notifyLocked()
}

// Shutdown marks every service NOT_SERVING for good: the server is draining.
func (h *HealthRegistry) Shutdown() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.shutDown {
		return
	}
	for service := range h.statuses {
		h.statuses[service] = healthpb.HealthCheckResponse_NOT_SERVING
	}
	h.shutDown = true
	h.notifyLocked()
}

func (h *HealthRegistry) notifyLocked() {
	close(h.changed)
	h.changed = make(chan struct{})
}

// snapshot is a service's status (SERVICE_UNKNOWN when unregistered), whether
// the registry is shut down, and a channel closed on the next change.
func (h *HealthRegistry) snapshot(service string) (healthpb.HealthCheckResponse_ServingStatus, bool, <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s, ok := h.statuses[service]
	if !ok {
		s = healthpb.HealthCheckResponse_SERVICE_UNKNOWN
	}
	return s, h.shutDown, h.changed
}

// healthService is grpc.health.v1.Health backed by a registry.
type healthService struct {
	healthpb.UnimplementedHealthServer
	registry *HealthRegistry
}

func (s *healthService) Check(_ context.Context, req *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	st, ok := s.registry.Status(req.GetService())
	if !ok {
		return nil, status.Error(codes.NotFound, "unknown service "+runtime.JSONString(req.GetService()))
	}
	return &healthpb.HealthCheckResponse{Status: st}, nil
}

func (s *healthService) List(context.Context, *healthpb.HealthListRequest) (*healthpb.HealthListResponse, error) {
	s.registry.mu.Lock()
	defer s.registry.mu.Unlock()
	statuses := make(map[string]*healthpb.HealthCheckResponse, len(s.registry.statuses))
	for service, st := range s.registry.statuses {
		statuses[service] = &healthpb.HealthCheckResponse{Status: st}
	}
	return &healthpb.HealthListResponse{Statuses: statuses}, nil
}

// Watch sends the current status, then every change. When the server drains
// it sends NOT_SERVING and ends, so a watcher learns of the drain instead of
// holding the connection (and the drain) open.
func (s *healthService) Watch(req *healthpb.HealthCheckRequest, stream healthpb.Health_WatchServer) error {
	ctx := stream.Context()
	sent := false
	var last healthpb.HealthCheckResponse_ServingStatus
	for {
		st, shutDown, changed := s.registry.snapshot(req.GetService())
		if !sent || st != last {
			if err := stream.Send(&healthpb.HealthCheckResponse{Status: st}); err != nil {
				return err
			}
			sent, last = true, st
		}
		if shutDown {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
