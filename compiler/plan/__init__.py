"""The device planner: the minimum-cost set of devices and kernel assignment meeting a latency SLO.

`plan(devices, demands, profile)` solves a Mélange-style cost-aware bin packing (docs/plan.md);
`load_catalogue`, `load_workload` and `load_profile` read the command's input files.
"""

from .inputs import load_catalogue, load_profile, load_workload
from .model import Demand, DeviceType, Point, Problem, Profile, build_problem
from .pack import Instance, Placement, violations
from .planner import Plan, PlanReport, plan, solve, to_json
from .solve import Solution, solve_exact, solve_greedy

__all__ = ["Demand", "DeviceType", "Instance", "Placement", "Plan", "PlanReport", "Point",
           "Problem", "Profile", "Solution", "build_problem", "load_catalogue", "load_profile",
           "load_workload", "plan", "solve", "solve_exact", "solve_greedy", "to_json",
           "violations"]
