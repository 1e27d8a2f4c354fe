// Package greeter is the greeter.v1.GreeterService of protomesh.
package greeter

import (
	"context"
	"strconv"

	greeterv1 "github.com/protomesh/protomesh/apps/server-go/gen/greeter/v1"
	"github.com/protomesh/protomesh/libs/go-service/grpcserver"
	"github.com/protomesh/protomesh/libs/go-service/runtime"
)

// MaxNameLength is the longest name, in Unicode code points.
const MaxNameLength = 256

// Service answers SayHello.
type Service struct {
	greeterv1.UnimplementedGreeterServiceServer
}

// SayHello greets the caller by name.
func (Service) SayHello(_ context.Context, req *greeterv1.SayHelloRequest) (*greeterv1.SayHelloResponse, error) {
	if err := ValidateName(req.GetName()); err != nil {
		return nil, err
	}
	return &greeterv1.SayHelloResponse{Message: "Hello, " + req.GetName() + "!"}, nil
}

// ValidateName enforces the contract: not blank (JavaScript's trim decides
// what is blank), at most MaxNameLength code points.
func ValidateName(name string) error {
	if runtime.IsBlankJS(name) {
		return &grpcserver.InvalidFieldError{Field: "name", Problem: "must not be empty"}
	}
	if length := runtime.CodePoints(name); length > MaxNameLength {
		return &grpcserver.InvalidFieldError{
			Field:   "name",
			Problem: "must be at most " + strconv.Itoa(MaxNameLength) + " characters, got " + strconv.Itoa(length),
		}
	}
	return nil
}
