package service

import (
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/protomesh/protomesh/libs/go-service/grpcserver"
	"github.com/protomesh/protomesh/libs/go-service/runtime"
)

// testVersion stands for the version a program passes (its build's).
const testVersion = "1.2.3-test"

func TestDefaults(t *testing.T) {
	host, _ := os.Hostname()
	config, err := ReadConfig(runtime.MapEnv(nil), testVersion)
	want := Config{
		Port: 8080, Host: "0.0.0.0", LogLevel: "info", DrainDelay: 5_000, DrainTimeout: 10_000, MaxDeadline: 300_000,
		Instance: host, Version: testVersion, UnaryFastPath: "on", MetricsPort: 9464,
		Connections: grpcserver.ConnectionPolicy{
			HandshakeTimeout: 10 * time.Second, RequestTimeout: 30 * time.Second,
			KeepaliveTime: time.Minute, KeepaliveTimeout: 20 * time.Second,
			MaxConnectionAge: 30 * time.Minute, MaxConnectionAgeGrace: time.Minute,
		},
	}
	if err != nil || !reflect.DeepEqual(config, want) {
		t.Fatalf("got %+v %v", config, err)
	}
	if config.Connections != grpcserver.DefaultConnectionPolicy {
		t.Errorf("the defaults of ReadConfig and grpcserver differ: %+v", grpcserver.DefaultConnectionPolicy)
	}
	config, _ = ReadConfig(runtime.MapEnv(map[string]string{"PORT": "", "DRAIN_TIMEOUT": " "}), testVersion)
	if config.Port != 8080 || config.DrainTimeout != 10_000 {
		t.Error("empty values are unset")
	}
}

func TestReadsEveryVariable(t *testing.T) {
	config, err := ReadConfig(runtime.MapEnv(map[string]string{
		"PORT": "0", "HOST": "127.0.0.1", "LOG_LEVEL": "debug", "DRAIN_DELAY": "250ms", "DRAIN_TIMEOUT": "1.5s", "MAX_DEADLINE": "1m",
		"HANDSHAKE_TIMEOUT": "2s", "REQUEST_TIMEOUT": "3s", "KEEPALIVE_TIME": "4s", "KEEPALIVE_TIMEOUT": "500ms",
		"MAX_CONNECTION_AGE": "0s", "MAX_CONNECTION_AGE_GRACE": "5s",
		"POD_NAME": "greeter-abc", "SERVICE_VERSION": "9.9.9", "UNARY_FAST_PATH": "off", "METRICS_PORT": "0",
		"FAULT_DELAY": "250ms", "FAULT_DELAY_PERCENT": "12.5", "FAULT_ABORT_STATUS": "UNAVAILABLE", "FAULT_ABORT_PERCENT": "100",
	}), testVersion)
	want := Config{
		Port: 0, Host: "127.0.0.1", LogLevel: "debug", DrainDelay: 250, DrainTimeout: 1500, MaxDeadline: 60_000,
		Instance: "greeter-abc", Version: "9.9.9", UnaryFastPath: "off", MetricsPort: 0,
		Fault: grpcserver.FaultSpec{
			Delay: &grpcserver.FaultDelay{Ms: 250, Percent: 12.5},
			Abort: &grpcserver.FaultAbort{Status: "UNAVAILABLE", Percent: 100},
		},
		Connections: grpcserver.ConnectionPolicy{
			HandshakeTimeout: 2 * time.Second, RequestTimeout: 3 * time.Second,
			KeepaliveTime: 4 * time.Second, KeepaliveTimeout: 500 * time.Millisecond,
			MaxConnectionAge: 0, MaxConnectionAgeGrace: 5 * time.Second,
		},
	}
	if err != nil || !reflect.DeepEqual(config, want) {
		t.Fatalf("got %+v %v", config, err)
	}
}

