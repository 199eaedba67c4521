"""The file-format reference (docs/format.md), generated from the schema itself.

Every field's type, default and description come from the pydantic models, so the
reference cannot drift from what the loader accepts. ``python -m sopopt.inputs.schema.reference``
prints it; a test checks that docs/format.md is current.
"""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from sopopt.errors import WARNING_CODES
from sopopt.inputs.schema.network import (
    Backlog,
    DemandClass,
    Lane,
    LostSales,
    Material,
    MaterialSite,
    Network,
    Overflow,
    Periods,
    Product,
    ProductSite,
    Resource,
    ResourceOvertime,
    Site,
    Staffing,
    Storage,
    Subcontract,
    Supplier,
    WorkerOvertime,
    Workforce,
)
from sopopt.inputs.schema.scenario import (
    ADJUSTABLE,
    Adjustment,
    ChangeCosts,
    ExplainSettings,
    ReplanSettings,
    ScenarioMeta,
    SolverSettings,
)
from sopopt.inputs.schema.solver_options import MAX_TIME_LIMIT, SOLVER_OPTIONS
from sopopt.inputs.schema.sweep import GridAxis, SweepSpec
from sopopt.inputs.schema.tables import DemandTable, SeriesTable
from sopopt.inputs.schema.targets import Target, TargetsTable
from sopopt.io.limits import (
    MAX_ALIAS_NODES,
    MAX_DEPTH,
    MAX_TABLE_BYTES,
    MAX_WORKBOOK_UNPACKED,
    MAX_YAML_BYTES,
    size_text,
)

#: (heading, where it appears in a file, model) in reading order.
SECTIONS: list[tuple[str, str, type[BaseModel]]] = [
    ("Top level of a model file", "(file)", Network),
    ("Periods", "periods", Periods),
    ("Product", "products.NAME", Product),
    ("Product at a site", "products.NAME.sites.SITE", ProductSite),
    ("Backlog", "products.NAME[.sites.SITE].backlog", Backlog),
    ("Lost sales", "products.NAME[.sites.SITE].lost_sales", LostSales),
    ("Subcontracting", "products.NAME[.sites.SITE].subcontract", Subcontract),
    ("Site", "sites.NAME", Site),
    ("Storage", "sites.NAME.storage", Storage),
    ("Overflow storage", "sites.NAME.storage.overflow", Overflow),
    ("Resource (machine group, line)", "resources.NAME", Resource),
    ("Resource overtime", "resources.NAME.overtime", ResourceOvertime),
    ("Workforce pool", "workforce.NAME", Workforce),
    ("Workforce overtime", "workforce.NAME.overtime", WorkerOvertime),
    ("Hiring and layoffs", "workforce.NAME.hiring / .layoffs", Staffing),
    ("Material", "materials.NAME", Material),
    ("Material at a site", "materials.NAME.sites.SITE", MaterialSite),
    ("Supplier", "suppliers.NAME", Supplier),
    ("Transport lane", "lanes.NAME", Lane),
    ("Target", "targets[i]", Target),
    ("Targets table", "targets: {file: ...}", TargetsTable),
    ("Demand class", "demand_classes.NAME", DemandClass),
    ("Demand table", "demand: {file: ...}", DemandTable),
    ("Series table", "any series: {file: ..., column: NAME} or {..., row: NAME}", SeriesTable),
    ("Scenario-only fields", "(scenario file)", ScenarioMeta),
    ("Adjustment", "adjust[i]", Adjustment),
    ("Solver settings", "solver", SolverSettings),
    ("Explain settings", "explain", ExplainSettings),
    ("Re-plan settings", "replan", ReplanSettings),
    ("Change costs", "replan.change_cost", ChangeCosts),
    ("Sweep file", "(sweep file: sweeps/*.yaml, see docs/sweeps.md)", SweepSpec),
    ("Grid axis of a sweep", "grid.NAME", GridAxis),
]


def _type_name(annotation: Any) -> str:
    text = str(annotation)
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is dict:
        return f"mapping of {_type_name(args[1])}"
    if "Annotated[float" in text and "list" in text and "dict" in text:
        return "series"
    if origin is typing.Annotated and any("MinLen" in type(m).__name__ for m in args[1:]):
        return "name"
    if origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
        names = [_type_name(a) for a in args if a is not type(None)]
        if "series" in names:
            return "series"
        return " or ".join(dict.fromkeys(names))
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin is typing.Literal:
        return " / ".join(f"`{a}`" for a in args)
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return annotation.__name__
        return {"str": "text", "float": "number", "int": "integer", "bool": "true/false"}.get(
            annotation.__name__, annotation.__name__
        )
    return text.replace("typing.", "")


