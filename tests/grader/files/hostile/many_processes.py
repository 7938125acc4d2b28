# 6b. No process budget: start processes until the machine says no.
import subprocess
answer = 42
children = []
try:
    for _ in range(400):
        children.append(subprocess.Popen(["sleep", "30"]))
except OSError as exc:
    print("stopped:", type(exc).__name__)
