"""dlnotes' NumPy networks against themselves and against PyTorch, measured side by side.

Prints, in one run, on this machine:
  1. inference with the pretrained weights: one image at a time vs batches of 100 vs all at once;
  2. gradients of a small net: backpropagation vs the numerical gradient;
  3. one training step (forward + backward) of the pretrained architecture, dlnotes vs PyTorch
     (CPU, same float32 weights and batch), if torch is installed (pip install torch==2.13.0);
  4. softmax on a (1000, 10) batch: dlnotes vs the naive formula vs PyTorch.
Run: python bench/nets.py
"""

import time

import numpy as np

from dlnotes.activations import softmax
from dlnotes.mnist import load_mnist
from dlnotes.nets import MultiLayerNet, TwoLayerNet
from dlnotes.pretrained import load_pretrained


def best_of(fn, repeats=5, number=1):
    """Best time of ``repeats`` runs of ``number`` calls, per call, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return min(times)


def row(name, seconds, base):
    print(f"  {name:44s} {seconds * 1e3:10.3f} ms   {seconds / base:8.2f}x")


def main():
    _, (x, t) = load_mnist(source="sample", verbose=False)  # 1,000 held-out images
    model = load_pretrained()

    print("1. inference, pretrained 784-400-200-10 MLP, 1,000 images (per 1,000 images):")
    one = best_of(lambda: [model.predict(x[i:i + 1]) for i in range(len(x))], repeats=3)
    hundred = best_of(lambda: [model.predict(x[i:i + 100]) for i in range(0, len(x), 100)])
    whole = best_of(lambda: model.predict(x))
    row("one image at a time", one, whole)
    row("batches of 100", hundred, whole)
    row("all 1,000 at once", whole, whole)

    print("2. gradients of TwoLayerNet(784, 10, 10) on 3 images:")
    net = TwoLayerNet(784, 10, 10, rng=0)
    backprop = best_of(lambda: net.gradient(x[:3], t[:3]))
    numerical = best_of(lambda: net.numerical_gradient(x[:3], t[:3]), repeats=1)
    row("backpropagation", backprop, backprop)
    row("numerical gradient (central differences)", numerical, backprop)

    print("3. one training step (forward + backward), 784-400-200-10, batch 100, float32:")
    ours = MultiLayerNet(784, [400, 200], 10, dtype=np.float32, rng=0)
    xb, tb = x[:100], t[:100]
    ours_time = best_of(lambda: ours.gradient(xb, tb), repeats=5, number=10)
    row("dlnotes (NumPy)", ours_time, ours_time)
    try:
        import torch
    except ImportError:
        print("  PyTorch is not installed: pip install torch==2.13.0 to compare")
        torch = None
    if torch is not None:
        params = {k: torch.tensor(v, requires_grad=True) for k, v in ours.params.items()}
        xt, tt = torch.tensor(xb), torch.tensor(tb)

        def torch_step():
            for p in params.values():
                p.grad = None
            h = torch.relu(xt @ params["W1"] + params["b1"])
            h = torch.relu(h @ params["W2"] + params["b2"])
            torch.nn.functional.cross_entropy(h @ params["W3"] + params["b3"], tt).backward()

        row(f"PyTorch {torch.__version__} (CPU, {torch.get_num_threads()} threads)",
            best_of(torch_step, repeats=5, number=10), ours_time)

    print("4. softmax of a (1000, 10) batch:")
    scores = np.random.default_rng(0).standard_normal((1000, 10))
    stable = best_of(lambda: softmax(scores), number=100)
    row("dlnotes softmax (checked, max-shifted)", stable, stable)
    row("naive np.exp(x) / sum (no checks, can overflow)",
        best_of(lambda: np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True), number=100), stable)
    if torch is not None:
        st = torch.tensor(scores)
        row("torch.softmax", best_of(lambda: torch.softmax(st, dim=1), number=100), stable)


if __name__ == "__main__":
    main()
