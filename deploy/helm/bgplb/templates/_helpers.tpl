{{/* Labels on every object of the chart. */}}
{{- define "bgplb.labels" -}}
app.kubernetes.io/name: bgplb
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: bgplb
helm.sh/chart: bgplb-{{ .Chart.Version }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Selector labels of the controller pods. */}}
{{- define "bgplb.controllerSelector" -}}
app.kubernetes.io/name: bgplb
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: controller
{{- end }}

{{/* Selector labels of the advertiser (node agent) pods. */}}
{{- define "bgplb.advertiserSelector" -}}
app.kubernetes.io/name: bgplb
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: advertiser
{{- end }}
