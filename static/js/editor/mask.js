// The mask, recorded in the photo's own pixel grid whatever the zoom: an offscreen
// canvas of the photo's size that strokes are painted on, mirrored after every change
// into `bits`, one bit per photo pixel (what the server gets: it binarises at 128
// too). The bits make undo cheap (each change keeps only its box, before and after,
// packed), the pixel count instant, and the posted PNG a 1-bit one built straight
// from them.
import { $, root, state, width, height, formatPercent, updateToolButtons } from "./page.js";
import { MaskBits } from "./maskbits.js";
import { bitsToPng } from "./png.js";
import { scheduleRender } from "./view.js";

export const canvas = document.createElement("canvas");
canvas.width = width;
canvas.height = height;
export const maskCtx = canvas.getContext("2d", { willReadFrequently: true });
export const bits = new MaskBits(width, height);

const maskInfo = $("mask-info");

// Rows at a time, so a 24 MP box never needs a 96 MB ImageData.
function bands(box, fn) {
  const w = box.x1 - box.x0;
  const rows = Math.max(1, Math.floor(1048576 / w));
  for (let y = box.y0; y < box.y1; y += rows) fn(y, Math.min(rows, box.y1 - y), w);
}

// Write packed box bits (null = all clear) to the mask canvas and, unless only
// previewing, to the bits.
export function writeBits(box, packed, canvasOnly) {
  const b = bits.bits, stride = bits.stride;
  const ls = (box.x1 - box.x0 + 7) >> 3;
  bands(box, (y0, h, w) => {
    const img = maskCtx.createImageData(w, h);
    const d = img.data;
    for (let y = 0; y < h; y++) {
      const gy = y0 + y, row = gy * stride, lrow = (gy - box.y0) * ls;
      for (let x = 0; x < w; x++) {
        const on = packed ? (packed[lrow + (x >> 3)] >> (7 - (x & 7))) & 1 : 0;
        const gx = box.x0 + x, i = (y * w + x) * 4;
        d[i] = d[i + 1] = d[i + 2] = 255;
        d[i + 3] = on ? 255 : 0;
        if (canvasOnly) continue;
        if (on) b[row + (gx >> 3)] |= 128 >> (gx & 7);
        else b[row + (gx >> 3)] &= ~(128 >> (gx & 7));
      }
    }
    maskCtx.putImageData(img, box.x0, y0);
  });
}

// Read what was painted in the box back into the bits, binarised at 128 as the
// server does, and show exactly that.
export function readCanvas(box) {
  const b = bits.bits, stride = bits.stride;
  bands(box, (y0, h, w) => {
    const img = maskCtx.getImageData(box.x0, y0, w, h);
    const d = img.data;
    for (let y = 0; y < h; y++) {
      const row = (y0 + y) * stride;
      for (let x = 0; x < w; x++) {
        const i = (y * w + x) * 4, gx = box.x0 + x;
        const on = d[i + 3] >= 128;
        d[i] = d[i + 1] = d[i + 2] = 255;
        d[i + 3] = on ? 255 : 0;
        if (on) b[row + (gx >> 3)] |= 128 >> (gx & 7);
        else b[row + (gx >> 3)] &= ~(128 >> (gx & 7));
      }
    }
    maskCtx.putImageData(img, box.x0, y0);
  });
}

// ------------------------------------------------------------------ history

// Called after every change of the mask (a stroke, a tool, undo, redo, a new base).
const changeListeners = [];
export function onMaskChange(fn) {
  changeListeners.push(fn);
}

export function maskChanged() {
  state.maskPixels = bits.count();
  if (state.maskPixels === 0) {
    maskInfo.textContent = "Mask empty";
  } else {
    const share = state.maskPixels / (width * height) * 100;
    maskInfo.textContent = state.maskPixels.toLocaleString() + " px masked · " + formatPercent(share);
  }
  root.dataset.maskPixels = String(state.maskPixels);
  changeListeners.forEach((fn) => fn());
  updateToolButtons();
  scheduleRender();
}

// Every change goes through here: its box before and after, for undo and redo.
export function record(box, before, extra) {
  state.history.push(Object.assign({ box, before, after: bits.capture(box), at: Date.now() }, extra || {}));
  state.future = [];
  maskChanged();
}

// Replace the whole box with `after` (packed) as one undoable change.
export function change(box, after, extra) {
  const before = bits.capture(box);
  writeBits(box, after);
  record(box, before, extra);
}

export function undoLast() {
  const op = state.history.pop();
  writeBits(op.box, op.before);
  state.future.push(op);
  maskChanged();
}

export function redoNext() {
  const op = state.future.pop();
  writeBits(op.box, op.after);
  state.history.push(op);
  maskChanged();
}

// An empty mask and no history, for a new base version. (The grow inputs are reset by
// the caller: tools.js owns them.)
export function resetMask() {
  state.history = [];
  state.future = [];
  state.stroke = null;
  state.preview = null;
  bits.clear();
  maskCtx.clearRect(0, 0, width, height);
  maskChanged();
}

// Add a black-and-white mask image to the mask with its top-left corner at (x, y).
export function addMaskImage(img, x, y) {
  return markMaskImage(img, x, y, true);
}

// Set (on) or clear (off) the mask under the white pixels of a mask image placed at
// (x, y), as one undoable change. Returns how many pixels changed.
export function markMaskImage(img, x, y, on) {
  const shape = imageShape(img, x, y);
  return shape ? markShape(shape, on) : 0;
}

// The white pixels of a mask image placed at (x, y), cut to the photo: {box, packed
// (the box's bits), count}, or null when it falls outside the photo.
export function imageShape(img, x, y) {
  const box = bits.clip({ x0: x, y0: y, x1: x + img.naturalWidth, y1: y + img.naturalHeight });
  if (!box) return null;
  const tmp = document.createElement("canvas");
  tmp.width = box.x1 - box.x0;
  tmp.height = box.y1 - box.y0;
  const ctx = tmp.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(img, x - box.x0, y - box.y0);
  const ls = (tmp.width + 7) >> 3;
  const packed = new Uint8Array(ls * tmp.height);
  let count = 0;
  bands({ x0: 0, y0: 0, x1: tmp.width, y1: tmp.height }, (y0, h, w) => {
    const d = ctx.getImageData(0, y0, w, h).data;
    for (let yy = 0; yy < h; yy++) {
      for (let xx = 0; xx < w; xx++) {
        const i = (yy * w + xx) * 4;
        // White and opaque is "remove", as the server reads a mask.
        if (d[i] >= 128 && d[i + 3] >= 128) { packed[(y0 + yy) * ls + (xx >> 3)] |= 128 >> (xx & 7); count++; }
      }
    }
  });
  return { box, packed, count };
}

// Set or clear a shape (imageShape) in the mask as one undoable change; how many px changed.
export function markShape(shape, on) {
  const { packed, changed } = bits.marked(shape.box, shape.packed, on);
  if (changed) change(shape.box, packed);
  return changed;
}

// How many of a shape's pixels are in the mask now.
export function shapeInMask(shape) {
  return bits.overlap(shape.box, shape.packed);
}

// The mask as a 1-bit PNG, as posted to the server.
export async function exportMask() {
  const blob = await bitsToPng(bits);
  root.dataset.maskBytes = String(blob.size);
  return blob;
}
