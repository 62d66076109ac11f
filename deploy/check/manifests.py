"""Checks a `helm template` rendering of the Upskill chart beyond what the Kubernetes schemas can see.

Usage: python deploy/check/manifests.py RENDERED.yaml OUT_DIR [--expect KIND ...] [--absent KIND ...]

Writes the objects of built-in kinds to OUT_DIR/builtin.yaml (for `kubernetes-validate`),
validates each custom resource (only the kinds in CRD_SCHEMAS: they are not in the Kubernetes
schemas) against the chart's own subset schema, and asserts the deployment contract: the
security context of every pod, probes, rolling update, drain timing, migration hook, settings.
Exits 1 with one line per broken rule.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import yaml  # type: ignore[import-untyped]

HERE = Path(__file__).parent
CRD_SCHEMAS = {("monitoring.coreos.com/v1", "ServiceMonitor"): HERE / "schemas" / "servicemonitor.schema.json"}
HOOK = {
    "helm.sh/hook": "pre-install,pre-upgrade",
    "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded",
}
TMP = "/tmp"  # noqa: S108 (the emptyDir mount point the chart must render)
LISTEN = {"UPSKILL_HOST": "0.0.0.0", "UPSKILL_PORT": "8000"}  # noqa: S104 (inside the pod network)
SECRET_SETTINGS = ("UPSKILL_DATABASE_URL", "UPSKILL_CURSOR_SECRET", "UPSKILL_JWT_KEYS")
Doc = dict[str, Any]


class Findings:
    """Collects broken rules instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def check(self, ok: object, message: str) -> None:
        if not ok:
            self.errors.append(message)


def dig(doc: Any, *path: str | int) -> Any:
    """The value at `path`, or None where any step is missing."""
    for step in path:
        if isinstance(step, int):
            doc = doc[step] if isinstance(doc, list) and len(doc) > step else None
        else:
            doc = doc.get(step) if isinstance(doc, dict) else None
    return doc


def one(docs: list[Doc], kind: str, component: str | None = None) -> Doc | None:
    found = [d for d in docs if d["kind"] == kind and not is_hook(d)]
    if component is not None:
        found = [d for d in found if dig(d, "metadata", "labels", "app.kubernetes.io/component") == component]
    return found[0] if len(found) == 1 else None


def is_hook(doc: Doc) -> bool:
    return "helm.sh/hook" in (dig(doc, "metadata", "annotations") or {})


def containers(pod_spec: Doc) -> Iterator[Doc]:
    yield from pod_spec.get("initContainers") or []
    yield from pod_spec.get("containers") or []


def check_pod(f: Findings, where: str, pod: Doc) -> None:
    """The hardening every pod of the chart must carry."""
    sc = pod.get("securityContext") or {}
    f.check(sc.get("runAsNonRoot") is True, f"{where}: pod securityContext.runAsNonRoot must be true")
    f.check(sc.get("runAsUser") == 10001, f"{where}: pod securityContext.runAsUser must be 10001")
    f.check(sc.get("fsGroup") == 10001, f"{where}: pod securityContext.fsGroup must be 10001")
    f.check(
        dig(sc, "seccompProfile", "type") == "RuntimeDefault", f"{where}: pod seccompProfile must be RuntimeDefault"
    )
    f.check(pod.get("automountServiceAccountToken") is False, f"{where}: automountServiceAccountToken must be false")
    tmp_volumes = {v["name"] for v in pod.get("volumes") or [] if "emptyDir" in v}
    for c in containers(pod):
        name = f"{where} container {c.get('name')}"
        csc = c.get("securityContext") or {}
        f.check(csc.get("readOnlyRootFilesystem") is True, f"{name}: readOnlyRootFilesystem must be true")
        f.check(csc.get("allowPrivilegeEscalation") is False, f"{name}: allowPrivilegeEscalation must be false")
        f.check(dig(csc, "capabilities", "drop") == ["ALL"], f"{name}: capabilities must drop ALL")
        f.check(
            dig(csc, "seccompProfile", "type") == "RuntimeDefault", f"{name}: seccompProfile must be RuntimeDefault"
        )
        mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts") or []}
        f.check(mounts.get(TMP) in tmp_volumes, f"{name}: /tmp must be an emptyDir (the root filesystem is read-only)")
        f.check(c.get("command") == ["upskill"], f"{name}: command must be the image's `upskill` entry point")
        f.check(bool(dig(c, "resources", "requests")), f"{name}: resources.requests must be set")
        f.check(bool(dig(c, "resources", "limits", "memory")), f"{name}: resources.limits.memory must be set")
        env = {e["name"]: e for e in c.get("env") or []}
        for setting in SECRET_SETTINGS:
            ref = dig(env.get(setting), "valueFrom", "secretKeyRef") or {}
            expected = ref.get("key") if setting == "UPSKILL_DATABASE_URL" else setting  # any key: databaseUrlFrom
            f.check(
                bool(ref.get("name")) and bool(expected) and ref.get("key") == expected,
                f"{name}: {setting} must come from a Secret",
            )


