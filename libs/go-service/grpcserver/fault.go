package grpcserver

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/protomesh/protomesh/libs/go-service/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// FaultSpec is in-process fault injection with the semantics of an Istio
// VirtualService http[].fault: a fixed delay for a percentage of calls and,
// independently, an abort with a gRPC status for a percentage of calls. The
// delay comes first and honours the caller's deadline, as Envoy's fault filter.
type FaultSpec struct {
	Delay *FaultDelay `json:"delay,omitempty"`
	Abort *FaultAbort `json:"abort,omitempty"`
}

// FaultDelay delays Percent % of calls by Ms milliseconds.
type FaultDelay struct {
	Ms      int64   `json:"ms"`
	Percent float64 `json:"percent"`
}

// FaultAbort fails Percent % of calls with Status (an UPPER_CASE status name).
type FaultAbort struct {
	Status  string  `json:"status"`
	Percent float64 `json:"percent"`
}

const percentForm = "a percentage from 0 to 100"

// ReadFaultSpec reads FAULT_DELAY + FAULT_DELAY_PERCENT and FAULT_ABORT_STATUS
// + FAULT_ABORT_PERCENT. Each fault needs both of its variables: a stray
// FAULT_DELAY alone is a config error rather than a silent 100 % fault.
func ReadFaultSpec(env *runtime.EnvReader) FaultSpec {
	_, delaySet := env.Raw("FAULT_DELAY")
	_, delayPercentSet := env.Raw("FAULT_DELAY_PERCENT")
	_, abortSet := env.Raw("FAULT_ABORT_STATUS")
	_, abortPercentSet := env.Raw("FAULT_ABORT_PERCENT")
	requirePair(env, "FAULT_DELAY_PERCENT", delayPercentSet, "FAULT_DELAY", delaySet, percentForm)
	requirePair(env, "FAULT_DELAY", delaySet, "FAULT_DELAY_PERCENT", delayPercentSet, runtime.DurationForm)
	requirePair(env, "FAULT_ABORT_PERCENT", abortPercentSet, "FAULT_ABORT_STATUS", abortSet, percentForm)
	requirePair(env, "FAULT_ABORT_STATUS", abortSet, "FAULT_ABORT_PERCENT", abortPercentSet,
		"a gRPC status name such as UNAVAILABLE")
	var spec FaultSpec
	if delaySet {
		spec.Delay = &FaultDelay{
			Ms:      env.Duration("FAULT_DELAY", 0, 1, 86_400_000),
			Percent: env.Percent("FAULT_DELAY_PERCENT", 0),
		}
	}
	if abortSet {
		abortable := slices.DeleteFunc(slices.Clone(runtime.StatusNames[:]), func(name string) bool { return name == "OK" })
		spec.Abort = &FaultAbort{
			Status:  env.OneOf("FAULT_ABORT_STATUS", "UNAVAILABLE", abortable),
			Percent: env.Percent("FAULT_ABORT_PERCENT", 0),
		}
	}
	return spec
}

func requirePair(env *runtime.EnvReader, missing string, missingSet bool, present string, presentSet bool, expected string) {
	if presentSet && !missingSet {
		env.Fail(missing, expected+" (required when "+present+" is set)", "")
	}
}

// Active reports whether any fault is on.
func (s FaultSpec) Active() bool {
	return s.Delay != nil || s.Abort != nil
}

// Describe is the one-line description of the start-up warning.
func (s FaultSpec) Describe() string {
	var parts []string
	if s.Delay != nil {
		parts = append(parts, "delay "+runtime.FormatNumber(float64(s.Delay.Ms))+"ms on "+
			runtime.FormatNumber(s.Delay.Percent)+"% of calls")
	}
	if s.Abort != nil {
		parts = append(parts, "abort with "+s.Abort.Status+" on "+runtime.FormatNumber(s.Abort.Percent)+"% of calls")
	}
	return strings.Join(parts, ", ")
}

// FaultInterceptor applies a FaultSpec to unary calls. random returns a
// number in [0, 1) and is drawn once per fault per call (nil: math/rand).
func FaultInterceptor(spec FaultSpec, random func() float64) grpc.UnaryServerInterceptor {
	if random == nil {
		random = rand.Float64
	}
	hits := func(percent float64) bool { return random()*100 < percent }
	var abortCode codes.Code
	if spec.Abort != nil {
		abortCode, _ = runtime.StatusCode(spec.Abort.Status)
	}
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if spec.Delay != nil && hits(spec.Delay.Percent) {
			timer := time.NewTimer(runtime.Millis(spec.Delay.Ms))
			select {
			case <-timer.C:
			case <-ctx.Done():
				timer.Stop()
				return nil, ctx.Err()
			}
		}
		if spec.Abort != nil && hits(spec.Abort.Percent) {
			return nil, status.Error(abortCode, "fault injected")
		}
		return handler(ctx, req)
	}
}
