"""Mini-batch training of any network with ``gradient``, ``loss``, ``accuracy`` and ``params``.

Each iteration draws a mini-batch, computes the gradients by backpropagation and lets the
optimizer update the parameters in place. After each epoch (one pass's worth of samples) it
records the loss and accuracy on the training and test data. Seeded: the same seed, the same run.
"""

import numpy as np

from dlnotes.optimizers import make_optimizer
from dlnotes.progress import ProgressBar


# --8<-- [start:random_shift]
def random_shift(x, rng, max_shift=2):
    """Data augmentation: shift each 28x28 image (rows of 784) up to max_shift pixels.

    The digit stays a digit when moved a little, so the network sees more variety than
    the training set holds. Returns a new array; x is (N, 784) or (N, 1, 28, 28).
    """
    images = x.reshape(-1, 28, 28)
    out = np.zeros_like(images)
    shifts = rng.integers(-max_shift, max_shift + 1, size=(len(images), 2))
    for i, (dy, dx) in enumerate(shifts):
        src = images[i, max(0, -dy):28 - max(0, dy), max(0, -dx):28 - max(0, dx)]
        top, left = max(0, dy), max(0, dx)
        out[i, top:top + src.shape[0], left:left + src.shape[1]] = src
    return out.reshape(x.shape)
# --8<-- [end:random_shift]


# --8<-- [start:Trainer]
class Trainer:
    """Train ``network`` with mini-batch gradient descent and keep the history.

    Parameters
    ----------
    network : MultiLayerNet, TwoLayerNet or SimpleConvNet
        Anything with params, gradient, loss and accuracy, whose last_layer keeps the
        loss of its last forward pass in ``loss`` (as SoftmaxWithLoss does).
    x_train, t_train, x_test, t_test : arrays
        Data; t as class indices or one-hot.
    epochs, batch_size : int
    optimizer : str or optimizer object
        'sgd', 'momentum', 'adagrad', 'rmsprop', 'adam', or an object with
        update(params, grads).
    optimizer_param : dict
        Keyword arguments for a named optimizer, e.g. {"lr": 0.01}.
    eval_sample : int or None
        Evaluate on at most this many samples per epoch (faster), None for all.
    augment : callable (x_batch, rng) -> x_batch, optional
        Data augmentation applied to each training mini-batch.
    rng : numpy Generator or seed
        For mini-batch sampling and augmentation.
    verbose : bool
        Show a progress bar and a line per epoch on stderr.
    """

    def __init__(self, network, x_train, t_train, x_test, t_test, epochs=20,
                 batch_size=100, optimizer="sgd", optimizer_param=None,
                 eval_sample=None, augment=None, rng=None, verbose=True):
        if len(x_train) != len(t_train) or len(x_test) != len(t_test):
            raise ValueError(f"x and t lengths differ: train {len(x_train)}/"
                             f"{len(t_train)}, test {len(x_test)}/{len(t_test)}")
        self.network = network
        self.x_train, self.t_train = x_train, t_train
        self.x_test, self.t_test = x_test, t_test
        self.epochs, self.batch_size = epochs, min(batch_size, len(x_train))
        if isinstance(optimizer, str):
            optimizer = make_optimizer(optimizer, **(optimizer_param or {}))
        self.optimizer = optimizer
        self.eval_sample, self.augment, self.verbose = eval_sample, augment, verbose
        self.rng = np.random.default_rng(rng)
        self.iter_per_epoch = max(len(x_train) // self.batch_size, 1)
        # A fixed random subset for eval_sample (not the first rows, which may be
        # ordered), from its own generator: the training batches do not depend on it.
        self.eval_train = self.eval_test = None
        if eval_sample is not None:
            subset = np.random.default_rng(0)
            self.eval_train = subset.permutation(len(x_train))[:eval_sample]
            self.eval_test = subset.permutation(len(x_test))[:eval_sample]
        self.history = {"train_loss": [], "epoch_train_loss": [], "train_acc": [],
                        "test_loss": [], "test_acc": []}

    def train_step(self):
        batch = self.rng.choice(len(self.x_train), self.batch_size, replace=False)
        x, t = self.x_train[batch], self.t_train[batch]
        if self.augment is not None:
            x = self.augment(x, self.rng)
        grads = self.network.gradient(x, t)
        # This batch's data loss, kept by the loss layer in gradient's forward pass
        # (before the update, dropout active): no second forward pass to record it.
        loss = float(self.network.last_layer.loss)
        self.optimizer.update(self.network.params, grads)
        self.history["train_loss"].append(loss)
        return loss

    def evaluate(self):
        """Record loss and accuracy on (a sample of) the training and test data."""
        for part, x, t, subset in (
                ("train", self.x_train, self.t_train, self.eval_train),
                ("test", self.x_test, self.t_test, self.eval_test)):
            if subset is not None:
                x, t = x[subset], t[subset]
            key = "epoch_train_loss" if part == "train" else "test_loss"
            self.history[key].append(float(self.network.loss(x, t)))
            self.history[f"{part}_acc"].append(self.network.accuracy(x, t))

    def train(self):
        """Run every epoch; return the history (train_loss per step, rest per epoch)."""
        bar = None
        if self.verbose:
            bar = ProgressBar(total=self.epochs * self.iter_per_epoch, desc="training",
                              unit="iterations")
        for epoch in range(1, self.epochs + 1):
            for _ in range(self.iter_per_epoch):
                self.train_step()
                if bar:
                    bar.update(1)
            self.evaluate()
            if self.verbose and not bar.file.isatty():
                h = self.history
                print(f"epoch {epoch}/{self.epochs}: "
                      f"train acc {h['train_acc'][-1]:.4f}, "
                      f"test acc {h['test_acc'][-1]:.4f}, "
                      f"test loss {h['test_loss'][-1]:.4f}", file=bar.file)
        if bar:
            bar.close()
        return self.history
# --8<-- [end:Trainer]
