{{/*
Rules across values that values.schema.json cannot express; each failure is
one line naming the setting and the expected form. Included once, by
deployment.yaml, which every install renders.
*/}}
{{- define "protomesh.checks" -}}
{{- $reserved := list "PORT" "POD_NAME" "SERVICE_VERSION" "SERVER_URL" "METRICS_PORT" "FAULT_DELAY" "FAULT_DELAY_PERCENT" "FAULT_ABORT_STATUS" "FAULT_ABORT_PERCENT" }}
{{- range $key, $svc := .Values.services }}
{{- if $svc.enabled }}
{{- if eq $svc.image.tag "latest" }}
{{- fail (printf "services.%s.image.tag: expected a pinned tag (or empty for the chart's appVersion), got latest" $key) }}
{{- end }}
{{- range $name, $_ := $svc.env }}
{{- if has $name $reserved }}
{{- fail (printf "services.%s.env.%s: set by the chart (PORT from port, SERVICE_VERSION from version, SERVER_URL from upstream, METRICS_PORT from metrics.port, FAULT_* from fault); remove it" $key $name) }}
{{- end }}
{{- end }}
{{- /* The apps refuse METRICS_PORT equal to PORT with exit 2: fail at render time instead. */}}
{{- if and $svc.port (eq (int $svc.port) (int $.Values.metrics.port)) }}
{{- fail (printf "services.%s.port: expected a port other than metrics.port (%d), which every container serves metrics on" $key (int $.Values.metrics.port)) }}
{{- end }}
{{- if $svc.upstream }}
{{- $_ := include "protomesh.serverUrl" (dict "root" $ "name" $key "svc" $svc) }}
{{- end }}
{{- $route := $svc.route | default dict }}
{{- include "protomesh.checkMinDuration" (dict "setting" (printf "services.%s.route.timeout" $key) "value" $route.timeout) }}
{{- include "protomesh.checkMinDuration" (dict "setting" (printf "services.%s.route.retries.perTryTimeout" $key) "value" (($route.retries | default dict).perTryTimeout)) }}
{{- end }}
{{- end }}
{{- if and .Values.metrics.podMonitor.enabled (not .Values.metrics.enabled) }}
{{- fail "metrics.podMonitor.enabled: needs metrics.enabled=true (the PodMonitor scrapes the http-metrics port and follows the prometheus.io annotations)" }}
{{- end }}
{{- $f := .Values.fault }}
{{- if $f.enabled }}
{{- include "protomesh.requireEntry" (dict "root" $ "key" $f.target "setting" "fault.target" "needsPort" true) }}
{{- if not (or $f.delay.enabled $f.abort.enabled) }}
{{- fail "fault.enabled: expected fault.delay.enabled or fault.abort.enabled to be true as well" }}
{{- end }}
{{- if and (eq $f.provider "istio") (not .Values.istio.enabled) }}
{{- fail "fault.provider: istio needs istio.enabled=true; expected app for a fault without the mesh" }}
{{- end }}
{{- if $f.delay.enabled }}
{{- include "protomesh.checkMinDuration" (dict "setting" "fault.delay.fixedDelay" "value" $f.delay.fixedDelay) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Istio refuses durations under 1ms; empty means unset.
*/}}
{{- define "protomesh.checkMinDuration" -}}
{{- if .value }}
{{- if lt (include "protomesh.durationMs" .value | int64) 1 }}
{{- fail (printf "%s: expected a duration of at least 1ms such as 500ms or 10s, got %s" .setting .value) }}
{{- end }}
{{- end }}
{{- end }}
