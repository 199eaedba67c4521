"""Why a case has no plan: :func:`explain_infeasible` (the planner calls it for every
infeasible case; ``sopopt.explain``, in :mod:`sopopt.analysis.explain`, for a case
without a plan).

It returns an :class:`Explanation`: the conflicting limits (an irreducible infeasible subset of the
LP, see :mod:`sopopt.analysis.conflict`) in business words with the file and line that
set each number (:mod:`sopopt.analysis.provenance`), the levers the input leaves out,
and what would have to give (:mod:`sopopt.analysis.repair`).

Both result classes offer ``sentences()`` (what the CLI prints and the report shows) and
``to_dict()`` (what ``run.json`` stores). docs/explain.md shows how to read one.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sopopt.analysis.conflict import ConflictSearch, Element, find_conflict
from sopopt.analysis.members import AbsentLever, Describer, Member
from sopopt.analysis.repair import DEFAULT_REPAIR_ORDER, REPAIR_CLASSES, RepairResult, classes_of, repair
from sopopt.errors import InfeasibleError, SolverError, UnboundedError
from sopopt.inputs.case import Case
from sopopt.model.build_arrays import build_lp
from sopopt.model.families import FAMILIES
from sopopt.model.lp import LinearProgram
from sopopt.model.transforms.elastic import LOWER, ROW
from sopopt.results.plan import Plan
from sopopt.solver.options import SolveOptions
from sopopt.solver.status import SolveStatus

if TYPE_CHECKING:
    pass

#: Default time budget of the conflict search, in seconds.
DEFAULT_TIME_BUDGET = 60.0


@dataclass(frozen=True)
class Explanation:
    """Why a case has no feasible plan: the conflict, absent levers and the repair."""

    scenario: str
    """The case's name."""
    members: list[Member]
    """The conflicting limits (data limits first, then the balances linking them)."""
    absent: list[AbsentLever]
    """Levers the input leaves out that would relax a member."""
    irreducible: bool
    """True when each member was shown necessary; False: "not proven irreducible"."""
    time_budget: float
    """Seconds allowed for the conflict search."""
    checks: int
    """LPs solved to verify and reduce the conflict."""
    repair: RepairResult | None
    """What would have to give (None when the builder rejected the case outright)."""
    seconds: float = 0.0
    """Time taken to explain."""
    note: str = ""
    """Anything else the planner should know (e.g. rejected before solving)."""
    plan: Plan | None = field(default=None, repr=False, compare=False)
    """The infeasible plan (its ``explanation`` is this object)."""

    def sentences(self) -> list[str]:
        """The explanation as plain sentences, in reading order."""
        proof = (
            "irreducible: dropping any one of them makes the rest feasible"
            if self.irreducible
            else f"not proven irreducible: the {self.time_budget:g} s budget ran out"
        )
        limits = [m for m in self.members if m.value is not None or m.places]
        links = [m for m in self.members if m not in limits]
        out = [f"{self.scenario} has no plan that meets every hard constraint. "
               f"These {len(self.members)} limits conflict ({proof}):"]
        out += [f"  - {m.text}" for m in limits]
        if links:
            out.append("  linked by: " + "; ".join(m.text for m in links))
        if self.note:
            out.append(self.note)
        if self.absent:
            out.append("Levers that are absent: " + "; ".join(str(a) for a in self.absent) + ".")
        if self.repair is not None:
            out += _repair_sentences(self.repair)
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON (``run.json``)."""
        out: dict[str, Any] = {
            "kind": "infeasible",
            "scenario": self.scenario,
            "irreducible": self.irreducible,
            "time_budget": self.time_budget,
            "checks": self.checks,
            "seconds": self.seconds,
            "members": [m.to_dict() for m in self.members],
            "absent_levers": [{"text": a.text, "place": str(a.place)} for a in self.absent],
            "note": self.note,
            "sentences": self.sentences(),
        }
        if self.repair is not None:
            out["repair"] = {
                "order": list(self.repair.order),
                "totals": self.repair.totals,
                "repairs": [r.to_dict() for r in self.repair.repairs],
                "by_class": [c.to_dict() for c in self.repair.by_class],
            }
        return out


def _repair_sentences(result: RepairResult) -> list[str]:
    order = " → ".join(result.order)
    out = [f"What would have to give (classes relaxed in the order {order}):"]
    out += [f"  - {r.text} ({r.repair_class})" for r in result.repairs] or ["  - nothing found"]
    if result.by_class:
        out.append("Each class alone:")
    for c in result.by_class:
        if not c.feasible:
            out.append(f"  - {c.repair_class}: cannot restore feasibility alone")
        else:
            out.append(f"  - {c.repair_class}: " + ", ".join(r.text for r in c.repairs))
    return out


def explain_infeasible(
    case: Case, plan: Plan | None = None, *, time_budget: float = DEFAULT_TIME_BUDGET,
    options: SolveOptions | None = None,
) -> Explanation:
    """The :class:`Explanation` of a case without a feasible plan; the returned
    explanation's ``plan`` is ``plan`` carrying it (when a plan is given).

    Raises:
        UnboundedError: the case is feasible but unbounded.
        SolverError: the status of ``plan`` is not about infeasibility.
    """
    if plan is not None and plan.status not in (SolveStatus.INFEASIBLE, SolveStatus.INFEASIBLE_OR_UNBOUNDED):
        raise SolverError(f"cannot explain a case whose solve ended '{plan.status.label}'")
    start = time.perf_counter()
    try:
        lp = build_lp(case.data)  # type: ignore[arg-type]
    except InfeasibleError as exc:
        return _attach(_rejected(case, str(exc), time_budget, start), plan)
    integer = lp.is_mip
    # Conflicts and repairs are searched on the LP: whole numbers and lot sizes relaxed.
    lp = dataclasses.replace(lp, integrality=None) if integer else lp
    try:
        search = find_conflict(lp, time_budget)
    except ValueError:
        if integer:
            raise SolverError(
                "the case has a plan once whole workers and lot sizes may be fractional: it is infeasible only "
                "because of those integer decisions, which explain cannot analyse (it works on the LP)"
            ) from None
        raise UnboundedError("the case is feasible but unbounded: a cost or a limit is missing") from None
    describer = Describer(case)
    members, classes = _members(lp, describer, search)
    order = _order(case)
    fixed = repair(lp, describer, order, classes, options)
    explanation = Explanation(
        scenario=case.network.name,
        members=members,
        absent=_absent(members),
        irreducible=search.irreducible,
        time_budget=time_budget,
        checks=search.checks,
        repair=fixed,
        seconds=time.perf_counter() - start,
    )
    return _attach(explanation, plan)


def _attach(explanation: Explanation, plan: Plan | None) -> Explanation:
    if plan is None:
        return explanation
    carried = dataclasses.replace(plan, explanation=explanation)
    # The two refer to each other: the plan carries its explanation and back.
    object.__setattr__(explanation, "plan", carried)
    return explanation


def _rejected(case: Case, message: str, time_budget: float, start: float) -> Explanation:
    note = (f"The model build rejected the case before solving: {message}. "
            "A limit with nothing left to adjust cannot hold; see the field named above.")
    return Explanation(case.network.name, [], [], False, time_budget, 0, None,
                       time.perf_counter() - start, note)


#: Bounds whose words a row of the same index already states (each family's ``folds_into``).
_FOLDS: dict[str, str] = {b.component: b.folds_into for f in FAMILIES for b in f.bounds if b.folds_into}


def _members(lp: LinearProgram, describer: Describer, search: ConflictSearch) -> tuple[list[Member], set[str]]:
    """The conflict's elements in words (an overtime cap folded into its resource's
    hours), data limits first; and the repair classes that relax any of them."""
    row_keys, col_keys = lp.row_keys(), lp.column_keys()
    members: list[Member] = []
    classes: set[str] = set()
    rows = {row_keys[i] for target, i in search.elements if target == ROW}
    for target, i in _ordered(search.elements):
        component, key = row_keys[i] if target == ROW else col_keys[i]
        classes |= classes_of(component, target)
        folds_into = _FOLDS.get(component) if target != ROW else None
        if folds_into is not None and (folds_into, key) in rows:
            continue
        if target == ROW:
            members.append(describer.row(component, key))
        else:
            members.append(describer.bound(component, key, "lower" if target == LOWER else "upper"))
    when = {label: t for t, label in enumerate(describer.labels)}
    members.sort(key=lambda m: (m.value is None and not m.places, when.get(m.period or "", -1), m.kind))
    for member in members:
        if member.kind == "hard demand":
            classes.add("demand")
    return members, classes


def _ordered(elements: list[Element]) -> list[Element]:
    return sorted(elements)


def _absent(members: list[Member]) -> list[AbsentLever]:
    seen: dict[str, AbsentLever] = {}
    for m in members:
        for lever in m.absent:
            seen.setdefault(lever.text, lever)
    return list(seen.values())


def _order(case: Case) -> tuple[str, ...]:
    """The repair order of the case's ``explain`` settings, or the default."""
    order = case.explain.repair_order
    return tuple(order) if order else DEFAULT_REPAIR_ORDER


__all__ = ["DEFAULT_TIME_BUDGET", "REPAIR_CLASSES", "Explanation", "explain_infeasible"]
