package telemetry

import (
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/protomesh/protomesh/libs/go-service/runtime"
)

// DefaultMetricsPort is OpenTelemetry's Prometheus exporter port.
const DefaultMetricsPort = 9464

// MetricsPath is where the metrics are served.
const MetricsPath = "/metrics"

// NewRegistry is a registry of its own holding the Go runtime and process metrics.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// MetricsServer serves a registry in the Prometheus text format at GET /metrics.
type MetricsServer struct {
	// URL is where the metrics are, e.g. http://0.0.0.0:9464/metrics.
	URL    string
	Addr   *net.TCPAddr
	server *http.Server
}

// StartMetricsServer listens on host:port (port 0 picks a free one); any
// path but /metrics, and any method but GET and HEAD, is answered 404.
func StartMetricsServer(reg *prometheus.Registry, host string, port int) (*MetricsServer, error) {
	listener, err := runtime.Listen(host, port)
	if err != nil {
		return nil, err
	}
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != MetricsPath || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte("not found\n"))
			return
		}
		metrics.ServeHTTP(w, r)
	})
	server := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 5 * time.Second}
	go func() { _ = server.Serve(listener) }()
	addr := listener.Addr().(*net.TCPAddr)
	return &MetricsServer{
		URL:    "http://" + net.JoinHostPort(addr.IP.String(), strconv.Itoa(addr.Port)) + MetricsPath,
		Addr:   addr,
		server: server,
	}, nil
}

// Close stops serving at once; a scrape is one short request.
func (s *MetricsServer) Close() error {
	err := s.server.Close()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
