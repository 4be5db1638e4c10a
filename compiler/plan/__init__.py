"""The device planner: the minimum-cost set of devices and kernel assignment meeting a latency SLO."""
