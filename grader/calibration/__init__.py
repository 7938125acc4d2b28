"""Calibration of the hidden tests: run reference solutions under many seeds, and mutants.

See :mod:`grader.calibration.spec` for the per-assignment spec format and
``docs/architecture.md`` for how the pieces fit.
"""
