"""Benchmark sopopt end to end against HiGHS alone, at several LP sizes.

    python benchmarks/run.py [--sizes 1e4,1e5,1e6] [--repeat 3] [--out benchmarks/results.json]

For each size (LP columns, see :func:`sopopt.inputs.generate.size_for_variables`) it generates
a seeded instance (``model.yaml`` + ``demand.csv``) and runs, each in its own process:

1. ``export``: the plain path once (load, build, compile) and writes the LP as MPS;
2. ``sopopt``: :func:`sopopt.solve` on the instance, timing load+validate, build,
   hand-off (the LP arrays into ``passModel``), the HiGHS call (``Highs.run``),
   result extraction, total; and the peak RSS of the process. The HiGHS options in
   force at ``run()`` are saved (``writeOptions``, deviations only);
3. ``highs-defaults``: HiGHS alone, default options: ``readModel(mps)`` + ``run()``;
4. ``highs-sopopt-options``: HiGHS alone on the same LP with the options sopopt used.

Medians of ``--repeat`` runs up to ``--single-above`` columns (default 1e5), a single
run above. Every process is cut at ``--timeout`` seconds (default 1200), reported as
``> 1200 s``. ``--profile`` also runs sopopt once under cProfile per size and writes the
hot spots next to the instance.

Ratios printed: sopopt total / HiGHS-defaults (read + run); modelling overhead =
(sopopt total - HiGHS call) / HiGHS call; peak RSS of sopopt / peak RSS of the
HiGHS-defaults process.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def say(*parts: object, flush: bool = True) -> None:
    """Print to stdout (the driver's report)."""
    sys.stdout.write(" ".join(map(str, parts)) + "\n")
    if flush:
        sys.stdout.flush()


def _peak_rss_mb() -> float:
    """Peak RSS of this process in MiB.

    ``VmHWM`` of the process's own address space: ``getrusage().ru_maxrss`` would also
    count the RSS of the driver process this worker was forked from before ``exec``.
    """
    try:
        with open("/proc/self/status", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


# --------------------------------------------------------------------------- workers


def worker_export(instance: Path, mps: Path) -> dict[str, Any]:
    """Plain path once: load, build, compile; write the LP as MPS."""
    import highspy

    from sopopt.inputs.case import load_case
    from sopopt.model import build_model
    from sopopt.model.standard_form import compile_lp
    from sopopt.solver.highs import pass_lp

    t0 = time.perf_counter()
    case = load_case(instance)
    t1 = time.perf_counter()
    model = build_model(case.data)
    t2 = time.perf_counter()
    compiled = compile_lp(model)
    t3 = time.perf_counter()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    pass_lp(h, compiled)
    h.writeModel(str(mps))
    t4 = time.perf_counter()
    return {
        "load_seconds": t1 - t0,
        "build_seconds": t2 - t1,
        "compile_seconds": t3 - t2,
        "write_mps_seconds": t4 - t3,
        "columns": compiled.num_col,
        "rows": compiled.num_row,
        "nonzeros": compiled.nonzeros,
        "mps_bytes": mps.stat().st_size,
        "peak_rss_mb": _peak_rss_mb(),
    }


def _levers(plan: Any) -> dict[str, float]:
    """How much the plan uses each lever."""
    tables = plan.tables
    inv = plan.table("plan").groupby("period", sort=False)
    start = float(plan.table("plan").groupby(["product", "site"])["opening_inventory"].first().sum())
    total = inv["inventory"].sum().to_numpy()
    previous = [start, *total[:-1]]
    builds = float(sum(max(0.0, b - a) for a, b in zip(previous, total, strict=True)))
    k = plan.kpis
    return {
        "resource_overtime_hours": float(tables["resource_overtime"]["value"].sum()),
        "labour_overtime_hours": float(tables["labour_overtime"]["value"].sum()),
        "hires": float(k["hires"]),
        "layoffs": float(k["layoffs"]),
        "subcontracted_units": float(k["subcontracted_units"]),
        "stock_build_units": builds,
        "peak_inventory_vs_start": float(total.max() / start) if start else float("nan"),
        "overflow_volume": float(tables["overflow_storage"]["value"].sum()),
        "lost_units": float(k["lost_units"]),
        "backlog_unit_periods": float(k["backlog_unit_periods"]),
        "fill_rate": float(k["fill_rate"]),
        "total_demand": float(k["total_demand"]),
    }


#: Where a worker writes what it measured so far (read by the driver on a timeout).
PROGRESS: Path | None = None


def worker_sopopt(instance: Path, options_file: Path | None, profile: Path | None) -> dict[str, Any]:
    """sopopt end to end, with the HiGHS calls timed from the outside."""
    import_start = time.perf_counter()
    import highspy

    import sopopt

    import_seconds = time.perf_counter() - import_start

    original_run = highspy.Highs.run

    def timed_run(self: Any) -> Any:
        if options_file is not None and not options_file.exists():
            self.writeOptions(str(options_file))  # every option in force, for the reference run
        if PROGRESS is not None:  # what is known if the solve is then cut by the timeout
            PROGRESS.write_text(json.dumps({"peak_rss_mb_at_run_start": _peak_rss_mb()}), encoding="utf-8")
        return original_run(self)

    highspy.Highs.run = timed_run
    rss_after_import = _peak_rss_mb()
    start = time.perf_counter()
    if profile is not None:
        profiler = cProfile.Profile()
        plan = profiler.runcall(sopopt.solve, instance, raise_on_failure=False)
    else:
        plan = sopopt.solve(instance, raise_on_failure=False)
    wall = time.perf_counter() - start
    info = plan.info
    total = float(info["total_seconds"])
    highs_seconds = float(info["solve_seconds"])
    result = {
        "status": str(plan.status.value),
        "objective": plan.objective,
        "import_seconds": import_seconds,
        "load_seconds": float(info["load_seconds"]),
        "build_seconds": float(info["build_seconds"]),
        # the LP into HiGHS (passModel) and the solver options, up to Highs.run().
        "handoff_seconds": float(info["handoff_seconds"]),
        "highs_seconds": highs_seconds,
        # after run(): values, duals, slacks and costs into dicts (Solution).
        "solution_mapping_seconds": float(info["mapping_seconds"]),
        "build_path": info.get("build"),
        "highs_solver": info.get("highs_solver"),
        "extract_seconds": float(info["extract_seconds"]),
        "total_seconds": total,
        "wall_seconds": wall,
        "overhead_seconds": total - highs_seconds,
        "simplex_iterations": info.get("simplex_iterations"),
        "ipm_iterations": info.get("ipm_iterations"),
        "columns": info.get("columns"),
        "rows": info.get("rows"),
        "nonzeros": info.get("nonzeros"),
        "rss_after_import_mb": rss_after_import,
        "peak_rss_mb": _peak_rss_mb(),
        "levers": _levers(plan) if plan.status.has_plan else {},
    }
    if profile is not None:
        profiler.dump_stats(str(profile))
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("tottime").print_stats(30)
        stats.sort_stats("cumulative").print_stats(45)
        profile.with_suffix(".txt").write_text(text.getvalue(), encoding="utf-8")
    return result


def worker_highs(mps: Path, options_file: Path | None) -> dict[str, Any]:
    """HiGHS alone: read the MPS file and solve it (defaults, or an options file)."""
    import highspy

    h = highspy.Highs()
    if options_file is not None:
        h.readOptions(str(options_file))
    t0 = time.perf_counter()
    h.readModel(str(mps))
    t1 = time.perf_counter()
    h.run()
    t2 = time.perf_counter()
    info = h.getInfo()
    return {
        "status": h.modelStatusToString(h.getModelStatus()),
        "objective": float(info.objective_function_value),
        "read_seconds": t1 - t0,
        "highs_seconds": t2 - t1,
        "total_seconds": t2 - t0,
        "simplex_iterations": int(info.simplex_iteration_count),
        "ipm_iterations": int(info.ipm_iteration_count),
        "peak_rss_mb": _peak_rss_mb(),
    }


def _worker_main(argv: list[str]) -> None:
    global PROGRESS
    kind, out = argv[0], Path(argv[1])
    PROGRESS = out.with_suffix(".progress")
    args = [None if a == "-" else Path(a) for a in argv[2:]]
    if kind == "export":
        result = worker_export(args[0], args[1])
    elif kind == "sopopt":
        result = worker_sopopt(args[0], args[1], args[2])
    elif kind == "highs":
        result = worker_highs(args[0], args[1])
    else:
        raise SystemExit(f"unknown worker {kind}")
    out.write_text(json.dumps(result), encoding="utf-8")


# --------------------------------------------------------------------------- driver


def run_worker(kind: str, args: list[Path | None], timeout: float, log: Path) -> dict[str, Any]:
    """Run one worker in a fresh process; {'timeout': True} when cut.

    Every result is also appended to ``partial.jsonl`` beside the log, so a long run
    that is interrupted keeps what it measured.
    """
    result = _run_worker(kind, args, timeout, log)
    with (log.parent / "partial.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"worker": kind, "args": [str(a) for a in args], **result}, default=str) + "\n")
    return result


def _run_worker(kind: str, args: list[Path | None], timeout: float, log: Path) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = Path(handle.name)
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        kind,
        str(out),
        *("-" if a is None else str(a) for a in args),
    ]
    start = time.perf_counter()
    with log.open("a", encoding="utf-8") as stream:
        stream.write(f"\n$ {' '.join(command)}\n")
        stream.flush()
        try:
            proc = subprocess.run(
                command,
                stdout=stream,
                stderr=stream,
                timeout=timeout,
                check=False,
                env={**os.environ, "PYTHONHASHSEED": "0"},
            )
        except subprocess.TimeoutExpired:
            out.unlink(missing_ok=True)
            cut: dict[str, Any] = {"timeout": True, "process_seconds": time.perf_counter() - start}
            progress = out.with_suffix(".progress")
            if progress.exists():
                cut["before_timeout"] = json.loads(progress.read_text(encoding="utf-8"))
                progress.unlink()
            return cut
    out.with_suffix(".progress").unlink(missing_ok=True)
    if proc.returncode != 0 or not out.stat().st_size:
        out.unlink(missing_ok=True)
        return {"error": f"exit code {proc.returncode}, see {log}", "process_seconds": time.perf_counter() - start}
    result = json.loads(out.read_text(encoding="utf-8"))
    out.unlink()
    result["process_seconds"] = time.perf_counter() - start
    return result


def median_of(runs: list[dict[str, Any]], top: bool = True) -> dict[str, Any]:
    """Median of every numeric field over runs (first run's value for the rest)."""
    if any(r.get("timeout") or r.get("error") for r in runs):
        return next(r for r in runs if r.get("timeout") or r.get("error"))
    merged: dict[str, Any] = {}
    for key, value in runs[0].items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            merged[key] = (
                value if not isinstance(value, dict) else median_of([r[key] for r in runs], False) if value else {}
            )
        else:
            merged[key] = statistics.median(float(r[key]) for r in runs)
    if top:
        merged["runs"] = len(runs)
    return merged


def machine() -> dict[str, Any]:
    """nproc, CPU model, RAM and library versions."""
    import highspy
    import numpy
    import pyomo

    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as handle:
        mem_kb = int(next(line for line in handle if line.startswith("MemTotal")).split()[1])
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": round(mem_kb / 2**20, 1),
        "python": platform.python_version(),
        "pyomo": pyomo.__version__,
        "highs": highspy.Highs().version(),
        "numpy": numpy.__version__,
        "platform": platform.platform(),
    }


def _fmt(entry: dict[str, Any], key: str, timeout: float) -> str:
    if entry.get("timeout"):
        return f"> {timeout:.0f}"
    if entry.get("error"):
        return "error"
    value = entry.get(key)
    return "-" if value is None else f"{value:.2f}"


def _ratio(a: dict[str, Any], ka: str, b: dict[str, Any], kb: str) -> float | None:
    if any(x.get("timeout") or x.get("error") for x in (a, b)):
        return None
    return float(a[ka]) / float(b[kb]) if b.get(kb) else None


def _deviations(options_file: Path) -> dict[str, str]:
    """Options in a HiGHS options file that differ from a fresh instance's."""
    import highspy

    def read(path: Path) -> dict[str, str]:
        pairs = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if "=" in line and not line.lstrip().startswith("#"):
                key, value = line.split("=", 1)
                pairs[key.strip()] = value.strip()
        return pairs

    with tempfile.TemporaryDirectory() as tmp:
        default_file = Path(tmp) / "defaults.txt"
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.writeOptions(str(default_file))
        defaults = read(default_file)
    defaults["output_flag"] = "true"
    return {k: v for k, v in read(options_file).items() if defaults.get(k) != v}


def run_size(n: float, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    from sopopt.inputs.generate import size_for_variables, write_instance

    products, sites, periods = size_for_variables(n)
    folder = workdir / f"size_{n:.0e}".replace("+0", "")
    start = time.perf_counter()
    instance = write_instance(folder, products, sites, periods, args.seed)
    generate_seconds = time.perf_counter() - start
    log = folder / "log.txt"
    log.write_text("", encoding="utf-8")
    (folder / "partial.jsonl").unlink(missing_ok=True)
    mps = folder / "lp.mps"
    options_file = folder / "sopopt_highs_options.txt"
    options_file.unlink(missing_ok=True)
    repeat = args.repeat if n <= args.single_above else 1
    say(
        f"\n== size {n:.0e}: {products} products, {sites} sites, {periods} periods "
        f"(generated in {generate_seconds:.2f} s); {repeat} run(s) each",
        flush=True,
    )

    export = run_worker("export", [instance, mps], args.timeout, log)
    say(f"   export: {export.get('columns')} columns, {export.get('rows')} rows", flush=True)
    sopopt_runs = []
    for _ in range(repeat):
        sopopt_runs.append(run_worker("sopopt", [instance, options_file, None], args.timeout, log))
        say(f"   sopopt: total {_fmt(sopopt_runs[-1], 'total_seconds', args.timeout)} s", flush=True)
    defaults = [run_worker("highs", [mps, None], args.timeout, log) for _ in range(repeat)]
    say(f"   HiGHS defaults: {_fmt(defaults[-1], 'total_seconds', args.timeout)} s", flush=True)
    chosen = options_file if options_file.exists() else None
    same_options = [run_worker("highs", [mps, chosen], args.timeout, log) for _ in range(repeat)]
    say(f"   HiGHS with sopopt's options: {_fmt(same_options[-1], 'total_seconds', args.timeout)} s", flush=True)
    profile = None
    if args.profile:
        prof = folder / "sopopt.prof"
        profile = run_worker("sopopt", [instance, None, prof], args.timeout * 2, log)
        profile["file"] = str(prof.with_suffix(".txt"))
    result = {
        "target_columns": n,
        "instance": {
            "products": products,
            "sites": sites,
            "periods": periods,
            "seed": args.seed,
            "path": str(instance),
            "generate_seconds": generate_seconds,
        },
        "runs": repeat,
        "export": export,
        "sopopt": median_of(sopopt_runs),
        "highs_defaults": median_of(defaults),
        "highs_sopopt_options": median_of(same_options),
        "sopopt_highs_options": _deviations(options_file) if options_file.exists() else None,
        "profile": profile,
    }
    s, d = result["sopopt"], result["highs_defaults"]
    result["ratios"] = {
        "sopopt_total_over_highs_defaults": _ratio(s, "total_seconds", d, "total_seconds"),
        "sopopt_total_over_highs_defaults_run_only": _ratio(s, "total_seconds", d, "highs_seconds"),
        "overhead_over_highs_call": _ratio(s, "overhead_seconds", s, "highs_seconds"),
        "rss_over_highs_defaults": _ratio(s, "peak_rss_mb", d, "peak_rss_mb"),
    }
    return result


def print_tables(results: list[dict[str, Any]], timeout: float) -> None:
    header = (
        f"{'size':>6} {'cols':>8} {'rows':>8} {'runs':>4} | {'load':>7} {'build':>7} {'handoff':>7} "
        f"{'HiGHS':>8} {'extract':>7} {'total':>8} {'RSS MB':>7} | {'defaults':>8} {'d.RSS':>6} "
        f"{'sopt.opt':>8} | {'tot/def':>7} {'ovh/HiGHS':>9} {'RSS/def':>7}"
    )
    say(
        "\nTimes in seconds (sopopt: load+validate, build, hand-off, HiGHS call, extraction incl. "
        "solution mapping, total); HiGHS alone: read MPS + run."
    )
    say(header)
    say("-" * len(header))
    for r in results:
        s, d, o, ratio = r["sopopt"], r["highs_defaults"], r["highs_sopopt_options"], r["ratios"]
        extract = None if s.get("timeout") or s.get("error") else s["extract_seconds"] + s["solution_mapping_seconds"]

        def f(x: float | None, width: int = 7) -> str:
            return f"{'-':>{width}}" if x is None else f"{x:>{width}.2f}"

        say(
            f"{r['target_columns']:>6.0e} {r['export'].get('columns', 0):>8} {r['export'].get('rows', 0):>8} "
            f"{r['runs']:>4} | {_fmt(s, 'load_seconds', timeout):>7} {_fmt(s, 'build_seconds', timeout):>7} "
            f"{_fmt(s, 'handoff_seconds', timeout):>7} {_fmt(s, 'highs_seconds', timeout):>8} {f(extract)} "
            f"{_fmt(s, 'total_seconds', timeout):>8} {_fmt(s, 'peak_rss_mb', timeout):>7} | "
            f"{_fmt(d, 'total_seconds', timeout):>8} {_fmt(d, 'peak_rss_mb', timeout):>6} "
            f"{_fmt(o, 'total_seconds', timeout):>8} | {f(ratio['sopopt_total_over_highs_defaults'])} "
            f"{f(ratio['overhead_over_highs_call'], 9)} {f(ratio['rss_over_highs_defaults'])}"
        )
    say("\nTargets: total/defaults <= 0.5 (1e5, 1e6); overhead/HiGHS <= 0.15; RSS/defaults <= 2.")
    say("\nLevers used in the optimal plan:")
    keys = [
        "resource_overtime_hours",
        "labour_overtime_hours",
        "hires",
        "layoffs",
        "subcontracted_units",
        "stock_build_units",
        "overflow_volume",
        "lost_units",
        "backlog_unit_periods",
        "fill_rate",
    ]
    say(f"{'size':>6} " + " ".join(f"{k[:14]:>14}" for k in keys))
    for r in results:
        levers = r["sopopt"].get("levers") or {}
        say(f"{r['target_columns']:>6.0e} " + " ".join(f"{levers.get(k, float('nan')):>14.1f}" for k in keys))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        _worker_main(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1e4,1e5,1e6", help="target LP columns, comma separated")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median) up to --single-above")
    parser.add_argument("--single-above", type=float, default=1e5, help="sizes above this run once")
    parser.add_argument("--timeout", type=float, default=1200.0, help="seconds before a process is cut")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results.json")
    parser.add_argument("--workdir", type=Path, default=None, help="where instances go (default: a temp dir)")
    parser.add_argument("--profile", action="store_true", help="also run sopopt once under cProfile per size")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="sopopt-bench-"))
    sizes = [float(x) for x in args.sizes.split(",") if x.strip()]
    info = machine()
    say(
        f"Machine: {info['nproc']} CPUs, {info['cpu']}, {info['ram_gib']} GiB; HiGHS {info['highs']}, "
        f"Pyomo {info['pyomo']}, Python {info['python']}. Instances in {workdir}"
    )
    results = []
    for n in sizes:
        results.append(run_size(n, args, workdir))
        # Keep what we have after every size: the big ones are slow.
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(
            json.dumps({"machine": info, "timeout_seconds": args.timeout, "results": results}, indent=2, default=str),
            encoding="utf-8",
        )
    print_tables(results, args.timeout)
    say(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
