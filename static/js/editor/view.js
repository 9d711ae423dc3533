// What the stage shows: the photo (an <img>) and the tinted mask (a canvas the size of
// the visible part of the photo) through one view transform, screen = photo × scale +
// offset; zoom and pan; the brush ring and the cursor; notes over the photo; and, held
// down, the original in place of the current version.
import { $, root, state, width, height, loadImage } from "./page.js";

// Above this the editor shows a display-sized rendition first and streams the photo.
const DISPLAY_SIDE = 2048;
export const MIN_SCALE = 0.02;
export const MAX_SCALE = 32;

const stage = $("stage");
const frame = $("frame");
const photo = $("photo");
const comparePhoto = $("compare-photo");
const resTag = $("res-tag");
const compareTag = $("compare-tag");
const compareBtn = $("compare-hold");
const view = $("mask-view");
const viewCtx = view ? view.getContext("2d") : null;
const ring = $("brush-ring");
const stageState = $("stage-state");
const stageStateText = $("stage-state-text");
const zoomLabel = $("zoom");
const colourInput = $("mask-colour");
const opacityInput = $("mask-opacity");

let maskSource = null;  // the mask canvas, in photo pixels (mask.js)

// ------------------------------------------------------------------ mask colour

function setMaskLook() {
  const hex = colourInput.value || "#ff2d6e";
  const rgb = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(", ");
  state.maskFill = "rgba(" + rgb + ", " + (Number(opacityInput.value) / 100) + ")";
  try {
    localStorage.setItem("repairapp.maskColour", hex);
    localStorage.setItem("repairapp.maskOpacity", opacityInput.value);
  } catch (err) { /* private mode: the choice lasts for this page only */ }
  scheduleRender();
}

// ------------------------------------------------------------------ photo

function showStageState(text, kind) {
  stageStateText.textContent = text;
  stageState.classList.toggle("is-error", kind === "error");
  stageState.classList.toggle("is-overlay", kind === "overlay");
  stageState.hidden = false;
}

function hideStageState() {
  stageState.hidden = true;
}

// A note over the photo while a job runs; waits for the photo if it is still loading.
export function setOverlay(text) {
  state.overlayText = text;
  if (!state.photoReady) return;
  if (text) showStageState(text, "overlay"); else hideStageState();
}

let photoToken = 0;
// A big photo opens on its display rendition (fast to fetch and decode) and swaps to
// the full pixels when they are in; the geometry is the photo's either way.
export function showPhoto(fullUrl, displayUrl) {
  const token = ++photoToken;
  showStageState("Loading photo…");
  const big = displayUrl && Math.max(width, height) > DISPLAY_SIDE;
  const first = big ? displayUrl : fullUrl;
  return loadImage(first).then(() => {
    if (token !== photoToken) return;
    photo.src = first;
    root.dataset.photoRes = big ? "display" : "full";
    state.photoReady = true;
    frame.hidden = false;
    if (state.overlayText) showStageState(state.overlayText, "overlay"); else hideStageState();
    if (state.fitted) fit(); else applyView();
    if (!big) return;
    resTag.textContent = "Loading full resolution…";
    resTag.hidden = false;
    loadImage(fullUrl).then(() => {
      if (token !== photoToken) return;
      photo.src = fullUrl;
      root.dataset.photoRes = "full";
      resTag.hidden = true;
    }, () => {
      if (token === photoToken) resTag.textContent = "Full resolution did not load; the mask is full size anyway";
    });
  }, () => {
    if (token === photoToken) showStageState("The photo could not be loaded. Reload the page to try again.", "error");
  });
}

// ------------------------------------------------------------------ zoom and pan

function fitScale() {
  const pad = 24;
  const availableW = Math.max(1, stage.clientWidth - 2 * pad);
  const availableH = Math.max(1, stage.clientHeight - 2 * pad);
  return Math.min(availableW / width, availableH / height, 8);
}

