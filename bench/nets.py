"""dlnotes' NumPy networks against themselves and against PyTorch, measured side by side.

Prints, in one run, on this machine:
  1. inference with the pretrained weights: one image at a time vs batches of 100 vs all at once;
  2. gradients of a small net: backpropagation vs the numerical gradient;
  3. one training step of the pretrained architecture (784-400-200-10, batch 100, float32), dlnotes
     vs PyTorch eager on the CPU with the same weights and batch: the gradient (forward + backward)
     and the whole step (gradient + an SGD update), if torch is installed (pip install torch==2.13.0);
  4. batch inference of the pretrained MLP on the sample's 5,000 images in GFLOP/s, against the
     machine's float32 matrix-multiply rate measured here with a plain ``a @ b`` of the first
     layer's size: the fraction of the matmul rate that inference reaches;
  5. softmax on a (1000, 10) batch: dlnotes vs the naive formula vs PyTorch;
  6. one training epoch of SimpleConvNet (the book's CNN, defaults, float32) over the sample's
     4,000 training images, batch 100, SGD, dlnotes vs the same net in PyTorch eager
     (conv2d, max_pool2d) with the same initial weights and batches; then where dlnotes' training
     step spends its time, layer by layer (forward and backward of each layer).
Timings are the best of several runs; the two sides of a comparison are run in turn, so a busy
moment of a shared machine slows both. Run: python bench/nets.py

On a busy machine, ``--threads 1`` runs NumPy's BLAS and PyTorch on one thread each and times
CPU seconds of this process instead of wall-clock seconds: the work each side does, which other
programs hardly change (it needs threadpoolctl, part of the learn extra).
"""

import argparse
import contextlib
import os
import time

import numpy as np

from dlnotes.activations import softmax
from dlnotes.mnist import load_mnist
from dlnotes.nets import MultiLayerNet, TwoLayerNet
from dlnotes.optimizers import SGD
from dlnotes.pretrained import load_pretrained


def best_of(fn, repeats=5, number=1):
    """Best time of ``repeats`` runs of ``number`` calls, per call, in seconds."""
    return side_by_side([fn], repeats, number)[0]


CLOCK = time.perf_counter  # time.process_time with --threads 1


def side_by_side(fns, repeats=5, number=1):
    """Best time per call of each function, the functions taking turns (one run each per round)."""
    best = [float("inf")] * len(fns)
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            start = CLOCK()
            for _ in range(number):
                fn()
            best[i] = min(best[i], (CLOCK() - start) / number)
    return best


def row(name, seconds, base, extra=""):
    print(f"  {name:48s} {seconds * 1e3:10.3f} ms   {seconds / base:8.2f}x{extra}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for BLAS and PyTorch; 1 also times CPU seconds")
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed: pip install torch==2.13.0 to compare")
        torch = None
    limit = contextlib.nullcontext()
    if args.threads is not None:
        from threadpoolctl import threadpool_limits

        limit = threadpool_limits(args.threads, user_api="blas")
        if torch is not None:
            torch.set_num_threads(args.threads)
        if args.threads == 1:
            global CLOCK
            CLOCK = time.process_time
    with limit:
        run(torch)


def run(torch):
    (x_train, t_train), (x, t) = load_mnist(source="sample", verbose=False)  # 4,000 + 1,000
    model = load_pretrained()
    load = os.getloadavg()[0]
    clock = "CPU" if CLOCK is time.process_time else "wall-clock"
    print(f"load average (1 min) at the start: {load:.2f} on {os.cpu_count()} cores; "
          f"{clock} time")

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

    print("3. one training step, 784-400-200-10, batch 100, float32 (ratio to PyTorch):")
    ours = MultiLayerNet(784, [400, 200], 10, dtype=np.float32, rng=0)
    sgd = SGD(lr=1e-4)  # small steps: the weights hardly move over the repeats
    xb, tb = x[:100], t[:100]

    def ours_step():
        sgd.update(ours.params, ours.gradient(xb, tb))

    fns = [lambda: ours.gradient(xb, tb), ours_step]
    if torch is not None:
        params = [torch.tensor(ours.params[key], requires_grad=True)
                  for key in ("W1", "b1", "W2", "b2", "W3", "b3")]
        W1, b1, W2, b2, W3, b3 = params
        xt, tt = torch.tensor(xb), torch.tensor(tb)
        optimizer = torch.optim.SGD(params, lr=1e-4)

        def torch_gradient():  # the same net, eager: no input gradient, as in dlnotes
            optimizer.zero_grad()
            h = torch.relu(xt @ W1 + b1)
            h = torch.relu(h @ W2 + b2)
            torch.nn.functional.cross_entropy(h @ W3 + b3, tt).backward()

        def torch_step():
            torch_gradient()
            optimizer.step()

        fns += [torch_gradient, torch_step]
    times = side_by_side(fns, repeats=40, number=5)  # many short turns: quiet moments count
    base = times[2:] if torch is not None else times[:2]
    row("dlnotes gradient (forward + backward)", times[0], base[0])
    row("dlnotes step (gradient + SGD update)", times[1], base[1])
    if torch is not None:
        threads = torch.get_num_threads()
        name = f"PyTorch {torch.__version__} ({threads} thread{'s' * (threads > 1)})"
        row(f"{name} gradient", times[2], base[0])
        row(f"{name} step", times[3], base[1])

    print("4. batch inference vs the float32 matmul rate (GFLOP/s, multiply-adds count 2):")
    images = np.concatenate([x_train, x])  # 5,000 images (N, 784), float32
    sizes = model.net.sizes
    flops = 2 * len(images) * sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    rng = np.random.default_rng(0)
    a = rng.random((len(images), sizes[0]), dtype=np.float32)
    b = rng.random((sizes[0], sizes[1]), dtype=np.float32)
    matmul, scores, probs = side_by_side(
        [lambda: a @ b, lambda: model.net.predict(images), lambda: model.predict(images)], repeats=15)
    rate = 2 * a.shape[0] * a.shape[1] * b.shape[1] / matmul / 1e9
    print(f"  {'a @ b, (5000, 784) @ (784, 400)':48s} {matmul * 1e3:10.3f} ms "
          f"{rate:8.1f} GFLOP/s")
    for name, seconds in (("model.net.predict (scores)", scores),
                          ("model.predict (checks + probabilities)", probs)):
        gflops = flops / seconds / 1e9
        print(f"  {name:48s} {seconds * 1e3:10.3f} ms {gflops:8.1f} GFLOP/s "
              f"= {gflops / rate:.0%} of a @ b")

    print("5. softmax of a (1000, 10) batch:")
    scores = np.random.default_rng(0).standard_normal((1000, 10))
    stable = best_of(lambda: softmax(scores), number=100)
    row("dlnotes softmax (checked, max-shifted)", stable, stable)
    row("naive np.exp(x) / sum (no checks, can overflow)",
        best_of(lambda: np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True), number=100),
        stable)
    if torch is not None:
        st = torch.tensor(scores)
        row("torch.softmax", best_of(lambda: torch.softmax(st, dim=1), number=100), stable)
    cnn_epoch(x_train, t_train, torch)
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.2f}")


