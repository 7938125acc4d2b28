"""grader: autograde the course's submissions with nbgrader and collect the scores."""

__version__ = "0.1.0"
