"""``python -m grader``: see :mod:`grader.cli`."""

from grader.cli import main

if __name__ == "__main__":
    main()
