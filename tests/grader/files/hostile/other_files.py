# 3. Other students' files: a blank notebook over a classmate's submission and autograded
#    copy, and a forged "failed" status for them.
import json, os, shutil
root = {ROOT!r}
blank = os.path.join(root, "release", "toy", "toy.ipynb")
for folder in ("submitted", "autograded"):
    shutil.copyfile(blank, os.path.join(root, folder, {VICTIM!r}, "toy", "toy.ipynb"))
path = os.path.join(root, "autograded", ".grader", "status.json")
data = json.load(open(path))
for rec in data["submissions"]:
    if rec["student"] == {VICTIM!r}:
        rec.update(status="failed", reason="the kernel died", score=None)
json.dump(data, open(path, "w"))
print("classmate's files replaced")