def check_api(f: Findings, docs: list[Doc]) -> None:
    """The Deployment, its Service, ConfigMap and the drain timing."""
    deployment, config, service = one(docs, "Deployment", "api"), one(docs, "ConfigMap"), one(docs, "Service")
    if deployment is None or config is None or service is None:
        f.check(False, "expected exactly one Deployment (component api), one ConfigMap and one Service")
        return
    data: dict[str, str] = config.get("data") or {}
    f.check(data.get("UPSKILL_MIGRATE_ON_START") == "false", "ConfigMap: UPSKILL_MIGRATE_ON_START must be false")
    f.check(
        all(data.get(k) == v for k, v in LISTEN.items()),
        "ConfigMap: must listen on 0.0.0.0:8000",
    )
    f.check(not set(SECRET_SETTINGS) & set(data), "ConfigMap: must not carry secret settings")
    pod = dig(deployment, "spec", "template", "spec") or {}
    check_pod(f, "Deployment", pod)
    f.check(
        dig(deployment, "spec", "strategy", "rollingUpdate") == {"maxUnavailable": 0, "maxSurge": "25%"},
        "Deployment: rollingUpdate must be maxUnavailable 0, maxSurge 25%",
    )
    annotations = dig(deployment, "spec", "template", "metadata", "annotations") or {}
    f.check("checksum/config" in annotations, "Deployment: pod template needs the checksum/config annotation")
    if any(d["kind"] == "Secret" and not is_hook(d) for d in docs):
        f.check(
            "checksum/secret" in annotations,
            "Deployment: pod template needs checksum/secret when the chart makes the Secret",
        )
    api = dig(pod, "containers", 0) or {}
    f.check(api.get("args") == ["serve"], "Deployment: the container must run `upskill serve`")
    f.check(
        api.get("ports") == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}],
        "Deployment: container port must be http/8000",
    )
    f.check(
        dig(api, "envFrom", 0, "configMapRef", "name") == config["metadata"]["name"],
        "Deployment: envFrom must use the ConfigMap",
    )
    for probe, path in (
        ("startupProbe", "/health/live"),
        ("livenessProbe", "/health/live"),
        ("readinessProbe", "/health/ready"),
    ):
        f.check(dig(api, probe, "httpGet") == {"path": path, "port": "http"}, f"Deployment: {probe} must GET {path}")
    sleep = dig(api, "lifecycle", "preStop", "exec", "command") or []
    f.check(len(sleep) == 2 and sleep[0] == "sleep", "Deployment: preStop must be `sleep N`")
    if len(sleep) == 2 and sleep[1].isdigit():
        need = int(sleep[1]) + int(data.get("UPSKILL_SHUTDOWN_DRAIN_S", "0"))
        grace = pod.get("terminationGracePeriodSeconds") or 0
        f.check(
            grace >= need,
            f"Deployment: terminationGracePeriodSeconds {grace} < preStop + UPSKILL_SHUTDOWN_DRAIN_S = {need}",
        )
    f.check(dig(service, "spec", "type") == "ClusterIP", "Service: must be ClusterIP by default and in CI values")
    f.check(
        dig(service, "spec", "ports") == [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
        "Service: must map port 80 to http",
    )
    selector = dig(deployment, "spec", "selector", "matchLabels")
    f.check(dig(service, "spec", "selector") == selector, "Service: selector must equal the Deployment's")
    hpa = one(docs, "HorizontalPodAutoscaler")
    f.check(
        (hpa is None) == ("replicas" in deployment["spec"]),
        "Deployment: `replicas` must be set exactly when there is no HPA",
    )
    pdb = one(docs, "PodDisruptionBudget")
    if pdb is not None:
        f.check(
            dig(pdb, "spec", "selector", "matchLabels") == selector, "PodDisruptionBudget: must select the API pods"
        )
    for account in (d for d in docs if d["kind"] == "ServiceAccount"):
        f.check(
            account.get("automountServiceAccountToken") is False,
            f"ServiceAccount {account['metadata']['name']}: token must not be mounted",
        )


def check_migration(f: Findings, docs: list[Doc]) -> None:
    """The migration Job: a pre-install/pre-upgrade hook with the API's image and settings."""
    jobs = [d for d in docs if d["kind"] == "Job"]
    deployment, config = one(docs, "Deployment", "api"), one(docs, "ConfigMap")
    if len(jobs) != 1 or deployment is None or config is None:
        f.check(False, "expected exactly one migration Job")
        return
    job = jobs[0]
    annotations = dig(job, "metadata", "annotations") or {}
    f.check(
        all(annotations.get(k) == v for k, v in HOOK.items()),
        "Job: must be a pre-install,pre-upgrade hook deleted before creation and on success",
    )
    f.check("helm.sh/hook-weight" in annotations, "Job: needs a hook weight")
    f.check(isinstance(dig(job, "spec", "backoffLimit"), int), "Job: needs a backoffLimit")
    pod = dig(job, "spec", "template", "spec") or {}
    check_pod(f, "Job", pod)
    f.check(pod.get("restartPolicy") == "Never", "Job: restartPolicy must be Never")
    migrate = dig(pod, "containers", 0) or {}
    f.check(migrate.get("args") == ["migrate"], "Job: the container must run `upskill migrate`")
    api = dig(deployment, "spec", "template", "spec", "containers", 0) or {}
    f.check(migrate.get("image") == api.get("image"), "Job: must use the API's image")
    plain = {e["name"]: e.get("value") for e in migrate.get("env") or [] if "value" in e}
    f.check(plain == config.get("data"), "Job: its settings must equal the ConfigMap's")
    names = {d["metadata"]["name"]: d for d in docs if d["kind"] in ("Secret", "ServiceAccount")}
    weight = int(annotations.get("helm.sh/hook-weight", "0"))
    for ref in (
        pod.get("serviceAccountName"),
        *(dig(e, "valueFrom", "secretKeyRef", "name") for e in migrate.get("env") or []),
    ):
        dependency = names.get(ref) if ref else None
        if dependency is not None:  # one of ours: it must exist before the Job, i.e. be an earlier hook
            dep_annotations = dig(dependency, "metadata", "annotations") or {}
            f.check(
                all(dep_annotations.get(k) == v for k, v in HOOK.items()),
                f"Job: {dependency['kind']} {ref} must be a hook too",
            )
            f.check(
                int(dep_annotations.get("helm.sh/hook-weight", "0")) < weight,
                f"Job: {dependency['kind']} {ref} must have a lower hook weight",
            )


def split(docs: list[Doc], out_dir: Path, f: Findings) -> None:
    """Built-in kinds to builtin.yaml; custom resources validated here against CRD_SCHEMAS."""
    builtin = []
    for doc in docs:
        schema_path = CRD_SCHEMAS.get((doc["apiVersion"], doc["kind"]))
        if schema_path is None:
            builtin.append(doc)
            continue
        schema = json.loads(schema_path.read_text())
        problems = [
            f"{'.'.join(map(str, e.path)) or '(root)'}: {e.message}"
            for e in jsonschema.Draft7Validator(schema).iter_errors(doc)
        ]
        for problem in problems:
            f.check(False, f"{doc['kind']} {doc['metadata'].get('name')}: {problem}")
        print(
            f"   {doc['kind']} ({doc['apiVersion']}) is a CRD, not in the Kubernetes schemas: validated against "
            f"{schema_path.relative_to(HERE.parent.parent)} instead: {'FAILED' if problems else 'ok'}"
        )
    (out_dir / "builtin.yaml").write_text(yaml.safe_dump_all(builtin, sort_keys=False))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rendered", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--expect", nargs="*", default=[], help="kinds that must be rendered")
    parser.add_argument("--absent", nargs="*", default=[], help="kinds that must not be rendered")
    args = parser.parse_args()
    docs: list[Doc] = [d for d in yaml.safe_load_all(args.rendered.read_text()) if d]
    f = Findings()
    kinds = {d["kind"] for d in docs}
    for kind in args.expect:
        f.check(kind in kinds, f"expected a {kind} in the rendering")
    for kind in args.absent:
        f.check(kind not in kinds, f"did not expect a {kind} in the rendering")
    args.out_dir.mkdir(parents=True, exist_ok=True)
    split(docs, args.out_dir, f)
    check_api(f, docs)
    check_migration(f, docs)
    for error in f.errors:
        print(f"   FAIL {error}", file=sys.stderr)
    verdict = f"{len(f.errors)} broken rules" if f.errors else "contract ok"
    print(f"   {len(docs)} objects ({', '.join(sorted(kinds))}): {verdict}")
    return 1 if f.errors else 0


if __name__ == "__main__":
    sys.exit(main())
