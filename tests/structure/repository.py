"""Reading the repository for the structure tests: which services exist, their console scripts, the
devstack's tables, docker-compose.yml. Not a test module: the tests load it by its path (pytest
runs in importlib mode, so tests/structure is no package to import from).
"""
from __future__ import annotations

import ast
import shlex
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
STACK_FILE = ROOT / "deploy/devstack/src/portal_devstack/stack.py"
GATEWAY_CONFIG = ROOT / "gateway/src/portal_gateway/config.py"


def service_folders() -> list[str]:
    """gateway/ and every folder under services/, whatever it contains yet."""
    return ["gateway"] + sorted(f"services/{p.name}" for p in (ROOT / "services").iterdir() if p.is_dir()
                                and not p.name.startswith((".", "_")))


def compose_name(folder: str) -> str:
    return folder.rsplit("/", 1)[-1]


def folders_with_migrations() -> list[str]:
    return sorted({f"services/{p.parts[-4]}" for p in (ROOT / "services").glob("*/src/*/migrations") if p.is_dir()})


def cli_scripts(folder: str) -> dict[str, str]:
    import tomllib

    project = tomllib.loads((ROOT / folder / "pyproject.toml").read_text()).get("project", {})
    return project.get("scripts", {})


def module_constant(path: Path, name: str):
    """A literal assigned at module level (read without importing the module)."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{path.relative_to(ROOT)} defines no {name}")


def load_compose(path: Path = COMPOSE_FILE) -> dict:
    return yaml.safe_load(path.read_text())


def env_of(service: dict) -> dict[str, str]:
    """A compose service's environment as a mapping (the list form too)."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def command_of(service: dict) -> list[str]:
    command = service.get("command") or []
    return shlex.split(command) if isinstance(command, str) else [str(c) for c in command]
