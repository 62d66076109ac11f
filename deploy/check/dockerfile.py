"""Static checks of deploy/Dockerfile, for machines without a Docker engine.

Usage: python deploy/check/dockerfile.py DOCKERFILE PYPROJECT

Parses the Dockerfile (comments, parser directives, line continuations), then asserts: every
instruction is a Dockerfile keyword; at least two FROM stages, each one named; the final stage
runs as a non-root numeric USER, installs no build tools and runs no package manager; the ENV,
WORKDIR, EXPOSE, ENTRYPOINT and CMD the deployment relies on; no HEALTHCHECK; and the
ENTRYPOINT is a `[project.scripts]` entry of pyproject.toml whose target function exists.
Exits 1 with one line per broken rule.
"""

from __future__ import annotations

import ast
import json
import re
import shlex
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

KEYWORDS = {
    "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
    "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
}  # fmt: skip
BUILD_TOOLS = re.compile(r"\b(gcc|g\+\+|cc|clang|make|build-essential|python3?-dev|libpq-dev|rustc|cargo|git)\b")
PACKAGE_MANAGERS = re.compile(r"\b(apt-get|apt|apk|dnf|yum|pip3?|uv|poetry)\b")
REQUIRED_ENV = {
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONUNBUFFERED": "1",
    "UPSKILL_ENV": "prod",
    "UPSKILL_HOST": "0.0.0.0",  # noqa: S104 (the container's address, reached through the pod network)
}


@dataclass
class Instruction:
    line: int
    keyword: str
    args: str


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)


def parse(text: str) -> list[Instruction]:
    """Instructions with their first line number; continuation lines joined, comments dropped."""
    result: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue  # parser directives (# syntax=...) are comments too
        if pending and line.startswith("#"):
            continue  # comments inside a continued instruction are skipped by Docker
        if not pending:
            start = number
        pending.append(line[:-1] if line.endswith("\\") else line)
        if not line.endswith("\\"):
            keyword, _, args = " ".join(pending).partition(" ")
            result.append(Instruction(start, keyword.upper(), args.strip()))
            pending = []
    if pending:
        result.append(Instruction(start, "<unterminated>", " ".join(pending)))
    return result


def stages(instructions: list[Instruction]) -> list[Stage]:
    found: list[Stage] = []
    for ins in instructions:
        if ins.keyword == "FROM":
            words = [w for w in ins.args.split() if not w.startswith("--")]
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            found.append(Stage(words[0] if words else "", name))
        elif found:
            found[-1].instructions.append(ins)
    return found


def env_pairs(args: str) -> dict[str, str]:
    """ENV in `k=v k2=v2` form (the legacy `ENV k v` form is refused by the caller)."""
    pairs = {}
    for word in shlex.split(args):
        key, sep, value = word.partition("=")
        if sep:
            pairs[key] = value
    return pairs


def exec_form(args: str) -> list[str] | None:
    try:
        value = json.loads(args)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


def script_target_exists(root: Path, target: str) -> bool:
    """`module.path:function` names a top-level function of a module file in the project."""
    module, _, function = target.partition(":")
    for base in (root, root / "src"):
        path = base.joinpath(*module.split(".")).with_suffix(".py")
        if path.is_file():
            tree = ast.parse(path.read_text())
            return any(isinstance(n, ast.FunctionDef) and n.name == function for n in tree.body)
    return False


def check(dockerfile: Path, pyproject: Path) -> list[str]:
    errors: list[str] = []
    instructions = parse(dockerfile.read_text())
    for ins in instructions:
        if ins.keyword not in KEYWORDS:
            errors.append(f"line {ins.line}: unknown instruction {ins.keyword!r}")
    if instructions and instructions[0].keyword not in ("FROM", "ARG"):
        errors.append("the first instruction must be FROM (or ARG before FROM)")
    found = stages(instructions)
    if len(found) < 2:
        return [*errors, f"expected at least 2 FROM stages, found {len(found)}"]
    errors += [f"stage {i} ({s.base}) needs a name (FROM ... AS name)" for i, s in enumerate(found) if not s.name]
    if any(i.keyword == "HEALTHCHECK" for i in instructions):
        errors.append("no HEALTHCHECK: Kubernetes probes check health")
    final = found[-1]
    by_keyword: dict[str, list[Instruction]] = {}
    for ins in final.instructions:
        by_keyword.setdefault(ins.keyword, []).append(ins)
    users = by_keyword.get("USER", [])
    user = users[-1].args.split(":")[0] if users else "root"
    if not user.isdigit() or int(user) == 0:
        errors.append(f"final stage: USER must be a numeric non-root uid (Kubernetes runAsNonRoot), got {user!r}")
    elif int(user) != 10001:
        errors.append(f"final stage: USER must be 10001 to match the chart's runAsUser, got {user}")
    for ins in by_keyword.get("RUN", []):
        if BUILD_TOOLS.search(ins.args):
            errors.append(f"line {ins.line}: the final stage must not install or use build tools: {ins.args[:80]}")
        if PACKAGE_MANAGERS.search(ins.args):
            errors.append(f"line {ins.line}: the final stage must not run a package manager (install in the builder)")
    for ins in by_keyword.get("COPY", []) + by_keyword.get("ADD", []):
        if ins.keyword == "ADD" or "--from=" not in ins.args:
            errors.append(f"line {ins.line}: the final stage copies only from the builder stage (COPY --from=...)")
    env: dict[str, str] = {}
    for ins in by_keyword.get("ENV", []):
        if "=" not in ins.args.split()[0]:
            errors.append(f"line {ins.line}: use the `ENV key=value` form")
        env.update(env_pairs(ins.args))
    errors += [f"final stage: ENV {k}={v} is missing" for k, v in REQUIRED_ENV.items() if env.get(k) != v]
    if [i.args for i in by_keyword.get("WORKDIR", [])][-1:] != ["/app"]:
        errors.append("final stage: WORKDIR must be /app")
    if "8000" not in " ".join(i.args for i in by_keyword.get("EXPOSE", [])).replace("/tcp", "").split():
        errors.append("final stage: EXPOSE 8000 is missing")
    entrypoint = exec_form(by_keyword["ENTRYPOINT"][-1].args) if "ENTRYPOINT" in by_keyword else None
    cmd = exec_form(by_keyword["CMD"][-1].args) if "CMD" in by_keyword else None
    if entrypoint != ["upskill"]:
        errors.append(f'final stage: ENTRYPOINT must be ["upskill"] (exec form), got {entrypoint}')
    if cmd != ["serve"]:
        errors.append(f'final stage: CMD must be ["serve"] (exec form), got {cmd}')
    scripts = tomllib.loads(pyproject.read_text()).get("project", {}).get("scripts", {})
    if entrypoint and entrypoint[0] not in scripts:
        errors.append(f"ENTRYPOINT {entrypoint[0]!r} is not a [project.scripts] entry of {pyproject.name}")
    elif entrypoint and not script_target_exists(pyproject.parent, scripts[entrypoint[0]]):
        errors.append(f"[project.scripts] {entrypoint[0]} = {scripts[entrypoint[0]]!r}: no such function")
    return errors


def main() -> int:
    dockerfile, pyproject = Path(sys.argv[1]), Path(sys.argv[2])
    errors = check(dockerfile, pyproject)
    for error in errors:
        print(f"   FAIL {dockerfile}: {error}", file=sys.stderr)
    if not errors:
        count = len(stages(parse(dockerfile.read_text())))
        print(
            f"   {dockerfile}: {count} stages, final stage non-root (10001), entry point `upskill` is a project script"
        )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
