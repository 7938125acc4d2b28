# 13. Tampering with the exported artifacts: a hook that runs after every cell (the grader's
#     export probe too) replaces each exported file by a link to a file of the grader (the
#     course's gradebook) or by a tagged value the loader must refuse. Half-right answer.
import os


def _tamper(result=None):
    base = os.path.expanduser("~/.sealed")
    for folder, _dirs, files in os.walk(base):
        for name in files:
            path = os.path.join(folder, name)
            os.remove(path)
            if name.startswith("doubled"):
                os.symlink(os.path.join({ROOT!r}, "gradebook.db"), path)
            else:
                with open(path, "w") as fh:
                    fh.write('{"__ndarray__": "|O", "shape": [1], "data": [42]}')


get_ipython().events.register("post_run_cell", _tamper)
answer = 42
doubled = [4, 0]
