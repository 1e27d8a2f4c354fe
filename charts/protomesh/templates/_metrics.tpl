{{/*
The de facto prometheus.io scrape annotations, pointing at the app's own
/metrics. Istio's sidecar injector (meshConfig.enablePrometheusMerge, on by
default) moves them into the agent's ISTIO_PROMETHEUS_ANNOTATIONS and points
them at :15020/stats/prometheus instead, where the agent serves Envoy's
metrics and the app's (fetched over the pod's loopback) in plaintext: port
15020 is excluded from the sidecar's inbound capture, so neither STRICT mTLS
nor the AuthorizationPolicy stands between Prometheus and the merged metrics.
Hence no prometheus.istio.io/merge-metrics annotation here.
Context: the root.
*/}}
{{- define "protomesh.metrics.annotations" -}}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .Values.metrics.port | toString | quote }}
prometheus.io/path: {{ include "protomesh.metrics.path" . }}
{{- end }}

{{/*
Where the apps serve their metrics (libs/telemetry METRICS_PATH; fixed).
*/}}
{{- define "protomesh.metrics.path" -}}
/metrics
{{- end }}
