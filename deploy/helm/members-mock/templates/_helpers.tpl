{{/* The release's name for every object, cut to the 63 characters of a DNS label. */}}
{{- define "members-mock.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* What the Service and the PodDisruptionBudget select: stable across upgrades. */}}
{{- define "members-mock.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "members-mock.labels" -}}
{{ include "members-mock.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The Secret the chart makes holds the admin token, the Redis URL and its password, each only when given. */}}
{{- define "members-mock.ownSecret" -}}
{{- if or (and .Values.admin.token (not .Values.admin.existingSecret)) .Values.state.redisURL (and .Values.state.password.value (not .Values.state.password.existingSecret)) -}}
true
{{- end -}}
{{- end -}}

{{/* Refuse values that would deploy a mock which silently misbehaves. values.schema.json
     refuses misspelt keys and values out of range; these need more than one value or a sentence. */}}
{{- define "members-mock.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.state.redisURL) (not .Values.state.allowDivergentReplicas) -}}
{{- fail (printf "replicaCount is %d but state.redisURL is empty: each replica would keep its own fault rules, overlays, journal and rate limits, so a fault posted to one fires on a fraction of the requests. Set state.redisURL=redis://host:port/db, or state.allowDivergentReplicas=true to deploy them unshared." (int .Values.replicaCount)) -}}
{{- end -}}
{{- if eq (int64 .Values.seed) 0 -}}
{{- fail "seed is 0, which would mean random data: replicas would disagree and no run could be repeated. Give any other integer." -}}
{{- end -}}
{{- if and .Values.state.caSecret.name (not (hasPrefix "rediss://" .Values.state.redisURL)) -}}
{{- fail "state.caSecret is the CA of a Redis spoken to over TLS: give state.redisURL=rediss://host:port/db too" -}}
{{- end -}}
{{- with .Values.state.redisURL -}}
{{- if not (or (hasPrefix "redis://" .) (hasPrefix "rediss://" .)) -}}
{{- fail (printf "state.redisURL %q must start with redis:// or rediss:// (TLS)" .) -}}
{{- end -}}
{{- end -}}
{{- end -}}