func TestRejects(t *testing.T) {
	for _, c := range []struct {
		env     map[string]string
		message string
	}{
		{map[string]string{"PORT": "abc"}, `PORT: expected an integer from 0 to 65535, got "abc"`},
		{map[string]string{"PORT": "65536"}, `PORT: expected an integer from 0 to 65535, got "65536"`},
		{map[string]string{"PORT": "-1"}, `PORT: expected an integer from 0 to 65535, got "-1"`},
		{map[string]string{"LOG_LEVEL": "loud"}, `LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"`},
		{map[string]string{"DRAIN_TIMEOUT": "10"}, `DRAIN_TIMEOUT: expected a duration such as 500ms, 2s, 1m or 1h, from 0ms to 3600000ms, got "10"`},
		{map[string]string{"MAX_DEADLINE": "0s"}, `MAX_DEADLINE: expected a duration such as 500ms, 2s, 1m or 1h, from 1ms to 86400000ms, got "0s"`},
		// The connection policy and the drain delay, with libs/grpc-server's ranges.
		{map[string]string{"DRAIN_DELAY": "soon"}, `DRAIN_DELAY: expected a duration such as 500ms, 2s, 1m or 1h, from 0ms to 3600000ms, got "soon"`},
		{map[string]string{"DRAIN_DELAY": "61m"}, `DRAIN_DELAY: expected a duration such as 500ms, 2s, 1m or 1h, from 0ms to 3600000ms, got "61m"`},
		{map[string]string{"HANDSHAKE_TIMEOUT": "0s"}, `HANDSHAKE_TIMEOUT: expected a duration such as 500ms, 2s, 1m or 1h, from 1ms to 3600000ms, got "0s"`},
		{map[string]string{"REQUEST_TIMEOUT": "25h"}, `REQUEST_TIMEOUT: expected a duration such as 500ms, 2s, 1m or 1h, from 1ms to 86400000ms, got "25h"`},
		{map[string]string{"KEEPALIVE_TIME": "10ms"}, `KEEPALIVE_TIME: expected a duration such as 500ms, 2s, 1m or 1h, from 1000ms to 86400000ms, got "10ms"`},
		{map[string]string{"KEEPALIVE_TIMEOUT": "-1s"}, `KEEPALIVE_TIMEOUT: expected a duration such as 500ms, 2s, 1m or 1h, from 1ms to 3600000ms, got "-1s"`},
		{map[string]string{"MAX_CONNECTION_AGE": "481h"}, `MAX_CONNECTION_AGE: expected a duration such as 500ms, 2s, 1m or 1h, from 0ms to 1728000000ms, got "481h"`},
		{map[string]string{"MAX_CONNECTION_AGE_GRACE": "1d"}, `MAX_CONNECTION_AGE_GRACE: expected a duration such as 500ms, 2s, 1m or 1h, from 0ms to 86400000ms, got "1d"`},
		{map[string]string{"FAULT_DELAY": "1s"}, `FAULT_DELAY_PERCENT: expected a percentage from 0 to 100 (required when FAULT_DELAY is set), got ""`},
		{map[string]string{"FAULT_DELAY_PERCENT": "50"}, `FAULT_DELAY: expected a duration such as 500ms, 2s, 1m or 1h (required when FAULT_DELAY_PERCENT is set), got ""`},
		{map[string]string{"FAULT_DELAY": "1s", "FAULT_DELAY_PERCENT": "101"}, `FAULT_DELAY_PERCENT: expected a percentage from 0 to 100, got "101"`},
		{map[string]string{"FAULT_ABORT_STATUS": "UNAVAILABLE"}, `FAULT_ABORT_PERCENT: expected a percentage from 0 to 100 (required when FAULT_ABORT_STATUS is set), got ""`},
		{map[string]string{"UNARY_FAST_PATH": "true"}, `UNARY_FAST_PATH: expected one of on, off, got "true"`},
		{map[string]string{"METRICS_PORT": "nine"}, `METRICS_PORT: expected an integer from 0 to 65535, got "nine"`},
		{map[string]string{"PORT": "8080", "METRICS_PORT": "8080"}, `METRICS_PORT: expected a port other than PORT (8080), got "8080"`},
		{map[string]string{"METRICS_PORT": "8080"}, `METRICS_PORT: expected a port other than PORT (8080), got "8080"`},
		// The first malformed setting, in the TypeScript server's order, is the one reported.
		{map[string]string{"METRICS_PORT": "nine", "LOG_LEVEL": "loud", "PORT": "x"}, `PORT: expected an integer from 0 to 65535, got "x"`},
		{map[string]string{"METRICS_PORT": "nine", "MAX_CONNECTION_AGE_GRACE": "x", "HANDSHAKE_TIMEOUT": "x", "FAULT_DELAY": "1s"}, `FAULT_DELAY_PERCENT: expected a percentage from 0 to 100 (required when FAULT_DELAY is set), got ""`},
		{map[string]string{"METRICS_PORT": "nine", "MAX_CONNECTION_AGE_GRACE": "x", "HANDSHAKE_TIMEOUT": "x"}, `HANDSHAKE_TIMEOUT: expected a duration such as 500ms, 2s, 1m or 1h, from 1ms to 3600000ms, got "x"`},
		{map[string]string{"METRICS_PORT": "nine", "MAX_CONNECTION_AGE_GRACE": "x"}, `MAX_CONNECTION_AGE_GRACE: expected a duration such as 500ms, 2s, 1m or 1h, from 0ms to 86400000ms, got "x"`},
		{map[string]string{"DRAIN_TIMEOUT": "x", "DRAIN_DELAY": "x"}, `DRAIN_DELAY: expected a duration such as 500ms, 2s, 1m or 1h, from 0ms to 3600000ms, got "x"`},
	} {
		_, err := ReadConfig(runtime.MapEnv(c.env), testVersion)
		if err == nil || err.Error() != c.message {
			t.Errorf("%v:\n got %v\nwant %s", c.env, err, c.message)
		}
	}
	if _, err := ReadConfig(runtime.MapEnv(map[string]string{"PORT": "0", "METRICS_PORT": "0"}), testVersion); err != nil {
		t.Errorf("port 0 twice picks two free ports: %v", err)
	}
}

func TestIgnoredTraceEndpoint(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{nil, ""},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, "http://collector:4318"},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4318", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://b:4318/v1/traces"}, "http://b:4318/v1/traces"},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4318", "OTEL_SDK_DISABLED": "true"}, ""},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4318", "OTEL_TRACES_EXPORTER": "none"}, ""},
	} {
		if got := IgnoredTraceEndpoint(runtime.MapEnv(c.env)); got != c.want {
			t.Errorf("%v: got %q, want %q", c.env, got, c.want)
		}
	}
}
