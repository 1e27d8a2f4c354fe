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
The `app` label: what Istio (telemetry, Kiali) takes for the application, and
what a Service selects. Every version of a server carries the same one: an
entry's own resource name, or for a subsetOf entry the name of the entry
whose Service it joins.
*/}}
{{- define "protomesh.appLabel" -}}
{{- include "protomesh.componentName" (dict "root" .root "name" (default .name .svc.subsetOf)) }}
{{- end }}

{{/*
What a server's Service, PeerAuthentication and AuthorizationPolicy select:
the pods of every version of it, by the shared `app` label (an entry's
Deployment selects its own pods by component, selectorLabels). Never the
version: a subset is the DestinationRule's business.
*/}}
{{- define "protomesh.serviceSelectorLabels" -}}
app.kubernetes.io/name: {{ include "protomesh.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app: {{ include "protomesh.appLabel" . }}
{{- end }}

{{/*
Pod labels: the common labels plus `app` and `version`, which the
DestinationRule subsets select, and with the mesh the injection label and
Istio's canonical service and revision. Istio takes those from
app.kubernetes.io/name and app.kubernetes.io/version before `app` and
`version`, and here those two are the chart's name and appVersion, the same on
every pod: without the canonical labels the server, its v2 and the client
would all report as one service and one revision in Istio's metrics and Kiali.
*/}}
{{- define "protomesh.podLabels" -}}
{{ include "protomesh.labels" . }}
app: {{ include "protomesh.appLabel" . }}
version: {{ .svc.version | quote }}
{{- if .root.Values.istio.enabled }}
sidecar.istio.io/inject: {{ .root.Values.istio.sidecar.inject | toString | quote }}
service.istio.io/canonical-name: {{ include "protomesh.appLabel" . }}
service.istio.io/canonical-revision: {{ .svc.version | quote }}
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
Milliseconds of a duration the schema has already checked against
DURATION_PATTERN (500ms, 2s, 1.5m, 1h), rounded up.
*/}}
{{- define "protomesh.durationMs" -}}
{{- $text := toString . }}
{{- $unit := regexFind "(ms|s|m|h)$" $text }}
{{- $scale := get (dict "ms" 1 "s" 1000 "m" 60000 "h" 3600000) $unit }}
{{- mulf (float64 (trimSuffix $unit $text)) $scale | ceil | int64 }}
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
The versions behind a server entry's Service, as a JSON list of
{version, entry, enabled}: the entry's own first, then those of the entries
whose subsetOf names it, by key. Each is a DestinationRule subset (when its
entry is enabled) and a key of route.weights.
Usage: include "protomesh.subsets" $c | fromJsonArray
*/}}
{{- define "protomesh.subsets" -}}
{{- $subsets := list (dict "version" (toString .svc.version) "entry" .name "enabled" .svc.enabled) }}
{{- range $key, $svc := .root.Values.services }}
{{- if eq (toString (default "" $svc.subsetOf)) $.name }}
{{- $subsets = append $subsets (dict "version" (toString $svc.version) "entry" $key "enabled" $svc.enabled) }}
{{- end }}
{{- end }}
{{- toJson $subsets }}
{{- end }}

{{/*
A server entry's route.weights as a JSON object (version -> percent); empty
weights send everything to the entry's own version.
Usage: include "protomesh.weights" $c | fromJson
*/}}
{{- define "protomesh.weights" -}}
{{- $weights := ((.svc.route | default dict).weights | default dict) }}
{{- if not $weights }}
{{- $weights = dict (toString .svc.version) 100 }}
{{- end }}
{{- toJson $weights }}
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
SERVER_URL of an entry with an upstream (validateValues has checked that it
names an enabled entry with a port).
*/}}
{{- define "protomesh.serverUrl" -}}
{{- $upstream := get .root.Values.services .svc.upstream }}
{{- printf "http://%s:%d" (include "protomesh.componentName" (dict "root" .root "name" .svc.upstream)) (int $upstream.port) }}
{{- end }}

