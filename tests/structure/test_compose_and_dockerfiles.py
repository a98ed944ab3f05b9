"""The container setup matches the code: every service has an image, a compose entry and health checks.

There is no Docker engine where these run, so they read docker-compose.yml, the Dockerfiles and
the devstack's process table, and check the rules we rely on. Each rule is a small function that
returns the problems it finds; the tests assert there are none, and a few tests feed each rule a
broken example to show that it can fail.
"""
from __future__ import annotations

import fnmatch
import importlib.util
import json
import re
import shlex
from pathlib import Path

import pytest

# ---------------------------------------------------------------------------------------------
# Reading the repository (tests/structure/repository.py, shared with the Kubernetes manifests' tests)
# ---------------------------------------------------------------------------------------------
def _load_repository():
    spec = importlib.util.spec_from_file_location("structure_repository", Path(__file__).with_name("repository.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


repository = _load_repository()
ROOT, COMPOSE_FILE, STACK_FILE, GATEWAY_CONFIG = (repository.ROOT, repository.COMPOSE_FILE, repository.STACK_FILE,
                                                  repository.GATEWAY_CONFIG)
service_folders, compose_name, folders_with_migrations = (repository.service_folders, repository.compose_name,
                                                          repository.folders_with_migrations)
cli_scripts, module_constant, load_compose = repository.cli_scripts, repository.module_constant, repository.load_compose
env_of, command_of = repository.env_of, repository.command_of
POSTGRES_INIT = ROOT / "deploy/docker/postgres/init-databases.sql"
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}


def parse_dockerfile(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    instructions, current = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if current and line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        keyword, _, args = current.partition(" ")
        instructions.append((keyword.upper(), args.strip()))
        current = ""
    return instructions


def copy_sources(args: str) -> list[str]:
    """The source paths of a COPY/ADD (shell or JSON form), flags left out."""
    if args.startswith("["):
        parts = json.loads(args)
    else:
        parts = shlex.split(args)
    parts = [p for p in parts if not p.startswith("--")]
    return parts[:-1]


def dockerignore_patterns() -> list[str]:
    path = ROOT / ".dockerignore"
    if not path.is_file():
        return []
    return [line.strip() for line in path.read_text().splitlines()
            if line.strip() and not line.startswith("#") and not line.startswith("!")]


def ignored_by_dockerignore(source: str, patterns: list[str]) -> str | None:
    """The pattern that keeps `source` (or a folder above it) out of the build context, if any.

    Enough of Docker's matching for our file: `**/name` matches that name at any depth,
    anything else matches a path from the root of the context.
    """
    parts = Path(source).parts
    for i in range(1, len(parts) + 1):
        for pattern in patterns:
            if pattern.startswith("**/"):
                if fnmatch.fnmatchcase(parts[i - 1], pattern[3:]):
                    return pattern
            elif fnmatch.fnmatchcase("/".join(parts[:i]), pattern.strip("/")):
                return pattern
    return None


# ---------------------------------------------------------------------------------------------
# The rules, as functions returning problems (so they can be shown to fail)
# ---------------------------------------------------------------------------------------------
def dockerfile_problems(folder: str, text: str) -> list[str]:
    instructions = parse_dockerfile(text)
    keywords = [k for k, _ in instructions]
    args_of = {k: a for k, a in instructions}  # last one wins, as in Docker
    problems = []
    if not instructions or instructions[0][0] != "FROM" or not instructions[0][1].startswith("python:3.11-slim"):
        problems.append("does not start FROM python:3.11-slim")
    for keyword in ("HEALTHCHECK", "EXPOSE", "CMD", "USER"):
        if keyword not in keywords:
            problems.append(f"has no {keyword}")
    if "HEALTHCHECK" in args_of and not ("urllib" in args_of["HEALTHCHECK"] and "/healthz" in args_of["HEALTHCHECK"]):
        problems.append("HEALTHCHECK does not probe /healthz with urllib")
    if "EXPOSE" in args_of and "8000" not in args_of["EXPOSE"].split():
        problems.append("does not EXPOSE 8000")
    if not any(k == "ENV" and re.search(r"\bBIND=0\.0\.0\.0:8000\b", a) for k, a in instructions):
        problems.append("does not set ENV BIND=0.0.0.0:8000")
    if "CMD" in args_of:
        try:
            cmd = json.loads(args_of["CMD"])
        except ValueError:
            cmd = None
        if cmd != ["gunicorn", "-c", f"{folder}/gunicorn.conf.py"]:
            problems.append(f'CMD is {args_of["CMD"]}, not ["gunicorn", "-c", "{folder}/gunicorn.conf.py"]')
    if "USER" in args_of and args_of["USER"].split(":")[0] in ("root", "0"):
        problems.append("runs as root")
    installs = [a for k, a in instructions if k == "RUN" and "pip install" in a]
    if not installs or not all("-c" in shlex.split(a) and any(p.endswith("constraints.txt") for p in shlex.split(a))
                               for a in installs):
        problems.append("does not pip install with -c constraints.txt")
    copied = " ".join(a for k, a in instructions if k == "COPY")
    for needed in ("shared/src", f"{folder}/src", f"{folder}/gunicorn.conf.py", "constraints.txt"):
        if needed not in copied:
            problems.append(f"does not COPY {needed}")
    return problems


def copy_source_problems(text: str, root: Path = ROOT) -> list[str]:
    problems, patterns = [], dockerignore_patterns()
    for keyword, args in parse_dockerfile(text):
        if keyword not in ("COPY", "ADD") or "--from" in args:
            continue
        for source in copy_sources(args):
            if not (root / source).exists():
                problems.append(f"COPY source {source} does not exist")
            elif pattern := ignored_by_dockerignore(source, patterns):
                problems.append(f"COPY source {source} is excluded by .dockerignore ({pattern})")
    return problems


def is_one_shot(name: str, service: dict) -> bool:
    """A job that runs once before the services: a migration, or an `-init` setup step (proposals' dev seal keys)."""
    return name.endswith(("-migrate", "-init"))


def healthcheck_problems(services: dict) -> list[str]:
    problems = []
    for name, service in services.items():
        check = service.get("healthcheck") or {}
        if is_one_shot(name, service):
            if str(service.get("restart", "no")) != "no":
                problems.append(f'{name} is a one-shot job but restart is {service.get("restart")!r}, not "no"')
            continue
        if not check.get("test") or check.get("disable"):
            problems.append(f"{name} has no health check")
    return problems


def depends_on_problems(services: dict) -> list[str]:
    problems = []
    for name, service in services.items():
        deps = service.get("depends_on") or {}
        if isinstance(deps, list):
            problems.append(f"{name} lists depends_on without conditions: {deps}")
            continue
        for dep, spec in deps.items():
            if dep not in services:
                problems.append(f"{name} depends on {dep}, which compose does not define")
            condition = (spec or {}).get("condition")
            if condition not in CONDITIONS:
                problems.append(f"{name} depends on {dep} without a condition")
            elif condition == "service_completed_successfully" and not is_one_shot(dep, services.get(dep, {})):
                problems.append(f"{name} waits for {dep} to complete, but {dep} is long-running")
            elif condition == "service_healthy" and not (services.get(dep, {}).get("healthcheck") or {}).get("test"):
                problems.append(f"{name} waits for {dep} to be healthy, but {dep} has no health check")
    return problems


def scalable_problems(name: str, services: dict) -> list[str]:
    service = services.get(name, {})
    problems = []
    if "container_name" in service:
        problems.append(f"{name} has container_name {service['container_name']!r}, so it cannot scale")
    if service.get("ports"):
        problems.append(f"{name} publishes host ports {service['ports']}, so a second replica cannot start")
    return problems


def scalable_names(services: dict) -> list[str]:
    """What `docker compose up --scale NAME=N` should work for: every web service behind the gateway
    (the gateway publishes the one port) and every bus worker."""
    return sorted(name for name, s in services.items()
                  if name != "gateway" and ((s.get("build") or {}).get("context") in (".", "./")
                                            or name.endswith("-worker")))


def upstream_problems(services: dict) -> list[str]:
    """The gateway must resolve every replica of each service: `http+dns://<service>:8000`. A plain
    http:// name would keep its pooled connections on whichever replica the name first resolved to."""
    env, problems = env_of(services.get("gateway", {})), []
    for service in module_constant(GATEWAY_CONFIG, "DEFAULT_UPSTREAMS"):
        key = "UPSTREAM_" + service.upper().replace("-", "_")
        if env.get(key) != f"http+dns://{service}:8000":
            problems.append(f"{key} is {env.get(key)!r}, not http+dns://{service}:8000: the gateway would not "
                            "balance over its replicas")
    return problems


def interpolations_without_default(text: str) -> list[str]:
    found = re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?+])?", text)
    found += [(m, "") for m in re.findall(r"(?<!\$)\$([A-Za-z_][A-Za-z0-9_]*)", text)]
    return sorted({name for name, operator in found if operator not in (":-", "-")})


