package telemetry

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/codes"
)

// CallDurationBuckets are the histogram boundaries in seconds, those of
// libs/telemetry: OpenTelemetry's advice for rpc call durations, extended
// below 5 ms, filled in between 5 s and 10 s, and continued to 30 s.
var CallDurationBuckets = []float64{
	0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1,
	2.5, 5, 6, 7, 7.5, 8, 9, 10, 15, 30,
}

// Prometheus names of the server instruments.
const (
	ServerDurationName = "rpc_server_call_duration_seconds"
	ServerActiveName   = "rpc_server_active_calls"
	// DefaultMaxMethods is how many distinct methods keep their names.
	DefaultMaxMethods = 100
)

const (
	serverDurationHelp = "Duration of incoming RPCs in seconds (OpenTelemetry rpc.server.call.duration)."
	serverActiveHelp   = "Incoming RPCs in flight."
)

// ServerMetrics records the duration, outcome and concurrency of the calls a
// server serves. The histogram's _count series is the call counter by status.
//
// error_type is present only on failed calls, exactly as prom-client writes
// it (not as error_type=""): one histogram family is made of two vectors,
// with and without the label, gathered by an unchecked collector.
type ServerMetrics struct {
	ok     *prometheus.HistogramVec
	failed *prometheus.HistogramVec
	active *prometheus.GaugeVec
	labels *MethodLabels
}

// NewServerMetrics registers the server instruments in reg.
func NewServerMetrics(reg prometheus.Registerer, maxMethods int) (*ServerMetrics, error) {
	opts := func() prometheus.HistogramOpts {
		return prometheus.HistogramOpts{Name: ServerDurationName, Help: serverDurationHelp, Buckets: CallDurationBuckets}
	}
	m := &ServerMetrics{
		ok:     prometheus.NewHistogramVec(opts(), []string{"rpc_system_name", "rpc_method", "rpc_status_code"}),
		failed: prometheus.NewHistogramVec(opts(), []string{"rpc_system_name", "rpc_method", "rpc_status_code", "error_type"}),
		active: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: ServerActiveName, Help: serverActiveHelp},
			[]string{"rpc_system_name", "rpc_method"}),
		labels: NewMethodLabels(maxMethods),
	}
	if err := reg.Register(durationCollector{m}); err != nil {
		return nil, err
	}
	if err := reg.Register(m.active); err != nil {
		return nil, err
	}
	return m, nil
}

// Start counts a call to method ("greeter.v1.GreeterService/SayHello") as in
// flight and starts its clock; call the result exactly once with its status.
func (m *ServerMetrics) Start(method string) func(code codes.Code) {
	label := m.labels.Label(method)
	active := m.active.WithLabelValues(RPCSystemName, label)
	active.Inc()
	started := time.Now()
	return func(code codes.Code) {
		seconds := time.Since(started).Seconds()
		active.Dec()
		status := StatusCodeLabel(code)
		if errorType := ServerErrorType(code); errorType != "" {
			m.failed.WithLabelValues(RPCSystemName, label, status, errorType).Observe(seconds)
		} else {
			m.ok.WithLabelValues(RPCSystemName, label, status).Observe(seconds)
		}
	}
}

// durationCollector gathers both halves of the histogram family. It describes
// nothing, which makes it an unchecked collector: the registry then accepts
// series of one family with different label names.
type durationCollector struct{ m *ServerMetrics }

func (durationCollector) Describe(chan<- *prometheus.Desc) {}

func (c durationCollector) Collect(ch chan<- prometheus.Metric) {
	c.m.ok.Collect(ch)
	c.m.failed.Collect(ch)
}
