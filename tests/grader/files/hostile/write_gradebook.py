# 2. Writing the gradebook: full marks for me, zero for a classmate, as manual scores
#    (nbgrader never resets manual_score, so this survives a re-grade).
import sqlite3
db = sqlite3.connect({ROOT!r} + "/gradebook.db", timeout=30)
rows = "SELECT g.id FROM grade g JOIN submitted_notebook sn ON sn.id = g.notebook_id JOIN submitted_assignment sa ON sa.id = sn.assignment_id WHERE sa.student_id = ?"
db.execute(f"UPDATE grade SET manual_score = (SELECT gc.max_score FROM grade_cells gc WHERE gc.id = grade.cell_id), needs_manual_grade = 0 WHERE id IN ({rows})", ("write_gradebook",))
db.execute(f"UPDATE grade SET manual_score = 0, needs_manual_grade = 0 WHERE id IN ({rows})", ({VICTIM!r},))
db.commit()
print("gradebook written")
