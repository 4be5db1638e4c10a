"""Lifting analyses over loop IR: symbolic execution into TensIR, loop-shape rules, verification
conditions, candidate checking and random inputs inside a function's domain."""
