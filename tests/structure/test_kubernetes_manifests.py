"""The Kubernetes manifests (deploy/k8s) are valid and agree with each other and with the code.

Every object is validated against the Kubernetes API's JSON schemas (kubernetes-validate ships
them, so this needs no cluster and no network), in strict mode, so a misspelt field fails too.
The schemas cannot see across objects, so the rules below check what they cannot: the names one
object gives another (ConfigMaps, Secrets and their keys, claims, selectors, HPA and PDB targets,
the Ingress backend), and what the code decides (images, console scripts, the gateway's
upstreams, every service, worker and migration). Each rule returns the problems it finds; the
last tests feed each rule a broken example, so they can fail.
"""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import kubernetes_validate
import pytest
import yaml


def _load_repository():
    spec = importlib.util.spec_from_file_location("structure_repository", Path(__file__).with_name("repository.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


repository = _load_repository()
ROOT = repository.ROOT
K8S = ROOT / "deploy/k8s"
# The oldest Kubernetes release the manifests are checked against (autoscaling/v2 and policy/v1
# need 1.23; kubernetes-validate bundles the schemas of 1.25 onwards).
KUBERNETES_VERSION = "1.30"
WORKLOADS = ("Deployment", "Job")
PLACEHOLDER = "REPLACE-ME"


# ---------------------------------------------------------------------------------------------
# Reading the manifests
# ---------------------------------------------------------------------------------------------
def kustomization(folder: Path) -> dict:
    return yaml.safe_load((folder / "kustomization.yaml").read_text())


def kustomize_files(folder: Path = K8S) -> tuple[list[Path], list[str]]:
    """The manifest files a kustomization reaches (following folders), and the resources it names that
    do not exist."""
    files, missing = [], []
    for resource in kustomization(folder).get("resources", []):
        path = folder / resource
        if path.is_dir() and (path / "kustomization.yaml").is_file():
            sub_files, sub_missing = kustomize_files(path)
            files += sub_files
            missing += sub_missing
        elif path.is_file():
            files.append(path)
        else:
            missing.append(str(path.relative_to(ROOT)))
    return files, missing


def load_objects(files: list[Path]) -> list[dict]:
    return [doc for path in files for doc in yaml.safe_load_all(path.read_text()) if doc]


def name_of(obj: dict) -> str:
    return f'{obj.get("kind")}/{(obj.get("metadata") or {}).get("name")}'


def of_kind(objects: list[dict], kind: str) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in objects if o.get("kind") == kind}


def pod_spec(obj: dict) -> dict:
    return obj["spec"]["template"]["spec"]


def pod_labels(obj: dict) -> dict:
    return obj["spec"]["template"]["metadata"].get("labels") or {}


def containers(obj: dict) -> list[dict]:
    spec = pod_spec(obj)
    return spec.get("initContainers", []) + spec.get("containers", [])


def selects(selector: dict, labels: dict) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def secret_keys(secret: dict) -> set[str]:
    return set(secret.get("data") or {}) | set(secret.get("stringData") or {})


def container_env(container: dict, objects: list[dict]) -> dict[str, str]:
    """The literal environment a container gets from its ConfigMaps and its own `env` (Secrets left out)."""
    config_maps, env = of_kind(objects, "ConfigMap"), {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update((config_maps.get(source["configMapRef"]["name"]) or {}).get("data") or {})
    env.update({e["name"]: e["value"] for e in container.get("env", []) if "value" in e})
    return env


def image_name(image: str) -> str:
    """portal/billing for portal/billing:dev and compose's portal/billing:${PORTAL_IMAGE_TAG:-dev}."""
    return image.split(":", 1)[0]


def owning_service(obj: dict) -> str:
    """billing for billing, billing-worker and billing-migrate."""
    return re.sub(r"-(worker|migrate)$", "", obj["metadata"]["name"])


def folder_of(service: str) -> str:
    return "gateway" if service == "gateway" else f"services/{service}"


# ---------------------------------------------------------------------------------------------
# The rules, as functions returning problems (so they can be shown to fail)
# ---------------------------------------------------------------------------------------------
def schema_problems(objects: list[dict], version: str = KUBERNETES_VERSION) -> list[str]:
    problems = []
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            path = ".".join(str(p) for p in error.path)
            problems.append(f"{name_of(obj)}: {path}: {error.message}")
        except kubernetes_validate.SchemaNotFoundError as error:
            problems.append(f"{name_of(obj)}: {error.message}")
    return problems


def reference_problems(objects: list[dict]) -> list[str]:
    """Every ConfigMap, Secret (and key) and claim a workload names exists."""
    config_maps, secrets = of_kind(objects, "ConfigMap"), of_kind(objects, "Secret")
    claims = of_kind(objects, "PersistentVolumeClaim")
    problems = []
    for obj in (o for o in objects if o.get("kind") in WORKLOADS):
        for container in containers(obj):
            where = f'{name_of(obj)} ({container["name"]})'
            for source in container.get("envFrom", []):
                for ref, known in (("configMapRef", config_maps), ("secretRef", secrets)):
                    if ref in source and source[ref]["name"] not in known:
                        problems.append(f'{where}: envFrom {ref} {source[ref]["name"]} does not exist')
            for var in container.get("env", []):
                for ref, known, keys in (("secretKeyRef", secrets, secret_keys),
                                         ("configMapKeyRef", config_maps, lambda c: set(c.get("data") or {}))):
                    target = (var.get("valueFrom") or {}).get(ref)
                    if target is None:
                        continue
                    if target["name"] not in known:
                        problems.append(f'{where}: {var["name"]} names {ref} {target["name"]}, which does not exist')
                    elif target["key"] not in keys(known[target["name"]]):
                        problems.append(f'{where}: {var["name"]} names key {target["key"]}, which '
                                        f'{target["name"]} does not have')
            mounted = {m["name"] for m in container.get("volumeMounts", [])}
            volumes = {v["name"] for v in pod_spec(obj).get("volumes", [])}
            for missing in sorted(mounted - volumes):
                problems.append(f"{where}: mounts volume {missing}, which the pod does not define")
        for volume in pod_spec(obj).get("volumes", []):
            if "secret" in volume and volume["secret"]["secretName"] not in secrets:
                problems.append(f'{name_of(obj)}: volume {volume["name"]} names Secret '
                                f'{volume["secret"]["secretName"]}, which does not exist')
            if "persistentVolumeClaim" in volume and volume["persistentVolumeClaim"]["claimName"] not in claims:
                problems.append(f'{name_of(obj)}: volume {volume["name"]} names claim '
                                f'{volume["persistentVolumeClaim"]["claimName"]}, which does not exist')
    return problems


def selector_problems(objects: list[dict]) -> list[str]:
    """Services, PDBs and HPAs find exactly the Deployment they are for; Deployments select their own pods."""
    deployments, problems = of_kind(objects, "Deployment"), []
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in of_kind(objects, "HorizontalPodAutoscaler").values()}
    for name, deployment in deployments.items():
        if not selects(deployment["spec"]["selector"].get("matchLabels") or {}, pod_labels(deployment)):
            problems.append(f"Deployment/{name}: its selector does not match its own pod labels")
        if name in hpas and "replicas" in deployment["spec"]:
            problems.append(f"Deployment/{name}: sets replicas, which fights its HPA on every apply")
    for name, service in of_kind(objects, "Service").items():
        selector = service["spec"].get("selector") or {}
        matched = [d for d in deployments.values() if selects(selector, pod_labels(d))]
        if len(matched) != 1:
            problems.append(f"Service/{name}: its selector {selector} matches {len(matched)} Deployments, not 1")
            continue
        ports = {p.get("name") for c in containers(matched[0]) for p in c.get("ports", [])}
        for port in service["spec"].get("ports", []):
            if isinstance(port.get("targetPort"), str) and port["targetPort"] not in ports:
                problems.append(f'Service/{name}: targetPort {port["targetPort"]} is no port of '
                                f'{name_of(matched[0])}')
    for name, hpa in of_kind(objects, "HorizontalPodAutoscaler").items():
        target = hpa["spec"]["scaleTargetRef"]
        if target.get("kind") != "Deployment" or target.get("name") not in deployments:
            problems.append(f'HorizontalPodAutoscaler/{name}: targets {target.get("kind")}/{target.get("name")}, '
                            "which does not exist")
    for name, pdb in of_kind(objects, "PodDisruptionBudget").items():
        selector = pdb["spec"]["selector"].get("matchLabels") or {}
        matched = [d for d in deployments.values() if selects(selector, pod_labels(d))]
        if len(matched) != 1:
            problems.append(f"PodDisruptionBudget/{name}: its selector matches {len(matched)} Deployments, not 1")
            continue
        deployment = matched[0]
        least = (hpas[deployment["metadata"]["name"]]["spec"].get("minReplicas", 1)
                 if deployment["metadata"]["name"] in hpas else deployment["spec"].get("replicas", 1))
        if isinstance(pdb["spec"].get("minAvailable"), int) and pdb["spec"]["minAvailable"] >= least:
            problems.append(f"PodDisruptionBudget/{name}: minAvailable {pdb['spec']['minAvailable']} with "
                            f"{least} replicas blocks every node drain")
    return problems


def image_problems(objects: list[dict], compose_services: dict) -> list[str]:
    """Each workload runs the image compose builds for its service (its worker and Job the same one)."""
    built = {image_name(s["image"]) for s in compose_services.values() if s.get("build") and s.get("image")}
    problems = []
    for obj in (o for o in objects if o.get("kind") in WORKLOADS):
        for container in containers(obj):
            image, expected = container["image"], f"portal/{owning_service(obj)}"
            if image_name(image) not in built:
                problems.append(f"{name_of(obj)}: image {image} is not one that docker-compose.yml builds")
            elif image_name(image) != expected:
                problems.append(f"{name_of(obj)}: runs {image}, not {expected}")
    return problems


def command_problems(objects: list[dict]) -> list[str]:
    """A command is `<console script of the image's package> worker|migrate`; without one, the image's
    CMD (gunicorn) runs, which only web pods may do."""
    problems = []
    for obj in (o for o in objects if o.get("kind") in WORKLOADS):
        service = owning_service(obj)
        component = obj["metadata"]["labels"].get("app.kubernetes.io/component")
        scripts = repository.cli_scripts(folder_of(service)) if (ROOT / folder_of(service)).is_dir() else {}
        for container in containers(obj):
            command = container.get("command") or container.get("args")
            if not command:
                if component != "web":
                    problems.append(f"{name_of(obj)}: no command, so it would run the image's gunicorn")
                continue
            if command[0] not in scripts:
                problems.append(f"{name_of(obj)}: {command[0]} is not a console script of {folder_of(service)} "
                                f"({sorted(scripts)})")
            if command[1:] != [component]:
                problems.append(f"{name_of(obj)}: runs {command}, not `{command[0]} {component}`")
    return problems


def gateway_problems(objects: list[dict], default_upstreams: dict) -> list[str]:
    """The gateway has UPSTREAM_<SERVICE>=http+dns://<service>:8000 for every service it routes to, and
    each name is a headless Service of that service's pods (one A record per ready pod)."""
    deployments, services = of_kind(objects, "Deployment"), of_kind(objects, "Service")
    if "gateway" not in deployments:
        return ["there is no gateway Deployment"]
    env, problems = container_env(containers(deployments["gateway"])[0], objects), []
    for service in default_upstreams:
        key = "UPSTREAM_" + service.upper().replace("-", "_")
        if env.get(key) != f"http+dns://{service}:8000":
            problems.append(f"gateway: {key} is {env.get(key)!r}, not http+dns://{service}:8000")
            continue
        svc = services.get(service)
        if svc is None:
            problems.append(f"gateway: {key} names {service}, which is no Service")
        elif svc["spec"].get("clusterIP") != "None":
            problems.append(f"Service/{service} is not headless: its name resolves to one virtual IP, so the "
                            "gateway could not balance over the pods")
        elif 8000 not in [p["port"] for p in svc["spec"]["ports"]]:
            problems.append(f"Service/{service} does not listen on 8000")
        elif service not in deployments or not selects(svc["spec"]["selector"], pod_labels(deployments[service])):
            problems.append(f"Service/{service} does not select the {service} Deployment's pods")
    return problems


def ingress_problems(objects: list[dict]) -> list[str]:
    """The Ingress sends the bare host and every branch's subdomain, over TLS, to the gateway Service."""
    services, config = of_kind(objects, "Service"), of_kind(objects, "ConfigMap").get("portal-env") or {}
    domain = (config.get("data") or {}).get("PORTAL_BASE_DOMAIN")
    wanted, problems = {domain, f"*.{domain}"}, []
    ingresses = of_kind(objects, "Ingress")
    if not ingresses:
        return ["there is no Ingress"]
    for name, ingress in ingresses.items():
        rules = ingress["spec"].get("rules", [])
        if {r.get("host") for r in rules} != wanted:
            problems.append(f"Ingress/{name}: hosts {sorted(str(r.get('host')) for r in rules)}, not {sorted(wanted)}")
        tls_hosts = {h for t in ingress["spec"].get("tls", []) for h in t.get("hosts", [])}
        if not wanted <= tls_hosts:
            problems.append(f"Ingress/{name}: TLS does not cover {sorted(wanted - tls_hosts)}")
        for rule in rules:
            for path in rule.get("http", {}).get("paths", []):
                backend = path["backend"]["service"]
                if backend["name"] != "gateway":
                    problems.append(f'Ingress/{name}: {rule.get("host")} goes to {backend["name"]}, not the gateway')
                elif backend["name"] not in services:
                    problems.append(f"Ingress/{name}: the gateway Service does not exist")
                else:
                    ports = services["gateway"]["spec"]["ports"]
                    port = backend["port"]
                    if not any(port.get("name") == p.get("name") if "name" in port else port.get("number") == p["port"]
                               for p in ports):
                        problems.append(f"Ingress/{name}: port {port} is no port of the gateway Service")
    return problems


def placeholder_problems(objects: list[dict]) -> list[str]:
    """No Secret in the repository holds a real value: each is a marked placeholder."""
    return [f"Secret/{name}: {key} is not a {PLACEHOLDER} placeholder"
            for name, secret in of_kind(objects, "Secret").items()
            for key, value in {**(secret.get("data") or {}), **(secret.get("stringData") or {})}.items()
            if PLACEHOLDER not in str(value)]


# ---------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def files() -> list[Path]:
    found, missing = kustomize_files()
    assert missing == [], "kustomization.yaml names files that do not exist"
    return found


@pytest.fixture(scope="module")
def objects(files) -> list[dict]:
    return load_objects(files)


@pytest.fixture(scope="module")
def compose_services() -> dict:
    return repository.load_compose()["services"]


def workload(objects: list[dict], kind: str, name: str) -> dict:
    found = of_kind(objects, kind).get(name)
    assert found is not None, f"deploy/k8s has no {kind} {name}"
    return found


def secret_key_of(container: dict, variable: str) -> str | None:
    for var in container.get("env", []):
        if var["name"] == variable:
            return ((var.get("valueFrom") or {}).get("secretKeyRef") or {}).get("key")
    return None


FOLDERS = repository.service_folders()
SERVICES = [repository.compose_name(f) for f in FOLDERS]
WORKERS = sorted(repository.module_constant(repository.STACK_FILE, "WORKERS").items())
MIGRATED = [repository.compose_name(f) for f in repository.folders_with_migrations()]


# ---------------------------------------------------------------------------------------------
# The files and the schemas
# ---------------------------------------------------------------------------------------------
def test_the_kustomization_reaches_every_manifest_file_and_nothing_else(files):
    on_disk = {p for p in K8S.rglob("*.yaml") if p.name != "kustomization.yaml"}
    assert set(files) == on_disk, "a manifest is not in a kustomization (or is listed twice)"
    assert len(files) == len(set(files))


def test_the_kustomization_pins_the_tag_of_every_image_the_manifests_run(objects):
    listed = {i["name"] for i in kustomization(K8S).get("images", [])}
    used = {image_name(c["image"]) for o in objects if o.get("kind") in WORKLOADS for c in containers(o)}
    assert listed == used


def test_every_object_is_valid_against_the_kubernetes_schemas(objects):
    assert len(objects) > 50
    assert schema_problems(objects) == []


def test_every_name_an_object_gives_another_exists(objects):
    assert reference_problems(objects) == []


def test_every_selector_finds_exactly_the_deployment_it_is_for(objects):
    assert selector_problems(objects) == []


def test_every_workload_runs_the_image_compose_builds_for_its_service(objects, compose_services):
    assert image_problems(objects, compose_services) == []


def test_every_command_is_a_console_script_of_its_package(objects):
    assert command_problems(objects) == []


def test_the_gateway_balances_over_the_pods_of_every_service(objects):
    assert gateway_problems(objects, repository.module_constant(repository.GATEWAY_CONFIG, "DEFAULT_UPSTREAMS")) == []


def test_the_ingress_sends_the_bare_host_and_every_branch_subdomain_to_the_gateway(objects):
    assert ingress_problems(objects) == []


def test_every_secret_value_is_a_marked_placeholder(objects):
    assert placeholder_problems(objects) == []


def test_the_first_step_of_a_release_selects_the_shared_pieces_and_the_migrations(objects, files):
    # kubectl apply -k deploy/k8s -l 'app.kubernetes.io/component in (shared,migrate)' (README.md)
    component = {name_of(o): (o["metadata"].get("labels") or {}).get("app.kubernetes.io/component") for o in objects}
    assert None not in component.values(), [n for n, c in component.items() if c is None]
    base = load_objects([f for f in files if f.parent.name == "base"])
    assert {component[name_of(o)] for o in base} == {"shared"}
    assert {n for n, c in component.items() if c == "migrate"} == {f"Job/{s}-migrate" for s in MIGRATED}
    workloads = [o for o in objects if o.get("kind") in WORKLOADS]
    assert all(pod_labels(o).get("app.kubernetes.io/component") == o["metadata"]["labels"]["app.kubernetes.io/component"]
               for o in workloads)


# ---------------------------------------------------------------------------------------------
# Every service, worker and migration of the code is deployed
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_a_deployment_probed_on_healthz_and_readyz_and_a_disruption_budget(service, objects):
    deployment = workload(objects, "Deployment", service)
    workload(objects, "Service", service)
    container = containers(deployment)[0]
    assert "command" not in container, "a web pod runs the image's gunicorn"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    # The gateway's /readyz is the operator's and red when any service is: its pods are ready when alive.
    assert container["readinessProbe"]["httpGet"]["path"] == ("/healthz" if service == "gateway" else "/readyz")
    assert container_env(container, objects).get("BIND") == "0.0.0.0:8000"
    pdbs = [p for p in of_kind(objects, "PodDisruptionBudget").values()
            if selects(p["spec"]["selector"]["matchLabels"], pod_labels(deployment))]
    assert len(pdbs) == 1


@pytest.mark.parametrize("service, command", WORKERS)
def test_every_devstack_worker_has_a_deployment_alive_while_its_heartbeat_is_fresh(service, command, objects,
                                                                                   compose_services):
    deployment = workload(objects, "Deployment", f"{service}-worker")
    container = containers(deployment)[0]
    assert container["command"] == [command, "worker"]
    assert container["livenessProbe"]["exec"]["command"] == compose_services[f"{service}-worker"]["healthcheck"]["test"][1:]
    assert secret_key_of(container, "DATABASE_URL") == secret_key_of(containers(workload(objects, "Deployment", service))[0],
                                                                     "DATABASE_URL"), "the worker uses another database"
    assert any(selects(p["spec"]["selector"]["matchLabels"], pod_labels(deployment))
               for p in of_kind(objects, "PodDisruptionBudget").values())


@pytest.mark.parametrize("service", MIGRATED)
def test_every_service_with_migrations_has_a_migrate_job_on_its_own_database(service, objects):
    job = workload(objects, "Job", f"{service}-migrate")
    container = containers(job)[0]
    assert container["command"][1:] == ["migrate"]
    key = secret_key_of(container, "DATABASE_URL")
    assert key == service.upper().replace("-", "_") + "_DATABASE_URL"
    assert secret_key_of(containers(workload(objects, "Deployment", service))[0], "DATABASE_URL") == key
    url = of_kind(objects, "Secret")["portal-secrets"]["stringData"][key]
    assert url.startswith("postgresql+psycopg://") and url.endswith("/portal_" + service.replace("-", "_"))
    assert pod_spec(job)["restartPolicy"] in ("Never", "OnFailure")


@pytest.mark.parametrize("name", ["billing", "billing-worker", "notifications", "notifications-worker"])
def test_billing_and_notifications_web_and_worker_are_scaled_by_an_hpa(name, objects):
    hpas = [h for h in of_kind(objects, "HorizontalPodAutoscaler").values() if h["spec"]["scaleTargetRef"]["name"] == name]
    assert len(hpas) == 1
    assert hpas[0]["spec"]["maxReplicas"] > hpas[0]["spec"].get("minReplicas", 1)


def test_every_pod_runs_as_the_images_unprivileged_user(objects):
    for obj in (o for o in objects if o.get("kind") in WORKLOADS):
        security = pod_spec(obj)["securityContext"]
        assert security["runAsNonRoot"] is True and security["runAsUser"] == 10001, name_of(obj)
        for container in containers(obj):
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, name_of(obj)


# ---------------------------------------------------------------------------------------------
# The rules themselves catch what they are meant to catch
# ---------------------------------------------------------------------------------------------
def deployment(name: str, **container) -> dict:
    labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/component": "web"}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "labels": labels},
            "spec": {"selector": {"matchLabels": {"app.kubernetes.io/name": name}},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": name, "image": f"portal/{name}:dev", **container}]}}}}


def test_the_schema_rule_reports_a_misspelt_field_and_a_wrong_type():
    misspelt, mistyped = deployment("billing"), deployment("visits")
    misspelt["spec"]["replica"] = 2  # strict mode: no such field
    mistyped["spec"]["template"]["spec"]["containers"][0]["ports"] = [{"containerPort": "http"}]
    assert schema_problems([misspelt, mistyped, deployment("identity")]) == [
        "Deployment/billing: spec: Additional properties are not allowed ('replica' was unexpected)",
        "Deployment/visits: spec.template.spec.containers.0.ports.0.containerPort: 'http' is not of type 'integer'"]


def test_the_reference_rule_reports_a_missing_secret_key_config_map_and_claim():
    secret = {"kind": "Secret", "metadata": {"name": "portal-secrets"}, "stringData": {"A": "REPLACE-ME"}}
    broken = deployment("billing", envFrom=[{"configMapRef": {"name": "nowhere"}}],
                        env=[{"name": "DATABASE_URL", "valueFrom": {"secretKeyRef": {"name": "portal-secrets", "key": "B"}}}])
    broken["spec"]["template"]["spec"]["volumes"] = [{"name": "s", "persistentVolumeClaim": {"claimName": "gone"}}]
    assert reference_problems([secret, broken]) == [
        "Deployment/billing (billing): envFrom configMapRef nowhere does not exist",
        "Deployment/billing (billing): DATABASE_URL names key B, which portal-secrets does not have",
        "Deployment/billing: volume s names claim gone, which does not exist"]


def test_the_selector_rule_reports_a_service_selecting_nothing_and_an_hpa_and_pdb_without_a_target():
    billing = deployment("billing")
    billing["spec"]["replicas"] = 1
    service = {"kind": "Service", "metadata": {"name": "billing"},
               "spec": {"selector": {"app.kubernetes.io/name": "biling"}, "ports": [{"port": 8000}]}}
    hpa = {"kind": "HorizontalPodAutoscaler", "metadata": {"name": "x"},
           "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "billing-web"}}}
    pdb = {"kind": "PodDisruptionBudget", "metadata": {"name": "billing"},
           "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app.kubernetes.io/name": "billing"}}}}
    assert selector_problems([billing, service, hpa, pdb]) == [
        "Service/billing: its selector {'app.kubernetes.io/name': 'biling'} matches 0 Deployments, not 1",
        "HorizontalPodAutoscaler/x: targets Deployment/billing-web, which does not exist",
        "PodDisruptionBudget/billing: minAvailable 1 with 1 replicas blocks every node drain"]