# ---------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def compose() -> dict:
    assert COMPOSE_FILE.is_file(), "docker-compose.yml is missing at the repository root"
    return load_compose()


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


FOLDERS = service_folders()


# ---------------------------------------------------------------------------------------------
# Dockerfiles
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("folder", FOLDERS)
def test_every_service_folder_has_a_dockerfile_with_healthcheck_expose_and_cmd(folder):
    dockerfile = ROOT / folder / "Dockerfile"
    assert dockerfile.is_file(), f"{folder} has no Dockerfile"
    assert dockerfile_problems(folder, dockerfile.read_text()) == [], f"{folder}/Dockerfile"


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_dockerfile_copies_only_files_that_exist_and_reach_the_build_context(folder):
    dockerfile = ROOT / folder / "Dockerfile"
    assert dockerfile.is_file(), f"{folder} has no Dockerfile"
    assert copy_source_problems(dockerfile.read_text()) == [], f"{folder}/Dockerfile"


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_dockerfile_is_rendered_from_the_shared_template(folder):
    spec = importlib.util.spec_from_file_location("render_dockerfiles", ROOT / "deploy/docker/render_dockerfiles.py")
    render = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(render)
    dockerfile = ROOT / folder / "Dockerfile"
    assert dockerfile.is_file(), f"{folder} has no Dockerfile"
    assert dockerfile.read_text() == render.render(folder), (
        f"{folder}/Dockerfile differs from deploy/docker/service.Dockerfile.in: "
        "edit the template and run python deploy/docker/render_dockerfiles.py")


