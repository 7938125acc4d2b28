"""Every graded assignment, autograded by the real nbgrader: the grades are what the specs say.

Parametrised over :func:`grader.calibration.specs.all_specs`, so a new assignment
with a spec module is picked up automatically. Each variant notebook is autograded
once per session (see ``conftest.Course.grade_variant``); the tests of one
assignment run on one xdist worker (``--dist loadgroup``).
"""

from __future__ import annotations

import pytest

from grader.calibration.specs import all_specs

SPECS = all_specs()
TOTAL_POINTS = 10.0


def _marks(spec):
    return [pytest.mark.slow, pytest.mark.xdist_group(spec.assignment)]


def _by_spec():
    return [pytest.param(s, id=s.assignment, marks=_marks(s)) for s in SPECS]


def _by_mutant():
    return [pytest.param(s, m, id=f"{s.assignment}-{m.name}", marks=_marks(s)) for s in SPECS for m in s.mutants]


def _by_style():
    return [pytest.param(s, st, id=f"{s.assignment}-{st.name}", marks=_marks(s)) for s in SPECS for st in s.styles]


@pytest.mark.parametrize("spec", _by_spec())
def test_reference_scores_full_marks(course, spec):
    g = course.grade_variant(spec.assignment, "reference")
    assert g.success, g.explain()
    assert g.autograded, g.explain()
    assert g.max_score == TOTAL_POINTS, f"the test cells must total {TOTAL_POINTS:g} points\n" + g.explain()
    assert g.cells and all(score == mx for score, mx in g.cells.values()), g.explain()
    assert g.score == TOTAL_POINTS, g.explain()


@pytest.mark.parametrize("spec", _by_spec())
def test_unmodified_release_scores_zero(course, spec):
    g = course.grade_variant(spec.assignment, "release")
    assert g.success, "autograde crashed on the untouched release notebook\n" + g.explain()
    assert g.autograded, g.explain()
    assert g.max_score == TOTAL_POINTS, g.explain()
    assert g.score == 0, g.explain()
    assert all(score == 0 for score, _ in g.cells.values()), g.explain()


@pytest.mark.parametrize("spec", _by_spec())
def test_regrading_gives_the_same_scores(course, spec):
    first = course.grade_variant(spec.assignment, "reference")
    again = course.regrade(spec.assignment, "reference")
    assert again.success and again.autograded, again.explain()
    assert again.cells == first.cells, f"first:\n{first.explain()}\nagain:\n{again.explain()}"
    assert again.score == first.score


@pytest.mark.parametrize(("spec", "mutant"), _by_mutant())
def test_mutant_loses_exactly_its_points(course, spec, mutant):
    g = course.grade_variant(spec.assignment, "mutant", mutant.name)
    assert g.success and g.autograded, g.explain()
    unknown = set(mutant.fails) - set(g.cells)
    assert not unknown, f"`fails` names cells that are not test cells: {sorted(unknown)}\n" + g.explain()
    expected = {gid: (0.0 if gid in mutant.fails else mx) for gid, (_, mx) in g.cells.items()}
    got = {gid: score for gid, (score, _) in g.cells.items()}
    for gid in mutant.may_fail:  # a consequence of the same mistake on some seeds (calibrated)
        assert got[gid] in (0.0, g.cells[gid][1]), g.explain()
        expected[gid] = got[gid]
    assert got == expected, f"mutant {mutant.name!r} ({mutant.description})\n" + g.explain()
    lost = sum(mx - expected[gid] for gid, (_, mx) in g.cells.items())
    assert g.score == pytest.approx(TOTAL_POINTS - lost), g.explain()


@pytest.mark.parametrize(("spec", "style"), _by_style())
def test_style_scores_full_marks(course, spec, style):
    g = course.grade_variant(spec.assignment, "style", style.name)
    assert g.success and g.autograded, g.explain()
    assert g.score == TOTAL_POINTS, f"style {style.name!r} ({style.description})\n" + g.explain()
