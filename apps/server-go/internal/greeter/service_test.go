package greeter

import (
	"context"
	"errors"
	"strings"
	"testing"

	greeterv1 "github.com/protomesh/protomesh/apps/server-go/gen/greeter/v1"
	"github.com/protomesh/protomesh/libs/go-service/grpcserver"
)

func TestGreetsByName(t *testing.T) {
	resp, err := Service{}.SayHello(context.Background(), &greeterv1.SayHelloRequest{Name: "Ada"})
	if err != nil || resp.GetMessage() != "Hello, Ada!" {
		t.Fatalf("got %v, %v", resp, err)
	}
	// The name is greeted as given, surrounding spaces included.
	resp, _ = Service{}.SayHello(context.Background(), &greeterv1.SayHelloRequest{Name: " Ada "})
	if resp.GetMessage() != "Hello,  Ada !" {
		t.Fatalf("got %q", resp.GetMessage())
	}
}

func invalid(t *testing.T, name string) string {
	t.Helper()
	var field *grpcserver.InvalidFieldError
	if err := ValidateName(name); !errors.As(err, &field) {
		t.Fatalf("ValidateName(%q) = %v", name, err)
	}
	return field.Error()
}

func TestRejectsBlankNames(t *testing.T) {
	// JavaScript's trim decides what is blank: U+FEFF is, U+200B is not.
	for _, name := range []string{"", "   ", "\t\n", "\u00a0\u3000\ufeff"} {
		if got := invalid(t, name); got != "name: must not be empty" {
			t.Errorf("%q: %q", name, got)
		}
	}
	if err := ValidateName("\u200b"); err != nil {
		t.Errorf("zero-width space: %v", err)
	}
}

// '😀' is one code point, two UTF-16 units and four UTF-8 bytes: a limit
// counted in units or bytes would reject the 256-code-point name.
func TestCountsCodePoints(t *testing.T) {
	if err := ValidateName(strings.Repeat("😀", MaxNameLength)); err != nil {
		t.Errorf("256 code points: %v", err)
	}
	if got := invalid(t, strings.Repeat("😀", MaxNameLength+1)); got != "name: must be at most 256 characters, got 257" {
		t.Errorf("257 code points: %q", got)
	}
	if got := invalid(t, strings.Repeat("x", 1000)); got != "name: must be at most 256 characters, got 1000" {
		t.Errorf("1000: %q", got)
	}
}
