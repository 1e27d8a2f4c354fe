package service

import (
	"errors"
	"net"
	"strconv"
	"syscall"

	"github.com/protomesh/protomesh/libs/go-service/runtime"
)

// ListenError turns a listen failure that only other settings can mend into
// the ConfigError naming the setting, word for word as libs/grpc-server's
// listenError; it returns nil for any other failure.
func ListenError(err error, host string, port int) *runtime.ConfigError {
	var dns *net.DNSError
	switch {
	case errors.As(err, &dns), errors.Is(err, syscall.EADDRNOTAVAIL):
		return &runtime.ConfigError{Setting: "HOST", Expected: "an address of this machine, or a name that resolves to one", Received: host}
	case errors.Is(err, syscall.EADDRINUSE):
		return &runtime.ConfigError{Setting: "PORT", Expected: "a port no other process listens on", Received: strconv.Itoa(port)}
	case errors.Is(err, syscall.EACCES):
		return &runtime.ConfigError{Setting: "PORT", Expected: "a port this user may listen on (1024 and up without privileges)", Received: strconv.Itoa(port)}
	}
	return nil
}
