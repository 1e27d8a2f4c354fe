{{/*
The Istio VirtualService `fault` of a route, empty unless an Istio fault
targets the component in the context.
*/}}
{{- define "protomesh.fault.istio" -}}
{{- $f := .root.Values.fault }}
{{- if and $f.enabled (eq $f.provider "istio") (eq $f.target .name) }}
fault:
  {{- if $f.delay.enabled }}
  delay:
    fixedDelay: {{ $f.delay.fixedDelay }}
    percentage:
      value: {{ $f.delay.percentage }}
  {{- end }}
  {{- if $f.abort.enabled }}
  abort:
    grpcStatus: {{ $f.abort.grpcStatus }}
    percentage:
      value: {{ $f.abort.percentage }}
  {{- end }}
{{- end }}
{{- end }}

{{/*
The server's FAULT_* env for an app-provider fault targeting the component in
the context, or the server whose Service it joins (subsetOf): each pair only
when that fault is on (the server refuses half a pair with exit 2).
*/}}
{{- define "protomesh.fault.env" -}}
{{- $f := .root.Values.fault }}
{{- if and $f.enabled (eq $f.provider "app") (eq $f.target (default .name .svc.subsetOf)) }}
{{- if $f.delay.enabled }}
- name: FAULT_DELAY
  value: {{ $f.delay.fixedDelay | quote }}
- name: FAULT_DELAY_PERCENT
  value: {{ $f.delay.percentage | toString | quote }}
{{- end }}
{{- if $f.abort.enabled }}
- name: FAULT_ABORT_STATUS
  value: {{ $f.abort.grpcStatus | quote }}
- name: FAULT_ABORT_PERCENT
  value: {{ $f.abort.percentage | toString | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The status every call from the test caller must end with, or "" when the
configured fault leaves the outcome to chance. Istio and the app inject the
same way: the delay comes first and is cut short by the caller's deadline, so
a delay of at least TIMEOUT on every call wins over any abort.
Context: the caller's component context.
*/}}
{{- define "protomesh.fault.expect" -}}
{{- $f := .root.Values.fault }}
{{- if not (and $f.enabled (eq $f.target (default "" .svc.upstream))) }}
{{- print "OK" }}
{{- else }}
{{- $timeoutMs := include "protomesh.durationMs" (default "5s" .svc.env.TIMEOUT) | float64 }}
{{- $delay := "none" }}
{{- if and $f.delay.enabled (gt (float64 $f.delay.percentage) 0.0) (ge (include "protomesh.durationMs" $f.delay.fixedDelay | float64) $timeoutMs) }}
{{- $delay = ternary "all" "some" (ge (float64 $f.delay.percentage) 100.0) }}
{{- end }}
{{- $abort := "none" }}
{{- if and $f.abort.enabled (gt (float64 $f.abort.percentage) 0.0) }}
{{- $abort = ternary "all" "some" (ge (float64 $f.abort.percentage) 100.0) }}
{{- end }}
{{- if eq $delay "all" }}
{{- print "DEADLINE_EXCEEDED" }}
{{- else if or (eq $delay "some") (eq $abort "some") }}
{{- print "" }}
{{- else if eq $abort "all" }}
{{- print $f.abort.grpcStatus }}
{{- else }}
{{- print "OK" }}
{{- end }}
{{- end }}
{{- end }}
