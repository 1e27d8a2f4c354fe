// Command greeter-server answers greeter.v1.GreeterService/SayHello over gRPC
// (HTTP/2 cleartext; a sidecar adds mTLS), with the behaviour of the
// TypeScript server of apps/server: same settings, logs, metrics, headers,
// limits, connection policy, health, reflection, app-mode faults, drain delay
// and drain, all from libs/go-service; this program adds the greeter.
package main

import (
	"fmt"
	"os"

	greeterv1 "github.com/protomesh/protomesh/apps/server-go/gen/greeter/v1"
	"github.com/protomesh/protomesh/apps/server-go/internal/greeter"
	"github.com/protomesh/protomesh/libs/go-service/runtime"
	"github.com/protomesh/protomesh/libs/go-service/service"
	"google.golang.org/grpc"
)

// ServiceName is the `service` of every log line.
const ServiceName = "greeter-server"

// version is the version this build was made from, the default of
// SERVICE_VERSION: the Nx build (tools/scripts/go-target.sh build) and the
// Dockerfile set it from package.json with -ldflags "-X main.version=…".
var version = "0.0.0-dev"

func main() {
	os.Exit(run())
}

func run() int {
	config, err := service.ReadConfig(runtime.OSEnv, version)
	if err != nil {
		fmt.Fprintf(os.Stderr, "config error: %s\n", err)
		return runtime.ExitConfig
	}
	return service.Run(service.Options{
		Name:        ServiceName,
		Description: "greeter server",
		Config:      config,
		Register: func(r grpc.ServiceRegistrar) {
			greeterv1.RegisterGreeterServiceServer(r, greeter.Service{})
		},
	})
}
