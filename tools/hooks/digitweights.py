"""The shipped MLP's weights as a compact static asset for the draw-a-digit page (MkDocs hook).

The page (docs/draw.*.md) runs the network in the reader's browser (docs/assets/draw.js). The
package's float32 weights are 1.6 MB; this hook writes them once per build as
``assets/digit/mnist-mlp.bin``: each weight matrix as int8 with one float32 scale per column
(output unit), ``W[i, j] ~ q[i, j] * scale[j]`` with ``scale[j] = max_i |W[i, j]| / 127``, and
the biases as float32. About 400 KB, fetched by the page's script only (not at first load).

File layout (little-endian)::

    b"DLW1", uint32 header length H, H bytes of UTF-8 JSON, then the arrays the header lists
    (each at its byte offset from the start of the file, offsets multiples of 4).

The header says what the forward pass is: ``layers`` (Affine, ReLU, then the test-time dropout
scale 1 - ratio after each hidden ReLU, as ``MultiLayerNet.predict`` does) and where each array is.

It also adds the page's script and stylesheet, ``assets/draw.js`` and ``assets/draw.css``, to the
draw page only, with the relative URL of the weights in the page's ``data-weights`` attribute.
"""

import json
import re
import struct

import numpy as np
from mkdocs.utils import get_relative_url

from dlnotes.pretrained import load_pretrained

ASSET = "assets/digit/mnist-mlp.bin"
SCRIPT = "assets/draw.js"
STYLE = "assets/draw.css"
MAGIC = b"DLW1"
PAGE = re.compile(r"^draw(\.[a-z]{2})?\.md$")

_root_site_dir = None  # the site of the outer (default-language) build


def quantize(W):
    """int8 q and float32 per-column scales with ``q * scale`` close to ``W`` (2-D)."""
    W = np.asarray(W, dtype=np.float32)
    scale = np.abs(W).max(axis=0) / 127
    scale = np.where(scale > 0, scale, 1).astype(np.float32)  # an all-zero column stays zero
    q = np.clip(np.rint(W / scale), -127, 127).astype(np.int8)
    return q, scale


def export_mlp(model=None):
    """The asset's bytes for a PretrainedModel of an MLP (default: the shipped one)."""
    model = model or load_pretrained("mlp")
    config, params = model.config, model.net.params
    sizes = [config["input_size"], *config["hidden"], config["output_size"]]
    if config.get("activation") != "relu":
        raise ValueError(f"draw.js implements ReLU only, the model uses {config.get('activation')!r}")
    keep = 1.0 - float(config.get("dropout", 0.0))  # test-time dropout scale
    arrays, layers = [], []
    for n in range(1, len(sizes)):
        q, scale = quantize(params[f"W{n}"])
        if q.shape != (sizes[n - 1], sizes[n]):
            raise ValueError(f"W{n} has shape {q.shape}, the recipe says {(sizes[n - 1], sizes[n])}")
        layers.append({"type": "affine", "in": sizes[n - 1], "out": sizes[n], "W": f"W{n}",
                       "scale": f"scale{n}", "b": f"b{n}"})
        arrays += [(f"scale{n}", scale), (f"b{n}", np.asarray(params[f"b{n}"], np.float32)),
                   (f"W{n}", q)]
        if n < len(sizes) - 1:
            layers.append({"type": "relu"})
            if keep != 1.0:
                layers.append({"type": "scale", "factor": keep})
    header = {"model": "mlp", "official_test_accuracy": config.get("official_test_accuracy"),
              "layers": layers, "arrays": {}}
    offset = 0
    for name, a in arrays:
        header["arrays"][name] = {"dtype": a.dtype.name, "shape": list(a.shape), "offset": offset}
        offset += -(-a.nbytes // 4) * 4
    # The header's own length shifts every offset: fix it, then add it in.
    text = json.dumps(header, separators=(",", ":"))
    start = -(-(8 + len(text.encode()) + 64) // 4) * 4  # room for the offsets' extra digits
    for entry in header["arrays"].values():
        entry["offset"] += start
    text = json.dumps(header, separators=(",", ":")).encode().ljust(start - 8)
    out = bytearray(MAGIC + struct.pack("<I", len(text)) + text)
    for name, a in arrays:
        assert len(out) == header["arrays"][name]["offset"]
        out += a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
        out += b"\0" * (-len(out) % 4)
    return bytes(out)


def _i18n_building(config):
    plugin = config.plugins.get("i18n")
    return bool(plugin and getattr(plugin, "building", False))


def on_pre_build(config):
    global _root_site_dir
    if not _i18n_building(config):  # the outer build, not mkdocs-static-i18n's build of /en/
        _root_site_dir = config.site_dir


def on_post_page(output, page, config):
    if not PAGE.match(page.file.src_uri.rsplit("/", 1)[-1]) or "/" in page.file.src_uri:
        return output
    if 'id="draw-app"' not in output:
        raise ValueError(f"{page.file.src_uri}: the draw page has no element with id draw-app")
    weights = get_relative_url(ASSET, page.url)
    script = get_relative_url(SCRIPT, page.url)
    # Root-relative from the page: /en/ pages reach the one copy of assets/ at the site root.
    if page.url.startswith("en/") and not script.startswith("../../"):
        raise ValueError(f"unexpected URL {page.url!r} for the English draw page")
    output = output.replace('id="draw-app"', f'id="draw-app" data-weights="{weights}"', 1)
    style = get_relative_url(STYLE, page.url)
    output = output.replace("</head>", f'<link rel="stylesheet" href="{style}">\n</head>', 1)
    return output.replace("</body>", f'<script src="{script}" defer></script>\n</body>', 1)


def on_post_build(config):
    if _i18n_building(config):
        return  # the English build inside the outer build: the outer build writes the asset once
    from pathlib import Path

    target = Path(_root_site_dir or config.site_dir) / ASSET
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(export_mlp())
