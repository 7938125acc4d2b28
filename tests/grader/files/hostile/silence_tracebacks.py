# 11. Swallowing failures another way: the shell's traceback display is replaced by nothing,
#     so a failing test cell leaves no error output (what nbgrader scores). Half-right answer.
get_ipython().showtraceback = lambda *args, **kwargs: None
answer = 42
doubled = [4, 0]
# (It fails even without sealed checks: IPython still sends an error output, "An error
# occurred while showtraceback was disabled", so it is kept as a tried variant.)