@pytest.mark.parametrize("folder", ["deploy/mailsink", "deploy/payment-sandbox"])
def test_the_dev_servers_dockerfiles_copy_only_files_that_exist_in_their_own_folder(folder):
    text = (ROOT / folder / "Dockerfile").read_text()
    missing = [s for k, a in parse_dockerfile(text) if k == "COPY" for s in copy_sources(a)
               if not (ROOT / folder / s).exists()]
    assert missing == []


def test_the_payment_sandbox_dockerfile_runs_unprivileged_with_a_health_check_on_livez():
    instructions = parse_dockerfile((ROOT / "deploy/payment-sandbox/Dockerfile").read_text())
    kinds = [k for k, _ in instructions]
    assert {"HEALTHCHECK", "EXPOSE", "CMD", "USER"} <= set(kinds)
    assert next(a for k, a in instructions if k == "USER").strip() not in ("root", "0")
    assert "/livez" in next(a for k, a in instructions if k == "HEALTHCHECK")


def test_the_dockerignore_keeps_local_state_out_of_the_build_context():
    patterns = dockerignore_patterns()
    for path in (".venv", ".git", ".run", "shared/src/portal_shared/__pycache__", "test-artifacts",
                 "services/billing/src/portal_billing_service.egg-info"):
        assert ignored_by_dockerignore(path, patterns), f"{path} would be sent to the Docker daemon"


# ---------------------------------------------------------------------------------------------
# Compose: one entry per service, built from its Dockerfile at the repository root
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("folder", FOLDERS)
def test_every_service_folder_has_a_compose_entry_built_from_its_dockerfile_at_the_repository_root(folder, services):
    name = compose_name(folder)
    assert name in services, f"docker-compose.yml has no service {name} for {folder}"
    build = services[name].get("build") or {}
    assert build.get("context") in (".", "./"), f"{name} must build with the repository root as context"
    assert build.get("dockerfile") == f"{folder}/Dockerfile"


def test_every_compose_image_without_a_build_is_built_by_another_service_or_comes_from_a_registry(services):
    built = {s["image"] for s in services.values() if s.get("build") and s.get("image")}
    for name, service in services.items():
        image = service.get("image", "")
        if service.get("build") or not image.startswith("portal/"):
            continue
        assert image in built, f"{name} uses {image}, which no compose service builds"


