"""deploy/kubernetes/: every manifest valid offline, and the pieces fit together.

Kubernetes' own kinds are checked by PyPI's kubernetes-validate in strict mode (its schemas ship in the package:
no cluster, no network). KEDA's ScaledObject and TriggerAuthentication and kustomize's Kustomization are outside
those schemas: checked here field by field against what KEDA and kustomize document.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest
import yaml

from posecraft.config import REPO_ROOT, Settings
from posecraft.settings_checks import environment_problems

MANIFESTS = REPO_ROOT / "deploy" / "kubernetes"
NOT_KUBERNETES_KINDS = {"Kustomization", "ScaledObject", "TriggerAuthentication"}
# Keys of the ConfigMap and Secret that are not settings: nginx's S3 upstream and KEDA's view of Redis.
NOT_SETTINGS = {"S3_UPSTREAM", "REDIS_ADDRESS", "REDIS_PASSWORD"}


def load(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def resources() -> list[dict]:
    return [doc for path in sorted(MANIFESTS.glob("*.yaml")) for doc in load(path)]


def one(kind: str, name: str) -> dict:
    [found] = [doc for doc in resources() if doc["kind"] == kind and doc["metadata"]["name"] == name]
    return found


def validate(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kubernetes_validate", "--strict", *map(str, paths)], capture_output=True, text=True, timeout=120)


def test_the_kustomization_lists_every_manifest_of_the_folder():
    kustomization = yaml.safe_load((MANIFESTS / "kustomization.yaml").read_text())

    assert kustomization["apiVersion"] == "kustomize.config.k8s.io/v1beta1"
    assert kustomization["kind"] == "Kustomization"
    assert set(kustomization) <= {"apiVersion", "kind", "namespace", "labels", "resources", "images"}
    listed = kustomization["resources"]
    assert sorted(listed) == sorted(p.name for p in MANIFESTS.glob("*.yaml") if p.name != "kustomization.yaml")
    assert kustomization["namespace"] == one("Namespace", kustomization["namespace"])["metadata"]["name"]
    images = {image["name"] for image in kustomization["images"]}
    used = {c["image"] for doc in resources() if doc["kind"] == "Deployment"
            for c in doc["spec"]["template"]["spec"]["containers"]}
    assert images == used


def test_every_kubernetes_resource_passes_kubernetes_validate_strict():
    files = [p for p in sorted(MANIFESTS.glob("*.yaml"))
             if any(doc["kind"] not in NOT_KUBERNETES_KINDS for doc in load(p))]

    done = validate(*files)

    assert done.returncode == 0, done.stdout + done.stderr
    passed = [line for line in done.stdout.splitlines() if " passed for resource " in line]
    assert len(passed) == sum(doc["kind"] not in NOT_KUBERNETES_KINDS for doc in resources())
    assert "WARN" not in done.stdout


def test_strict_validation_refuses_a_misspelt_field(tmp_path):
    """The check above can fail: a field Kubernetes does not know (readinessProbe spelt wrong) is an error."""
    broken = tmp_path / "ingest.yaml"
    broken.write_text((MANIFESTS / "ingest.yaml").read_text().replace("readinessProbe:", "readynessProbe:"))

    done = validate(broken)

    assert done.returncode != 0
    assert "readynessProbe" in done.stdout + done.stderr


@pytest.mark.parametrize("service", ["ingest", "status"])
def test_the_services_are_ready_on_readyz_alive_on_healthz_and_ask_for_resources(service):
    deployment = one("Deployment", service)
    [container] = deployment["spec"]["template"]["spec"]["containers"]

    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["ports"] == [{"name": "http", "containerPort": 8000}]  # posecraft.http.gunicorn_config's bind
    assert set(container["resources"]["requests"]) == {"cpu", "memory"}
    service_object = one("Service", service)
    assert service_object["spec"]["selector"] == deployment["spec"]["template"]["metadata"]["labels"]
    assert service_object["spec"]["ports"][0]["targetPort"] == "http"


def test_every_container_asks_for_cpu_and_memory_and_gets_the_settings_and_the_keys():
    for deployment in (doc for doc in resources() if doc["kind"] == "Deployment"):
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            assert set(container["resources"]["requests"]) == {"cpu", "memory"}, deployment["metadata"]["name"]
            if container["image"] != "posecraft-nginx":
                assert container["envFrom"] == [{"configMapRef": {"name": "posecraft-settings"}},
                                                {"secretRef": {"name": "posecraft-keys"}}]


def test_the_configmap_and_secret_hold_settings_that_pass_the_start_up_check(tmp_path):
    settings = one("ConfigMap", "posecraft-settings")["data"]
    keys = one("Secret", "posecraft-keys")["stringData"]
    names = {f.upper() for f in Settings.__dataclass_fields__}

    assert set(settings) - NOT_SETTINGS <= names and set(keys) - NOT_SETTINGS <= names
    assert {"MONGO_URL", "REDIS_URL", "S3_ACCESS_KEY", "S3_SECRET_KEY"} <= set(keys)  # secrets are not in the ConfigMap
    assert not {"MONGO_URL", "REDIS_URL", "S3_ACCESS_KEY", "S3_SECRET_KEY"} & set(settings)
    environment = {k: v for k, v in {**settings, **keys}.items() if k not in NOT_SETTINGS}
    # PRESETS_FILE names the presets ConfigMap's file as the pods see it (mounted: the next test); here, a copy.
    mounted = tmp_path / PurePosixPath(settings["PRESETS_FILE"]).name
    mounted.write_text(one("ConfigMap", "posecraft-presets")["data"][mounted.name])
    assert environment_problems({**environment, "PRESETS_FILE": str(mounted)}) == []


@pytest.mark.parametrize("deployment", ["ingest", "status", "pose-worker"])
def test_every_process_that_reads_presets_file_has_the_presets_configmap_mounted_read_only_there(deployment):
    presets_file = PurePosixPath(one("ConfigMap", "posecraft-settings")["data"]["PRESETS_FILE"])
    spec = one("Deployment", deployment)["spec"]["template"]["spec"]
    [volume] = [v for v in spec["volumes"] if v.get("configMap", {}).get("name") == "posecraft-presets"]
    [container] = spec["containers"]
    [mount] = [m for m in container["volumeMounts"] if m["name"] == volume["name"]]

    assert (PurePosixPath(mount["mountPath"]), mount["readOnly"]) == (presets_file.parent, True)
    assert "items" not in volume["configMap"]  # every key a file of its own name
    assert presets_file.name in one("ConfigMap", "posecraft-presets")["data"]


def test_the_worker_is_scaled_by_keda_on_the_length_of_the_job_queue():
    scaled = one("ScaledObject", "pose-worker")
    settings = one("ConfigMap", "posecraft-settings")["data"]

    assert scaled["apiVersion"] == "keda.sh/v1alpha1"
    spec = scaled["spec"]
    assert set(spec) <= {"scaleTargetRef", "minReplicaCount", "maxReplicaCount", "pollingInterval",
                         "cooldownPeriod", "idleReplicaCount", "fallback", "advanced", "triggers"}
    assert one("Deployment", spec["scaleTargetRef"]["name"])  # the worker's Deployment
    assert spec["minReplicaCount"] in (0, 1) and spec["maxReplicaCount"] > 1
    assert all(isinstance(spec[k], int) and spec[k] > 0 for k in ("pollingInterval", "cooldownPeriod"))
    [trigger] = spec["triggers"]
    assert trigger["type"] == "redis"
    metadata = trigger["metadata"]
    assert set(metadata) <= {"address", "addressFromEnv", "host", "port", "usernameFromEnv", "passwordFromEnv",
                             "listName", "listLength", "activationListLength", "enableTLS", "unsafeSsl",
                             "databaseIndex"}
    assert metadata["listName"] == settings["QUEUE_NAME"]
    # KEDA's metadata values are strings: a number here is refused by its admission webhook.
    assert all(isinstance(value, str) for value in metadata.values())
    assert metadata["listLength"].isdigit() and int(metadata["listLength"]) > 0


def test_the_trigger_authentication_reads_keys_the_secret_has():
    scaled = one("ScaledObject", "pose-worker")
    [trigger] = scaled["spec"]["triggers"]
    auth = one("TriggerAuthentication", trigger["authenticationRef"]["name"])
    keys = one("Secret", "posecraft-keys")["stringData"]

    assert auth["apiVersion"] == "keda.sh/v1alpha1" and set(auth["spec"]) == {"secretTargetRef"}
    for ref in auth["spec"]["secretTargetRef"]:
        assert set(ref) == {"parameter", "name", "key"}
        assert ref["parameter"] in {"address", "host", "port", "username", "password"}
        assert ref["name"] == "posecraft-keys" and ref["key"] in keys
    redis_url = keys["REDIS_URL"]
    assert redis_url.split("@")[-1].split("/")[0] == keys["REDIS_ADDRESS"]  # the same server as the workers'
    assert (trigger["metadata"]["enableTLS"] == "true") == redis_url.startswith("rediss://")


def test_the_ingress_reaches_nginx_which_reaches_both_services():
    ingress = one("Ingress", "posecraft")
    [rule] = ingress["spec"]["rules"]
    backend = rule["http"]["paths"][0]["backend"]["service"]
    nginx = one("Service", backend["name"])

    assert backend["port"]["name"] in {port["name"] for port in nginx["spec"]["ports"]}
    [container] = one("Deployment", "nginx")["spec"]["template"]["spec"]["containers"]
    env = {item["name"]: item.get("value") for item in container["env"]}
    assert env["INGEST_UPSTREAM"] == "ingest:8000" and env["STATUS_UPSTREAM"] == "status:8000"
    body_limit = ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"]
    settings = one("ConfigMap", "posecraft-settings")["data"]
    assert int(body_limit.rstrip("m")) * 1024 * 1024 >= int(settings["MAX_UPLOAD_BYTES"])
