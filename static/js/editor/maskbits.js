// The mask as bits: one bit per photo pixel, rows packed most significant bit first and
// padded to a byte (the rows of a 1-bit PNG). No DOM here: the canvas side is mask.js.
//
// A box is {x0, y0, x1, y1} in photo pixels, x1 and y1 exclusive. "Packed" box bits are
// the box's own rows, (w + 7) >> 3 bytes each, as captured by capture().

const POPCOUNT = new Uint8Array(256).map((_, i) => { let n = 0; for (let b = i; b; b >>= 1) n += b & 1; return n; });

// Exact squared Euclidean distance transform (Felzenszwalb & Huttenlocher), in place:
// f holds 0 on the feature pixels and INF elsewhere.
const INF = 1e20;
function distance1d(f, n, d, v, z) {
  let k = 0;
  v[0] = 0; z[0] = -INF; z[1] = INF;
  for (let q = 1; q < n; q++) {
    let s = ((f[q] + q * q) - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
    while (s <= z[k]) { k--; s = ((f[q] + q * q) - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]); }
    k++; v[k] = q; z[k] = s; z[k + 1] = INF;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1] < q) k++;
    d[q] = (q - v[k]) * (q - v[k]) + f[v[k]];
  }
}

function distance2d(grid, w, h) {
  const n = Math.max(w, h);
  const f = new Float64Array(n), d = new Float64Array(n), v = new Int32Array(n), z = new Float64Array(n + 1);
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) f[y] = grid[y * w + x];
    distance1d(f, h, d, v, z);
    for (let y = 0; y < h; y++) grid[y * w + x] = d[y];
  }
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) f[x] = grid[row + x];
    distance1d(f, w, d, v, z);
    for (let x = 0; x < w; x++) grid[row + x] = d[x];
  }
}

export class MaskBits {
  constructor(width, height) {
    this.width = width;
    this.height = height;
    this.stride = (width + 7) >> 3;
    this.bits = new Uint8Array(this.stride * height);
    this.full = { x0: 0, y0: 0, x1: width, y1: height };
  }

  get(x, y) {
    return (this.bits[y * this.stride + (x >> 3)] >> (7 - (x & 7))) & 1;
  }

  set(x, y, on) {
    const at = y * this.stride + (x >> 3);
    if (on) this.bits[at] |= 128 >> (x & 7);
    else this.bits[at] &= ~(128 >> (x & 7));
  }

  clear() {
    this.bits.fill(0);
  }

  // The box cut to the photo, on whole pixels, or null when nothing of it is left.
  clip(b) {
    const box = {
      x0: Math.max(0, Math.floor(b.x0)), y0: Math.max(0, Math.floor(b.y0)),
      x1: Math.min(this.width, Math.ceil(b.x1)), y1: Math.min(this.height, Math.ceil(b.y1)),
    };
    return box.x1 > box.x0 && box.y1 > box.y0 ? box : null;
  }

  // The box's bits, packed row by row ((w + 7) >> 3 bytes a row).
  capture(box) {
    const bits = this.bits, stride = this.stride;
    const w = box.x1 - box.x0, h = box.y1 - box.y0, ls = (w + 7) >> 3;
    const out = new Uint8Array(ls * h);
    for (let y = 0; y < h; y++) {
      const row = (box.y0 + y) * stride, lrow = y * ls;
      for (let x = 0; x < w; x++) {
        const gx = box.x0 + x;
        if ((bits[row + (gx >> 3)] >> (7 - (gx & 7))) & 1) out[lrow + (x >> 3)] |= 128 >> (x & 7);
      }
    }
    return out;
  }

  // How many of the packed box bits `shape` (a shape drawn in `box`) the mask has set.
  overlap(box, shape) {
    const here = this.capture(box);
    let n = 0;
    for (let i = 0; i < here.length; i++) n += POPCOUNT[here[i] & shape[i]];
    return n;
  }

  // The box's bits with `shape`'s set (on) or cleared (off): {packed, changed} (pixels).
  marked(box, shape, on) {
    const packed = this.capture(box);
    let changed = 0;
    for (let i = 0; i < packed.length; i++) {
      const next = on ? packed[i] | shape[i] : packed[i] & ~shape[i];
      changed += POPCOUNT[packed[i] ^ next];
      packed[i] = next;
    }
    return { packed, changed };
  }

  count() {
    let n = 0;
    for (let i = 0; i < this.bits.length; i++) n += POPCOUNT[this.bits[i]];
    return n;
  }

  // The bounding box of the set pixels, or null.
  bounds() {
    const bits = this.bits, stride = this.stride;
    let y0 = -1, y1 = -1, b0 = stride, b1 = -1;
    for (let y = 0; y < this.height; y++) {
      const row = y * stride;
      for (let b = 0; b < stride; b++) {
        if (!bits[row + b]) continue;
        if (y0 < 0) y0 = y;
        y1 = y;
        if (b < b0) b0 = b;
        if (b > b1) b1 = b;
      }
    }
    if (y0 < 0) return null;
    let x0 = b0 * 8, x1 = b1 * 8 + 8;
    while (!this.columnHas(x0, y0, y1)) x0++;
    while (x1 > x0 + 1 && !this.columnHas(x1 - 1, y0, y1)) x1--;
    return { x0, y0, x1: Math.min(this.width, x1), y1: y1 + 1 };
  }

  columnHas(x, y0, y1) {
    if (x >= this.width) return false;
    for (let y = y0; y <= y1; y++) if (this.get(x, y)) return true;
    return false;
  }

  // Every bit flipped, packed over the whole photo; the padding past the last column stays 0.
  inverted() {
    const bits = this.bits, stride = this.stride, width = this.width;
    const after = new Uint8Array(bits.length);
    const tail = width & 7 ? (0xff << (8 - (width & 7))) & 0xff : 0xff;
    for (let y = 0; y < this.height; y++) {
      const row = y * stride;
      for (let b = 0; b < stride; b++) after[row + b] = ~bits[row + b] & (b === stride - 1 ? tail : 0xff);
    }
    return after;
  }

  // The mask grown (amount > 0) or shrunk (< 0) by |amount| px with a round kernel:
  // {box, packed} over the only area that can change.
  morph(amount) {
    const bounds = this.bounds();
    if (!bounds || !amount) return null;
    const r = Math.abs(amount);
    const pad = amount > 0 ? r + 1 : 1;
    const box = this.clip({ x0: bounds.x0 - pad, y0: bounds.y0 - pad, x1: bounds.x1 + pad, y1: bounds.y1 + pad });
    const w = box.x1 - box.x0, h = box.y1 - box.y0;
    const grid = new Float32Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const on = this.get(box.x0 + x, box.y0 + y);
        // Growing measures the distance to the mask, shrinking the distance to its outside;
        // beyond the photo's edge there is no outside, so a mask there is not eaten.
        grid[y * w + x] = (amount > 0 ? on : !on) ? 0 : INF;
      }
    }
    distance2d(grid, w, h);
    const ls = (w + 7) >> 3, r2 = r * r;
    const packed = new Uint8Array(ls * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const dist = grid[y * w + x];
        if (amount > 0 ? dist <= r2 : dist > r2) packed[y * ls + (x >> 3)] |= 128 >> (x & 7);
      }
    }
    return { box, packed };
  }
}
