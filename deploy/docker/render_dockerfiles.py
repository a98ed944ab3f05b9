"""Write the Dockerfile of every Python service from one template.

    python deploy/docker/render_dockerfiles.py          # (re)write them
    python deploy/docker/render_dockerfiles.py --check  # exit 1 when one is missing or stale

Compose has no build order between images, so a shared base image built locally is not an
option: every Dockerfile must build on its own. The common part therefore lives once, in
service.Dockerfile.in, and each folder gets a rendered copy (tests/structure checks they agree).
"""
from __future__ import annotations

import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = Path(__file__).with_name("service.Dockerfile.in")
# Debian packages a service loads at run time: pango (and a font) for WeasyPrint (billing's invoice PDFs,
# proposals' proposal PDFs).
_WEASYPRINT = ("libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core")
SYSTEM_PACKAGES = {"services/billing": _WEASYPRINT, "services/proposals": _WEASYPRINT}


def service_folders(root: Path = ROOT) -> list[str]:
    """gateway/ and every services/<name>/ (relative, POSIX paths)."""
    folders = ["gateway"] + sorted(
        f"services/{p.name}" for p in (root / "services").iterdir() if (p / "pyproject.toml").is_file()
    )
    return folders


def _cli_hint(root: Path, folder: str) -> str:
    scripts = tomllib.loads((root / folder / "pyproject.toml").read_text()).get("project", {}).get("scripts", {})
    return ", ".join(f"{name} <command>" for name in sorted(scripts)) or "no other command"


def render(folder: str, root: Path = ROOT) -> str:
    name = folder.rsplit("/", 1)[-1]
    packages = SYSTEM_PACKAGES.get(folder)
    system = ("" if not packages else
              "# Debian libraries this service loads at run time (render_dockerfiles.SYSTEM_PACKAGES).\n"
              "RUN apt-get update && apt-get install -y --no-install-recommends " + " ".join(packages)
              + " \\\n    && rm -rf /var/lib/apt/lists/*\n\n")
    return TEMPLATE.read_text().format(folder=folder, name=name, cli_hint=_cli_hint(root, folder),
                                       system_packages=system)


def main(argv: list[str] | None = None) -> int:
    check = "--check" in (argv if argv is not None else sys.argv[1:])
    stale = []
    for folder in service_folders():
        path = ROOT / folder / "Dockerfile"
        expected = render(folder)
        if path.is_file() and path.read_text() == expected:
            continue
        if check:
            stale.append(str(path.relative_to(ROOT)))
        else:
            path.write_text(expected)
            print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        print("stale or missing (run python deploy/docker/render_dockerfiles.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
