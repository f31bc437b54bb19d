"""Convolutional networks: im2col, Convolution, Pooling, SimpleConvNet and ConvNet.

Images come in batches (N, C, H, W): N images of C channels, H rows and W columns.
A convolution slides FN filters of shape (C, FH, FW) over them. ``im2col`` turns every
patch that a filter sees into one row of a matrix, so that the whole convolution
becomes a single matrix product; ``col2im`` goes back, adding each row's entries into
the pixels they came from (it is the adjoint of im2col, which is what backward needs).
Layers have ``forward(x)`` / ``backward(dout)`` and keep ``dW`` / ``db``, as in
:mod:`dlnotes.layers`.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from dlnotes.checks import as_float_array
from dlnotes.gradient import numerical_gradient
from dlnotes.layers import Affine, Dropout, Relu, SoftmaxWithLoss
from dlnotes.losses import labels_like
from dlnotes.nets import init_scale


def check_images(x, name="x", shape=(None, None, None)):
    """Return ``x`` as a finite float array (N, C, H, W), or raise an error naming axes.

    ``shape`` is the expected (C, H, W); None accepts any size on that axis.
    """
    x = as_float_array(x, name, allow_inf=False)
    if x.ndim == 4 and all(s is None or s == n for s, n in zip(shape, x.shape[1:])):
        return x
    want = ", ".join(axis if s is None else str(s) for axis, s in zip("CHW", shape))
    if x.ndim == 2 and None not in shape and x.shape[1] == np.prod(shape):
        hint = f"images as rows? use x.reshape(-1, {want})"
    elif x.ndim == len(shape) == 3:
        hint = "one image? use x[None] to make a batch of one"
    elif x.ndim == 4:
        hint = "N is free; C, H and W must match"
    else:
        hint = "a batch of images has four axes"
    raise ValueError(f"{name} must be (N, C, H, W) = (N, {want}), got {x.shape}: "
                     f"{hint}")


def check_stride_pad(stride, pad):
    """Raise a ValueError unless stride is an int >= 1 and pad an int >= 0."""
    for name, value, least in (("stride", stride, 1), ("pad", pad, 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
                or value < least:
            raise ValueError(f"{name} must be an int >= {least}, got {value!r}")


# --8<-- [start:output_size]
def output_size(input_size, filter_size, stride=1, pad=0):
    """Output height (or width) of a convolution or pooling: (H + 2P - FH) / S + 1.

    Raises a ValueError when the filter does not fit a whole number of times: then some
    pixels would silently be skipped.

    Examples
    --------
    >>> output_size(28, 5)  # 28 - 5 + 1
    24
    >>> output_size(28, 3, stride=1, pad=1)  # 'same' padding keeps the size
    28
    """
    check_stride_pad(stride, pad)
    span = input_size + 2 * pad - filter_size  # how far the filter can move
    if span < 0:
        raise ValueError(f"a filter of size {filter_size} does not fit an input of "
                         f"size {input_size} with pad {pad}")
    if span % stride:
        raise ValueError(f"(H + 2P - FH) / S = ({input_size} + 2*{pad} - "
                         f"{filter_size}) / {stride} is not a whole number: change the "
                         "pad or the stride")
    return span // stride + 1
# --8<-- [end:output_size]


# --8<-- [start:im2col]
def im2col(input_data, filter_h, filter_w, stride=1, pad=0):
    """Every filter_h x filter_w patch of the images, one patch per row.

    Parameters
    ----------
    input_data : numpy.ndarray, shape (N, C, H, W)
    filter_h, filter_w : int
        Patch (filter) size.
    stride, pad : int
        Step between patches; zeros added around each image first.

    Returns
    -------
    numpy.ndarray, shape (N * out_h * out_w, C * filter_h * filter_w)
        Row ``(n, i, j)`` holds the patch under the filter at output pixel (i, j) of
        image n, channel by channel. Same dtype as ``input_data``; a new array, stored
        column by column (the transpose of a C-ordered array).
    """
    if np.ndim(input_data) != 4:
        raise ValueError("input_data must be (N, C, H, W), got shape "
                         f"{np.shape(input_data)}")
    N, C, H, W = input_data.shape
    out_h = output_size(H, filter_h, stride, pad)
    out_w = output_size(W, filter_w, stride, pad)
    img = input_data
    if pad:  # zeros around each image
        img = np.pad(img, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
    # A view of every patch, no copy: (N, C, H', W', filter_h, filter_w)
    patches = sliding_window_view(img, (filter_h, filter_w), axis=(2, 3))
    patches = patches[:, :, ::stride, ::stride]  # (N, C, out_h, out_w, fh, fw)
    # The one copy, column by column: column (c, y, x) is pixel (y, x) of every patch,
    # and those lie side by side in the image, so whole image rows move at once (row
    # by row, the copy would move only filter_w numbers at a time: ~4x slower).
    col_T = patches.transpose(1, 4, 5, 0, 2, 3)  # (C, fh, fw, N, out_h, out_w)
    col_T = col_T.reshape(C * filter_h * filter_w, N * out_h * out_w)
    return col_T.T  # rows (n, i, j), columns (c, y, x): a transposed view, no copy
# --8<-- [end:im2col]


# --8<-- [start:col2im]
def col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    """The adjoint of im2col: add each row's entries back into the pixels they came from

    A pixel that lies in several patches receives the sum of their entries, so
    ``sum(im2col(x) * y) == sum(x * col2im(y, x.shape))`` for any x and y: exactly what
    backward needs to turn dL/dcol into dL/dx.

    Parameters
    ----------
    col : numpy.ndarray, shape (N * out_h * out_w, C * filter_h * filter_w)
    input_shape : tuple (N, C, H, W)
        Shape of the images that im2col was given.
    filter_h, filter_w, stride, pad : int
        As for im2col.

    Returns
    -------
    numpy.ndarray, shape (N, C, H, W), the dtype of ``col``
    """
    N, C, H, W = input_shape
    out_h = output_size(H, filter_h, stride, pad)
    out_w = output_size(W, filter_w, stride, pad)
    if np.shape(col) != (N * out_h * out_w, C * filter_h * filter_w):
        raise ValueError(f"col must be (N*out_h*out_w, C*FH*FW) = "
                         f"({N * out_h * out_w}, {C * filter_h * filter_w}) for "
                         f"input_shape {tuple(input_shape)}, got {np.shape(col)}")
    col = col.reshape(N, out_h, out_w, C, filter_h, filter_w)
    col = col.transpose(0, 3, 4, 5, 1, 2)  # (N, C, filter_h, filter_w, out_h, out_w)
    img = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=col.dtype)
    # One vectorised add per filter offset (y, x): entry (y, x) of the patch at output
    # pixel (i, j) came from padded pixel (y + stride * i, x + stride * j).
    for y in range(filter_h):
        y_max = y + stride * out_h
        for x in range(filter_w):
            x_max = x + stride * out_w
            img[:, :, y:y_max:stride, x:x_max:stride] += col[:, :, y, x]
    return img[:, :, pad:H + pad, pad:W + pad]  # drop the padding
# --8<-- [end:col2im]


# --8<-- [start:Convolution]
class Convolution:
    """Convolution layer: FN filters W (FN, C, FH, FW) and biases b (FN,).

    forward turns x (N, C, H, W) into (N, FN, out_h, out_w): im2col, then one matrix
    product. ``need_dx=False`` skips dL/dx in backward (which then returns None), as in
    Affine: for a first layer, whose x is the data, it is never used.
    """

    def __init__(self, W, b, stride=1, pad=0, need_dx=True):
        if np.ndim(W) != 4 or np.shape(b) != np.shape(W)[:1]:
            raise ValueError("W must be (FN, C, FH, FW) and b (FN,), got W "
                             f"{np.shape(W)} and b {np.shape(b)}")
        check_stride_pad(stride, pad)
        self.W, self.b, self.stride, self.pad, self.need_dx = W, b, stride, pad, need_dx
        self.x_shape = self.col = self.col_W = None
        self.dW = self.db = None

    def forward(self, x):
        FN, C, FH, FW = self.W.shape
        x = check_images(x, "x", (C, None, None))
        N, _, H, W = x.shape
        out_h = output_size(H, FH, self.stride, self.pad)
        out_w = output_size(W, FW, self.stride, self.pad)
        self.x_shape = x.shape
        self.col = im2col(x, FH, FW, self.stride, self.pad)  # (N*out_h*out_w, C*FH*FW)
        self.col_W = self.W.reshape(FN, -1).T  # one filter per column: (C*FH*FW, FN)
        rows = self.col.reshape(N, out_h * out_w, -1)  # the rows of each image (a view)
        # The book's col @ col_W + b, image by image and transposed: for each image,
        # (FN, C*FH*FW) @ (C*FH*FW, out_h*out_w) gives its FN maps one after the other,
        # already in (N, FN, ...) order (the book's (N*out_h*out_w, FN) needs a slow
        # transposing copy); @ runs the N products in one call
        out = self.col_W.T @ rows.transpose(0, 2, 1)  # (N, FN, out_h*out_w)
        out += self.b[:, None]  # into the product's own array, as in Affine
        return out.reshape(N, FN, out_h, out_w)

    def backward(self, dout):
        FN, C, FH, FW = self.W.shape
        N = dout.shape[0]
        dout = dout.reshape(N, FN, -1)  # (N, FN, out_h*out_w), like out
        rows = self.col.reshape(N, -1, C * FH * FW)
        self.db = np.sum(dout, axis=(0, 2))
        # the book's (col.T @ dout).T, image by image, summed over the images
        self.dW = np.sum(dout @ rows, axis=0).reshape(FN, C, FH, FW)
        if not self.need_dx:  # first layer: nobody needs the gradient of the data
            return None
        dout = dout.transpose(1, 0, 2).reshape(FN, -1)  # (FN, N*out_h*out_w)
        # the book's dout @ col_W.T, transposed: col2im then reads whole rows
        dcol = (self.col_W @ dout).T  # (N*out_h*out_w, C*FH*FW), like col
        return col2im(dcol, self.x_shape, FH, FW, self.stride, self.pad)
# --8<-- [end:Convolution]


# --8<-- [start:Pooling]
class Pooling:
    """Max pooling: the largest value of each pool_h x pool_w window, per channel.

    x (N, C, H, W) becomes (N, C, out_h, out_w); backward sends each gradient to the
    pixel that was the maximum of its window, and 0 to the others.
    """

    def __init__(self, pool_h, pool_w, stride=2, pad=0):
        check_stride_pad(stride, pad)
        if 2 * pad > min(pool_h, pool_w):
            raise ValueError(f"pad must be at most half the window, got pad {pad} "
                             f"for a {pool_h}x{pool_w} window")
        self.pool_h, self.pool_w, self.stride, self.pad = pool_h, pool_w, stride, pad
        self.x_shape = self.mask = None

    def offsets(self, out_h, out_w):
        """For each offset k = (i, j) in the window: the slices that pick, from every
        window at once, its pixel (i, j) (the loop of col2im, one offset at a time)."""
        s = self.stride
        for k in range(self.pool_h * self.pool_w):
            i, j = divmod(k, self.pool_w)
            yield k, (slice(i, i + s * out_h, s), slice(j, j + s * out_w, s))

    def forward(self, x):
        x = check_images(x, "x")
        N, C, H, W = self.x_shape = x.shape
        out_h = output_size(H, self.pool_h, self.stride, self.pad)
        out_w = output_size(W, self.pool_w, self.stride, self.pad)
        p = self.pad
        # Pad with -inf, not 0: a padded pixel must never be a window's maximum.
        if p:
            x = np.pad(x, [(0, 0), (0, 0), (p, p), (p, p)], constant_values=-np.inf)
        # Row k: pixel k of every window, (pool_h * pool_w, N, C, out_h, out_w). The
        # window's pixels lie on the first axis, so max and == run along whole rows.
        windows = np.stack([x[:, :, rows, cols]
                            for _, (rows, cols) in self.offsets(out_h, out_w)])
        out = windows.max(axis=0)
        self.mask = windows == out  # where the max is (the gradient goes there)
        for k in range(1, len(self.mask)):  # a tie: only the first max, as np.argmax
            self.mask[k] &= ~self.mask[:k].any(axis=0)
        return out

    def backward(self, dout):
        N, C, H, W = self.x_shape
        p = self.pad
        dx = np.zeros((N, C, H + 2 * p, W + 2 * p), dtype=dout.dtype)
        for k, (rows, cols) in self.offsets(*dout.shape[2:]):
            dx[:, :, rows, cols] += dout * self.mask[k]  # only the max gets it
        return dx[:, :, p:H + p, p:W + p]
# --8<-- [end:Pooling]


# --8<-- [start:SimpleConvNet]
class SimpleConvNet:
    """The book's CNN: conv - relu - pool - affine - relu - affine - softmax-with-loss.

    Parameters
    ----------
    input_dim : tuple (C, H, W)
    conv_param : dict
        filter_num, filter_size, pad, stride of the convolution (default 30 filters
        5x5, pad 0, stride 1); a 2x2 max pooling with stride 2 follows it.
    hidden_size, output_size : int
    weight_init_std : float
    dtype : numpy float dtype of the parameters.
    rng : numpy Generator or seed, for the initial weights.
    """

    def __init__(self, input_dim=(1, 28, 28), conv_param=None, hidden_size=100,
                 output_size=10, weight_init_std=0.01, dtype=np.float64, rng=None):
        # None, not a dict, as the default: a default dict would be shared by every net
        conv_param = {"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1,
                      **(conv_param or {})}
        FN, FS = conv_param["filter_num"], conv_param["filter_size"]
        pad, stride = conv_param["pad"], conv_param["stride"]
        C, H, W = self.input_dim = tuple(input_dim)
        # Output-size formula (H + 2P - FH) / S + 1, then a 2x2 pooling halves it
        conv_h = (H + 2 * pad - FS) // stride + 1
        conv_w = (W + 2 * pad - FS) // stride + 1
        pool_output_size = FN * (conv_h // 2) * (conv_w // 2)

        rng = np.random.default_rng(rng)
        self.dtype = np.dtype(dtype)
        shapes = {"W1": (FN, C, FS, FS), "b1": (FN,),
                  "W2": (pool_output_size, hidden_size), "b2": (hidden_size,),
                  "W3": (hidden_size, output_size), "b3": (output_size,)}
        self.params = {}
        for key, shape in shapes.items():
            value = weight_init_std * rng.standard_normal(shape) if key[0] == "W" \
                else np.zeros(shape)
            self.params[key] = value.astype(dtype)
        p = self.params
        self.layers = [
            # need_dx=False: the gradient of the images themselves is never used
            Convolution(p["W1"], p["b1"], stride, pad, need_dx=False),
            Relu(),
            Pooling(pool_h=2, pool_w=2, stride=2),
            Affine(p["W2"], p["b2"]),
            Relu(),
            Affine(p["W3"], p["b3"]),
        ]
        self.last_layer = SoftmaxWithLoss()

    def predict(self, x, train_flg=False):
        """Scores (logits) (N, output_size) for images x (N, C, H, W)."""
        x = check_images(x, "x", self.input_dim).astype(self.dtype, copy=False)
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        """Cross-entropy of softmax(predict(x)) against t (one-hot or class indices)."""
        return self.last_layer.forward(self.predict(x), t)

    def accuracy(self, x, t, batch_size=100):
        """Fraction of images whose highest score is the label, batch_size at a time."""
        t = np.asarray(t)
        t = np.argmax(t, axis=1) if t.ndim != 1 else t
        correct = 0
        for i in range(0, len(x), batch_size):
            y = np.argmax(self.predict(x[i:i + batch_size]), axis=1)
            correct += int(np.sum(y == t[i:i + batch_size]))
        return correct / len(x)

    def numerical_gradient(self, x, t):
        """Gradients by central differences: slow, independent of backward()."""
        t = labels_like(self.predict(x), t)  # one-hot once, not in every one of the loss evaluations
        return {key: numerical_gradient(lambda _: self.loss(x, t), param)
                for key, param in self.params.items()}

    def gradient(self, x, t):
        """Gradients by backpropagation, under the keys of ``params``."""
        self.loss(x, t)  # forward, keeping what backward needs
        dout = self.last_layer.backward(1)
        for layer in reversed(self.layers):
            dout = layer.backward(dout)  # None after the first layer (need_dx=False)
        conv, affine1, affine2 = self.layers[0], self.layers[3], self.layers[5]
        return {"W1": conv.dW, "b1": conv.db, "W2": affine1.dW, "b2": affine1.db,
                "W3": affine2.dW, "b3": affine2.db}
# --8<-- [end:SimpleConvNet]


# --8<-- [start:ConvNet]
class ConvNet:
    """A deeper CNN, built from a list of layers; softmax-with-loss on top.

    Parameters
    ----------
    architecture : list of tuples
        ("conv", FN, FS): FN filters FS x FS, stride 1, padded to keep H and W;
        ("pool", size): max pooling, size x size, stride size; ("affine", n_out);
        ("relu",); ("dropout", ratio). The last affine's n_out is the number of classes.
    input_dim : tuple (C, H, W)
    weight_decay_lambda : float
        L2 penalty 0.5 * lambda * sum(W**2) added to the loss (weight decay).
    dtype : numpy float dtype of the parameters.
    rng : numpy Generator or seed, for the initial weights (He) and dropout.
    """

    def __init__(self, architecture, input_dim=(1, 28, 28), weight_decay_lambda=0.0,
                 dtype=np.float32, rng=None):
        rng = np.random.default_rng(rng)
        self.architecture = [tuple(spec) for spec in architecture]
        self.input_dim, self.dtype = tuple(input_dim), np.dtype(dtype)
        self.weight_decay_lambda = weight_decay_lambda
        self.params, self.layers = {}, []
        C, H, W = self.input_dim  # the shape of one image as it flows through
        for kind, *args in self.architecture:
            i = len(self.params) // 2 + 1  # W1, b1 for the first layer with weights...
            if kind == "conv":  # 'same' padding (pad FS // 2): H and W do not change
                FN, FS = args
                weight, bias = self.add_params(i, (FN, C, FS, FS), C * FS * FS, rng)
                conv = Convolution(weight, bias, pad=FS // 2, need_dx=i > 1)
                self.layers.append(conv)
                C = FN
            elif kind == "affine":
                weight, bias = self.add_params(i, (C * H * W, args[0]), C * H * W, rng)
                self.layers.append(Affine(weight, bias, need_dx=i > 1))
                C, H, W = args[0], 1, 1
            elif kind == "pool":
                size = args[0]
                self.layers.append(Pooling(size, size, stride=size))
                H, W = output_size(H, size, size), output_size(W, size, size)
            elif kind == "relu":
                self.layers.append(Relu())
            elif kind == "dropout":
                self.layers.append(Dropout(args[0], rng))
            else:
                raise ValueError(f"unknown layer {kind!r}: use conv, pool, affine, "
                                 "relu or dropout")
        self.last_layer = SoftmaxWithLoss()

    def add_params(self, i, shape, n_in, rng):
        """Add W{i} (He init: sqrt(2 / n_in) scale) and b{i} (zeros); return both."""
        scale = init_scale("he", n_in, "relu")
        self.params[f"W{i}"] = (scale * rng.standard_normal(shape)).astype(self.dtype)
        self.params[f"b{i}"] = np.zeros(shape[-1] if len(shape) == 2 else shape[0],
                                        dtype=self.dtype)
        return self.params[f"W{i}"], self.params[f"b{i}"]

    def predict(self, x, train_flg=False, batch_size=500):
        """Scores (logits) (N, classes) for images x (N, C, H, W).

        Without training, batch_size images at a time: im2col's matrices stay small.
        """
        x = check_images(x, "x", self.input_dim).astype(self.dtype, copy=False)
        if not train_flg and len(x) > batch_size:
            return np.concatenate([self.predict(x[i:i + batch_size])
                                   for i in range(0, len(x), batch_size)])
        for layer in self.layers:
            if isinstance(layer, Dropout):
                x = layer.forward(x, train_flg)
            else:
                x = layer.forward(x)
        return x

    def loss(self, x, t, train_flg=False):
        """Cross-entropy of softmax(predict(x)) against t, plus the weight decay."""
        loss = self.last_layer.forward(self.predict(x, train_flg), t)
        if self.weight_decay_lambda:
            decay = sum(np.sum(W**2) for key, W in self.params.items() if key[0] == "W")
            loss = loss + 0.5 * self.weight_decay_lambda * decay
        return loss

    def accuracy(self, x, t):
        """Fraction of images whose highest score is the label (t one-hot or indices)"""
        t = np.asarray(t)
        t = np.argmax(t, axis=1) if t.ndim != 1 else t
        return float(np.mean(np.argmax(self.predict(x), axis=1) == t))

    def numerical_gradient(self, x, t):
        """Gradients by central differences: slow, independent of backward()."""
        t = labels_like(self.predict(x), t)  # one-hot once, not in every one of the loss evaluations
        return {key: numerical_gradient(lambda _: self.loss(x, t), param)
                for key, param in self.params.items()}

    def gradient(self, x, t):
        """Gradients by backpropagation, under the keys of ``params``."""
        self.last_layer.forward(self.predict(x, train_flg=True), t)
        dout = self.last_layer.backward(1)
        for layer in reversed(self.layers):
            dout = layer.backward(dout)  # None after the first layer (need_dx=False)
        grads = {}
        weighted = [layer for layer in self.layers
                    if isinstance(layer, (Convolution, Affine))]
        for i, layer in enumerate(weighted, start=1):
            grads[f"W{i}"] = layer.dW
            if self.weight_decay_lambda:  # the gradient of 0.5 * lambda * sum(W**2)
                grads[f"W{i}"] = layer.dW + self.weight_decay_lambda * layer.W
            grads[f"b{i}"] = layer.db
        return grads
# --8<-- [end:ConvNet]
