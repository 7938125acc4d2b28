"""Calibration spec of the toy assignment of ``tests/assignments`` (``files/toy``)."""

from grader.calibration.spec import AssignmentSpec, Mutant, Quantity, Style

SPEC = AssignmentSpec(
    assignment="90-toy",
    notebook="toy",
    quantities=(
        Quantity("error", "abs(m - 0.5)", "MAX_ERROR", "max", "test-toy-mean", "distance of m from the true mean"),
    ),
    mutants=(
        Mutant("off", ("test-toy-mean",), edits={"toy-mean": [("np.mean(x)", "np.max(x)")]},
               description="max instead of mean"),
        Mutant("negative", ("test-toy-mean", "test-toy-warnings"), replace={"toy-mean": "m = -1.0"},
               description="negative: also fails the cell that writes warnings"),
    ),
    styles=(Style("numpy-scalar-cast", {"toy-mean": "m = float(x.sum() / x.size)"}),),
)
