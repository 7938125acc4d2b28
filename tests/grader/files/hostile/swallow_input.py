# 14. Swallowing failures at the text level: an IPython input transformer indents every later
#     cell's source under `try:` before it is compiled (a variant of kind 10). Half-right answer.
def _wrap(lines):
    return ["try:\n"] + ["    " + line for line in lines] + ["\n    pass\nexcept BaseException:\n    pass\n"]


get_ipython().input_transformers_post.append(_wrap)
answer = 42
doubled = [4, 0]