def test_every_compose_build_context_exists(services):
    for name, service in services.items():
        build = service.get("build")
        if not build:
            continue
        context = build if isinstance(build, str) else build.get("context", ".")
        assert (ROOT / context).is_dir(), f"{name} builds from {context}, which does not exist"
        dockerfile = (ROOT / context / build.get("dockerfile", "Dockerfile")) if isinstance(build, dict) else None
        assert dockerfile is None or dockerfile.is_file(), f"{name}: {dockerfile} does not exist"


def test_the_infrastructure_runs_the_agreed_images(services):
    assert services["postgres"]["image"] == "postgres:16"
    assert services["rabbitmq"]["image"] == "rabbitmq:3.13-management"
    assert services["redis"]["image"] == "redis:7"
    assert services["mailsink"]["build"]["context"] == "deploy/mailsink"
    assert services["payment-sandbox"]["build"]["context"] == "deploy/payment-sandbox"


# ---------------------------------------------------------------------------------------------
# Compose: health checks and start order
# ---------------------------------------------------------------------------------------------
def test_every_long_running_compose_service_has_a_health_check(services):
    assert healthcheck_problems(services) == []


def test_every_infrastructure_health_check_uses_the_tool_of_its_image(services):
    probes = {"postgres": "pg_isready", "rabbitmq": "rabbitmq-diagnostics", "redis": "redis-cli"}
    for name, tool in probes.items():
        assert tool in " ".join(services[name]["healthcheck"]["test"]), f"{name} is not probed with {tool}"


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_web_service_is_probed_over_http_on_healthz(folder, services):
    test = " ".join(services[compose_name(folder)]["healthcheck"]["test"])
    assert "http://127.0.0.1:8000/healthz" in test


def test_every_depends_on_names_a_condition(services):
    assert depends_on_problems(services) == []


@pytest.mark.parametrize("folder", [f for f in FOLDERS if f != "gateway"])
def test_the_gateway_waits_for_every_service_to_be_healthy(folder, services):
    deps = services["gateway"].get("depends_on") or {}
    name = compose_name(folder)
    assert (deps.get(name) or {}).get("condition") == "service_healthy", f"the gateway does not wait for {name}"


@pytest.mark.parametrize("folder", [f for f in FOLDERS if f != "gateway"])
def test_every_service_waits_for_the_broker_to_be_healthy(folder, services):
    deps = services[compose_name(folder)].get("depends_on") or {}
    assert (deps.get("rabbitmq") or {}).get("condition") == "service_healthy"


# ---------------------------------------------------------------------------------------------
# Compose: migrations and databases
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("folder", folders_with_migrations())
def test_every_service_with_migrations_has_a_migrate_job_that_it_waits_for(folder, services):
    name = compose_name(folder)
    job = services.get(f"{name}-migrate")
    assert job is not None, f"{folder} has migrations but compose has no {name}-migrate job"
    clis = list(cli_scripts(folder))
    assert command_of(job)[1:] == ["migrate"] and command_of(job)[0] in clis, (
        f"{name}-migrate runs {command_of(job)}, not `<one of {clis}> migrate`")
    assert str(job.get("restart")) == "no"
    assert job.get("image") == services[name].get("image"), f"{name}-migrate does not run the {name} image"
    assert (job.get("depends_on") or {}).get("postgres", {}).get("condition") == "service_healthy"
    waits = (services[name].get("depends_on") or {}).get(f"{name}-migrate") or {}
    assert waits.get("condition") == "service_completed_successfully", f"{name} starts before its migrations ran"


@pytest.mark.parametrize("folder", folders_with_migrations())
def test_every_service_with_migrations_uses_its_own_database_created_by_the_init_script(folder, services):
    name = compose_name(folder)
    database = "portal_" + name.replace("-", "_")  # as portal_shared.config.database_url_for names it
    url = env_of(services[name]).get("DATABASE_URL", "")
    assert url.startswith("postgresql+psycopg://") and "@postgres:5432/" in url, f"{name} DATABASE_URL is {url!r}"
    assert url.rsplit("/", 1)[-1] == database
    assert env_of(services[f"{name}-migrate"]).get("DATABASE_URL") == url, f"{name}-migrate migrates another database"
    assert re.search(rf"CREATE DATABASE {database}\b", POSTGRES_INIT.read_text()), f"init script does not create {database}"
    mounts = " ".join(services["postgres"].get("volumes", []))
    assert "deploy/docker/postgres/init-databases.sql:/docker-entrypoint-initdb.d/" in mounts


