{{/*
Expand the name of the chart.
*/}}
{{- define "protomesh.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Create a default fully qualified app name.
We truncate at 63 chars because some Kubernetes name fields are limited to this (by the DNS naming spec).
If release name contains chart name it will be used as a full name.
*/}}
{{- define "protomesh.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Create chart name and version as used by the chart label.
*/}}
{{- define "protomesh.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The helpers below take a component context:
(dict "root" $ "name" <key in .Values.services> "svc" <its entry>).
*/}}

{{/*
The resource name of a component: <fullname>-<component>.
*/}}
{{- define "protomesh.componentName" -}}
{{- printf "%s-%s" (include "protomesh.fullname" .root) .name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels.
*/}}
{{- define "protomesh.labels" -}}
helm.sh/chart: {{ include "protomesh.chart" .root }}
{{ include "protomesh.selectorLabels" . }}
{{- if .root.Chart.AppVersion }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/part-of: {{ include "protomesh.name" .root }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end }}

{{/*
Selector labels. Immutable once released: name, instance and component only,
never the version (a new version must not orphan the running pods).
*/}}
{{- define "protomesh.selectorLabels" -}}
app.kubernetes.io/name: {{ include "protomesh.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end }}

{{/*
Pod labels: the common labels plus `app` and `version`, which Istio uses for
telemetry and the DestinationRule subsets, and the injection label.
*/}}
{{- define "protomesh.podLabels" -}}
{{ include "protomesh.labels" . }}
app: {{ include "protomesh.componentName" . }}
version: {{ .svc.version | quote }}
{{- if .root.Values.istio.enabled }}
sidecar.istio.io/inject: {{ .root.Values.istio.sidecar.inject | toString | quote }}
{{- end }}
{{- with .svc.podLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Create the name of the service account to use.
*/}}
{{- define "protomesh.serviceAccountName" -}}
{{- if .svc.serviceAccount.create }}
{{- default (include "protomesh.componentName" .) .svc.serviceAccount.name }}
{{- else }}
{{- default "default" .svc.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Fails with a message naming `setting` unless `key` names an enabled entry of
services (with a port, when `needsPort`). Renders nothing.
Usage: include "protomesh.requireEntry" (dict "root" $ "key" "server" "setting" "fault.target" "needsPort" true)
*/}}
{{- define "protomesh.requireEntry" -}}
{{- $svc := get .root.Values.services .key }}
{{- if not (and $svc $svc.enabled) }}
{{- fail (printf "%s: expected the key of an enabled entry of services, got %q" .setting .key) }}
{{- end }}
{{- if and .needsPort (not $svc.port) }}
{{- fail (printf "%s: expected an entry of services with a port, got %q" .setting .key) }}
{{- end }}
{{- end }}

{{/*
The image reference of an entry; the tag defaults to the chart's appVersion.
*/}}
{{- define "protomesh.image" -}}
{{- printf "%s:%s" .svc.image.repository (default .root.Chart.AppVersion .svc.image.tag) }}
{{- end }}

{{/*
The fully qualified host of a server entry's Service.
*/}}
{{- define "protomesh.host" -}}
{{- printf "%s.%s.svc.%s" (include "protomesh.componentName" .) .root.Release.Namespace .root.Values.clusterDomain }}
{{- end }}

{{/*
Pod Security "restricted": pod level.
*/}}
{{- define "protomesh.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.podSecurity.runAsUser }}
runAsGroup: {{ .Values.podSecurity.runAsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
Pod Security "restricted": container level (plus a read-only root filesystem).
*/}}
{{- define "protomesh.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.podSecurity.runAsUser }}
runAsGroup: {{ .Values.podSecurity.runAsGroup }}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
The container env of an entry's values: every value as a string.
*/}}
{{- define "protomesh.env" -}}
{{- range $name, $value := . }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end }}

{{/*
SERVER_URL of an entry with an upstream.
*/}}
{{- define "protomesh.serverUrl" -}}
{{- include "protomesh.requireEntry" (dict "root" .root "key" .svc.upstream "setting" (printf "services.%s.upstream" .name) "needsPort" true) }}
{{- $upstream := get .root.Values.services .svc.upstream }}
{{- printf "http://%s:%d" (include "protomesh.componentName" (dict "root" .root "name" .svc.upstream)) (int $upstream.port) }}
{{- end }}
