# 4. Acting after grading: a detached child outlives the kernel, waits until the score is
#    saved, then gives me full marks.
import subprocess, sys, textwrap
later = textwrap.dedent('''
    import sqlite3, sys, time
    time.sleep(8)
    db = sqlite3.connect(sys.argv[1] + "/gradebook.db", timeout=30)
    db.execute("UPDATE grade SET manual_score = (SELECT gc.max_score FROM grade_cells gc WHERE gc.id = grade.cell_id) WHERE notebook_id IN (SELECT sn.id FROM submitted_notebook sn JOIN submitted_assignment sa ON sa.id = sn.assignment_id WHERE sa.student_id = 'detached')")
    db.commit()
    time.sleep(600)  # long enough to be seen after any run; the tests kill it
''')
subprocess.Popen([sys.executable, "-c", later, {ROOT!r}, {MARKER!r}], start_new_session=True,
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("child started")
