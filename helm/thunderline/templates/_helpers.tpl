{{/* Names and labels shared by every template of the chart. */}}

{{- define "thunderline.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release's full name, at most 63 characters (a DNS label). */}}
{{- define "thunderline.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "thunderline.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "thunderline.selectorLabels" -}}
app.kubernetes.io/name: {{ include "thunderline.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "thunderline.labels" -}}
helm.sh/chart: {{ include "thunderline.chart" . }}
{{ include "thunderline.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: {{ ternary "cluster-node" "single-node" .Values.cluster.enabled }}
{{- end -}}

{{- define "thunderline.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "thunderline.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding the token: the user's, or the chart's own. */}}
{{- define "thunderline.tokenSecret" -}}
{{- default (include "thunderline.fullname" .) .Values.token.existingSecret -}}
{{- end -}}

{{- define "thunderline.tokenKey" -}}
{{- ternary .Values.token.existingSecretKey "token" (ne .Values.token.existingSecret "") -}}
{{- end -}}

{{/* The volume claim of the SQLite ledger (single node with persistence). */}}
{{- define "thunderline.claimName" -}}
{{- default (printf "%s-data" (include "thunderline.fullname" .)) .Values.persistence.existingClaim -}}
{{- end -}}

{{/*
Browser origins the server accepts besides its own (--allow-origin): kubectl port-forward on the
container port, each ingress host, and the user's own. The server's own origin is the address
it binds (0.0.0.0), which no browser sends.
*/}}
{{- define "thunderline.allowOrigins" -}}
{{- $origins := list (printf "http://127.0.0.1:%d" (int .Values.thunderline.port)) (printf "http://localhost:%d" (int .Values.thunderline.port)) -}}
{{- if .Values.ingress.enabled -}}
{{- $tlsHosts := list -}}
{{- range .Values.ingress.tls -}}{{- $tlsHosts = concat $tlsHosts (default (list) .hosts) -}}{{- end -}}
{{- range .Values.ingress.hosts -}}
{{- $origins = append $origins (printf "%s://%s" (ternary "https" "http" (has .host $tlsHosts)) .host) -}}
{{- end -}}
{{- end -}}
{{- $origins = concat $origins .Values.thunderline.allowOrigins | uniq -}}
{{- join "," $origins -}}
{{- end -}}