def test_every_database_the_devstack_migrates_has_a_migrate_job(services):
    for service in module_constant(STACK_FILE, "MIGRATED"):
        assert f"{service}-migrate" in services, f"the devstack migrates {service}; compose does not"


# ---------------------------------------------------------------------------------------------
# Compose: workers
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("service, command", sorted(module_constant(STACK_FILE, "WORKERS").items()))
def test_every_devstack_worker_has_a_compose_entry_with_a_heartbeat_health_check(service, command, services):
    worker = services.get(f"{service}-worker")
    assert worker is not None, f"the devstack runs a {service} worker; compose does not"
    assert command_of(worker) == [command, "worker"]
    assert worker.get("image") == services[service].get("image"), f"{service}-worker does not run the {service} image"
    assert worker["healthcheck"]["test"] == ["CMD", "python", "-m", "portal_shared.bus.worker", "healthcheck", service]
    assert (worker.get("depends_on") or {}).get(f"{service}-migrate", {}).get("condition") == \
        "service_completed_successfully"


# ---------------------------------------------------------------------------------------------
# Compose: scaling, routing, ports, configuration
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", scalable_names(load_compose()["services"]))
def test_every_web_service_and_worker_has_no_container_name_and_no_published_port_so_it_can_scale(name, services):
    assert scalable_problems(name, services) == []


def test_the_issues_scale_command_names_services_that_can_scale(services):
    # docker compose up --scale billing=3 --scale notifications-worker=2 (issue 11)
    for name in ("billing", "notifications-worker"):
        assert name in scalable_names(services), f"{name} is not a scalable compose service"
        assert scalable_problems(name, services) == []


def test_the_gateway_balances_over_every_replica_of_every_service(services):
    assert upstream_problems(services) == []


def test_the_gateway_knows_an_upstream_for_every_service_it_routes_to(services):
    env = env_of(services["gateway"])
    for service in module_constant(GATEWAY_CONFIG, "DEFAULT_UPSTREAMS"):
        key = "UPSTREAM_" + service.upper().replace("-", "_")
        assert key in env, f"the gateway would send /api/{service} to its dev default on 127.0.0.1"
        host = re.match(r"https?(\+dns)?://([^:/]+)", env[key]).group(2)
        assert host in services, f"{key} points at {host}, which compose does not define"


def test_only_the_gateway_the_mail_sink_and_the_payment_sandbox_publish_ports(services):
    # The sandbox's port is the hosted tokenizer page the customer's browser frames (as the real one is public).
    published = {name: [str(p) for p in s.get("ports", [])] for name, s in services.items() if s.get("ports")}
    assert published == {"gateway": ["8080:8000"], "mailsink": ["1025:1025", "8025:8025"],
                         "payment-sandbox": ["8027:8027"]}


def test_the_gateway_serves_the_portal_base_domain_on_localhost_8080_by_default(services):
    assert env_of(services["gateway"]).get("PORTAL_BASE_DOMAIN") == "${PORTAL_BASE_DOMAIN:-localhost:8080}"


def test_every_secret_comes_from_the_environment_with_a_dev_default(services):
    for name in ("gateway", "identity", "billing"):
        env = env_of(services[name])
        assert env["INTERNAL_TOKEN_SECRET"].startswith("${INTERNAL_TOKEN_SECRET:-"), name
    assert interpolations_without_default(COMPOSE_FILE.read_text()) == [], "compose would need an .env file"


def test_the_mail_sink_listens_on_all_interfaces_inside_its_container(services):
    env = env_of(services["mailsink"])
    assert env.get("MAILSINK_SMTP_HOST") == "0.0.0.0" and env.get("MAILSINK_HTTP_HOST") == "0.0.0.0"
    assert "/livez" in " ".join(services["mailsink"]["healthcheck"]["test"])


def test_notifications_sends_mail_to_the_mail_sink(services):
    for name in ("notifications", "notifications-worker"):
        env = env_of(services[name])
        assert env.get("SMTP_HOST", "").endswith("mailsink}") or env.get("SMTP_HOST") == "mailsink", name
        assert "1025" in env.get("SMTP_PORT", ""), name


