"""Paths in messages and the workspace rule: every file a scenario names lies inside
the workspace (symlinks resolved), and sweeps' glob patterns are bounded by it before they
walk (:func:`bounded_glob`)."""

from __future__ import annotations

import contextlib
import os
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
