{{/* The release's name for the chart's objects, at most 63 characters. */}}
{{- define "wt.fullname" -}}
{{- printf "%s-wt" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end }}

{{/* Labels every object carries. */}}
{{- define "wt.labels" -}}
app.kubernetes.io/name: wt
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: wt
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The image of every process. */}}
{{- define "wt.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end }}

{{/* NATS_URL: the NATS chart's client Service of this release, unless given. */}}
{{- define "wt.natsUrl" -}}
{{- default (printf "nats://%s-nats:4222" .Release.Name) .Values.natsUrl -}}
{{- end }}
