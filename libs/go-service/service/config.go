// Package service is what every Go server of protomesh runs, the Go twin of
// libs/grpc-server's readServiceConfig and startService: ReadConfig reads the
// settings of the TypeScript servers, with their defaults and error lines;
// Run serves the app's services with logs, metrics, faults, health,
// reflection and the drain, and returns the exit code.
package service

import (
	"os"
	"strconv"

	"github.com/protomesh/protomesh/libs/go-service/grpcserver"
	"github.com/protomesh/protomesh/libs/go-service/runtime"
	"github.com/protomesh/protomesh/libs/go-service/telemetry"
)

// Config is every setting of the server, read once at start.
type Config struct {
	Port         int    // PORT, default 8080
	Host         string // HOST, default 0.0.0.0
	LogLevel     string // LOG_LEVEL, default info
	DrainDelay   int64  // DRAIN_DELAY in ms, default 5s
	DrainTimeout int64  // DRAIN_TIMEOUT in ms, default 10s
	MaxDeadline  int64  // MAX_DEADLINE in ms, default 5m
	Instance     string // POD_NAME, default the host name
	Version      string // SERVICE_VERSION, default the build's version
	// UNARY_FAST_PATH, on or off: read (and refused when malformed) as the
	// TypeScript server reads it, so both take the same settings; grpc-go
	// serves every call on one path, so it changes nothing here.
	UnaryFastPath string
	Fault         grpcserver.FaultSpec
	// HANDSHAKE_TIMEOUT (10s), REQUEST_TIMEOUT (30s), KEEPALIVE_TIME (1m),
	// KEEPALIVE_TIMEOUT (20s), MAX_CONNECTION_AGE (30m, 0s = never),
	// MAX_CONNECTION_AGE_GRACE (1m).
	Connections grpcserver.ConnectionPolicy
	MetricsPort int // METRICS_PORT, default 9464, never PORT
}

// ReadConfig reads the settings in the order the TypeScript server does, so
// the first malformed one is the one reported. version is the default of
// SERVICE_VERSION: the version the program was built from (the Nx build and
// the Dockerfiles stamp it from package.json with -ldflags "-X main.version=…").
func ReadConfig(env runtime.Env, version string) (Config, error) {
	r := runtime.NewEnvReader(env)
	host, _ := os.Hostname()
	config := Config{
		Port:          int(r.Integer("PORT", 8080, 0, 65535)),
		Host:          r.String("HOST", "0.0.0.0"),
		LogLevel:      r.OneOf("LOG_LEVEL", "info", runtime.LogLevels),
		DrainDelay:    r.Duration("DRAIN_DELAY", 5_000, 0, 3_600_000),
		DrainTimeout:  r.Duration("DRAIN_TIMEOUT", 10_000, 0, 3_600_000),
		MaxDeadline:   r.Duration("MAX_DEADLINE", 300_000, 1, 86_400_000),
		Instance:      r.String("POD_NAME", host),
		Version:       r.String("SERVICE_VERSION", version),
		UnaryFastPath: r.OneOf("UNARY_FAST_PATH", "on", []string{"on", "off"}),
		Fault:         grpcserver.ReadFaultSpec(r),
		Connections: grpcserver.ConnectionPolicy{
			HandshakeTimeout:      runtime.Millis(r.Duration("HANDSHAKE_TIMEOUT", 10_000, 1, 3_600_000)),
			RequestTimeout:        runtime.Millis(r.Duration("REQUEST_TIMEOUT", 30_000, 1, 86_400_000)),
			KeepaliveTime:         runtime.Millis(r.Duration("KEEPALIVE_TIME", 60_000, 1_000, 86_400_000)),
			KeepaliveTimeout:      runtime.Millis(r.Duration("KEEPALIVE_TIMEOUT", 20_000, 1, 3_600_000)),
			MaxConnectionAge:      runtime.Millis(r.Duration("MAX_CONNECTION_AGE", 1_800_000, 0, 20*86_400_000)),
			MaxConnectionAgeGrace: runtime.Millis(r.Duration("MAX_CONNECTION_AGE_GRACE", 60_000, 0, 86_400_000)),
		},
	}
	config.MetricsPort = int(r.Integer("METRICS_PORT", telemetry.DefaultMetricsPort, 0, 65535))
	if err := r.Err(); err != nil {
		return Config{}, err
	}
	if config.Port != 0 && config.MetricsPort == config.Port {
		// The metrics server speaks HTTP/1.1 and never shares the gRPC port.
		r.Fail("METRICS_PORT", "a port other than PORT ("+strconv.Itoa(config.Port)+")", strconv.Itoa(config.MetricsPort))
		return Config{}, r.Err()
	}
	return config, nil
}

// IgnoredTraceEndpoint is the OTLP endpoint the OTEL_* settings ask spans to
// be exported to, or "" when they ask for no export (the TypeScript server's
// rules). This server exports no spans: start-up warns when one is asked for,
// rather than pretending to honour it.
func IgnoredTraceEndpoint(env runtime.Env) string {
	r := runtime.NewEnvReader(env)
	if r.String("OTEL_SDK_DISABLED", "") == "true" || r.String("OTEL_TRACES_EXPORTER", "") == "none" {
		return ""
	}
	return r.String("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", r.String("OTEL_EXPORTER_OTLP_ENDPOINT", ""))
}
