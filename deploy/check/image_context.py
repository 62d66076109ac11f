"""What the image's builder stage sees, reproduced without Docker.

    python deploy/check/image_context.py stage DOCKERFILE DOCKERIGNORE OUT_DIR
        Lays out OUT_DIR as the builder's WORKDIR after its COPY instructions, taking only the
        files the build context keeps after .dockerignore (last matching pattern wins, `!` keeps,
        a pattern that matches a folder matches everything in it).
    python deploy/check/image_context.py wheel WHEEL PROJECT_ROOT
        Asserts that the wheel `pip install .` builds from that layout holds every module of the
        project, the package data pyproject.toml declares, and the `upskill` console script.

Exits 1 with one line per broken rule.
"""

from __future__ import annotations

import fnmatch
import re
import shlex
import shutil
import sys
import tomllib
import zipfile
from pathlib import Path, PurePosixPath

from dockerfile import parse, stages  # type: ignore[import-not-found,unused-ignore]  # run as a script: its folder is on sys.path


def pattern_regex(pattern: str) -> re.Pattern[str]:
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def ignore_rules(dockerignore: Path) -> list[tuple[bool, re.Pattern[str]]]:
    """(keep, regex) for each pattern, in file order."""
    rules = []
    for raw in dockerignore.read_text().splitlines() if dockerignore.is_file() else []:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keep = line.startswith("!")
        cleaned = str(PurePosixPath(line.lstrip("!").strip().lstrip("/")))
        rules.append((keep, pattern_regex(cleaned)))
    return rules


def in_context(path: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    included = True
    for keep, regex in rules:
        if any(regex.fullmatch(c) for c in candidates):
            included = keep
    return included


def stage(dockerfile: Path, dockerignore: Path, out: Path) -> list[str]:
    root = dockerignore.parent
    rules = ignore_rules(dockerignore)
    errors: list[str] = []
    builder = stages(parse(dockerfile.read_text()))[0]
    out.mkdir(parents=True, exist_ok=True)
    workdir = "/"
    for ins in builder.instructions:
        if ins.keyword == "WORKDIR":
            workdir = ins.args
        if ins.keyword not in ("COPY", "ADD") or "--from=" in ins.args:
            continue
        *sources, dest = [w for w in shlex.split(ins.args) if not w.startswith("--")]
        target = PurePosixPath(dest if dest.startswith("/") else f"{workdir}/{dest}")
        relative = target.relative_to(workdir) if target.is_relative_to(workdir) else None
        if relative is None:
            errors.append(f"line {ins.line}: COPY outside the WORKDIR is not reproduced by this check")
            continue
        for source in sources:
            path = root / source
            if not path.exists() or not in_context(source, rules):
                errors.append(f"line {ins.line}: {source} is not in the build context (missing or in .dockerignore)")
                continue
            files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
            for file in files:
                rel = file.relative_to(root).as_posix()
                if not in_context(rel, rules):
                    continue
                inner = file.name if path.is_file() else file.relative_to(path).as_posix()
                into = (
                    out / relative / inner
                    if (dest.endswith("/") or len(sources) > 1 or path.is_dir())
                    else out / relative
                )
                into.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(file, into)
    return errors


def expected_files(root: Path) -> set[str]:
    """Paths inside the wheel: every module of the packages, and the declared package data."""
    config = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    wanted: set[str] = set()
    for where in config["packages"]["find"]["where"]:
        base = root / where
        for include in config["packages"]["find"]["include"]:
            top = include.rstrip("*")
            for module in base.glob(f"{top}*/**/*.py"):
                if "__pycache__" not in module.parts:
                    wanted.add(module.relative_to(base).as_posix())
    for package, globs in config.get("package-data", {}).items():
        folder = Path(*package.split("."))
        for glob in globs:
            for base in (root / w for w in config["packages"]["find"]["where"]):
                wanted |= {p.relative_to(base).as_posix() for p in (base / folder).glob(glob) if p.is_file()}
    return wanted


def check_wheel(wheel: Path, root: Path) -> list[str]:
    errors: list[str] = []
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next((n for n in names if n.endswith(".dist-info/entry_points.txt")), None)
        scripts = archive.read(entry_points).decode() if entry_points else ""
    missing = sorted(expected_files(root) - names)
    errors += [f"{wheel.name}: missing {m}" for m in missing]
    if not re.search(r"^upskill\s*=\s*adapters\.cli:main\s*$", scripts, re.MULTILINE):
        errors.append(f"{wheel.name}: no `upskill = adapters.cli:main` console script")
    stray = [n for n in names if fnmatch.fnmatch(n, "tests/*") or "__pycache__" in n]
    errors += [f"{wheel.name}: should not contain {n}" for n in stray]
    if not errors:
        print(f"   {wheel.name}: {len(names)} files, every module and data file, console script `upskill`")
    return errors


def main() -> int:
    command, *args = sys.argv[1:]
    if command == "stage":
        errors = stage(Path(args[0]), Path(args[1]), Path(args[2]))
    elif command == "wheel":
        errors = check_wheel(Path(args[0]), Path(args[1]))
    else:
        errors = [f"unknown command {command!r}"]
    for error in errors:
        print(f"   FAIL {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