def test_billing_charges_through_the_payment_sandbox_and_waits_for_it(services):
    sandbox = services["payment-sandbox"]
    assert env_of(sandbox).get("PAYMENT_SANDBOX_HOST") == "0.0.0.0"
    assert "/livez" in " ".join(sandbox["healthcheck"]["test"])
    assert "8027" in " ".join(sandbox["command"])
    for name in ("billing", "billing-worker"):
        env = env_of(services[name])
        assert env["PAYMENT_PROCESSOR_URL"] == "${PAYMENT_PROCESSOR_URL:-http://payment-sandbox:8027/cardconnect/rest}"
        for setting in ("MERCHANT_ID", "USERNAME", "PASSWORD"):
            # The sandbox and billing read one variable, so changing the credentials keeps them agreeing.
            assert env[f"PAYMENT_PROCESSOR_{setting}"] == env_of(sandbox)[f"PAYMENT_SANDBOX_{setting}"], (name, setting)
        assert services[name]["depends_on"]["payment-sandbox"]["condition"] == "service_healthy", name


def test_no_compose_service_sets_a_container_name(services):
    assert [name for name, s in services.items() if "container_name" in s] == []


# ---------------------------------------------------------------------------------------------
# The rules themselves catch what they are meant to catch
# ---------------------------------------------------------------------------------------------
def test_the_dockerfile_rule_reports_a_missing_healthcheck_and_a_root_user():
    text = ('FROM python:3.11-slim\nCOPY constraints.txt shared/src services/x/src services/x/gunicorn.conf.py /a/\n'
            'RUN pip install -c constraints.txt /a\nENV BIND=0.0.0.0:8000\nEXPOSE 8000\nUSER root\n'
            'CMD ["gunicorn", "-c", "services/x/gunicorn.conf.py"]\n')
    assert dockerfile_problems("services/x", text) == ["has no HEALTHCHECK", "runs as root"]


def test_the_copy_rule_reports_a_source_that_does_not_exist_or_is_ignored():
    text = "FROM python:3.11-slim\nCOPY shared/no-such-dir /x\nCOPY --chown=1:1 .venv /y\n"
    assert copy_source_problems(text) == ["COPY source shared/no-such-dir does not exist",
                                          "COPY source .venv is excluded by .dockerignore (.venv)"]


def test_the_health_check_rule_reports_a_long_running_service_without_one_and_a_restarting_job():
    services = {"api": {"image": "x"}, "api-migrate": {"restart": "always"},
                "off": {"healthcheck": {"test": ["CMD", "true"], "disable": True}}}
    assert healthcheck_problems(services) == ["api has no health check",
                                              'api-migrate is a one-shot job but restart is \'always\', not "no"',
                                              "off has no health check"]


def test_the_depends_on_rule_reports_a_bare_list_and_a_missing_condition():
    services = {"db": {"healthcheck": {"test": ["CMD", "true"]}}, "a": {"depends_on": ["db"]},
                "b": {"depends_on": {"db": {}}}, "c": {"depends_on": {"db": {"condition": "service_completed_successfully"}}}}
    assert depends_on_problems(services) == ["a lists depends_on without conditions: ['db']",
                                             "b depends on db without a condition",
                                             "c waits for db to complete, but db is long-running"]


def test_the_scaling_rule_reports_a_container_name_and_published_ports():
    services = {"billing": {"container_name": "billing", "ports": ["8103:8000"]}}
    assert len(scalable_problems("billing", services)) == 2


def test_the_interpolation_rule_reports_a_variable_without_a_default():
    assert interpolations_without_default("a: ${A:-1}\nb: ${B}\nc: $C\nd: $${D}\ne: ${E:?required}") == ["B", "C", "E"]


def test_the_upstream_rule_reports_a_plain_http_name_and_a_missing_upstream():
    services = {"gateway": {"environment": {"UPSTREAM_BILLING": "http://billing:8000",
                                            "UPSTREAM_IDENTITY": "http+dns://identity:8000"}}}
    problems = upstream_problems(services)
    assert any(p.startswith("UPSTREAM_BILLING is 'http://billing:8000'") for p in problems)
    assert not any(p.startswith("UPSTREAM_IDENTITY") for p in problems)
    assert any(p.startswith("UPSTREAM_VISITS is None") for p in problems)
