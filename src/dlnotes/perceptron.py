"""Perceptrons: logic gates from weights and a bias, and the perceptron learning rule.

A perceptron with inputs x1, x2 outputs 1 when w1*x1 + w2*x2 + b > 0 and 0 otherwise.
AND, OR and NAND are single perceptrons with hand-picked weights; XOR is not linearly separable,
so it needs two layers: XOR(x1, x2) = AND(NAND(x1, x2), OR(x1, x2)).
"""

import numpy as np

from dlnotes.checks import as_float_array


# --8<-- [start:perceptron_output]
def perceptron_output(x1, x2, w, b):
    """Output of a two-input perceptron: 1 if w[0]*x1 + w[1]*x2 + b > 0, else 0.

    ``x1`` and ``x2`` are numbers or arrays of the same shape (one gate input per element);
    the result is an int array of that shape (0-d for numbers).
    """
    x1, x2 = as_float_array(x1, "x1", allow_inf=False), as_float_array(x2, "x2", allow_inf=False)
    if x1.shape != x2.shape:
        raise ValueError(f"x1 and x2 must have the same shape, got {x1.shape} and {x2.shape}")
    return (w[0] * x1 + w[1] * x2 + b > 0).astype(np.int64)
# --8<-- [end:perceptron_output]


# --8<-- [start:gates]
def AND(x1, x2):
    """AND gate: 1 only when both inputs are 1."""
    return perceptron_output(x1, x2, w=(0.5, 0.5), b=-0.7)


def NAND(x1, x2):
    """NAND gate (NOT AND): the AND perceptron with every sign flipped."""
    return perceptron_output(x1, x2, w=(-0.5, -0.5), b=0.7)


def OR(x1, x2):
    """OR gate: 1 when at least one input is 1."""
    return perceptron_output(x1, x2, w=(0.5, 0.5), b=-0.2)
# --8<-- [end:gates]


# --8<-- [start:xor]
def XOR(x1, x2):
    """XOR gate: a two-layer perceptron, AND of NAND and OR."""
    s1 = NAND(x1, x2)  # hidden layer, neuron 1
    s2 = OR(x1, x2)  # hidden layer, neuron 2
    return AND(s1, s2)  # output layer
# --8<-- [end:xor]


class NotLinearlySeparableError(RuntimeError):
    """Raised when the perceptron learning rule finds no separating line in its epochs."""


# --8<-- [start:Perceptron]
class Perceptron:
    """A single perceptron trained with the perceptron learning rule.

    For each sample x with label t (0 or 1) and prediction y, the rule updates
    ``w += lr * (t - y) * x`` and ``b += lr * (t - y)``. If the data are linearly separable,
    it stops after finitely many updates (the perceptron convergence theorem).

    Parameters
    ----------
    lr : float
        The learning rate, > 0.
    max_epochs : int
        Passes over the data before giving up with :class:`NotLinearlySeparableError`.
    """

    def __init__(self, lr=0.1, max_epochs=100):
        if isinstance(lr, bool) or not isinstance(lr, (int, float, np.number)) or not 0 < lr < np.inf:
            raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
        if isinstance(max_epochs, bool) or not isinstance(max_epochs, (int, np.integer)) or max_epochs < 1:
            raise ValueError(f"max_epochs must be an int >= 1, got {max_epochs!r}")
        self.lr = lr
        self.max_epochs = max_epochs
        self.w = None
        self.b = 0.0
        self.errors_per_epoch = []  # misclassified samples in each epoch

    def predict(self, X):
        """Return 0/1 predictions: shape (N,) for X of shape (N, n_inputs), 0-d for one sample."""
        X = as_float_array(X, "X")
        if self.w is None:
            raise RuntimeError("this Perceptron is not trained yet: call fit(X, t) first")
        if X.shape[-1:] != self.w.shape:
            raise ValueError(f"X must have {self.w.size} inputs per sample, got shape {X.shape}")
        return (X @ self.w + self.b > 0).astype(np.int64)

    def fit(self, X, t):
        """Learn w and b from samples X (N, n_inputs) and labels t (N,) of 0s and 1s.

        Returns self. Raises NotLinearlySeparableError if some samples are still
        misclassified after ``max_epochs`` epochs (XOR, for example).
        """
        X, t = as_float_array(X, "X"), as_float_array(t, "t")
        if X.ndim != 2 or t.shape != X.shape[:1]:
            raise ValueError(f"X must be (N, n_inputs) and t (N,), got {X.shape} and {t.shape}")
        if not np.isin(t, (0, 1)).all():
            raise ValueError("t must contain only 0 and 1 labels")
        self.w, self.b = np.zeros(X.shape[1], dtype=X.dtype), 0.0
        self.errors_per_epoch = []
        for _ in range(self.max_epochs):
            errors = 0
            for x_i, t_i in zip(X, t):
                error = t_i - self.predict(x_i)  # -1, 0 or +1
                self.w += self.lr * error * x_i
                self.b += self.lr * error
                errors += int(error != 0)
            self.errors_per_epoch.append(errors)
            if errors == 0:
                return self
        raise NotLinearlySeparableError(
            f"no separating line found in {self.max_epochs} epochs ({errors} of {len(t)} samples "
            "still misclassified): the classes are probably not linearly separable (XOR is the "
            "classic case) and need a hidden layer; if they are separable with a small margin, "
            "raise max_epochs"
        )
# --8<-- [end:Perceptron]