export function fit() {
  // A whole number of CSS pixels wide, on whole pixels: the photo's edges stay crisp.
  const cssW = Math.max(1, Math.round(width * fitScale()));
  const s = cssW / width;
  state.view = {
    s,
    tx: Math.round((stage.clientWidth - cssW) / 2),
    ty: Math.round((stage.clientHeight - height * s) / 2),
  };
  state.fitted = true;
  applyView();
}

// Zoom to scale `s`, keeping the photo point under (cx, cy) (stage pixels) in place.
export function zoomTo(s, cx, cy) {
  const v = state.view;
  const next = Math.max(MIN_SCALE, Math.min(MAX_SCALE, s));
  if (cx === undefined) { cx = stage.clientWidth / 2; cy = stage.clientHeight / 2; }
  setView(next, cx - (cx - v.tx) * next / v.s, cy - (cy - v.ty) * next / v.s);
}

export function setView(s, tx, ty) {
  // Keep a corner of the photo on screen so it cannot be lost by panning.
  const keep = 40;
  const w = width * s, h = height * s;
  tx = Math.min(stage.clientWidth - keep, Math.max(keep - w, tx));
  ty = Math.min(stage.clientHeight - keep, Math.max(keep - h, ty));
  state.view = { s, tx, ty };
  state.fitted = false;
  applyView();
}

function applyView() {
  const { s, tx, ty } = state.view;
  for (const img of [photo, comparePhoto]) {
    img.style.left = tx + "px";
    img.style.top = ty + "px";
    img.style.width = width * s + "px";
    img.style.height = height * s + "px";
  }
  // The canvas covers only the visible part of the photo: a canvas the photo's size
  // at 800 % would be far larger than a browser allows.
  const x0 = Math.max(0, Math.floor(tx)), y0 = Math.max(0, Math.floor(ty));
  const x1 = Math.min(stage.clientWidth, Math.ceil(tx + width * s));
  const y1 = Math.min(stage.clientHeight, Math.ceil(ty + height * s));
  const cw = Math.max(1, x1 - x0), ch = Math.max(1, y1 - y0);
  view.style.left = x0 + "px";
  view.style.top = y0 + "px";
  view.style.width = cw + "px";
  view.style.height = ch + "px";
  const dpr = window.devicePixelRatio || 1;
  view.width = Math.max(1, Math.round(cw * dpr));
  view.height = Math.max(1, Math.round(ch * dpr));
  state.canvasOrigin = { x: x0, y: y0 };
  zoomLabel.textContent = (s * 100 < 10 ? (s * 100).toFixed(1) : Math.round(s * 100)) + "%";
  root.dataset.zoom = String(s);
  updateRing();
  render();
}

// ------------------------------------------------------------------ drawing the mask

let renderQueued = false;
export function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => { renderQueued = false; render(); });
}

export function render() {
  const dpr = window.devicePixelRatio || 1;
  const { s, tx, ty } = state.view;
  const o = state.canvasOrigin || { x: 0, y: 0 };
  viewCtx.setTransform(1, 0, 0, 1, 0, 0);
  viewCtx.globalCompositeOperation = "source-over";
  viewCtx.clearRect(0, 0, view.width, view.height);
  if (state.comparing) return;
  viewCtx.setTransform(dpr * s, 0, 0, dpr * s, dpr * (tx - o.x), dpr * (ty - o.y));
  // Zoomed in, each photo pixel is a crisp square: what you see is what is sent.
  viewCtx.imageSmoothingEnabled = s < 1;
  viewCtx.imageSmoothingQuality = "low";
  viewCtx.drawImage(maskSource, 0, 0);
  viewCtx.setTransform(1, 0, 0, 1, 0, 0);
  // Tint with one flat colour so overlapping strokes do not build up darker.
  viewCtx.globalCompositeOperation = "source-in";
  viewCtx.fillStyle = state.maskFill;
  viewCtx.fillRect(0, 0, view.width, view.height);
  viewCtx.globalCompositeOperation = "source-over";
}

