// The brush and the eraser: their size, and strokes painted on the mask canvas from
// pointer input; the same pointers pan (middle button, Space) and pinch-zoom (two
// fingers), and the wheel zooms.
import { $, state, width, height, hideMessage } from "./page.js";
import { bits, maskCtx, writeBits, readCanvas, record, maskChanged } from "./mask.js";
import { discardPreview } from "./tools.js";
import {
  MIN_SCALE, MAX_SCALE, canPaint, fit, hideRing, scheduleRender, setRingEraser, setView, stagePoint, toPhoto,
  updateCursor, updateRing, zoomTo,
} from "./view.js";

const stage = $("stage");
const sizeInput = $("brush-size");
const sizeOutput = $("brush-size-value");
const brushBtn = $("tool-brush");
const eraserBtn = $("tool-eraser");

// ------------------------------------------------------------------ size and tool

function setSize(value) {
  const max = parseInt(sizeInput.max, 10);
  state.size = Math.max(1, Math.min(max, Math.round(value)));
  sizeInput.value = String(state.size);
  sizeOutput.textContent = state.size + " px";
  updateRing();
}

export function stepSize(direction) {
  // Steps proportional to the size feel even from 2 px to 400 px.
  setSize(state.size + direction * Math.max(1, Math.round(state.size * 0.12)));
}

export function setTool(tool) {
  state.tool = tool;
  brushBtn.setAttribute("aria-pressed", String(tool === "brush"));
  eraserBtn.setAttribute("aria-pressed", String(tool === "eraser"));
  setRingEraser(tool === "eraser");
}

// ------------------------------------------------------------------ painting

// Live painting on the mask canvas; smoothed by quadratic curves through the midpoints
// of the pointer's samples, so quick strokes are continuous and round.
function strokeStyle(mode, w) {
  maskCtx.globalCompositeOperation = mode === "eraser" ? "destination-out" : "source-over";
  maskCtx.fillStyle = "#fff";
  maskCtx.strokeStyle = "#fff";
  maskCtx.lineWidth = w;
  maskCtx.lineCap = "round";
  maskCtx.lineJoin = "round";
}

function widthAt(stroke, p) {
  // Pen pressure scales the brush from a quarter of its size to all of it.
  return stroke.pressure ? stroke.size * (0.25 + 0.75 * p.p) : stroke.size;
}

function paintDot(stroke, p) {
  maskCtx.save();
  strokeStyle(stroke.mode, 0);
  maskCtx.beginPath();
  maskCtx.arc(p.x, p.y, widthAt(stroke, p) / 2, 0, Math.PI * 2);
  maskCtx.fill();
  maskCtx.restore();
}

const mid = (a, b) => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2, p: (a.p + b.p) / 2 });

function paintSegment(stroke, from, control, to) {
  maskCtx.save();
  strokeStyle(stroke.mode, widthAt(stroke, control || to));
  maskCtx.beginPath();
  maskCtx.moveTo(from.x, from.y);
  if (control) maskCtx.quadraticCurveTo(control.x, control.y, to.x, to.y);
  else maskCtx.lineTo(to.x, to.y);
  maskCtx.stroke();
  maskCtx.restore();
}

function addPoint(stroke, p) {
  const pts = stroke.points;
  pts.push(p);
  const n = pts.length;
  if (n === 2) paintSegment(stroke, pts[0], null, mid(pts[0], pts[1]));
  else paintSegment(stroke, mid(pts[n - 3], pts[n - 2]), pts[n - 2], mid(pts[n - 2], pts[n - 1]));
  growBox(stroke.box, p, widthAt(stroke, p));
}

function finishStroke(stroke) {
  const pts = stroke.points;
  const n = pts.length;
  if (n >= 2) paintSegment(stroke, mid(pts[n - 2], pts[n - 1]), null, pts[n - 1]);
}

function growBox(box, p, w) {
  const r = w / 2 + 2;
  box.x0 = Math.min(box.x0, p.x - r); box.y0 = Math.min(box.y0, p.y - r);
  box.x1 = Math.max(box.x1, p.x + r); box.y1 = Math.max(box.y1, p.y + r);
}

function startStroke(e) {
  discardPreview();
  hideMessage();
  const p = toPhoto(e);
  const stroke = {
    mode: (state.tool === "eraser" || e.altKey) ? "eraser" : "brush",
    size: state.size, pressure: e.pointerType === "pen", points: [p], pointerId: e.pointerId,
    box: { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity },
  };
  setRingEraser(stroke.mode === "eraser");
  state.stroke = stroke;
  growBox(stroke.box, p, widthAt(stroke, p));
  paintDot(stroke, p);
  scheduleRender();
}

function endStroke() {
  const stroke = state.stroke;
  if (!stroke) return;
  state.stroke = null;
  setRingEraser(state.tool === "eraser");
  finishStroke(stroke);
  const box = bits.clip(stroke.box);
  if (!box) { scheduleRender(); return; }
  const before = bits.capture(box);
  readCanvas(box);
  record(box, before, { dot: stroke.points.length === 1 });
}

// A stroke that turned into a pinch: put the box back as it was.
function cancelStroke() {
  const stroke = state.stroke;
  if (!stroke) return;
  state.stroke = null;
  const box = bits.clip(stroke.box);
  if (box) writeBits(box, bits.capture(box));
  scheduleRender();
}

// ------------------------------------------------------------------ pinch

