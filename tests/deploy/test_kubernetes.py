"""The Kubernetes manifests (deploy/k8s), built with the real kustomize and validated offline.

`tools/kustomize` embeds the kustomize library (`sigs.k8s.io/kustomize/api`, pinned in its
go.mod; built and cached by scripts/build-go-tool.sh). Both overlays are built, every resource
is validated against the Kubernetes schemas (PyPI `kubernetes-validate`, strict), and the
properties the operations guide promises are checked: probes, requests and limits, Secret
references, autoscaling, disruption budgets, who may reach whom, and the WebSocket route.
"""

from __future__ import annotations

import functools
import os
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from webbscope.settings import DEV_JWT_SECRET, DEV_SERVICE_TOKEN, Settings

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
OVERLAYS = ("staging", "production")
K8S_VERSION = "1.33.0"
PYTHON_SERVICES = {"backend": 5000, "engine": 8000, "mast": 8000}
SECRET_KEYS = {
    "JWT_SECRET", "INTERNAL_SERVICE_TOKEN", "MONGODB_URI", "METRICS_TOKEN",
    "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY",
}  # fmt: skip
#: Secrets only some services hold: the key sealing users' MAST tokens (backend stores them,
#: mast unseals them to download).
SERVICE_SECRETS = {"backend": {"MAST_TOKEN_KEY"}, "mast": {"MAST_TOKEN_KEY"}, "engine": set()}


@functools.cache
def _kustomize() -> str:
    venv = REPO / os.environ.get("VENV", ".venv")  # an absolute VENV stays as it is
    result = subprocess.run(
        ["bash", "scripts/build-go-tool.sh", "kustomize"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "VENV": str(venv)},
    )
    assert result.returncode == 0, f"building tools/kustomize failed:\n{result.stderr}"
    return str(venv / "bin" / "kustomize")


