"""dlnotes: deep learning from scratch in NumPy, one module per idea.

Modules: :mod:`dlnotes.perceptron`, :mod:`dlnotes.activations`, :mod:`dlnotes.checks`,
:mod:`dlnotes.plotting`. Import what a lesson needs from its module, e.g.
``from dlnotes.activations import softmax``.
"""

__version__ = "0.1.0"
