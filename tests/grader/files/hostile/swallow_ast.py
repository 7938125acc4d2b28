# 10. Swallowing every failure in the kernel: an IPython AST transformer wraps every later
#     cell (the test cells too) in try/except. The answer is half right (doubled[1] is wrong),
#     so only the hidden test should fail; without sealed checks it is swallowed in the kernel.
import ast


class _Swallow(ast.NodeTransformer):
    def visit_Module(self, node):
        handler = ast.ExceptHandler(type=ast.Name("BaseException", ast.Load()), name=None, body=[ast.Pass()])
        node.body = [ast.Try(body=node.body or [ast.Pass()], handlers=[handler], orelse=[], finalbody=[])]
        return ast.fix_missing_locations(node)


get_ipython().ast_transformers.append(_Swallow())
answer = 42
doubled = [4, 0]
