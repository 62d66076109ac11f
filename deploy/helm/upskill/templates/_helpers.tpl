{{/* Chart name, truncated to 63 characters (a DNS label). */}}
{{- define "upskill.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: the release name, prefixed with the chart name unless it already contains it. */}}
{{- define "upskill.fullname" -}}
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

{{- define "upskill.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "upskill.labels" -}}
helm.sh/chart: {{ include "upskill.chart" . }}
{{ include "upskill.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: upskill
{{- end }}

{{/* Labels of every pod of the release (API and migration). */}}
{{- define "upskill.selectorLabels" -}}
app.kubernetes.io/name: {{ include "upskill.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels that select the API pods only (never the migration Job's pod). */}}
{{- define "upskill.apiSelectorLabels" -}}
{{ include "upskill.selectorLabels" . }}
app.kubernetes.io/component: api
{{- end }}

{{- define "upskill.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "upskill.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "upskill.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/* Name of the Secret the API pods read: the chart's own (secret.create) or the operator's. */}}
{{- define "upskill.secretName" -}}
{{- if .Values.secret.create }}
{{- include "upskill.fullname" . }}
{{- else }}
{{- required "secret.existingSecret is required unless secret.create is true" .Values.secret.existingSecret }}
{{- end }}
{{- end }}

{{/*
Non-secret settings as a map of UPSKILL_* variable -> string. One source for the ConfigMap (API
pods) and for the migration Job, which cannot use the ConfigMap: a pre-install hook runs before
the release's other objects exist.
*/}}
{{- define "upskill.config" -}}
{{- $c := .Values.config }}
{{- $a := $c.auth -}}
UPSKILL_ENV: {{ $c.env | quote }}
UPSKILL_HOST: "0.0.0.0"
UPSKILL_PORT: "8000"
UPSKILL_STORAGE: "postgres"
UPSKILL_MIGRATE_ON_START: "false"
UPSKILL_DATA_DIR: "/tmp/upskill"
UPSKILL_LOG_LEVEL: {{ $c.logLevel | quote }}
UPSKILL_WORKERS: {{ $c.workers | int64 | toString | quote }}
UPSKILL_CORS_ORIGINS: {{ join "," $c.corsOrigins | quote }}
UPSKILL_MAX_BODY_BYTES: {{ $c.maxBodyBytes | int64 | toString | quote }}
UPSKILL_RETRY_AFTER_S: {{ $c.retryAfterS | int64 | toString | quote }}
UPSKILL_ALLOW_SIGNUP: {{ $c.allowSignup | toString | quote }}
UPSKILL_SHUTDOWN_DRAIN_S: {{ $c.shutdownDrainS | int64 | toString | quote }}
{{- with $c.forwardedAllowIps }}
FORWARDED_ALLOW_IPS: {{ . | quote }}
{{- end }}
UPSKILL_ISSUER: {{ include "upskill.issuer" . | quote }}
UPSKILL_AUDIENCE: {{ $a.audience | quote }}
UPSKILL_ACCESS_TOKEN_TTL_S: {{ $a.accessTokenTtlS | int64 | toString | quote }}
UPSKILL_TOKEN_LEEWAY_S: {{ $a.tokenLeewayS | int64 | toString | quote }}
UPSKILL_SESSION_IDLE_DAYS: {{ $a.sessionIdleDays | toString | quote }}
UPSKILL_SESSION_ABSOLUTE_DAYS: {{ $a.sessionAbsoluteDays | toString | quote }}
UPSKILL_REFRESH_REUSE_GRACE_S: {{ $a.refreshReuseGraceS | toString | quote }}
UPSKILL_LOCKOUT_THRESHOLD: {{ $a.lockoutThreshold | int64 | toString | quote }}
UPSKILL_LOCKOUT_BASE_S: {{ $a.lockoutBaseS | int64 | toString | quote }}
UPSKILL_LOCKOUT_MAX_S: {{ $a.lockoutMaxS | int64 | toString | quote }}
UPSKILL_TOKEN_RATE_PER_IP: {{ $a.tokenRatePerIp | toString | quote }}
UPSKILL_TOKEN_BURST_PER_IP: {{ $a.tokenBurstPerIp | int64 | toString | quote }}
UPSKILL_ARGON2_MEMORY_KIB: {{ $a.argon2MemoryKib | int64 | toString | quote }}
UPSKILL_ARGON2_TIME_COST: {{ $a.argon2TimeCost | int64 | toString | quote }}
UPSKILL_ARGON2_PARALLELISM: {{ $a.argon2Parallelism | int64 | toString | quote }}
UPSKILL_PASSWORD_HASH_CONCURRENCY: {{ $a.passwordHashConcurrency | int64 | toString | quote }}
UPSKILL_PASSWORD_LOGIN: {{ $a.passwordLogin | toString | quote }}
{{- with $c.oidc }}
{{- if .issuer }}
UPSKILL_OIDC_ISSUER: {{ .issuer | quote }}
UPSKILL_OIDC_CLIENT_ID: {{ required "config.oidc.clientId is required when config.oidc.issuer is set" .clientId | quote }}
UPSKILL_OIDC_SCOPES: {{ .scopes | quote }}
UPSKILL_OIDC_AUTO_PROVISION: {{ .autoProvision | toString | quote }}
{{- with .roleClaim }}
UPSKILL_OIDC_ROLE_CLAIM: {{ . | quote }}
{{- end }}
UPSKILL_OIDC_ADMIN_VALUES: {{ join "," .adminValues | quote }}
UPSKILL_OIDC_MANAGER_VALUES: {{ join "," .managerValues | quote }}
UPSKILL_OIDC_EMAIL_DOMAINS: {{ join "," .emailDomains | quote }}
UPSKILL_OIDC_TIMEOUT_S: {{ .timeoutS | toString | quote }}
UPSKILL_OAUTH_REDIRECT_URIS: {{ join "," .redirectUris | quote }}
{{- end }}
{{- end }}
UPSKILL_DB_POOL_SIZE: {{ $c.database.poolSize | int64 | toString | quote }}
UPSKILL_DB_MAX_OVERFLOW: {{ $c.database.maxOverflow | int64 | toString | quote }}
UPSKILL_DB_POOL_TIMEOUT_S: {{ $c.database.poolTimeoutS | toString | quote }}
UPSKILL_DB_CONNECT_TIMEOUT_S: {{ $c.database.connectTimeoutS | toString | quote }}
UPSKILL_DB_STATEMENT_TIMEOUT_MS: {{ $c.database.statementTimeoutMs | int64 | toString | quote }}
UPSKILL_ACCESS_CACHE_S: {{ $c.database.accessCacheS | toString | quote }}
UPSKILL_IDEMPOTENCY_TTL_S: {{ $c.idempotencyTtlS | int64 | toString | quote }}
UPSKILL_EVENT_SOURCE: {{ $c.events.source | quote }}
UPSKILL_EVENTS_STREAM: {{ $c.events.stream | quote }}
{{- with $c.events.natsUrl }}
UPSKILL_NATS_URL: {{ . | quote }}
{{- end }}
{{- range $name, $value := $c.extraEnv }}
{{ $name }}: {{ $value | quote }}
{{- end }}
{{- end }}

{{/* UPSKILL_ISSUER: config.auth.issuer, else the first Ingress host, else the in-cluster Service URL. */}}
{{- define "upskill.issuer" -}}
{{- if .Values.config.auth.issuer }}
{{- .Values.config.auth.issuer }}
{{- else if and .Values.ingress.enabled .Values.ingress.hosts }}
{{- printf "%s://%s" (ternary "https" "http" (gt (len .Values.ingress.tls) 0)) (first .Values.ingress.hosts).host }}
{{- else }}
{{- printf "http://%s.%s.svc" (include "upskill.fullname" .) .Release.Namespace }}
{{- end }}
{{- end }}

{{/*
env entries for the secret settings. Argument: a dict with `name` (the Secret of the settings) and
`databaseUrlFrom` (secret.databaseUrlFrom: when its name is set, UPSKILL_DATABASE_URL comes from
that Secret's key instead, e.g. the `uri` of the Secret a PostgreSQL operator made).
*/}}
{{- define "upskill.secretEnv" -}}
{{- $from := .databaseUrlFrom -}}
- name: UPSKILL_DATABASE_URL
  valueFrom:
    secretKeyRef:
      {{- if $from.name }}
      name: {{ $from.name }}
      key: {{ required "secret.databaseUrlFrom.key is required with secret.databaseUrlFrom.name" $from.key }}
      {{- else }}
      name: {{ .name }}
      key: UPSKILL_DATABASE_URL
      {{- end }}
- name: UPSKILL_CURSOR_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ .name }}
      key: UPSKILL_CURSOR_SECRET
- name: UPSKILL_JWT_KEYS
  valueFrom:
    secretKeyRef:
      name: {{ .name }}
      key: UPSKILL_JWT_KEYS
- name: UPSKILL_ADMIN_EMAIL
  valueFrom:
    secretKeyRef:
      name: {{ .name }}
      key: UPSKILL_ADMIN_EMAIL
      optional: true
- name: UPSKILL_ADMIN_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .name }}
      key: UPSKILL_ADMIN_PASSWORD
      optional: true
- name: UPSKILL_OIDC_CLIENT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: UPSKILL_OIDC_CLIENT_SECRET
      optional: true
{{- end }}

{{/* Secret data (secret.create, trials only). */}}
{{- define "upskill.secretData" -}}
{{- $s := .Values.secret -}}
{{- if not $s.databaseUrlFrom.name }}
UPSKILL_DATABASE_URL: {{ required "secret.databaseUrl is required when secret.create is true" $s.databaseUrl | b64enc | quote }}
{{- end }}
UPSKILL_CURSOR_SECRET: {{ required "secret.cursorSecret is required when secret.create is true" $s.cursorSecret | b64enc | quote }}
UPSKILL_JWT_KEYS: {{ required "secret.jwtKeys is required when secret.create is true" $s.jwtKeys | b64enc | quote }}
{{- with $s.adminEmail }}
UPSKILL_ADMIN_EMAIL: {{ . | b64enc | quote }}
{{- end }}
{{- with $s.adminPassword }}
UPSKILL_ADMIN_PASSWORD: {{ . | b64enc | quote }}
{{- end }}
{{- with $s.oidcClientSecret }}
UPSKILL_OIDC_CLIENT_SECRET: {{ . | b64enc | quote }}
{{- end }}
{{- end }}

{{/* Pod securityContext shared by the API pods and the migration Job. */}}
{{- define "upskill.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Container securityContext shared by the API and the migration containers. */}}
{{- define "upskill.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
privileged: false
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Fails the render when the grace period cannot cover the preStop sleep plus the server's drain. */}}
{{- define "upskill.validate" -}}
{{- $need := add .Values.lifecycle.preStopSleepSeconds .Values.config.shutdownDrainS }}
{{- if lt (int .Values.terminationGracePeriodSeconds) (int $need) }}
{{- fail (printf "terminationGracePeriodSeconds (%v) must be at least lifecycle.preStopSleepSeconds + config.shutdownDrainS (%v)" .Values.terminationGracePeriodSeconds $need) }}
{{- end }}
{{- if and .Values.secret.create .Values.secret.existingSecret }}
{{- fail "set either secret.existingSecret or secret.create, not both" }}
{{- end }}
{{- if and .Values.autoscaling.enabled (not (dig "requests" "cpu" "" .Values.resources)) }}
{{- fail "autoscaling on CPU needs resources.requests.cpu" }}
{{- end }}
{{- if gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas) }}
{{- fail "autoscaling.minReplicas must not exceed autoscaling.maxReplicas" }}
{{- end }}
{{- end }}