def test_the_image_and_command_rules_report_another_services_image_and_an_unknown_script(compose_services):
    worker = deployment("billing-worker", command=["portal-biling", "worker"])
    worker["metadata"]["labels"]["app.kubernetes.io/component"] = "worker"
    worker["spec"]["template"]["spec"]["containers"][0]["image"] = "portal/visits:dev"
    assert image_problems([worker], compose_services) == ["Deployment/billing-worker: runs portal/visits:dev, not portal/billing"]
    assert command_problems([worker]) == [
        "Deployment/billing-worker: portal-biling is not a console script of services/billing (['portal-billing'])"]
    job = deployment("billing-migrate")
    job["metadata"]["labels"]["app.kubernetes.io/component"] = "migrate"
    assert command_problems([job]) == ["Deployment/billing-migrate: no command, so it would run the image's gunicorn"]


def test_the_gateway_rule_reports_a_plain_http_upstream_and_a_service_that_is_not_headless():
    config = {"kind": "ConfigMap", "metadata": {"name": "portal-env"},
              "data": {"UPSTREAM_BILLING": "http+dns://billing:8000", "UPSTREAM_VISITS": "http://visits:8000"}}
    gateway = deployment("gateway", envFrom=[{"configMapRef": {"name": "portal-env"}}])
    billing = {"kind": "Service", "metadata": {"name": "billing"},
               "spec": {"selector": {"app.kubernetes.io/name": "billing"}, "ports": [{"port": 8000}]}}
    assert gateway_problems([config, gateway, billing, deployment("billing")],
                            {"billing": "", "visits": ""}) == [
        "Service/billing is not headless: its name resolves to one virtual IP, so the gateway could not balance over the pods",
        "gateway: UPSTREAM_VISITS is 'http://visits:8000', not http+dns://visits:8000"]


