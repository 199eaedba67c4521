"""Paths in messages and the workspace rule: every file a scenario names lies inside
the workspace (symlinks resolved), and sweeps' glob patterns are bounded by it before they
walk (:func:`bounded_glob`)."""

from __future__ import annotations

import contextlib
import glob
import os
import re
from pathlib import Path

from sopopt.errors import Location, Problem, ScenarioError


def display_path(path: Path) -> str:
    """Path as shown in messages: relative to the working directory when below it."""
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    return str(path)


def default_workspace(source: Path) -> Path:
    """The workspace of a file given on the command line: the current directory when
    the file lies below it, else the file's own folder (symlinks resolved)."""
    cwd = Path.cwd().resolve()
    full = Path(source).resolve()
    return cwd if full.is_relative_to(cwd) else full.parent


def workspace_folder(workspace: str | Path) -> Path:
    """A workspace given explicitly (``--workspace``), resolved; it must be a folder."""
    folder = Path(workspace)
    if not folder.is_dir():
        raise ScenarioError([Problem(Location(str(folder)), "workspace", "the workspace must be an existing folder")])
    return folder.resolve()


def check_inside(path: Path, workspace: Path, where: Location | None, field: str, written: str = "") -> Path:
    """Resolve ``path`` (symlinks too) and refuse it if it leaves ``workspace``.

    The message names the path (as ``written`` in the file, when given) and the
    workspace, never anything read from the refused file (it is not opened).

    Raises:
        ScenarioError: at ``where``, when the resolved path is outside the workspace.
    """
    resolved = path.resolve()
    if not resolved.is_relative_to(workspace):
        plain = Path(os.path.normpath(path.absolute()))
        via = f" (a link to '{resolved}')" if resolved != plain else ""
        raise ScenarioError(
            [
                Problem(
                    where,
                    field,
                    f"'{written or path}'{via} is outside the workspace '{workspace}'",
                    "files named in a scenario must lie in the workspace: the current folder if the "
                    "scenario is below it, else the scenario's folder; --workspace DIR sets it",
                )
            ]
        )
    return resolved


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """A glob pattern (``*``, ``?``, ``[...]``, ``**`` for any folders) as a regex over
    ``/``-separated relative paths."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:[^/]+/)*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and (end := pattern.find("]", i + 2)) != -1:
            body = pattern[i + 1 : end]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body).replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def bounded_glob(folder: Path, pattern: str, workspace: Path, cap: int) -> list[Path]:
    """Files a path or glob pattern (relative to ``folder``) names, walking only inside
    ``workspace``: a pattern that leaves it is refused before anything is walked, links
    to folders are not followed, and a linked file is kept only when it resolves inside
    the workspace. At most ``cap + 1`` files, sorted.

    Raises:
        ValueError: the pattern is absolute or leaves the workspace (the message says so).
    """
    if os.path.isabs(pattern):
        raise ValueError("is an absolute path: patterns are relative to the sweep file")
    parts = Path(pattern).parts
    fixed = next((i for i, part in enumerate(parts) if glob.has_magic(part)), len(parts))
    if ".." in parts[fixed:]:
        raise ValueError("has '..' after a wildcard (give the folder before the wildcard)")
    prefix = Path(os.path.normpath(folder.absolute().joinpath(*parts[:fixed])))
    start = prefix.resolve()  # follows links on the fixed part only: nothing is listed
    if not start.is_relative_to(workspace):
        via = f"(a link to '{start}') " if start != prefix.absolute() else ""
        raise ValueError(f"{via}is outside the workspace '{workspace}' (nothing was searched)")
    if fixed == len(parts):
        return [prefix] if prefix.is_file() else []
    rest = "/".join(parts[fixed:])
    regex = _pattern_regex(rest)
    depth = None if "**" in rest else len(parts) - fixed
    hidden = any(part.startswith(".") for part in parts[fixed:])  # like glob: * skips .names
    found: list[Path] = []
    for current, dirs, files in os.walk(start, followlinks=False):
        here = Path(current).relative_to(start).parts
        dirs[:] = sorted(d for d in dirs if hidden or not d.startswith("."))
        if depth is not None and len(here) + 1 >= depth:
            dirs.clear()
        for name in sorted(f for f in files if hidden or not f.startswith(".")):
            path = Path(current, name)
            if regex.match("/".join((*here, name))) and path.resolve().is_relative_to(workspace):
                found.append(path)
                if len(found) > cap:
                    return sorted(found)
    return sorted(found)