// ------------------------------------------------------------------ pointer position, ring and cursor

export function stagePoint(e) {
  const rect = frame.getBoundingClientRect();
  return { x: e.clientX - rect.left, y: e.clientY - rect.top };
}

export function toPhoto(e) {
  const q = stagePoint(e);
  const { s, tx, ty } = state.view;
  return { x: (q.x - tx) / s, y: (q.y - ty) / s, p: e.pressure || 0.5 };
}

export function updateRing(e) {
  if (e) state.lastPointer = stagePoint(e);
  const d = Math.max(4, state.size * state.view.s);
  ring.style.width = d + "px";
  ring.style.height = d + "px";
  if (state.lastPointer) {
    ring.style.left = state.lastPointer.x + "px";
    ring.style.top = state.lastPointer.y + "px";
  }
}

export function setRingEraser(on) {
  ring.classList.toggle("is-eraser", on);
}

export function hideRing() {
  ring.classList.remove("is-visible");
}

export function canPaint() {
  return state.photoReady && !state.busy && !state.toolBusy && !state.comparing;
}

function panning() {
  return state.spaceDown || state.pan;
}

export function updateCursor() {
  stage.classList.toggle("is-panning", Boolean(state.spaceDown && !state.pan));
  stage.classList.toggle("is-grabbing", Boolean(state.pan));
  ring.classList.toggle("is-visible", state.pointerInside && canPaint() && !panning() && !state.pinch);
}

// ------------------------------------------------------------------ wiring

// `mask` is the canvas the strokes are painted on, in the photo's own pixels.
export function initView(mask) {
  maskSource = mask;
  try {
    colourInput.value = localStorage.getItem("repairapp.maskColour") || colourInput.value;
    opacityInput.value = localStorage.getItem("repairapp.maskOpacity") || opacityInput.value;
  } catch (err) { /* defaults */ }
  colourInput.addEventListener("input", setMaskLook);
  opacityInput.addEventListener("input", setMaskLook);
  new ResizeObserver(() => { if (state.photoReady) { if (state.fitted) fit(); else applyView(); } }).observe(stage);
  $("zoom-fit").addEventListener("click", fit);
  $("zoom-100").addEventListener("click", () => zoomTo(1));
  setMaskLook();
}

// ------------------------------------------------------------------ hold to compare with the original

export function canCompare() {
  return state.versionId !== root.dataset.originalVersionId;
}

// The button is live only on a version that is not the original.
export function updateCompareButton() {
  compareBtn.disabled = !canCompare();
}

export function setComparing(on) {
  if ((on && !canCompare()) || on === state.comparing) return;
  state.comparing = on;
  if (on && !comparePhoto.getAttribute("src")) comparePhoto.src = root.dataset.compareUrl;
  comparePhoto.alt = on ? "The original, " + root.dataset.compareLabel : "";
  comparePhoto.hidden = !on;
  compareTag.textContent = "Original · " + root.dataset.compareLabel;
  compareTag.hidden = !on;
  compareBtn.setAttribute("aria-pressed", String(on));
  root.classList.toggle("is-comparing", on);
  updateCursor();
  render();
}

export function initCompare() {
  compareBtn.addEventListener("pointerdown", (e) => { e.preventDefault(); setComparing(true); });
  for (const type of ["pointerup", "pointerleave", "pointercancel"]) compareBtn.addEventListener(type, () => setComparing(false));
  compareBtn.addEventListener("keydown", (e) => { if (e.key === " " || e.key === "Enter") { e.preventDefault(); setComparing(true); } });
  compareBtn.addEventListener("keyup", (e) => { if (e.key === " " || e.key === "Enter") setComparing(false); });
  window.addEventListener("blur", () => { setComparing(false); state.spaceDown = false; updateCursor(); });
}