@functools.cache
def _build(overlay: str) -> tuple[dict[str, Any], ...]:
    result = subprocess.run(
        [_kustomize(), "build", str(K8S / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return tuple(d for d in yaml.safe_load_all(result.stdout) if d)


def _of(docs: tuple[dict[str, Any], ...], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def _container(deployment: dict[str, Any]) -> dict[str, Any]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    c: dict[str, Any] = containers[0]
    return c


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_resource_is_valid_against_the_schemas(overlay: str) -> None:
    docs = _build(overlay)
    assert len(docs) > 20
    for doc in docs:
        try:
            kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:  # pragma: no cover - the message
            pytest.fail(f"{doc['kind']}/{doc['metadata']['name']}: {exc.message}")
    namespaces = {d["metadata"].get("namespace") for d in docs}
    assert namespaces == {"webbscope" if overlay == "production" else "webbscope-staging"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_topology(overlay: str) -> None:
    docs = _build(overlay)
    deployments = _of(docs, "Deployment")
    expected = {"backend", "engine", "mast", "frontend", "docs"}
    if overlay == "production":
        expected |= {"dask-scheduler", "dask-worker"}  # the optional Dask component
    assert set(deployments) == expected
    assert deployments["backend"]["spec"]["replicas"] == 2
    assert deployments["mast"]["spec"]["replicas"] == 2
    services = _of(docs, "Service")
    assert {
        n: s["spec"]["ports"][0]["port"] for n, s in services.items() if n in PYTHON_SERVICES
    } == PYTHON_SERVICES
    assert services["frontend"]["spec"]["ports"][0]["port"] == 3000
    assert services["docs"]["spec"]["ports"][0]["port"] == 8001
    assert not _of(docs, "StatefulSet"), "MongoDB and S3 are external"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_probes_and_resources(overlay: str) -> None:
    for name, deployment in _of(_build(overlay), "Deployment").items():
        c = _container(deployment)
        assert "livenessProbe" in c, name
        res = c["resources"]
        assert res["requests"]["cpu"] and res["requests"]["memory"], name
        assert res["limits"]["memory"], name
        if name in PYTHON_SERVICES:
            for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                assert c[probe]["httpGet"]["path"] == "/health", (name, probe)
                assert c[probe]["httpGet"]["port"] == "http"
            assert c["ports"][0]["containerPort"] == PYTHON_SERVICES[name]
            assert c["securityContext"]["readOnlyRootFilesystem"] is True
            assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"]
    limits = {n: _container(d)["resources"]["limits"]["memory"]
              for n, d in _of(_build(overlay), "Deployment").items()}  # fmt: skip
    # The topology's limits (docs/architecture.md), above the measured peaks (docs/kubernetes.md).
    assert limits["engine"] == "4Gi" and limits["frontend"] == "128Mi"
    assert limits["mast"] == "512Mi"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_secrets_are_referenced_never_written(overlay: str) -> None:
    docs = _build(overlay)
    assert not _of(docs, "Secret")
    text = yaml.safe_dump_all(docs)
    assert DEV_JWT_SECRET not in text and DEV_SERVICE_TOKEN not in text
    config = next(iter(_of(docs, "ConfigMap").values()))["data"]
    aliases = {f.alias for f in Settings.model_fields.values()}
    assert set(config) <= aliases, set(config) - aliases
    assert not set(config) & (SECRET_KEYS | set().union(*SERVICE_SECRETS.values()))
    assert config["WEBBSCOPE_ENV"] == overlay
    for name in PYTHON_SERVICES:
        c = _container(_of(docs, "Deployment")[name])
        env = {e["name"]: e for e in c["env"]}
        assert not (set().union(*SERVICE_SECRETS.values()) - SERVICE_SECRETS[name]) & set(env)
        for key in SECRET_KEYS | SERVICE_SECRETS[name]:
            ref = env[key]["valueFrom"]["secretKeyRef"]
            assert ref["name"] == "webbscope-secrets" and ref["key"] == key
            assert "value" not in env[key]
        assert c["envFrom"][0]["configMapRef"]["name"].startswith("webbscope-config-")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_autoscaling_and_disruption_budgets(overlay: str) -> None:
    docs = _build(overlay)
    hpas = _of(docs, "HorizontalPodAutoscaler")
    assert {h["spec"]["scaleTargetRef"]["name"] for h in hpas.values()} == {"backend", "engine"}
    assert hpas["backend"]["spec"]["minReplicas"] >= 2
    pdbs = _of(docs, "PodDisruptionBudget")
    covered = {
        p["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] for p in pdbs.values()
    }
    assert {"backend", "engine", "mast"} <= covered
    assert pdbs["backend"]["spec"]["minAvailable"] == 1


def _labels(docs: tuple[dict[str, Any], ...], name: str) -> dict[str, str]:
    labels: dict[str, str] = _of(docs, "Deployment")[name]["spec"]["template"]["metadata"]["labels"]
    return labels


def _admits(
    policy: dict[str, Any], pod: dict[str, str] | None, namespace: str | None, port: int
) -> bool:
    """Whether one NetworkPolicy lets a pod (same namespace) or a namespace in, on `port`."""
    for rule in policy["spec"].get("ingress", []):
        ports = {p["port"] for p in rule.get("ports", [])}
        if ports and port not in ports:
            continue
        for peer in rule.get("from", []):
            if "podSelector" in peer and "namespaceSelector" not in peer and pod is not None:
                want = peer["podSelector"].get("matchLabels", {})
                if all(pod.get(k) == v for k, v in want.items()):
                    return True
            if "namespaceSelector" in peer and namespace is not None:
                want = peer["namespaceSelector"].get("matchLabels", {})
                if want.get("kubernetes.io/metadata.name") == namespace:
                    return True
    return False


Docs = tuple[dict[str, Any], ...]


def _reachable(
    docs: Docs,
    target: str,
    port: int,
    *,
    pod: dict[str, str] | None = None,
    namespace: str | None = None,
) -> bool:
    """Kubernetes semantics: a pod selected by any policy admits only what some policy allows."""
    target_labels = _labels(docs, target)
    policies = [
        p for p in _of(docs, "NetworkPolicy").values()
        if all(target_labels.get(k) == v
               for k, v in p["spec"]["podSelector"].get("matchLabels", {}).items())
    ]  # fmt: skip
    assert policies, f"{target} is selected by no NetworkPolicy"
    return any(_admits(p, pod, namespace, port) for p in policies)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_backend_reaches_engine_and_mast(overlay: str) -> None:
    docs = _build(overlay)
    default = _of(docs, "NetworkPolicy")["default-deny-ingress"]
    assert default["spec"]["podSelector"] == {} and default["spec"]["policyTypes"] == ["Ingress"]
    callers = [n for n in _of(docs, "Deployment") if n not in ("engine", "mast")] + [
        "engine",
        "mast",
    ]
    for target in ("engine", "mast"):
        for caller in callers:
            allowed = _reachable(docs, target, 8000, pod=_labels(docs, caller))
            assert allowed == (caller == "backend"), f"{caller} -> {target}"
        # Other namespaces: only Prometheus (for /metrics), never the ingress controller.
        assert not _reachable(docs, target, 8000, namespace="ingress-nginx")
        assert _reachable(docs, target, 8000, namespace="monitoring")
    assert _reachable(docs, "backend", 5000, namespace="ingress-nginx")
    assert _reachable(docs, "frontend", 3000, namespace="ingress-nginx")
    assert _reachable(docs, "docs", 8001, pod=_labels(docs, "frontend"))
    assert not _reachable(docs, "docs", 8001, namespace="ingress-nginx")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_ingress_tls_and_websocket_upgrade_on_hubs(overlay: str) -> None:
    docs = _build(overlay)
    ingresses = _of(docs, "Ingress")
    host = "webbscope.example.org" if overlay == "production" else "staging.webbscope.example.org"
    issuer = "letsencrypt-prod" if overlay == "production" else "letsencrypt-staging"
    routes: dict[str, tuple[str, dict[str, str]]] = {}
    for ing in ingresses.values():
        notes = ing["metadata"]["annotations"]
        assert notes["cert-manager.io/cluster-issuer"] == issuer
        assert ing["spec"]["tls"][0]["hosts"] == [host]
        assert ing["spec"]["tls"][0]["secretName"]
        for rule in ing["spec"]["rules"]:
            assert rule["host"] == host
            for path in rule["http"]["paths"]:
                routes[path["path"]] = (path["backend"]["service"]["name"], notes)
    assert set(routes) == {"/", "/api", "/hubs"}  # never /metrics
    assert routes["/api"][0] == routes["/hubs"][0] == "backend"
    assert routes["/"][0] == "frontend"
    hubs = routes["/hubs"][1]
    assert "backend" in hubs["nginx.org/websocket-services"].split(",")
    assert int(hubs["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    assert int(hubs["nginx.ingress.kubernetes.io/proxy-send-timeout"]) >= 3600
    assert hubs["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"
    api = routes["/api"][1]
    assert api["nginx.ingress.kubernetes.io/proxy-request-buffering"] == "off"  # uploads stream


def test_dask_component_wires_the_engine_to_the_scheduler() -> None:
    docs = _build("production")
    config = next(iter(_of(docs, "ConfigMap").values()))["data"]
    assert config["DASK_SCHEDULER_ADDRESS"] == "tcp://dask-scheduler:8786"
    assert _of(docs, "Service")["dask-scheduler"]["spec"]["ports"][0]["port"] == 8786
    assert _reachable(docs, "dask-scheduler", 8786, pod=_labels(docs, "engine"))
    assert not _reachable(docs, "dask-scheduler", 8786, pod=_labels(docs, "backend"))
    staging = next(iter(_of(_build("staging"), "ConfigMap").values()))["data"]
    assert "DASK_SCHEDULER_ADDRESS" not in staging
    # Workers share no disk with the engine: they fetch a mosaic's inputs from the bucket with
    # the storage settings and their own credentials (webbscope.services.engine.mosaic_fetch).
    worker = _container(_of(docs, "Deployment")["dask-worker"])
    assert any(r["configMapRef"]["name"].startswith("webbscope-config") for r in worker["envFrom"])
    env = {e["name"]: e for e in worker["env"]}
    for key in ("S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"):
        assert env[key]["valueFrom"]["secretKeyRef"]["name"] == "webbscope-secrets"
