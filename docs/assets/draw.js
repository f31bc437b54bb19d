// Draw a digit: the shipped MLP of dlnotes, run in the browser (docs/draw.*.md).
// The weights come from assets/digit/mnist-mlp.bin (tools/hooks/digitweights.py writes it at
// build time: int8 with one float32 scale per column, biases float32). Plain JavaScript, typed
// arrays, nothing from other sites. window.dlnotesDraw exposes prepare/forward for the tests.
(function () {
  "use strict";

  // ---- the weights file ---------------------------------------------------------------------

  function parseWeights(buffer) {
    const bytes = new Uint8Array(buffer);
    const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
    if (magic !== "DLW1") throw new Error("not a dlnotes weights file");
    const length = new DataView(buffer).getUint32(4, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
    const array = (name) => {
      const a = header.arrays[name];
      const n = a.shape.reduce((p, q) => p * q, 1);
      if (a.dtype === "int8") return new Int8Array(buffer, a.offset, n);
      if (a.dtype === "float32") return new Float32Array(buffer.slice(a.offset, a.offset + 4 * n));
      throw new Error("unknown dtype " + a.dtype);
    };
    const layers = header.layers.map((layer) => {
      if (layer.type !== "affine") return layer;
      // Decompress: W[i, j] = q[i, j] * scale[j], kept as float32 like the package's weights.
      const q = array(layer.W), scale = array(layer.scale);
      const W = new Float32Array(q.length);
      for (let i = 0; i < layer.in; i++) {
        for (let j = 0; j < layer.out; j++) W[i * layer.out + j] = q[i * layer.out + j] * scale[j];
      }
      return { type: "affine", in: layer.in, out: layer.out, W: W, b: array(layer.b) };
    });
    return { header: header, layers: layers };
  }

  // ---- the forward pass: Affine, ReLU, test-time dropout scale, softmax -----------------------

  function forward(model, x) {
    let h = Float32Array.from(x);
    for (const layer of model.layers) {
      if (layer.type === "affine") {
        const out = new Float64Array(layer.out);
        for (let j = 0; j < layer.out; j++) out[j] = layer.b[j];
        for (let i = 0; i < layer.in; i++) {
          const v = h[i];
          if (v === 0) continue;  // most inputs and hidden units are 0
          const row = i * layer.out;
          for (let j = 0; j < layer.out; j++) out[j] += v * layer.W[row + j];
        }
        h = Float32Array.from(out);
      } else if (layer.type === "relu") {
        for (let i = 0; i < h.length; i++) if (h[i] < 0) h[i] = 0;
      } else if (layer.type === "scale") {
        for (let i = 0; i < h.length; i++) h[i] *= layer.factor;
      } else {
        throw new Error("unknown layer " + layer.type);
      }
    }
    return softmax(h);
  }

  function softmax(a) {
    let max = -Infinity;
    for (const v of a) max = Math.max(max, v);  // overflow guard: shift by the max
    const e = new Float64Array(a.length);
    let sum = 0;
    for (let i = 0; i < a.length; i++) { e[i] = Math.exp(a[i] - max); sum += e[i]; }
    for (let i = 0; i < a.length; i++) e[i] /= sum;
    return e;
  }

  // ---- preparation: dlnotes.digit_image.prepare_digit, step by step --------------------------

  // Pillow's Lanczos filter (a = 3), as Image.resize(..., Image.LANCZOS) uses it.
  function sinc(x) {
    if (x === 0) return 1;
    x *= Math.PI;
    return Math.sin(x) / x;
  }
  function lanczos(x) {
    return x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0;
  }

  // Pillow's coefficients for resizing inSize pixels to outSize (ImagingResample, precompute_coeffs).
  function coefficients(inSize, outSize) {
    const scale = inSize / outSize;
    const filterscale = Math.max(scale, 1);
    const support = 3 * filterscale;
    const result = [];
    for (let xx = 0; xx < outSize; xx++) {
      const center = (xx + 0.5) * scale;
      const ss = 1 / filterscale;
      let xmin = Math.max(Math.trunc(center - support + 0.5), 0);
      const xmax = Math.min(Math.trunc(center + support + 0.5), inSize);
      const k = [];
      let total = 0;
      for (let x = xmin; x < xmax; x++) {
        const w = lanczos((x - center + 0.5) * ss);
        k.push(w);
        total += w;
      }
      result.push({ start: xmin, k: k.map((w) => (total !== 0 ? w / total : 0)) });
    }
    return result;
  }

  // One pass along rows (horizontal) or columns, rounded and clipped to 0..255 as Pillow's
  // 8-bit images are between and after passes.
  function resamplePass(src, w, h, outW, outH, horizontal) {
    const out = new Float64Array(outW * outH);
    const coeffs = horizontal ? coefficients(w, outW) : coefficients(h, outH);
    for (let y = 0; y < outH; y++) {
      for (let x = 0; x < outW; x++) {
        const c = horizontal ? coeffs[x] : coeffs[y];
        let s = 0;
        for (let i = 0; i < c.k.length; i++) {
          s += c.k[i] * (horizontal ? src[y * w + c.start + i] : src[(c.start + i) * w + x]);
        }
        out[y * outW + x] = Math.min(255, Math.max(0, Math.round(s)));
      }
    }
    return out;
  }

  function resizeLanczos(src, w, h, outW, outH) {
    let img = src;
    if (outW !== w) { img = resamplePass(img, w, h, outW, h, true); w = outW; }
    if (outH !== h) img = resamplePass(img, w, h, w, outH, false);
    return img;
  }

  function median(values) {
    const s = Float64Array.from(values).sort();
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  }

  // A grayscale image (any numbers, w x h, row by row) to 784 values in [0, 1], or null if it
  // has no ink.
  function prepare(gray, w, h) {
    let low = Infinity, high = -Infinity;
    for (const v of gray) { low = Math.min(low, v); high = Math.max(high, v); }
    if (!(high - low >= 1e-6)) return null;
    const image = new Float64Array(w * h);
    for (let i = 0; i < image.length; i++) image[i] = (gray[i] - low) / (high - low);
    const border = [];
    for (let x = 0; x < w; x++) border.push(image[x], image[(h - 1) * w + x]);
    for (let y = 0; y < h; y++) border.push(image[y * w], image[y * w + w - 1]);
    if (median(border) > 0.5) for (let i = 0; i < image.length; i++) image[i] = 1 - image[i];
    let top = h, bottom = -1, left = w, right = -1;  // crop to the ink
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (image[y * w + x] > 0.2) {
          top = Math.min(top, y); bottom = Math.max(bottom, y);
          left = Math.min(left, x); right = Math.max(right, x);
        }
      }
    }
    if (bottom < 0) return null;
    const cw = right - left + 1, ch = bottom - top + 1;
    const crop = new Float64Array(cw * ch);
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < cw; x++) {
        // As (image * 255).astype(np.uint8): truncated to whole levels.
        crop[y * cw + x] = Math.trunc(image[(top + y) * w + left + x] * 255);
      }
    }
    const scale = 20 / Math.max(cw, ch);  // the longer side becomes 20 pixels
    const sw = Math.max(1, roundHalfEven(cw * scale)), sh = Math.max(1, roundHalfEven(ch * scale));
    const small = resizeLanczos(crop, cw, ch, sw, sh);
    let total = 0, sy = 0, sx = 0;  // centre of mass
    for (let y = 0; y < sh; y++) {
      for (let x = 0; x < sw; x++) {
        const v = small[y * sw + x] / 255;
        total += v; sy += y * v; sx += x * v;
      }
    }
    const cy = sy / total, cx = sx / total;
    const y0 = Math.min(Math.max(roundHalfEven(14 - cy), 0), 28 - sh);
    const x0 = Math.min(Math.max(roundHalfEven(14 - cx), 0), 28 - sw);
    const out = new Float32Array(784);
    for (let y = 0; y < sh; y++) {
      for (let x = 0; x < sw; x++) out[(y0 + y) * 28 + x0 + x] = small[y * sw + x] / 255;
    }
    return out;
  }

  function roundHalfEven(v) {  // Python's round()
    const r = Math.round(v);
    return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  }

  window.dlnotesDraw = { parseWeights: parseWeights, forward: forward, prepare: prepare };

  // ---- the page ------------------------------------------------------------------------------

  const app = document.getElementById("draw-app");
  if (!app) return;
  const canvas = app.querySelector(".draw-canvas");
  const input = app.querySelector(".draw-input");
  const bars = app.querySelector(".draw-bars");
  const result = app.querySelector(".draw-result");
  const clear = app.querySelector(".draw-clear");
  const text = (name) => app.dataset[name] || "";
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  const inputCtx = input.getContext("2d");
  const SIZE = canvas.width;
  let model = null, drawing = false, last = null, pending = false, probs = null;

  const rows = [];
  for (let d = 0; d < 10; d++) {
    const li = document.createElement("li");
    li.innerHTML = '<span class="draw-digit">' + d + '</span><span class="draw-track">' +
      '<span class="draw-fill"></span></span><span class="draw-pct">–</span>';
    bars.appendChild(li);
    rows.push(li);
  }

  function reset() {
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, SIZE, SIZE);
    inputCtx.clearRect(0, 0, 28, 28);
    probs = null;
    window.dlnotesDraw.input = window.dlnotesDraw.probs = null;
    app.dataset.state = "empty";
    delete app.dataset.prediction;
    for (const li of rows) {
      li.classList.remove("draw-top");
      li.querySelector(".draw-fill").style.width = "0%";
      li.querySelector(".draw-pct").textContent = "–";
    }
    result.textContent = text("empty");
  }

  function pixels() {  // the canvas as grayscale 0..255 (white ink on black)
    const data = ctx.getImageData(0, 0, SIZE, SIZE).data;
    const gray = new Float64Array(SIZE * SIZE);
    for (let i = 0; i < gray.length; i++) gray[i] = data[4 * i];
    return gray;
  }

  window.dlnotesDraw.canvasPixels = pixels;

  function showInput(x) {
    const img = inputCtx.createImageData(28, 28);
    for (let i = 0; i < 784; i++) {
      const v = Math.round(x[i] * 255);
      img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
      img.data[4 * i + 3] = 255;
    }
    inputCtx.putImageData(img, 0, 0);
  }

  function pct(p) {
    return (100 * p).toFixed(p >= 0.995 || p < 0.0005 ? 0 : 1) + "%";
  }

  function update(announce) {
    pending = false;
    const x = prepare(pixels(), SIZE, SIZE);
    if (x === null) { reset(); return; }
    showInput(x);
    app.dataset.state = "drawn";
    if (!model) { result.textContent = text("loading"); return; }
    probs = forward(model, x);
    window.dlnotesDraw.input = x;  // what the tests compare with prepare_digit
    window.dlnotesDraw.probs = probs;
    let best = 0;
    for (let d = 0; d < 10; d++) if (probs[d] > probs[best]) best = d;
    rows.forEach((li, d) => {
      li.classList.toggle("draw-top", d === best);
      li.querySelector(".draw-fill").style.width = (100 * probs[d]).toFixed(2) + "%";
      li.querySelector(".draw-pct").textContent = pct(probs[d]);
    });
    app.dataset.prediction = String(best);
    if (announce) result.textContent = text("result").replace("{d}", best).replace("{p}", pct(probs[best]));
  }

  function schedule() {
    if (!pending) { pending = true; requestAnimationFrame(() => update(false)); }
  }

  function point(event) {
    const r = canvas.getBoundingClientRect();
    return [(event.clientX - r.left) * SIZE / r.width, (event.clientY - r.top) * SIZE / r.height];
  }

  function stroke(to) {
    ctx.strokeStyle = "#fff";
    ctx.fillStyle = "#fff";
    ctx.lineWidth = SIZE / 14;  // about an MNIST stroke once the digit is 20 px tall
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(last[0], last[1]);
    ctx.lineTo(to[0], to[1]);
    ctx.stroke();
    last = to;
  }

  canvas.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    drawing = true;
    last = point(event);
    stroke(last);  // a dot for a tap
    schedule();
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!drawing) return;
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
    for (const e of events.length ? events : [event]) stroke(point(e));
    schedule();
  });
  const end = () => {
    if (!drawing) return;
    drawing = false;
    update(true);
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  clear.addEventListener("click", () => { reset(); canvas.focus(); });

  // The weights (about 400 KB) are fetched when the reader first comes to the drawing area
  // (pointer over it, a touch, keyboard focus), not with the page: its first load stays small.
  let loading = null;
  function load() {
    if (loading) return loading;
    if (!model) result.textContent = text("loading");
    loading = fetch(app.dataset.weights)
      .then((r) => {
        if (!r.ok) throw new Error(r.status + " " + r.url);
        return r.arrayBuffer();
      })
      .then((buffer) => {
        model = parseWeights(buffer);
        window.dlnotesDraw.model = model;
        app.dataset.ready = "true";
        if (app.dataset.state === "drawn") update(true); else result.textContent = text("empty");
      })
      .catch((err) => {
        loading = null;  // the next visit to the drawing area tries again
        result.textContent = text("failed") + " (" + err.message + ")";
      });
    return loading;
  }
  for (const name of ["pointerenter", "pointerdown", "focus"]) canvas.addEventListener(name, load);
  window.dlnotesDraw.load = load;

  reset();
})();
