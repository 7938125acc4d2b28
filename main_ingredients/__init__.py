"""main_ingredients: the course's own code for "Main Ingredients" (Keras 3 port).

Sub-modules
-----------
rrandom
    Bit-exact ports of R's random number streams (``set.seed``, ``runif``,
    ``rnorm``, ``sample``).
datasets
    The module's data sets, equal to what R produced.
baselines
    Ordinary least squares and unpenalised logistic regression (R's ``lm`` and
    ``glm``), the classical baselines the networks are compared with.
quiet
    Keeps TensorFlow's and Keras' log lines out of notebooks.
"""

from main_ingredients.quiet import silence_tensorflow

__all__ = ["silence_tensorflow"]
__version__ = "0.1.0"
