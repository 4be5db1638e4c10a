"""The text form of a plan report (what `tensflo plan` prints without --json)."""

from __future__ import annotations

from tensflo.compiler.table import table

from .planner import Plan, PlanReport, placements_of


def _size(n: int) -> str:
    short = f"{n:.0e}".replace("e+0", "e").replace("e+", "e")
    return short if float(short) == n else str(n)


def _money(x: float) -> str:
    return f"${x:,.2f}/h"


def _method(plan: Plan) -> str:
    sol = plan.solution
    assert sol is not None
    if sol.optimal:
        status = "proven optimal"
    elif sol.gap is not None:
        status = (f"not proven optimal, gap {sol.gap * 100:.2g}% to the bound "
                  f"{_money(sol.bound or 0)}")
    else:
        status = "not proven optimal, no bound"
    note = f"; {sol.note}" if sol.note else ""
    return f"{sol.method}, {status}, {sol.seconds:.2f} s{note}"


def render(report: PlanReport) -> str:
    best = report.best
    p = best.problem
    lines: list[str] = []
    if best.solution is None:
        if best.infeasible:
            lines.append(f"no plan: {len(best.infeasible)} kernel(s) cannot be served")
            lines += [f"  {name}: {why}" for name, why in best.infeasible]
        else:
            lines.append(f"no plan found: {best.note}")
    else:
        sol = best.solution
        lines.append(f"plan: {sum(sol.counts)} devices, {_money(sol.cost)} ({_method(best)})")
    single = report.cheapest_single
    if single is None:
        lines.append("single device type: no single type can serve the whole workload")
    else:
        name, sp = single
        assert sp.solution is not None
        saving = report.saving
        lines.append(f"cheapest single device type: {sum(sp.solution.counts)} x {name}, "
                     f"{_money(sp.solution.cost)}"
                     + (f"; saving {saving:.1%}" if saving is not None else ""))
    if best.solution is not None:
        sol = best.solution
        rows = []
        for j, (d, n) in enumerate(zip(p.devices, sol.counts, strict=True)):
            if n:
                utils = [inst.load for inst in best.instances if inst.device == j]
                shown = (", ".join(f"{u:.0%}" for u in utils) if len(utils) <= 8 else
                         f"{min(utils):.0%}..{max(utils):.0%}, mean {sum(utils) / len(utils):.0%}")
                rows.append([d.name, str(n), f"{d.price:.2f}", f"{d.price * n:.2f}",
                             f"{d.max_util:.0%}", shown])
        lines += ["", table(["device", "count", "price/h", "cost/h", "max util",
                              "utilisation of each instance"], rows).rstrip()]
        rows = []
        for i, demand in enumerate(p.demands):
            for k, (inst, pl) in enumerate(placements_of(best, i)):
                head = ([demand.name, f"{demand.rate:.6g}", _size(demand.size),
                         f"{demand.slo_ms:g}"] if k == 0 else ["", "", "", ""])
                rows.append(head + [f"{p.devices[inst.device].name}#{inst.number}", pl.runner,
                                    f"{pl.latency_ms:.3g}", f"{pl.rate:.6g}", f"{pl.load:.1%}"])
        lines += ["", table(["kernel", "rate/s", "size", "slo ms", "instance", "runner",
                              "latency ms", "rate there", "busy"], rows).rstrip()]
    rows = []
    for name, sp in report.single:
        if sp.solution is not None:
            rows.append([name, str(sum(sp.solution.counts)), f"{sp.solution.cost:.2f}",
                         "optimal" if sp.solution.optimal else sp.solution.method])
        else:
            why = sp.infeasible[0] if sp.infeasible else ("", sp.note)
            more = f" (+{len(sp.infeasible) - 1} more)" if len(sp.infeasible) > 1 else ""
            rows.append([name, "-", "-", f"infeasible: {why[0]}: {why[1]}{more}".replace(
                "infeasible: : ", "")])
    lines += ["", "single-type plans", table(["device", "count", "cost/h", "note"], rows).rstrip()]
    return "\n".join(lines) + "\n"
