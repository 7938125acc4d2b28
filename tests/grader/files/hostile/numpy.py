# 7. Side-loaded code: handed in beside the notebook as numpy.py, a module the set-up cell
#    imports first; it would answer for a blank notebook.
import builtins
builtins.answer = 42
builtins.doubled = [4, -6]
