// Package telemetry holds the server's RPC metrics (the names, labels and
// buckets of libs/telemetry), the /metrics HTTP server and the trace fields of
// call log lines.
package telemetry

import (
	"sync"

	"github.com/protomesh/protomesh/libs/go-service/runtime"
	"google.golang.org/grpc/codes"
)

// RPCSystemName is rpc.system.name: what goes over the wire is gRPC.
const RPCSystemName = "grpc"

// OtherMethod is the rpc.method of a method beyond the recognized set.
const OtherMethod = "_OTHER"

// serverErrorCodes mean the server failed rather than the caller, per the
// OpenTelemetry gRPC conventions: they set error.type on the server side.
var serverErrorCodes = map[codes.Code]bool{
	codes.Unknown:          true,
	codes.DeadlineExceeded: true,
	codes.Unimplemented:    true,
	codes.Internal:         true,
	codes.Unavailable:      true,
	codes.DataLoss:         true,
}

// StatusCodeLabel is rpc.status_code: the canonical gRPC status name.
func StatusCodeLabel(code codes.Code) string {
	return runtime.StatusName(code)
}

// ServerErrorType is error.type on the server side: the status name when the
// server failed, "" (no label) for success and for the caller's mistakes.
func ServerErrorType(code codes.Code) string {
	if serverErrorCodes[code] {
		return runtime.StatusName(code)
	}
	return ""
}

// MethodLabels keeps rpc.method bounded: the first `limit` distinct methods
// keep their names, any later one is reported as _OTHER.
type MethodLabels struct {
	mu    sync.Mutex
	limit int
	known map[string]bool
}

// NewMethodLabels tracks up to limit methods by name (100 in the TypeScript default).
func NewMethodLabels(limit int) *MethodLabels {
	return &MethodLabels{limit: limit, known: map[string]bool{}}
}

// Label is the rpc.method label for method.
func (m *MethodLabels) Label(method string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.known[method] {
		return method
	}
	if len(m.known) >= m.limit {
		return OtherMethod
	}
	m.known[method] = true
	return method
}