function startPinch() {
  const [a, b] = Array.from(state.touches.values());
  const { s, tx, ty } = state.view;
  state.pinch = {
    d: Math.hypot(a.x - b.x, a.y - b.y) || 1,
    // The photo point under the fingers' midpoint stays under it.
    px: ((a.x + b.x) / 2 - tx) / s, py: ((a.y + b.y) / 2 - ty) / s, s,
  };
  updateCursor();
}

function movePinch() {
  const [a, b] = Array.from(state.touches.values());
  const p = state.pinch;
  const s = Math.max(MIN_SCALE, Math.min(MAX_SCALE, p.s * Math.hypot(a.x - b.x, a.y - b.y) / p.d));
  const mx = (a.x + b.x) / 2, my = (a.y + b.y) / 2;
  setView(s, mx - p.px * s, my - p.py * s);
}

// ------------------------------------------------------------------ pointer input

function pointerEnd(e) {
  state.touches.delete(e.pointerId);
  if (state.pinch && state.touches.size < 2) state.pinch = null;
  if (state.pan && e.pointerId === state.pan.pointerId) { state.pan = null; updateCursor(); }
  if (state.stroke && e.pointerId === state.stroke.pointerId) {
    if (e.type === "pointercancel") cancelStroke(); else endStroke();
  }
}

export function initBrush() {
  const longSide = Math.max(width, height);
  sizeInput.max = String(Math.max(50, Math.min(1000, Math.round(longSide / 4))));
  // Relative to the photo, not the screen: 4 % of the long side suits a logo or a word.
  setSize(Math.max(8, Math.min(400, Math.round(longSide * 0.04))));
  sizeInput.addEventListener("input", () => setSize(parseInt(sizeInput.value, 10)));
  brushBtn.addEventListener("click", () => setTool("brush"));
  eraserBtn.addEventListener("click", () => setTool("eraser"));

  stage.addEventListener("pointerdown", (e) => {
    if (!state.photoReady) return;
    if (e.pointerType === "touch") {
      state.touches.set(e.pointerId, stagePoint(e));
      if (state.touches.size === 2) {
        cancelStroke();
        startPinch();
        e.preventDefault();
        return;
      }
      if (state.touches.size > 2) return;
    }
    const middle = e.pointerType === "mouse" && e.button === 1;
    if (middle || (state.spaceDown && e.button === 0)) {
      e.preventDefault();
      stage.setPointerCapture(e.pointerId);
      const q = stagePoint(e);
      state.pan = { pointerId: e.pointerId, x: q.x, y: q.y, tx: state.view.tx, ty: state.view.ty };
      updateCursor();
      return;
    }
    if (e.pointerType === "mouse" && e.button !== 0) return;
    if (!canPaint() || state.stroke) return;
    e.preventDefault();
    stage.setPointerCapture(e.pointerId);
    updateRing(e);
    startStroke(e);
  });

  stage.addEventListener("pointermove", (e) => {
    if (e.pointerType === "touch" && state.touches.has(e.pointerId)) {
      state.touches.set(e.pointerId, stagePoint(e));
      if (state.pinch) { movePinch(); return; }
    }
    if (e.pointerType !== "touch") {
      state.pointerInside = true;
      updateRing(e);
      updateCursor();
    }
    if (state.pan && e.pointerId === state.pan.pointerId) {
      const q = stagePoint(e);
      setView(state.view.s, state.pan.tx + q.x - state.pan.x, state.pan.ty + q.y - state.pan.y);
      return;
    }
    const stroke = state.stroke;
    if (!stroke || e.pointerId !== stroke.pointerId) return;
    const samples = (e.getCoalescedEvents && e.getCoalescedEvents().length) ? e.getCoalescedEvents() : [e];
    for (const sample of samples) {
      const p = toPhoto(sample);
      const last = stroke.points[stroke.points.length - 1];
      // Samples closer than a screen pixel add nothing but wobble.
      if (Math.hypot(p.x - last.x, p.y - last.y) * state.view.s < 1) continue;
      addPoint(stroke, p);
    }
    scheduleRender();
  });

  stage.addEventListener("pointerup", pointerEnd);
  stage.addEventListener("pointercancel", pointerEnd);
  stage.addEventListener("pointerleave", () => {
    state.pointerInside = false;
    if (!state.stroke) hideRing();
  });
  stage.addEventListener("pointerenter", () => { state.pointerInside = true; });
  stage.addEventListener("contextmenu", (e) => e.preventDefault());
  // Middle-click would start the browser's autoscroll.
  stage.addEventListener("mousedown", (e) => { if (e.button === 1) e.preventDefault(); });

  stage.addEventListener("dblclick", (e) => {
    if (!state.photoReady) return;
    e.preventDefault();
    // The two clicks of a double-click painted dots nobody meant: take them back.
    for (let i = 0; i < 2; i++) {
      const op = state.history[state.history.length - 1];
      if (!op || !op.dot || Date.now() - op.at > 800) break;
      state.history.pop();
      writeBits(op.box, op.before);
    }
    maskChanged();
    fit();
  });

  stage.addEventListener("wheel", (e) => {
    if (!state.photoReady) return;
    e.preventDefault();
    const delta = e.deltaMode === 1 ? e.deltaY * 40 : e.deltaMode === 2 ? e.deltaY * 400 : e.deltaY;
    if (e.altKey) {
      stepSize(delta < 0 ? 1 : -1);
      return;
    }
    const q = stagePoint(e);
    // Trackpad pinches arrive as ctrl+wheel with small deltas: zoom faster for those.
    zoomTo(state.view.s * Math.exp(-delta * (e.ctrlKey ? 0.01 : 0.0015)), q.x, q.y);
    updateRing(e);
  }, { passive: false });
}
