package grpcserver_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/protomesh/protomesh/libs/go-service/grpcserver"
	"github.com/protomesh/protomesh/libs/go-service/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

func readFault(env map[string]string) (grpcserver.FaultSpec, *runtime.ConfigError) {
	r := runtime.NewEnvReader(runtime.MapEnv(env))
	spec := grpcserver.ReadFaultSpec(r)
	var configErr *runtime.ConfigError
	errors.As(r.Err(), &configErr)
	return spec, configErr
}

func TestReadFaultSpec(t *testing.T) {
	spec, err := readFault(nil)
	if err != nil || spec.Active() {
		t.Fatalf("off when nothing is set: %v %v", spec, err)
	}
	spec, err = readFault(map[string]string{
		"FAULT_DELAY": "1.5s", "FAULT_DELAY_PERCENT": "12.5", "FAULT_ABORT_STATUS": "UNAVAILABLE", "FAULT_ABORT_PERCENT": "100",
	})
	if err != nil || *spec.Delay != (grpcserver.FaultDelay{Ms: 1500, Percent: 12.5}) ||
		*spec.Abort != (grpcserver.FaultAbort{Status: "UNAVAILABLE", Percent: 100}) || !spec.Active() {
		t.Fatalf("got %+v %+v %v", spec.Delay, spec.Abort, err)
	}
	if got := spec.Describe(); got != "delay 1500ms on 12.5% of calls, abort with UNAVAILABLE on 100% of calls" {
		t.Errorf("describe: %q", got)
	}
}

func TestFaultPairsAndForms(t *testing.T) {
	for _, c := range []struct {
		env     map[string]string
		setting string
		message string
	}{
		{map[string]string{"FAULT_DELAY": "2s"}, "FAULT_DELAY_PERCENT",
			`FAULT_DELAY_PERCENT: expected a percentage from 0 to 100 (required when FAULT_DELAY is set), got ""`},
		{map[string]string{"FAULT_DELAY_PERCENT": "50"}, "FAULT_DELAY",
			`FAULT_DELAY: expected a duration such as 500ms, 2s, 1m or 1h (required when FAULT_DELAY_PERCENT is set), got ""`},
		{map[string]string{"FAULT_ABORT_STATUS": "UNAVAILABLE"}, "FAULT_ABORT_PERCENT",
			`FAULT_ABORT_PERCENT: expected a percentage from 0 to 100 (required when FAULT_ABORT_STATUS is set), got ""`},
		{map[string]string{"FAULT_ABORT_PERCENT": "50"}, "FAULT_ABORT_STATUS",
			`FAULT_ABORT_STATUS: expected a gRPC status name such as UNAVAILABLE (required when FAULT_ABORT_PERCENT is set), got ""`},
		{map[string]string{"FAULT_DELAY": "2", "FAULT_DELAY_PERCENT": "50"}, "FAULT_DELAY",
			`FAULT_DELAY: expected a duration such as 500ms, 2s, 1m or 1h, from 1ms to 86400000ms, got "2"`},
		{map[string]string{"FAULT_DELAY": "0s", "FAULT_DELAY_PERCENT": "50"}, "FAULT_DELAY", "duration"},
		{map[string]string{"FAULT_DELAY": "2s", "FAULT_DELAY_PERCENT": "101"}, "FAULT_DELAY_PERCENT", "percentage"},
		{map[string]string{"FAULT_DELAY": "2s", "FAULT_DELAY_PERCENT": "half"}, "FAULT_DELAY_PERCENT", "percentage"},
		{map[string]string{"FAULT_ABORT_STATUS": "BROKEN", "FAULT_ABORT_PERCENT": "50"}, "FAULT_ABORT_STATUS",
			`FAULT_ABORT_STATUS: expected one of CANCELLED, UNKNOWN, INVALID_ARGUMENT, DEADLINE_EXCEEDED, NOT_FOUND, ALREADY_EXISTS, ` +
				`PERMISSION_DENIED, RESOURCE_EXHAUSTED, FAILED_PRECONDITION, ABORTED, OUT_OF_RANGE, UNIMPLEMENTED, INTERNAL, ` +
				`UNAVAILABLE, DATA_LOSS, UNAUTHENTICATED, got "BROKEN"`},
		{map[string]string{"FAULT_ABORT_STATUS": "OK", "FAULT_ABORT_PERCENT": "50"}, "FAULT_ABORT_STATUS", "UNAVAILABLE"},
		{map[string]string{"FAULT_ABORT_STATUS": "unavailable", "FAULT_ABORT_PERCENT": "50"}, "FAULT_ABORT_STATUS", "UNAVAILABLE"},
		{map[string]string{"FAULT_ABORT_STATUS": "UNAVAILABLE", "FAULT_ABORT_PERCENT": "-1"}, "FAULT_ABORT_PERCENT", "percentage"},
	} {
		_, err := readFault(c.env)
		if err == nil {
			t.Errorf("%v: no error", c.env)
			continue
		}
		if err.Setting != c.setting || !strings.HasPrefix(err.Error(), c.setting+": expected ") || !strings.Contains(err.Error(), c.message) {
			t.Errorf("%v: %q", c.env, err.Error())
		}
		if strings.HasPrefix(c.message, c.setting) && err.Error() != c.message {
			t.Errorf("%v:\n got %q\nwant %q", c.env, err.Error(), c.message)
		}
	}
}