{{/*
Every rule across values that values.schema.json cannot express (helm has
checked the schema before any template runs). Each check appends one line
naming the setting and the expected form; if any did, the render fails once
with all of them, one per line.
Every template includes this first: helm renders the templates in an order
of its own and stops at the first failure, so whichever renders first must
report everything, and the helpers may then take the values as valid.
Usage, as the first line of every template: include "protomesh.validateValues" .
*/}}
{{- define "protomesh.validateValues" -}}
{{- $messages := list }}
{{- $reserved := list "PORT" "POD_NAME" "SERVICE_VERSION" "SERVER_URL" "METRICS_PORT" "FAULT_DELAY" "FAULT_DELAY_PERCENT" "FAULT_ABORT_STATUS" "FAULT_ABORT_PERCENT" }}
{{- range $key, $svc := .Values.services }}
{{- if $svc.enabled }}
{{- if eq $svc.image.tag "latest" }}
{{- $messages = append $messages (printf "services.%s.image.tag: expected a pinned tag (or empty for the chart's appVersion), got latest" $key) }}
{{- end }}
{{- $podLabels := include "protomesh.podLabels" (dict "root" $ "name" $key "svc" (omit $svc "podLabels")) | fromYaml }}
{{- range $name, $_ := ($svc.podLabels | default dict) }}
{{- if hasKey $podLabels $name }}
{{- $messages = append $messages (printf "services.%s.podLabels.%s: set by the chart (selectors, subsets and Istio read it); expected a label of your own" $key $name) }}
{{- end }}
{{- end }}
{{- range $name, $_ := $svc.env }}
{{- if has $name $reserved }}
{{- $messages = append $messages (printf "services.%s.env.%s: set by the chart (PORT from port, SERVICE_VERSION from version, SERVER_URL from upstream, METRICS_PORT from metrics.port, FAULT_* from fault); remove it" $key $name) }}
{{- end }}
{{- end }}
{{- /* The apps refuse METRICS_PORT equal to PORT with exit 2: fail at render time instead. */}}
{{- if and $svc.port (eq (int $svc.port) (int $.Values.metrics.port)) }}
{{- $messages = append $messages (printf "services.%s.port: expected a port other than metrics.port (%d), which every container serves metrics on" $key (int $.Values.metrics.port)) }}
{{- end }}
{{- if $svc.upstream }}
{{- $messages = append $messages (include "protomesh.validateValues.entry" (dict "root" $ "key" $svc.upstream "setting" (printf "services.%s.upstream" $key) "needsPort" true)) }}
{{- end }}
{{- if $svc.subsetOf }}
{{- $messages = append $messages (include "protomesh.validateValues.subsetOf" (dict "root" $ "key" $key "svc" $svc)) }}
{{- else if $svc.port }}
{{- $messages = append $messages (include "protomesh.validateValues.weights" (dict "root" $ "name" $key "svc" $svc)) }}
{{- end }}
{{- $route := $svc.route | default dict }}
{{- $messages = append $messages (include "protomesh.validateValues.minDuration" (dict "setting" (printf "services.%s.route.timeout" $key) "value" $route.timeout)) }}
{{- $messages = append $messages (include "protomesh.validateValues.minDuration" (dict "setting" (printf "services.%s.route.retries.perTryTimeout" $key) "value" (($route.retries | default dict).perTryTimeout))) }}
{{- /* Read where the AuthorizationPolicy is rendered: servers, with Istio. */}}
{{- if and $.Values.istio.enabled $svc.port }}
{{- range (($svc.authorization | default dict).callers | default list) }}
{{- if not (get $.Values.services .) }}
{{- $messages = append $messages (printf "services.%s.authorization.callers: expected keys of services, got %q" $key .) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- if and .Values.metrics.podMonitor.enabled (not .Values.metrics.enabled) }}
{{- $messages = append $messages "metrics.podMonitor.enabled: needs metrics.enabled=true (the PodMonitor scrapes the http-metrics port and follows the prometheus.io annotations)" }}
{{- end }}
{{- if and .Values.dashboards.enabled (not (.Files.Glob "dashboards/*.json")) }}
{{- $messages = append $messages "dashboards.enabled: expected dashboards/*.json in the chart; keep dashboards/ out of .helmignore" }}
{{- end }}
{{- $f := .Values.fault }}
{{- if $f.enabled }}
{{- $messages = append $messages (include "protomesh.validateValues.entry" (dict "root" $ "key" $f.target "setting" "fault.target" "needsPort" true)) }}
{{- if not (or $f.delay.enabled $f.abort.enabled) }}
{{- $messages = append $messages "fault.enabled: expected fault.delay.enabled or fault.abort.enabled to be true as well" }}
{{- end }}
{{- if and (eq $f.provider "istio") (not .Values.istio.enabled) }}
{{- $messages = append $messages "fault.provider: istio needs istio.enabled=true; expected app for a fault without the mesh" }}
{{- end }}
{{- if $f.delay.enabled }}
{{- $messages = append $messages (include "protomesh.validateValues.minDuration" (dict "setting" "fault.delay.fixedDelay" "value" $f.delay.fixedDelay)) }}
{{- end }}
{{- end }}
{{- if .Values.tests.enabled }}
{{- $callerMessage := include "protomesh.validateValues.entry" (dict "root" $ "key" .Values.tests.caller "setting" "tests.caller") }}
{{- if $callerMessage }}
{{- $messages = append $messages $callerMessage }}
{{- else if not (get .Values.services .Values.tests.caller).upstream }}
{{- $messages = append $messages (printf "tests.caller: expected an entry of services with an upstream, got %q" .Values.tests.caller) }}
{{- end }}
{{- end }}
{{- $messages = without $messages "" }}
{{- if $messages }}
{{- fail (join "\n" $messages) }}
{{- end }}
{{- end }}