def _default(info: Any) -> str:
    if info.is_required():
        return "**required**"
    default = info.default
    if default is PydanticUndefined:
        return ""
    if default is None:
        return "absent"
    if isinstance(default, BaseModel):
        return "defaults"
    if default == {} or default == []:
        return "empty"
    return f"`{default}`"


def _warning_lines() -> list[str]:
    """The warnings section: every code and when it is given."""
    lines = ["## Warnings", "",
             "Valid but suspicious input (and, after the solve, plan) is reported as a warning: printed after",
             "the summary, one line each with file:line where there is one; in `run.json` (`warnings`), the",
             "HTML report, `plan.warnings` and `case.warnings`. `--strict` (on every command that loads a case)",
             "turns warnings into errors: exit code 2.", "",
             "| code | when |", "| --- | --- |"]
    lines += [f"| `{code}` | {when} |" for code, when in WARNING_CODES.items()]
    lines.append("")
    return lines


#: The reference's opening: units, YAML, the workspace, tables and numbers in tables.
_INTRO = [
        "# File format reference",
        "",
        "Generated from the schema by `python -m sopopt.inputs.schema.reference`; do not edit by hand.",
        "",
        "Units: quantities in units of product (or material); time in hours; money in the",
        "model's `currency`; volume in the model's volume unit. Costs are per unit per period",
        "unless stated. Numbers must be finite, non-negative and at most 1e12. A **series** is a",
        "number per period: one number, a list with one number per period, or a mapping from",
        "period label (or `FIRST..LAST` range) to number with an optional `default`.",
        "An optional section that is *absent* means the lever is not modelled; a lever present",
        "without a capacity is unlimited.",
        "",
        "**YAML.** Files are read with the YAML 1.2 core schema: `010` is ten (not octal eight),",
        "`1:30` and `1_000` are text (an error where a number is expected), only `true`/`false`",
        "are booleans (`make: no` is an error; a key `no` or `on` is a name). Merge keys work with",
        "overrides: in `overtime: {<<: *ot, capacity: 200}` the mapping's own keys win over",
        "merged ones, and of `<<: [*a, *b]` the first wins. Within one mapping a key given twice",
        "is an error.",
        "",
        "**The workspace.** Every file a scenario names (`extend`, `model`, tables) is a path",
        "relative to the YAML file that names it, and must resolve, symlinks followed, inside the",
        "workspace: the current directory when the file given on the command line lies below it,",
        "else that file's own folder; `--workspace DIR` (API: `load_case(path, workspace=DIR)`)",
        "sets it. A path outside is an error at the file and line that name it (exit 2); the",
        "refused file is not opened, and no message quotes a file that was refused or is not a",
        "valid table. Paths given on the command line (the scenario, result folders, `--out`)",
        "are not restricted.",
        "",
        "**Tables.** CSV (`,` or `;` separated, UTF-8 with or without BOM) or Excel (`.xlsx`,",
        "with `sheet:`).",
        "",
        "- `demand: {file: demand.csv}`: long (`product,site,period,quantity`) or wide",
        "  (`product,site,<one column per period>`); a product/site/period given twice is an error.",
        "- any series: `{file: capacity.csv, column: line1}` reads column `line1` of a table with a",
        "  `period` column; `{file: capacity.csv, row: line1}` reads the row whose `name` cell is",
        "  `line1` in a table with one column per period.",
        "",
        "**Numbers in tables.** Text cells are read with `.` as the decimal mark; spaces between",
        "digits are ignored. A cell with a comma followed by exactly three digits (`4,150`,",
        "`1,234,567`) is an error naming the file, line and column, because it could mean 4150 or",
        "4.15, unless the table reference declares its format: `{file: demand.csv, thousands: \",\"}`",
        "(US and UK exports: `4,150.5`) or `{file: demand.csv, decimal: \",\"}` (European",
        "exports: `4,15`; add `thousands: \".\"` for `4.150,5`). Without a declared format, a single",
        "comma followed by 1, 2 or 4+ digits (`4,15`, as in `;`-separated exports) is a decimal",
        "comma. With a declared format, a separator in the wrong place (`41,50` with",
        "`thousands: \",\"`) is an error. Numeric Excel cells are numbers already and are read as",
        "they are, whatever the declared format.",
        "",
]