// serveFault starts a loopback server with the fault applied and the dice pinned.
func serveFault(t *testing.T, spec grpcserver.FaultSpec, dice float64) *loopback {
	return startLoopback(t, func(o *grpcserver.Options) {
		o.Interceptors = []grpc.UnaryServerInterceptor{grpcserver.FaultInterceptor(spec, func() float64 { return dice })}
	})
}

func TestFaultDelaysEveryCallAt100Percent(t *testing.T) {
	l := serveFault(t, grpcserver.FaultSpec{Delay: &grpcserver.FaultDelay{Ms: 200, Percent: 100}}, 0.999)
	started := time.Now()
	st, msg := l.sayHello("late", 5*time.Second)
	expectCode(t, st, codes.OK, "")
	if msg != "Hello, late!" || time.Since(started) < 195*time.Millisecond {
		t.Errorf("%q after %v", msg, time.Since(started))
	}
}

func TestFaultDelayEndsAtTheCallersDeadlineBeforeTheHandler(t *testing.T) {
	l := serveFault(t, grpcserver.FaultSpec{Delay: &grpcserver.FaultDelay{Ms: 600, Percent: 100}}, 0)
	st, _ := l.sayHello("hurried", 100*time.Millisecond)
	expectCode(t, st, codes.DeadlineExceeded, "")
	time.Sleep(700 * time.Millisecond)
	if l.greeter.handled.Load() != 0 {
		t.Error("the handler ran after the deadline")
	}
}

func TestFaultAbortsWithTheConfiguredStatus(t *testing.T) {
	l := serveFault(t, grpcserver.FaultSpec{Abort: &grpcserver.FaultAbort{Status: "UNAVAILABLE", Percent: 100}}, 0.999)
	st, _ := l.sayHello("unlucky", 5*time.Second)
	expectCode(t, st, codes.Unavailable, "fault injected")
	if l.greeter.handled.Load() != 0 {
		t.Error("the handler ran")
	}
}

func TestFaultAtZeroPercentLetsEveryCallThrough(t *testing.T) {
	l := serveFault(t, grpcserver.FaultSpec{
		Delay: &grpcserver.FaultDelay{Ms: 5000, Percent: 0},
		Abort: &grpcserver.FaultAbort{Status: "UNAVAILABLE", Percent: 0},
	}, 0)
	st, _ := l.sayHello("lucky", 5*time.Second)
	expectCode(t, st, codes.OK, "")
}

func TestFaultDiceAt50Percent(t *testing.T) {
	for dice, want := range map[float64]codes.Code{0.49: codes.PermissionDenied, 0.5: codes.OK} {
		l := serveFault(t, grpcserver.FaultSpec{Abort: &grpcserver.FaultAbort{Status: "PERMISSION_DENIED", Percent: 50}}, dice)
		st, _ := l.sayHello("dice", 5*time.Second)
		expectCode(t, st, want, "")
	}
}

func TestFaultNeverTouchesHealthChecks(t *testing.T) {
	l := serveFault(t, grpcserver.FaultSpec{
		Delay: &grpcserver.FaultDelay{Ms: 5000, Percent: 100},
		Abort: &grpcserver.FaultAbort{Status: "UNAVAILABLE", Percent: 100},
	}, 0)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	resp, err := l.health.Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("%v %v", resp, err)
	}
}
