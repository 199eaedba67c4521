"""Every ``sopopt ...`` command in the README's code blocks runs as written, in a copy of
the repository, in the order the README gives them (the re-plan reads the folder the
first solve wrote). A command whose shown output opens with ``no plan`` must exit 3,
every other 0; a line marked ``needs a cluster`` is skipped.

The commands run one after the other in ONE fresh Python process, each through the
``sopopt`` script's own entry point (:func:`sopopt.cli.main`, with its signal and pipe
handling) and its own stderr: the package is imported once instead of once per line
(about 6 s a line on a loaded machine). A line the README shows twice (the quickstart's
solve and the same line above its output) runs once."""

from __future__ import annotations

from readme_run import ROOT, ReadmeRun, readme_commands


def test_the_readme_lists_the_commands_it_shows() -> None:
    commands = [c for c, _ in readme_commands((ROOT / "README.md").read_text(encoding="utf-8"))]
    verbs = {c.split()[1] for c in commands}
    assert {"solve", "report", "compare", "hedge", "replan", "sweep", "store"} <= verbs
    assert not any("duckdb results.duckdb" in c for c in commands)  # no separate DuckDB program


def test_every_readme_command_runs_as_written(readme_run: ReadmeRun) -> None:
    assert [r["command"] for r in readme_run.records] == list(readme_run.expected), readme_run.output
    failures = [
        (r["command"], r["code"], r["stderr"])
        for r in readme_run.records
        if r["code"] != readme_run.expected[r["command"]] or "Traceback" in r["stderr"]
    ]
    assert failures == []
    copy = readme_run.copy
    assert (copy / "out" / "replan" / "changes.csv").is_file()
    assert (copy / "report.html").is_file() and (copy / "results.duckdb").is_file()
