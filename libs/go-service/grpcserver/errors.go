// Package grpcserver is the hardened gRPC server of libs/grpc-server on
// grpc-go: the x-server-* headers on every response, one error mapping,
// health, reflection, call log, limits, app-mode faults and the drain.
package grpcserver

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// InvalidFieldError is a request field that breaks the contract; the message
// says what is wrong and becomes INVALID_ARGUMENT.
type InvalidFieldError struct {
	Field   string
	Problem string
}

func (e *InvalidFieldError) Error() string {
	return e.Field + ": " + e.Problem
}

// errForced is the cause of the calls cut off when a drain is forced.
var errForced = errors.New("the server shut down before the call finished")

// errRequestTimeout is the cause of the calls whose request did not arrive
// whole within the connection policy's RequestTimeout.
var errRequestTimeout = errors.New("the request did not arrive in time")

// ToStatus is the one place where errors become gRPC statuses. Status errors
// keep their code and message; InvalidFieldError becomes INVALID_ARGUMENT;
// anything else is a bug and leaves as UNKNOWN "internal error" without
// leaking its message (as grpc-go and grpc-java report handler failures).
//
// A call that ended because its context did: CANCELLED when the caller went
// away (the server did nothing wrong; logging it as a failure would page
// someone for a client's timeout), DEADLINE_EXCEEDED when the deadline
// passed, CANCELLED when a forced drain cut it off or its request did not
// arrive in time.
func ToStatus(ctx context.Context, err error) *status.Status {
	if err == nil {
		return nil
	}
	if s, ok := status.FromError(err); ok {
		return s
	}
	var invalid *InvalidFieldError
	if errors.As(err, &invalid) {
		return status.New(codes.InvalidArgument, invalid.Error())
	}
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		switch {
		case errors.Is(context.Cause(ctx), errForced):
			return status.New(codes.Canceled, errForced.Error())
		case errors.Is(context.Cause(ctx), errRequestTimeout):
			return status.New(codes.Canceled, errRequestTimeout.Error())
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			return status.New(codes.DeadlineExceeded, "the deadline passed")
		default:
			return status.New(codes.Canceled, "the caller went away")
		}
	}
	return status.New(codes.Unknown, "internal error")
}
