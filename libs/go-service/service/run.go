package service

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/protomesh/protomesh/libs/go-service/grpcserver"
	"github.com/protomesh/protomesh/libs/go-service/runtime"
	"github.com/protomesh/protomesh/libs/go-service/telemetry"
	"google.golang.org/grpc"
)

// Options is what Run needs besides the config.
type Options struct {
	// Name is the `service` of every log line, e.g. greeter-server.
	Name string
	// Description names the start-up line: "<Description> listening".
	Description string
	Config      Config
	// Register registers the application's services.
	Register func(grpc.ServiceRegistrar)
}

// Run serves the application's services as every server of protomesh does
// (the behaviour of libs/grpc-server's startService): JSON logs, metrics, the
// app-mode fault when the config asks for it, the server's limits, connection
// policy, health, reflection, and the drain on SIGTERM or SIGINT. It returns
// the exit code: 0 after a clean drain, 2 when HOST or PORT cannot be
// listened on, 1 when calls were cut off or the server could not start.
func Run(opts Options) int {
	config := opts.Config
	level, _ := runtime.ParseLevel(config.LogLevel)
	logger := runtime.NewLogger(os.Stdout, opts.Name, level)
	if config.Fault.Active() {
		logger.Warn("FAULT INJECTION ACTIVE: "+config.Fault.Describe(), runtime.F("fault", config.Fault))
	}
	if endpoint := IgnoredTraceEndpoint(runtime.OSEnv); endpoint != "" {
		logger.Warn("span export is not implemented in the Go server: OTEL_* settings are ignored",
			runtime.F("endpoint", endpoint))
	}

	// Signals are caught from here on, so a SIGTERM during start-up drains
	// instead of killing the process.
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)

	registry := telemetry.NewRegistry()
	metrics, err := telemetry.NewServerMetrics(registry, telemetry.DefaultMaxMethods)
	if err != nil {
		fmt.Fprintf(os.Stderr, "fatal: %v\n", err)
		return 1
	}
	// A metrics port that cannot be bound is logged but does not stop the
	// server: serving calls matters more than counting them.
	metricsServer, err := telemetry.StartMetricsServer(registry, config.Host, config.MetricsPort)
	if err != nil {
		logger.Error("metrics server not started", runtime.F("err", err), runtime.F("port", config.MetricsPort))
	} else {
		logger.Info("metrics on "+metricsServer.URL, runtime.F("url", metricsServer.URL))
	}

	var interceptors []grpc.UnaryServerInterceptor
	if config.Fault.Active() {
		interceptors = append(interceptors, grpcserver.FaultInterceptor(config.Fault, nil))
	}
	server := grpcserver.New(grpcserver.Options{
		Host:         config.Host,
		Port:         config.Port,
		Logger:       logger,
		Instance:     config.Instance,
		Version:      config.Version,
		MaxDeadline:  runtime.Millis(config.MaxDeadline),
		Connections:  config.Connections,
		Metrics:      metrics,
		Interceptors: interceptors,
		Register:     opts.Register,
	})
	addr, err := server.Listen()
	if err != nil {
		if configErr := ListenError(err, config.Host, config.Port); configErr != nil {
			fmt.Fprintf(os.Stderr, "config error: %s\n", configErr)
			return runtime.ExitConfig
		}
		fmt.Fprintf(os.Stderr, "fatal: %v\n", err)
		return 1
	}
	logger.Info(opts.Description+" listening",
		runtime.F("address", runtime.AddressString(addr)),
		runtime.F("instance", config.Instance),
		runtime.F("version", config.Version))

	// SIGTERM or SIGINT: health turns NOT_SERVING at once, calls are still
	// served for DRAIN_DELAY (while Kubernetes and the mesh stop routing
	// here), then the drain waits up to DRAIN_TIMEOUT for the calls in
	// flight. A second signal forces it, during the delay or the drain. Exit 0
	// after a clean drain, 1 when calls were cut off.
	sig := <-signals
	started := time.Now()
	server.Health.Shutdown()
	logger.Info("health NOT_SERVING, still serving during the drain delay",
		runtime.F("signal", signalName(sig)), runtime.F("drainDelayMs", config.DrainDelay))
	delay := time.NewTimer(runtime.Millis(config.DrainDelay))
	select {
	case sig := <-signals:
		delay.Stop()
		logger.Warn("second signal: forcing shutdown", runtime.F("signal", signalName(sig)))
		server.Force()
	case <-delay.C:
	}
	logger.Info("draining: refusing new calls, finishing those in flight",
		runtime.F("drainTimeoutMs", config.DrainTimeout))
	outcome := make(chan grpcserver.DrainOutcome, 1)
	go func() { outcome <- server.Drain(runtime.Millis(config.DrainTimeout)) }()
	for {
		select {
		case sig := <-signals:
			logger.Warn("second signal: forcing shutdown", runtime.F("signal", signalName(sig)))
			server.Force()
		case result := <-outcome:
			durationMs := time.Since(started).Milliseconds()
			code := 0
			if result == grpcserver.Drained {
				logger.Info("drained, exiting", runtime.F("durationMs", durationMs))
			} else {
				logger.Warn("drain cut short, calls in flight were cancelled", runtime.F("durationMs", durationMs))
				code = 1
			}
			if metricsServer != nil {
				if err := metricsServer.Close(); err != nil {
					logger.Warn("telemetry shutdown failed", runtime.F("err", err))
				}
			}
			return code
		}
	}
}

// signalName is the signal as Node names it.
func signalName(sig os.Signal) string {
	switch sig {
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGINT:
		return "SIGINT"
	}
	return sig.String()
}