def test_the_ingress_rule_reports_a_missing_wildcard_host_and_another_backend():
    config = {"kind": "ConfigMap", "metadata": {"name": "portal-env"}, "data": {"PORTAL_BASE_DOMAIN": "portal.example.com"}}
    backend = {"service": {"name": "portal-web", "port": {"name": "http"}}}
    ingress = {"kind": "Ingress", "metadata": {"name": "portal"},
               "spec": {"rules": [{"host": "portal.example.com",
                                   "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]}}]}}
    assert ingress_problems([config, ingress]) == [
        "Ingress/portal: hosts ['portal.example.com'], not ['*.portal.example.com', 'portal.example.com']",
        "Ingress/portal: TLS does not cover ['*.portal.example.com', 'portal.example.com']",
        "Ingress/portal: portal.example.com goes to portal-web, not the gateway"]


def test_the_placeholder_rule_reports_a_real_looking_secret():
    secret = {"kind": "Secret", "metadata": {"name": "portal-secrets"},
              "stringData": {"INTERNAL_TOKEN_SECRET": "0123456789abcdef0123456789abcdef", "SMTP_PASSWORD": "REPLACE-ME"}}
    assert placeholder_problems([secret]) == ["Secret/portal-secrets: INTERNAL_TOKEN_SECRET is not a REPLACE-ME placeholder"]
