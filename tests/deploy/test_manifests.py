"""The Kubernetes manifests (deploy/kubernetes) and docker-compose.yml: valid, and consistent with the
service they run.

Kubernetes objects are validated against the API's own schemas (kubernetes-validate, strict: unknown
fields fail) for Kubernetes 1.28; the rest are the facts the service depends on: probes on /ready and
/health, memory sized from the measured footprint, every setting a real one, Redis wired to the service.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml

from api.settings import Settings

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "kubernetes"
KUBERNETES_VERSION = "1.28.0"
# Resident memory of one service process, measured (docs/deployment.md): 619 MiB after loading the model,
# 624-630 MiB after 100 conversations x 20 turns, in memory and with Redis.
MEASURED_RSS_MIB = 630
# Variables read outside Settings: by `python -m api` (uvicorn) or only used to build REDIS_URL.
OTHER_VARIABLES = {"FORWARDED_ALLOW_IPS", "REDIS_PASSWORD"}


def documents(path: Path) -> List[Dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def all_objects() -> List[Dict[str, Any]]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    return [doc for name in kustomization["resources"] for doc in documents(K8S / name)]


def find(kind: str, name: str) -> Dict[str, Any]:
    matches = [o for o in all_objects() if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}"
    return matches[0]


def quantity_mib(value: str) -> float:
    number, unit = re.fullmatch(r"(\d+(?:\.\d+)?)(Mi|Gi|M|G)?", value).groups()  # type: ignore[union-attr]
    factor = {"Mi": 1, "Gi": 1024, "M": 1e6 / 2**20, "G": 1e9 / 2**20, None: 1 / 2**20}[unit]
    return float(number) * factor


def setting_names() -> set:
    return {name.upper() for name in Settings.__fields__}


def test_kustomization_lists_every_manifest():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files


@pytest.mark.parametrize("path", sorted(p.name for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml"))
def test_manifest_matches_the_kubernetes_schema(path):
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    for doc in documents(K8S / path):
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_the_schema_check_would_catch_a_mistake():
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    deployment = find("Deployment", "kestrel")
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {"httpGet": {"path": "/ready"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def kestrel_container() -> Dict[str, Any]:
    (container,) = find("Deployment", "kestrel")["spec"]["template"]["spec"]["containers"]
    return container


def test_probes_readiness_on_ready_and_liveness_on_health():
    container = kestrel_container()
    port_names = {p["name"] for p in container["ports"]}
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert container[probe]["httpGet"]["port"] in port_names
    env = {e["name"]: e.get("value") for e in container.get("env", [])}
    assert env["PORT"] == str(container["ports"][0]["containerPort"])


def test_memory_is_sized_from_the_measured_footprint():
    resources = kestrel_container()["resources"]
    workers = int(find("ConfigMap", "kestrel-config")["data"]["WORKERS"])
    request = quantity_mib(resources["requests"]["memory"])
    limit = quantity_mib(resources["limits"]["memory"])
    assert request >= MEASURED_RSS_MIB * workers * 1.15, "headroom over the measured resident memory"
    assert limit >= request and limit <= 2 * request, "a limit near the request: a leak is noticed"


def test_runs_unprivileged_on_a_read_only_filesystem():
    pod = find("Deployment", "kestrel")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    container = kestrel_container()
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert {"/tmp", "/home/kestrel"} <= mounts, "the only places the service writes (measured)"
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "--uid 10001" in dockerfile and pod["securityContext"]["runAsUser"] == 10001


def test_every_configured_variable_is_a_real_setting(monkeypatch):
    known = setting_names() | OTHER_VARIABLES
    config = find("ConfigMap", "kestrel-config")["data"]
    secret = find("Secret", "kestrel-secrets")["stringData"]
    env = {e["name"] for e in kestrel_container().get("env", [])}
    for name in set(config) | set(secret) | env:
        assert name in known, f"{name} is not a setting: a typo would be silently ignored"
    for name, value in config.items():
        monkeypatch.setenv(name, value)
    Settings()  # the values parse, read from the environment as the pods read them


def test_redis_url_reaches_the_redis_service():
    container = kestrel_container()
    url = next(e["value"] for e in container["env"] if e["name"] == "REDIS_URL")
    service = find("Service", "kestrel-redis")
    assert url.startswith("redis://") and f"@{service['metadata']['name']}:{service['spec']['ports'][0]['port']}/" in url
    names = [e["name"] for e in container["env"]]
    assert names.index("REDIS_PASSWORD") < names.index("REDIS_URL"), "$(REDIS_PASSWORD) must be defined first"
    redis_args = find("StatefulSet", "kestrel-redis")["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "$(REDIS_PASSWORD)" in redis_args and "--appendonly" in redis_args
    assert redis_args[redis_args.index("--maxmemory-policy") + 1] == "noeviction", "never drop a conversation"


def test_workers_above_one_come_with_redis():
    workers = int(find("ConfigMap", "kestrel-config")["data"]["WORKERS"])
    has_redis = any(e["name"] == "REDIS_URL" for e in kestrel_container()["env"])
    assert workers == 1 or has_redis


def test_service_selects_the_pods_and_keeps_socketio_sessions_on_one_pod():
    pod_labels = find("Deployment", "kestrel")["spec"]["template"]["metadata"]["labels"]
    service = find("Service", "kestrel")
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert service["spec"]["sessionAffinity"] == "ClientIP"
    ingress = find("Ingress", "kestrel")
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == "kestrel" and backend["port"]["name"] in {p["name"] for p in service["spec"]["ports"]}


def test_autoscaler_and_disruption_budget_target_the_deployment():
    hpa = find("HorizontalPodAutoscaler", "kestrel")["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "kestrel"}
    assert hpa["minReplicas"] >= 2
    assert "cpu" in {m["resource"]["name"] for m in hpa["metrics"]}
    assert "requests" in kestrel_container()["resources"] and kestrel_container()["resources"]["requests"]["cpu"]
    pdb = find("PodDisruptionBudget", "kestrel")["spec"]
    assert pdb["selector"]["matchLabels"].items() <= find("Deployment", "kestrel")["spec"]["template"]["metadata"]["labels"].items()


# ---- docker-compose.yml ----------------------------------------------------------------------------------


def compose() -> Dict[str, Any]:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_compose_runs_the_service_with_redis_and_an_optional_action_server():
    services = compose()["services"]
    assert set(services) == {"redis", "kestrel", "actions"}
    kestrel = services["kestrel"]
    assert kestrel["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    assert kestrel["depends_on"]["redis"]["condition"] == "service_healthy"
    assert "healthcheck" in services["redis"] and "--appendonly" in services["redis"]["command"]
    assert services["actions"]["profiles"] == ["actions"], "only with --profile actions"
    assert services["actions"]["command"][:3] == ["rasa", "run", "actions"]
    assert services["actions"]["build"] == kestrel["build"] == ".", "one image for both"
    assert kestrel["read_only"] is True and "/tmp" in kestrel["tmpfs"]


def test_compose_variables_are_real_settings(monkeypatch):
    known = setting_names() | OTHER_VARIABLES
    for name, value in compose()["services"]["kestrel"]["environment"].items():
        assert name in known, name
        # The defaults after ${VAR:-default} interpolation, as compose passes them with no .env file;
        # ${VAR:?message} has no default: compose refuses to start until the deployer sets it.
        if re.fullmatch(r"\$\{\w+:\?[^}]+\}", str(value)):
            monkeypatch.setenv(name, "deployer-set-" + "x" * 32)
            continue
        monkeypatch.setenv(name, re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", str(value)))
    settings = Settings()
    assert settings.workers > 1 and settings.redis_url


def test_compose_requires_a_channel_id_secret_for_its_workers():
    # Several workers on one Redis refuse to start without it (api/__main__.py): compose says so first.
    value = str(compose()["services"]["kestrel"]["environment"]["CHANNEL_ID_SECRET"])
    assert re.fullmatch(r"\$\{CHANNEL_ID_SECRET:\?[^}]+\}", value), value