def cnn_epoch(x_train, t_train, torch):
    """Section 6: one epoch of SimpleConvNet, dlnotes vs PyTorch, same weights and batches."""
    try:
        from dlnotes.conv import SimpleConvNet
    except ImportError:
        print("6. (no dlnotes.conv in this version of dlnotes: no CNN epoch)")
        return
    print("6. one epoch of SimpleConvNet (30 5x5 filters, 100 hidden), float32, "
          "4,000 images, batch 100, SGD:")
    images, labels = x_train.reshape(-1, 1, 28, 28), t_train
    order = np.random.default_rng(0).permutation(len(images))
    batches = [order[i:i + 100] for i in range(0, len(order), 100)]
    net = SimpleConvNet(dtype=np.float32, rng=0)
    keys = ("W1", "b1", "W2", "b2", "W3", "b3")
    start = {key: net.params[key].copy() for key in keys}  # PyTorch starts from these
    sgd = SGD(lr=0.1)

    def ours_epoch():
        for batch in batches:
            sgd.update(net.params, net.gradient(images[batch], labels[batch]))

    fns = [ours_epoch]
    if torch is not None:
        F = torch.nn.functional
        params = [torch.tensor(start[key], requires_grad=True) for key in keys]
        W1, b1, W2, b2, W3, b3 = params
        optimizer = torch.optim.SGD(params, lr=0.1)
        xt, tt = torch.tensor(images), torch.tensor(labels)
        torch_batches = [torch.tensor(batch) for batch in batches]

        def torch_epoch():
            for batch in torch_batches:
                optimizer.zero_grad()
                h = F.max_pool2d(torch.relu(F.conv2d(xt[batch], W1, b1)), 2, 2)
                h = torch.relu(h.flatten(1) @ W2 + b2)
                F.cross_entropy(h @ W3 + b3, tt[batch]).backward()
                optimizer.step()

        fns.append(torch_epoch)
    repeats = 3
    times = side_by_side(fns, repeats=repeats)
    base = times[-1]
    row("dlnotes SimpleConvNet epoch (gradient + SGD)", times[0], base)
    if torch is not None:
        row(f"PyTorch {torch.__version__} eager, same net", times[1], base)
    check = f"dlnotes {net.accuracy(images, labels):.3f}"
    if torch is not None:
        with torch.no_grad():
            h = F.max_pool2d(torch.relu(F.conv2d(xt, W1, b1)), 2, 2)
            scores = torch.relu(h.flatten(1) @ W2 + b2) @ W3 + b3
        check += f", PyTorch {(scores.argmax(1) == tt).float().mean().item():.3f}"
    print(f"  training accuracy after {repeats} epochs each: {check} (the same steps)")
    profile(net, images[batches[0]], labels[batches[0]])


def profile(net, x, t, steps=20):
    """Time each layer's forward and backward within net.gradient(x, t): the best of
    ``steps`` steps, per layer, beside the best whole step (no SGD update)."""
    times = {}

    def timed(name, method):
        def call(*args):
            start = CLOCK()
            result = method(*args)
            times[name] = min(times.get(name, float("inf")), CLOCK() - start)
            return result
        return call

    layers = [*net.layers, net.last_layer]
    names = [f"{i}:{type(layer).__name__}" for i, layer in enumerate(layers)]
    for name, layer in zip(names, layers):  # on the instances: the classes stay untouched
        layer.forward = timed(f"{name}.forward", layer.forward)
        layer.backward = timed(f"{name}.backward", layer.backward)
    step = best_of(lambda: net.gradient(x, t), repeats=steps)
    for layer in layers:
        del layer.forward, layer.backward
    print(f"  where one dlnotes step (net.gradient, batch 100) spends its time, best of {steps}:")
    for name in [n + ".forward" for n in names] + [n + ".backward" for n in reversed(names)]:
        print(f"    {name:46s} {times[name] * 1e3:10.3f} ms {times[name] / step:8.0%}")
    print(f"    {'the whole step':46s} {step * 1e3:10.3f} ms {1:8.0%}")


if __name__ == "__main__":
    main()