{{/*
The message for `key` unless it names an enabled entry of services (with a
port, when `needsPort`); empty when it does. For validateValues.
Usage: include "protomesh.validateValues.entry" (dict "root" $ "key" "server" "setting" "fault.target" "needsPort" true)
*/}}
{{- define "protomesh.validateValues.entry" -}}
{{- $svc := get .root.Values.services .key }}
{{- if not (and $svc $svc.enabled) }}
{{- printf "%s: expected the key of an enabled entry of services, got %q" .setting .key }}
{{- else if and .needsPort (not $svc.port) }}
{{- printf "%s: expected an entry of services with a port, got %q" .setting .key }}
{{- else if and .needsPort $svc.subsetOf }}
{{- printf "%s: expected an entry of services with a Service of its own (no subsetOf), got %q" .setting .key }}
{{- end }}
{{- end }}

{{/*
The messages (one per line) for a subsetOf entry: it needs an enabled server
entry with a Service of its own, the mesh, and no route or authorization of
its own (its Service's entry has them). For validateValues.
Usage: include "protomesh.validateValues.subsetOf" (dict "root" $ "key" "server-go" "svc" $svc)
*/}}
{{- define "protomesh.validateValues.subsetOf" -}}
{{- $messages := list (include "protomesh.validateValues.entry" (dict "root" .root "key" .svc.subsetOf "setting" (printf "services.%s.subsetOf" .key) "needsPort" true)) }}
{{- if not .root.Values.istio.enabled }}
{{- $messages = append $messages (printf "services.%s.subsetOf: needs istio.enabled=true; without the mesh the %s Service would spread calls over every version's pods, whatever its route.weights say" .key .svc.subsetOf) }}
{{- end }}
{{- range list "route" "authorization" }}
{{- if hasKey $.svc . }}
{{- $messages = append $messages (printf "services.%s.%s: a subsetOf entry has none of its own; set services.%s.%s" $.key . $.svc.subsetOf .) }}
{{- end }}
{{- end }}
{{- without $messages "" | join "\n" }}
{{- end }}

{{/*
The messages (one per line) for a server entry's versions and route.weights:
distinct versions, weights naming only its subsets, 0 for a disabled one,
summing to 100. For validateValues.
Usage: include "protomesh.validateValues.weights" (dict "root" $ "name" "server" "svc" $svc)
*/}}
{{- define "protomesh.validateValues.weights" -}}
{{- $messages := list }}
{{- $subsets := include "protomesh.subsets" . | fromJsonArray }}
{{- $versions := list }}
{{- range $subsets }}
{{- if has .version $versions }}
{{- $messages = append $messages (printf "services.%s.version: expected a version no other entry behind the %s Service has, got %q" .entry $.name .version) }}
{{- end }}
{{- $versions = append $versions .version }}
{{- end }}
{{- $weights := include "protomesh.weights" . | fromJson }}
{{- $sum := 0 }}
{{- range $version, $weight := $weights }}
{{- $sum = add $sum $weight }}
{{- $subset := dict }}
{{- range $subsets }}
{{- if eq .version $version }}
{{- $subset = . }}
{{- end }}
{{- end }}
{{- if not $subset }}
{{- $messages = append $messages (printf "services.%s.route.weights: expected versions behind the %s Service (%s), got %q" $.name $.name (join ", " (uniq $versions)) $version) }}
{{- else if and (not $subset.enabled) (gt (int $weight) 0) }}
{{- $messages = append $messages (printf "services.%s.route.weights.%s: expected 0 while services.%s is disabled, got %d" $.name $version $subset.entry (int $weight)) }}
{{- end }}
{{- end }}
{{- if ne (int $sum) 100 }}
{{- $messages = append $messages (printf "services.%s.route.weights: expected percentages summing to 100, got %d" .name (int $sum)) }}
{{- end }}
{{- join "\n" $messages }}
{{- end }}

{{/*
The message for a duration Istio refuses (under 1ms); empty when it is
unset or long enough. For validateValues.
Usage: include "protomesh.validateValues.minDuration" (dict "setting" "fault.delay.fixedDelay" "value" "10s")
*/}}
{{- define "protomesh.validateValues.minDuration" -}}
{{- if .value }}
{{- if lt (include "protomesh.durationMs" .value | int64) 1 }}
{{- printf "%s: expected a duration of at least 1ms such as 500ms or 10s, got %s" .setting .value }}
{{- end }}
{{- end }}
{{- end }}