def format_reference() -> str:
    """The markdown reference of every field of the file format."""
    lines = [*_INTRO, *_section_lines()]
    lines += _solver_option_lines()
    lines += _warning_lines()
    lines += _limit_lines()
    lines += _adjustment_lines()
    return "\n".join(lines)


def _section_lines() -> list[str]:
    """One table per schema section: every field with its type, default and meaning."""
    lines: list[str] = []
    for heading, where, model in SECTIONS:
        lines += [f"## {heading}", "", f"Where: `{where}`", "", (model.__doc__ or "").strip().splitlines()[0], ""]
        lines += ["| field | type | default | meaning |", "| --- | --- | --- | --- |"]
        for name, info in model.model_fields.items():
            description = " ".join((info.description or "").split())
            lines.append(f"| `{info.alias or name}` | {_type_name(info.annotation)} | {_default(info)} | {description} |")
        lines.append("")
    return lines


def _adjustment_lines() -> list[str]:
    """The adjustment targets and the field each changes."""
    lines = ["## Adjustment targets", "", "| target | changes | field |", "| --- | --- | --- |"]
    for target, (collection, path) in ADJUSTABLE.items():
        field = ".".join(path) if path else "(the demand series)"
        lines.append(f"| `{target}` | {collection} | `{field}` |")
    lines.append("")
    return lines


def _solver_option_lines() -> list[str]:
    """The allow-list of HiGHS options a scenario may set in ``solver.options``."""
    lines = [
        "## Solver options",
        "",
        "Where: `solver.options`",
        "",
        "Only these HiGHS tuning options are accepted; any other name is an error at its file and",
        "line with a did-you-mean, in particular every option that names a file, writes output or",
        "changes logging (`solution_file`, `write_model_to_file`, `log_file`, `output_flag`, ...).",
        "`threads` and `time_limit` are also accepted here and mean the same as the `solver`",
        "fields (a field wins over the option, a command-line flag over both). Every way of giving",
        "them is capped the same: `threads` from 1 to the cores this process may use",
        f"(`os.sched_getaffinity`), `time_limit` above 0 and at most {MAX_TIME_LIMIT:,.0f} seconds.",
        "",
        "| option | accepts | meaning |",
        "| --- | --- | --- |",
    ]
    for name, spec in SOLVER_OPTIONS.items():
        lines.append(f"| `{name}` | {spec.accepted()} | {spec.meaning} |")
    lines.append("")
    return lines


def _limit_lines() -> list[str]:
    """The documented limits on input files."""
    return [
        "## Limits",
        "",
        "An input file cannot make sopopt exhaust the machine. Going beyond a limit is an error",
        "at the file and line where it happens (exit 2). The YAML limits are checked while the",
        "file is parsed, before any value is built, in time proportional to the file's size.",
        "The limits are far above what real models need (`sopopt generate --variables 1e6`",
        "writes a 0.45 MB model nested 5 levels deep whose aliases add about 60 values).",
        "",
        "| limit | value |",
        "| --- | --- |",
        f"| size of a YAML file | {size_text(MAX_YAML_BYTES)} |",
        f"| size of a table (CSV or workbook file) | {size_text(MAX_TABLE_BYTES)} |",
        f"| unpacked size of a workbook | {size_text(MAX_WORKBOOK_UNPACKED)} |",
        f"| nesting of mappings and lists in a YAML file | {MAX_DEPTH} levels |",
        f"| values added by aliases (`*name`, merge keys) in one YAML file | {MAX_ALIAS_NODES:,} values |",
        "| solver threads | the cores this process may use (`os.sched_getaffinity`) |",
        f"| solver time limit | {MAX_TIME_LIMIT:,.0f} seconds |",
        "",
        "An alias that refers to the mapping or list containing it is an error. A table or",
        "extended file must be a regular file (not a pipe or a device).",
        "",
    ]


if __name__ == "__main__":
    print(format_reference(), end="")  # noqa: T201
