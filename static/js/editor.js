// The mask editor.
//
// The mask is recorded in the photo's own pixel grid whatever the zoom: an offscreen
// canvas of the photo's size that strokes are painted on, mirrored after every change
// into `bits`, one bit per photo pixel (what the server gets: it binarises at 128
// too). The bits make undo cheap (each change keeps only its box, before and after,
// packed), the pixel count instant, and the posted PNG a 1-bit one built straight
// from them. The screen shows the photo (an <img>) and the tinted mask (a canvas the
// size of the visible part of the photo) through one view transform: screen = photo
// × scale + offset.
(function () {
  "use strict";

  const root = document.getElementById("editor");
  if (!root) return;
  const $ = (id) => document.getElementById(id);

  const csrfToken = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  const repairUrl = root.dataset.repairUrl;
  const maxDilate = parseInt(root.dataset.maxDilate, 10);
  const maxFeather = parseInt(root.dataset.maxFeather, 10);

  const stage = $("stage");
  const frame = $("frame");
  const photo = $("photo");
  const comparePhoto = $("compare-photo");
  const compareTag = $("compare-tag");
  const resTag = $("res-tag");
  const view = $("mask-view");
  const viewCtx = view.getContext("2d");
  const ring = $("brush-ring");
  const stageState = $("stage-state");
  const stageStateText = $("stage-state-text");
  const sizeInput = $("brush-size");
  const sizeOutput = $("brush-size-value");
  const brushBtn = $("tool-brush");
  const eraserBtn = $("tool-eraser");
  const undoBtn = $("undo");
  const redoBtn = $("redo");
  const clearBtn = $("clear");
  const compareBtn = $("compare-hold");
  const colourInput = $("mask-colour");
  const opacityInput = $("mask-opacity");
  const maskInfo = $("mask-info");
  const zoomLabel = $("zoom");
  const helpDialog = $("help");
  const growRange = $("grow-range");
  const growInput = $("grow");
  const growApply = $("grow-apply");
  const growCancel = $("grow-cancel");
  const invertBtn = $("invert");
  const findTextBtn = $("find-text");
  const previousBtn = $("previous-mask");
  const savedSelect = $("saved-select");
  const savedApply = $("saved-apply");
  const savedDelete = $("saved-delete");
  const saveForm = $("save-form");
  const toolsMessage = $("tools-message");
  const form = $("repair-form");
  const versionInput = $("version-input");
  const engineSelect = $("engine");
  const engineHelp = $("engine-help");
  const dilateInput = $("dilate");
  const featherInput = $("feather");
  const removeBtn = $("remove");
  const formMessage = $("form-message");
  const jobStatus = $("job-status");
  const jobBadge = $("job-badge");
  const jobSpinner = $("job-spinner");
  const jobText = $("job-text");
  const jobActions = $("job-actions");
  const retryBtn = $("retry");
  const seeResultBtn = $("see-result");
  const versionsList = $("versions");

  const width = parseInt(root.dataset.width, 10);
  const height = parseInt(root.dataset.height, 10);
  // Above this the editor shows a display-sized rendition first and streams the photo.
  const DISPLAY_SIDE = 2048;
  const MIN_SCALE = 0.02;
  const MAX_SCALE = 32;

  const mask = document.createElement("canvas");
  mask.width = width;
  mask.height = height;
  const maskCtx = mask.getContext("2d", { willReadFrequently: true });

  const stride = (width + 7) >> 3;
  const bits = new Uint8Array(stride * height);
  const FULL = { x0: 0, y0: 0, x1: width, y1: height };

  const state = {
    versionId: root.dataset.versionId,
    tool: "brush",
    size: 20,
    history: [],      // changes since the base version was loaded: {box, before, after}
    future: [],       // undone changes, for redo
    stroke: null,     // the stroke being drawn
    preview: null,    // an unapplied grow/shrink: {box, bits, amount}
    maskPixels: 0,
    view: { s: 1, tx: 0, ty: 0 },
    fitted: true,     // follow the window's size until the user zooms or pans
    pan: null,        // a drag that pans: {pointerId, x, y, tx, ty}
    touches: new Map(),
    pinch: null,
    spaceDown: false,
    pointerInside: false,
    comparing: false,
    photoReady: false,
    busy: false,      // a repair is in flight (or its result is being swapped in)
    toolBusy: false,  // a mask tool is fetching or computing
    lastRequest: null,
    job: null,
    pollTimer: 0,
    pollDelay: 700,
    lastPointer: null,
    overlayText: "",
    maskFill: "rgba(255, 45, 110, 0.5)",
    previousMaskUrl: root.dataset.previousMaskUrl || "",
    findTextUrl: root.dataset.findTextUrl,
    savedMasks: [],
  };

  // ------------------------------------------------------------------ brush size

  const longSide = Math.max(width, height);
  sizeInput.max = String(Math.max(50, Math.min(1000, Math.round(longSide / 4))));
  // Relative to the photo, not the screen: 4 % of the long side suits a logo or a word.
  setSize(Math.max(8, Math.min(400, Math.round(longSide * 0.04))));

  function setSize(value) {
    const max = parseInt(sizeInput.max, 10);
    state.size = Math.max(1, Math.min(max, Math.round(value)));
    sizeInput.value = String(state.size);
    sizeOutput.textContent = state.size + " px";
    updateRing();
  }

  function stepSize(direction) {
    // Steps proportional to the size feel even from 2 px to 400 px.
    setSize(state.size + direction * Math.max(1, Math.round(state.size * 0.12)));
  }

  sizeInput.addEventListener("input", () => setSize(parseInt(sizeInput.value, 10)));

  function setTool(tool) {
    state.tool = tool;
    brushBtn.setAttribute("aria-pressed", String(tool === "brush"));
    eraserBtn.setAttribute("aria-pressed", String(tool === "eraser"));
    ring.classList.toggle("is-eraser", tool === "eraser");
  }
  brushBtn.addEventListener("click", () => setTool("brush"));
  eraserBtn.addEventListener("click", () => setTool("eraser"));

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
  try {
    colourInput.value = localStorage.getItem("repairapp.maskColour") || colourInput.value;
    opacityInput.value = localStorage.getItem("repairapp.maskOpacity") || opacityInput.value;
  } catch (err) { /* defaults */ }
  colourInput.addEventListener("input", setMaskLook);
  opacityInput.addEventListener("input", setMaskLook);

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
  function setOverlay(text) {
    state.overlayText = text;
    if (!state.photoReady) return;
    if (text) showStageState(text, "overlay"); else hideStageState();
  }

  function loadImage(url) {
    return new Promise((resolve, reject) => {
      const img = new Image();
      img.onload = () => resolve(img);
      img.onerror = () => reject(new Error("could not load " + url));
      img.src = url;
    });
  }

  // The same endpoint for another version: /versions/5/display -> /versions/7/display.
  function urlFor(url, id) {
    return url.replace(/\/\d+\/([^/]+)$/, "/" + id + "/$1");
  }

  let photoToken = 0;
  // A big photo opens on its display rendition (fast to fetch and decode) and swaps to
  // the full pixels when they are in; the geometry is the photo's either way.
  function showPhoto(fullUrl, displayUrl) {
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

  // ------------------------------------------------------------------ view: zoom and pan

  function fitScale() {
    const pad = 24;
    const availableW = Math.max(1, stage.clientWidth - 2 * pad);
    const availableH = Math.max(1, stage.clientHeight - 2 * pad);
    return Math.min(availableW / width, availableH / height, 8);
  }

  function fit() {
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
  function zoomTo(s, cx, cy) {
    const v = state.view;
    const next = Math.max(MIN_SCALE, Math.min(MAX_SCALE, s));
    if (cx === undefined) { cx = stage.clientWidth / 2; cy = stage.clientHeight / 2; }
    setView(next, cx - (cx - v.tx) * next / v.s, cy - (cy - v.ty) * next / v.s);
  }

  function setView(s, tx, ty) {
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

  new ResizeObserver(() => { if (state.photoReady) { if (state.fitted) fit(); else applyView(); } }).observe(stage);

  $("zoom-fit").addEventListener("click", fit);
  $("zoom-100").addEventListener("click", () => zoomTo(1));

  // ------------------------------------------------------------------ drawing

  let renderQueued = false;
  function scheduleRender() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(() => { renderQueued = false; render(); });
  }

  function render() {
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
    viewCtx.drawImage(mask, 0, 0);
    viewCtx.setTransform(1, 0, 0, 1, 0, 0);
    // Tint with one flat colour so overlapping strokes do not build up darker.
    viewCtx.globalCompositeOperation = "source-in";
    viewCtx.fillStyle = state.maskFill;
    viewCtx.fillRect(0, 0, view.width, view.height);
    viewCtx.globalCompositeOperation = "source-over";
  }

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

  function clipBox(b) {
    const box = {
      x0: Math.max(0, Math.floor(b.x0)), y0: Math.max(0, Math.floor(b.y0)),
      x1: Math.min(width, Math.ceil(b.x1)), y1: Math.min(height, Math.ceil(b.y1)),
    };
    return box.x1 > box.x0 && box.y1 > box.y0 ? box : null;
  }

  // ------------------------------------------------------------------ the mask's bits

  function getBit(x, y) {
    return (bits[y * stride + (x >> 3)] >> (7 - (x & 7))) & 1;
  }

  // The box's bits, packed row by row ((w + 7) >> 3 bytes a row).
  function captureBits(box) {
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

  // Rows at a time, so a 24 MP box never needs a 96 MB ImageData.
  function bands(box, fn) {
    const w = box.x1 - box.x0;
    const rows = Math.max(1, Math.floor(1048576 / w));
    for (let y = box.y0; y < box.y1; y += rows) fn(y, Math.min(rows, box.y1 - y), w);
  }

  // Write packed box bits (null = all clear) to the mask canvas and, unless only
  // previewing, to the bits.
  function writeBits(box, packed, canvasOnly) {
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
          if (on) bits[row + (gx >> 3)] |= 128 >> (gx & 7);
          else bits[row + (gx >> 3)] &= ~(128 >> (gx & 7));
        }
      }
      maskCtx.putImageData(img, box.x0, y0);
    });
  }

  // Read what was painted in the box back into the bits, binarised at 128 as the
  // server does, and show exactly that.
  function readCanvas(box) {
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
          if (on) bits[row + (gx >> 3)] |= 128 >> (gx & 7);
          else bits[row + (gx >> 3)] &= ~(128 >> (gx & 7));
        }
      }
      maskCtx.putImageData(img, box.x0, y0);
    });
  }

  const POPCOUNT = new Uint8Array(256).map((_, i) => { let n = 0; for (let b = i; b; b >>= 1) n += b & 1; return n; });

  function countMaskPixels() {
    let n = 0;
    for (let i = 0; i < bits.length; i++) n += POPCOUNT[bits[i]];
    return n;
  }

  // The bounding box of the set pixels, or null.
  function maskBounds() {
    let y0 = -1, y1 = -1, b0 = stride, b1 = -1;
    for (let y = 0; y < height; y++) {
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
    while (!columnHas(x0, y0, y1)) x0++;
    while (x1 > x0 + 1 && !columnHas(x1 - 1, y0, y1)) x1--;
    return { x0, y0, x1: Math.min(width, x1), y1: y1 + 1 };
  }

  function columnHas(x, y0, y1) {
    if (x >= width) return false;
    for (let y = y0; y <= y1; y++) if (getBit(x, y)) return true;
    return false;
  }

  // ------------------------------------------------------------------ history

  function maskChanged() {
    state.maskPixels = countMaskPixels();
    if (state.maskPixels === 0) {
      maskInfo.textContent = "Mask empty";
    } else {
      const share = state.maskPixels / (width * height) * 100;
      maskInfo.textContent = state.maskPixels.toLocaleString() + " px masked · " + formatPercent(share);
    }
    root.dataset.maskPixels = String(state.maskPixels);
    updateToolButtons();
    scheduleRender();
  }

  function updateToolButtons() {
    const locked = state.busy || state.toolBusy;
    undoBtn.disabled = locked || state.history.length === 0;
    redoBtn.disabled = locked || state.future.length === 0;
    clearBtn.disabled = locked || state.maskPixels === 0;
    invertBtn.disabled = locked;
    findTextBtn.disabled = locked;
    previousBtn.disabled = locked || !state.previousMaskUrl;
    savedApply.disabled = locked || !savedSelect.value;
    savedDelete.disabled = state.toolBusy || !savedSelect.value;
    growRange.disabled = growInput.disabled = locked || (state.maskPixels === 0 && !state.preview);
    growApply.disabled = growCancel.disabled = locked || !state.preview;
  }

  // Every change goes through here: its box before and after, for undo and redo.
  function record(box, before, extra) {
    state.history.push(Object.assign({ box, before, after: captureBits(box), at: Date.now() }, extra || {}));
    state.future = [];
    maskChanged();
  }

  // Replace the whole box with `after` (packed) as one undoable change.
  function change(box, after, extra) {
    const before = captureBits(box);
    writeBits(box, after);
    record(box, before, extra);
  }

  function undo() {
    if (state.busy || state.stroke || !state.history.length) return;
    discardPreview();
    const op = state.history.pop();
    writeBits(op.box, op.before);
    state.future.push(op);
    maskChanged();
  }

  function redo() {
    if (state.busy || state.stroke || !state.future.length) return;
    discardPreview();
    const op = state.future.pop();
    writeBits(op.box, op.after);
    state.history.push(op);
    maskChanged();
  }

  function clearMask() {
    if (state.busy || state.maskPixels === 0) return;
    discardPreview();
    change(FULL, null);
  }

  function resetMask() {
    state.history = [];
    state.future = [];
    state.stroke = null;
    state.preview = null;
    growRange.value = growInput.value = "0";
    bits.fill(0);
    maskCtx.clearRect(0, 0, width, height);
    maskChanged();
  }

  undoBtn.addEventListener("click", undo);
  redoBtn.addEventListener("click", redo);
  clearBtn.addEventListener("click", clearMask);

  // ------------------------------------------------------------------ pointer input

  function stagePoint(e) {
    const rect = frame.getBoundingClientRect();
    return { x: e.clientX - rect.left, y: e.clientY - rect.top };
  }

  function toPhoto(e) {
    const q = stagePoint(e);
    const { s, tx, ty } = state.view;
    return { x: (q.x - tx) / s, y: (q.y - ty) / s, p: e.pressure || 0.5 };
  }

  function updateRing(e) {
    if (e) state.lastPointer = stagePoint(e);
    const d = Math.max(4, state.size * state.view.s);
    ring.style.width = d + "px";
    ring.style.height = d + "px";
    if (state.lastPointer) {
      ring.style.left = state.lastPointer.x + "px";
      ring.style.top = state.lastPointer.y + "px";
    }
  }

  function canPaint() {
    return state.photoReady && !state.busy && !state.toolBusy && !state.comparing;
  }

  function panning() {
    return state.spaceDown || state.pan;
  }

  function updateCursor() {
    stage.classList.toggle("is-panning", Boolean(state.spaceDown && !state.pan));
    stage.classList.toggle("is-grabbing", Boolean(state.pan));
    ring.classList.toggle("is-visible", state.pointerInside && canPaint() && !panning() && !state.pinch);
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
    ring.classList.toggle("is-eraser", stroke.mode === "eraser");
    state.stroke = stroke;
    growBox(stroke.box, p, widthAt(stroke, p));
    paintDot(stroke, p);
    scheduleRender();
  }

  function endStroke() {
    const stroke = state.stroke;
    if (!stroke) return;
    state.stroke = null;
    ring.classList.toggle("is-eraser", state.tool === "eraser");
    finishStroke(stroke);
    const box = clipBox(stroke.box);
    if (!box) { scheduleRender(); return; }
    const before = captureBits(box);
    readCanvas(box);
    record(box, before, { dot: stroke.points.length === 1 });
  }

  // A stroke that turned into a pinch: put the box back as it was.
  function cancelStroke() {
    const stroke = state.stroke;
    if (!stroke) return;
    state.stroke = null;
    const box = clipBox(stroke.box);
    if (box) writeBits(box, captureBits(box));
    scheduleRender();
  }

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

  function pointerEnd(e) {
    state.touches.delete(e.pointerId);
    if (state.pinch && state.touches.size < 2) state.pinch = null;
    if (state.pan && e.pointerId === state.pan.pointerId) { state.pan = null; updateCursor(); }
    if (state.stroke && e.pointerId === state.stroke.pointerId) {
      if (e.type === "pointercancel") cancelStroke(); else endStroke();
    }
  }
  stage.addEventListener("pointerup", pointerEnd);
  stage.addEventListener("pointercancel", pointerEnd);
  stage.addEventListener("pointerleave", () => {
    state.pointerInside = false;
    if (!state.stroke) ring.classList.remove("is-visible");
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

  // ------------------------------------------------------------------ compare with the original

  function canCompare() {
    return state.versionId !== root.dataset.originalVersionId;
  }

  function setComparing(on) {
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
  compareBtn.addEventListener("pointerdown", (e) => { e.preventDefault(); setComparing(true); });
  for (const type of ["pointerup", "pointerleave", "pointercancel"]) compareBtn.addEventListener(type, () => setComparing(false));
  compareBtn.addEventListener("keydown", (e) => { if (e.key === " " || e.key === "Enter") { e.preventDefault(); setComparing(true); } });
  compareBtn.addEventListener("keyup", (e) => { if (e.key === " " || e.key === "Enter") setComparing(false); });
  window.addEventListener("blur", () => { setComparing(false); state.spaceDown = false; updateCursor(); });

  // ------------------------------------------------------------------ keyboard

  function typingInto(target) {
    if (!target || !target.closest) return false;
    if (target.isContentEditable) return true;
    const field = target.closest("input, select, textarea");
    return Boolean(field) && field.type !== "range" && field.type !== "button" && field.type !== "color";
  }

  // Keys that belong to the photo (Space, Tab) are taken when the pointer is over it or
  // nothing else has the focus, so Tab still moves between the controls elsewhere.
  function photoHasKeys() {
    const active = document.activeElement;
    return state.pointerInside || !active || active === document.body || active === stage;
  }

  document.addEventListener("keydown", (e) => {
    if (typingInto(e.target) || helpDialog.open) return;
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    const mod = e.ctrlKey || e.metaKey;
    if (key === "Tab" && !mod && !e.altKey && photoHasKeys() && canCompare()) {
      e.preventDefault();
      setComparing(true);
      return;
    }
    if (key === " " && photoHasKeys()) {
      e.preventDefault();
      if (!state.spaceDown) { state.spaceDown = true; updateCursor(); }
      return;
    }
    if (e.altKey && !mod) return;
    if (mod && key === "z") { e.preventDefault(); if (e.shiftKey) redo(); else undo(); return; }
    if (mod && key === "y") { e.preventDefault(); redo(); return; }
    if (mod && key === "Enter") { e.preventDefault(); form.requestSubmit(); return; }
    if (mod) return;
    const at = state.pointerInside && state.lastPointer ? state.lastPointer : {};
    if (key === "b") setTool("brush");
    else if (key === "e") setTool("eraser");
    else if (key === "[") { e.preventDefault(); stepSize(-1); }
    else if (key === "]") { e.preventDefault(); stepSize(1); }
    else if (key === "0") fit();
    else if (key === "1") zoomTo(1, at.x, at.y);
    else if (key === "+" || key === "=") zoomTo(state.view.s * 1.25, at.x, at.y);
    else if (key === "-") zoomTo(state.view.s / 1.25, at.x, at.y);
    else if (key === "i") invert();
    else if (key === "?") { e.preventDefault(); helpDialog.showModal(); }
    else if (key === "Escape" && state.preview) discardPreview();
  });

  document.addEventListener("keyup", (e) => {
    if (e.key === "Tab") setComparing(false);
    if (e.key === " " && state.spaceDown) { state.spaceDown = false; updateCursor(); }
  });

  $("help-open").addEventListener("click", () => helpDialog.showModal());

  // ------------------------------------------------------------------ mask tools

  function toolMessage(text, kind) {
    toolsMessage.textContent = text;
    toolsMessage.classList.toggle("is-error", kind === "error");
  }

  function invert() {
    if (state.busy || state.toolBusy || !state.photoReady) return;
    discardPreview();
    const after = new Uint8Array(bits.length);
    const tail = width & 7 ? (0xff << (8 - (width & 7))) & 0xff : 0xff;
    for (let y = 0; y < height; y++) {
      const row = y * stride;
      for (let b = 0; b < stride; b++) after[row + b] = ~bits[row + b] & (b === stride - 1 ? tail : 0xff);
    }
    change(FULL, after);
    toolMessage("Inverted: everything that was not masked is now.");
  }
  invertBtn.addEventListener("click", invert);

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

  // The mask grown (amount > 0) or shrunk (< 0) by |amount| px with a round kernel:
  // {box, packed} over the only area that can change.
  function morph(amount) {
    const bounds = maskBounds();
    if (!bounds || !amount) return null;
    const r = Math.abs(amount);
    const pad = amount > 0 ? r + 1 : 1;
    const box = clipBox({ x0: bounds.x0 - pad, y0: bounds.y0 - pad, x1: bounds.x1 + pad, y1: bounds.y1 + pad });
    const w = box.x1 - box.x0, h = box.y1 - box.y0;
    const grid = new Float32Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const on = getBit(box.x0 + x, box.y0 + y);
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

  let previewTimer = 0;
  function previewMorph(amount) {
    clearTimeout(previewTimer);
    growRange.value = String(Math.max(-40, Math.min(40, amount)));
    growInput.value = String(amount);
    // Debounced: on a huge mask the transform takes a moment, and sliding should not queue them.
    previewTimer = setTimeout(() => {
      restorePreviewArea();
      const result = amount ? morph(amount) : null;
      if (!result) { state.preview = null; updateToolButtons(); scheduleRender(); return; }
      // A preview is on the canvas only; the bits keep the real mask until Apply.
      writeBits(result.box, result.packed, true);
      state.preview = { box: result.box, packed: result.packed, amount };
      toolMessage((amount > 0 ? "Grown" : "Shrunk") + " by " + Math.abs(amount) + " px (preview): Apply to keep it.");
      updateToolButtons();
      scheduleRender();
    }, 60);
  }

  function restorePreviewArea() {
    if (!state.preview) return;
    const box = state.preview.box;
    writeBits(box, captureBits(box));
  }

  function discardPreview() {
    clearTimeout(previewTimer);
    if (!state.preview && growInput.value === "0") return;
    restorePreviewArea();
    state.preview = null;
    growRange.value = growInput.value = "0";
    updateToolButtons();
    scheduleRender();
  }

  function applyPreview() {
    const p = state.preview;
    if (!p) return;
    state.preview = null;
    growRange.value = growInput.value = "0";
    change(p.box, p.packed);
    toolMessage((p.amount > 0 ? "Grew" : "Shrank") + " the mask by " + Math.abs(p.amount) + " px.");
  }

  growRange.addEventListener("input", () => previewMorph(parseInt(growRange.value, 10) || 0));
  growInput.addEventListener("input", () => {
    const n = parseInt(growInput.value, 10);
    if (Number.isInteger(n) && Math.abs(n) <= 200) previewMorph(n);
  });
  growApply.addEventListener("click", applyPreview);
  growCancel.addEventListener("click", () => { discardPreview(); toolMessage(""); });

  // Add a black-and-white mask image to the mask with its top-left corner at (x, y).
  function addMaskImage(img, x, y) {
    const box = clipBox({ x0: x, y0: y, x1: x + img.naturalWidth, y1: y + img.naturalHeight });
    if (!box) return 0;
    const tmp = document.createElement("canvas");
    tmp.width = box.x1 - box.x0;
    tmp.height = box.y1 - box.y0;
    const ctx = tmp.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(img, x - box.x0, y - box.y0);
    const packed = captureBits(box);
    const ls = (tmp.width + 7) >> 3;
    let added = 0;
    bands({ x0: 0, y0: 0, x1: tmp.width, y1: tmp.height }, (y0, h, w) => {
      const d = ctx.getImageData(0, y0, w, h).data;
      for (let yy = 0; yy < h; yy++) {
        for (let xx = 0; xx < w; xx++) {
          const i = (yy * w + xx) * 4;
          // White and opaque is "remove", as the server reads a mask.
          if (d[i] >= 128 && d[i + 3] >= 128) {
            const at = (y0 + yy) * ls + (xx >> 3), bit = 128 >> (xx & 7);
            if (!(packed[at] & bit)) { packed[at] |= bit; added++; }
          }
        }
      }
    });
    if (added) change(box, packed);
    return added;
  }

  async function withTool(work) {
    if (state.busy || state.toolBusy || !state.photoReady) return;
    discardPreview();
    state.toolBusy = true;
    updateToolButtons();
    updateCursor();
    root.classList.add("is-tool-busy");
    try {
      await work();
    } catch (err) {
      toolMessage(err.message || String(err), "error");
    } finally {
      state.toolBusy = false;
      root.classList.remove("is-tool-busy");
      updateToolButtons();
      updateCursor();
    }
  }

  async function fetchMaskImage(url, options) {
    const res = await fetch(url, Object.assign({ credentials: "same-origin" }, options || {}));
    if (!res.ok) {
      const data = await readJson(res);
      throw new Error(data && data.error ? data.error : "The server answered " + res.status + ".");
    }
    const blobUrl = URL.createObjectURL(await res.blob());
    try {
      return { img: await loadImage(blobUrl), res };
    } finally {
      URL.revokeObjectURL(blobUrl);
    }
  }

  findTextBtn.addEventListener("click", () => withTool(async () => {
    toolMessage("Looking for text…");
    const { img, res } = await fetchMaskImage(state.findTextUrl, {
      method: "POST", headers: { "X-CSRFToken": csrfToken },
    });
    if (Number(res.headers.get("X-Mask-Pixels")) === 0) {
      toolMessage("No text found on this photo.");
      return;
    }
    const added = addMaskImage(img, 0, 0);
    toolMessage(added
      ? "Added " + added.toLocaleString() + " px over the text found: check it, then correct with the brush or eraser."
      : "The text found is already masked.");
  }));

  previousBtn.addEventListener("click", () => withTool(async () => {
    const { img } = await fetchMaskImage(state.previousMaskUrl);
    if (img.naturalWidth !== width || img.naturalHeight !== height) throw new Error("The previous mask is of another size.");
    const added = addMaskImage(img, 0, 0);
    toolMessage(added ? "Added the previous repair's mask." : "The previous mask is already all painted.");
  }));

  // ------------------------------------------------------------------ saved masks

  const ANCHOR_LABELS = {
    "top-left": "top left", "top-right": "top right", "bottom-left": "bottom left",
    "bottom-right": "bottom right", "centre": "centre",
  };

  // Where a saved mask's top-left corner lands on this photo (as SavedMask.offset_on).
  function anchorOffset(saved) {
    const dx = width - saved.width, dy = height - saved.height;
    const [v, h] = saved.anchor === "centre" ? ["centre", "centre"] : saved.anchor.split("-");
    return {
      x: h === "left" ? 0 : h === "right" ? dx : Math.floor(dx / 2),
      y: v === "top" ? 0 : v === "bottom" ? dy : Math.floor(dy / 2),
    };
  }

  function fillSavedSelect(selectId) {
    savedSelect.replaceChildren();
    if (!state.savedMasks.length) savedSelect.append(new Option("None saved yet", ""));
    for (const m of state.savedMasks) {
      const option = new Option(m.name + " · " + ANCHOR_LABELS[m.anchor] + " · " + m.width + "×" + m.height, String(m.id));
      savedSelect.append(option);
    }
    if (selectId) savedSelect.value = String(selectId);
    updateToolButtons();
  }

  async function loadSavedMasks() {
    try {
      const res = await fetch(root.dataset.masksUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } });
      const data = await readJson(res);
      if (!res.ok || !data) throw new Error(String(res.status));
      state.savedMasks = data.masks;
      fillSavedSelect();
    } catch (err) {
      toolMessage("The saved masks could not be listed.", "error");
    }
  }

  savedSelect.addEventListener("change", updateToolButtons);

  savedApply.addEventListener("click", () => withTool(async () => {
    const saved = state.savedMasks.find((m) => String(m.id) === savedSelect.value);
    if (!saved) return;
    const { img } = await fetchMaskImage(saved.image_url);
    const at = anchorOffset(saved);
    const added = addMaskImage(img, at.x, at.y);
    toolMessage(added
      ? "Applied “" + saved.name + "” at the " + ANCHOR_LABELS[saved.anchor] + "."
      : "“" + saved.name + "” adds nothing here: it is already painted, or falls outside this photo.");
  }));

  savedDelete.addEventListener("click", () => withTool(async () => {
    const saved = state.savedMasks.find((m) => String(m.id) === savedSelect.value);
    if (!saved) return;
    const res = await fetch(saved.delete_url, { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrfToken } });
    const data = await readJson(res);
    if (!res.ok) throw new Error(data && data.error ? data.error : "The server answered " + res.status + ".");
    state.savedMasks = state.savedMasks.filter((m) => m !== saved);
    fillSavedSelect();
    toolMessage("Deleted the saved mask “" + saved.name + "”.");
  }));

  saveForm.addEventListener("submit", (e) => {
    e.preventDefault();
    withTool(async () => {
      const name = $("save-name").value.trim();
      if (!name) throw new Error("Give the mask a name.");
      if (state.maskPixels === 0) throw new Error("The mask is empty: paint it first, then save it.");
      const body = new FormData();
      body.append("name", name);
      body.append("anchor", $("save-anchor").value);
      body.append("mask", await exportMask(), "mask.png");
      const res = await fetch(root.dataset.masksUrl, {
        method: "POST", body, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken, "Accept": "application/json" },
      });
      const data = await readJson(res);
      if (!res.ok || !data) throw new Error(data && data.error ? data.error : "The server answered " + res.status + ".");
      state.savedMasks = state.savedMasks.concat([data]).sort((a, b) => a.name.localeCompare(b.name));
      fillSavedSelect(data.id);
      $("save-name").value = "";
      toolMessage("Saved “" + data.name + "”, anchored " + ANCHOR_LABELS[data.anchor] + ".");
    });
  });

  // ------------------------------------------------------------------ the mask as a 1-bit PNG

  let crcTable = null;
  function crc32(bytes, crc) {
    if (!crcTable) {
      crcTable = new Uint32Array(256);
      for (let n = 0; n < 256; n++) {
        let c = n;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
        crcTable[n] = c >>> 0;
      }
    }
    for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
    return crc;
  }

  function pngChunk(type, data) {
    const out = new Uint8Array(12 + data.length);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, data.length);
    for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
    out.set(data, 8);
    dv.setUint32(8 + data.length, (crc32(out.subarray(4, 8 + data.length), 0xffffffff) ^ 0xffffffff) >>> 0);
    return out;
  }

  // The bits are already a 1-bit greyscale PNG's rows (most significant bit first,
  // each row padded to a byte): add a filter byte per row and deflate. A 24 MP mask
  // posts as a few kilobytes instead of the megabytes an RGBA canvas export weighs.
  async function exportMask() {
    const raw = new Uint8Array((stride + 1) * height);
    for (let y = 0; y < height; y++) raw.set(bits.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
    const deflated = new Uint8Array(await new Response(
      new Blob([raw]).stream().pipeThrough(new CompressionStream("deflate"))).arrayBuffer());
    const header = new Uint8Array(13);
    const dv = new DataView(header.buffer);
    dv.setUint32(0, width);
    dv.setUint32(4, height);
    header[8] = 1;  // bit depth
    header[9] = 0;  // greyscale
    const blob = new Blob([
      new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]),
      pngChunk("IHDR", header), pngChunk("IDAT", deflated), pngChunk("IEND", new Uint8Array(0)),
    ], { type: "image/png" });
    root.dataset.maskBytes = String(blob.size);
    return blob;
  }

  // ------------------------------------------------------------------ form

  function showEngineHelp() {
    const option = engineSelect.selectedOptions[0];
    engineHelp.textContent = option ? option.dataset.description : "";
  }
  engineSelect.addEventListener("change", showEngineHelp);
  showEngineHelp();

  function showMessage(text, kind) {
    formMessage.textContent = text;
    formMessage.classList.toggle("is-error", kind === "error");
    formMessage.hidden = false;
  }

  function hideMessage() {
    formMessage.hidden = true;
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (state.busy) return;
    hideMessage();
    if (!state.photoReady) {
      showMessage("Wait for the photo to load, then paint the mask.");
      return;
    }
    if (!pixelsInRange(dilateInput, "Dilate", maxDilate) || !pixelsInRange(featherInput, "Feather", maxFeather)) return;
    if (countMaskPixels() === 0) {
      showMessage("Nothing to remove yet: the mask is empty. Paint over the part of the photo that should go.");
      return;
    }
    setBusy(true);  // before the await, so a double click cannot post twice
    const blob = await exportMask();
    state.lastRequest = { blob, versionId: state.versionId };
    send(state.lastRequest);
  });

  // A mask option in whole pixels, 0..max; otherwise say so next to Remove and focus it.
  function pixelsInRange(input, label, max) {
    const value = Number(input.value);
    if (Number.isInteger(value) && value >= 0 && value <= max) return true;
    showMessage(label + " must be a whole number from 0 to " + max + " px.", "error");
    input.focus();
    return false;
  }

  seeResultBtn.addEventListener("click", () => $("result").scrollIntoView({ behavior: "smooth", block: "start" }));

  retryBtn.addEventListener("click", async () => {
    if (state.busy) return;
    if (!state.lastRequest && state.job && state.job.mask_url) {
      // A job resumed from an earlier page load: its mask is on the server.
      try {
        const res = await fetch(state.job.mask_url, { credentials: "same-origin" });
        if (!res.ok) throw new Error(String(res.status));
        state.lastRequest = { blob: await res.blob(), versionId: state.versionId };
      } catch (err) {
        showMessage("The failed job's mask could not be fetched. Paint the mask again and press Remove.", "error");
        return;
      }
    }
    if (state.lastRequest) send(state.lastRequest);
  });

  async function readJson(res) {
    const type = res.headers.get("Content-Type") || "";
    if (!type.includes("json")) return null;
    try { return await res.json(); } catch (err) { return null; }
  }

  function failureText(res, data) {
    if (data && data.error) return data.error;
    if (res.redirected && /\/login\//.test(res.url)) return "Your session has ended. Log in again, then press Remove.";
    if (res.status === 403) return "The request was refused (403). Reload the page and try again.";
    if (res.status === 413) return "The mask is too large to upload.";
    return "The server answered " + res.status + " " + res.statusText + ". Try again in a moment.";
  }

  async function send(request) {
    hideMessage();
    setBusy(true);
    setJobStatus("", "Sending the mask…", { spinner: true });
    const body = new FormData();
    body.append("mask", request.blob, "mask.png");
    body.append("version", request.versionId);
    body.append("engine", engineSelect.value);
    body.append("dilate", String(parseInt(dilateInput.value, 10) || 0));
    body.append("feather", String(parseInt(featherInput.value, 10) || 0));
    let res;
    try {
      res = await fetch(repairUrl, {
        method: "POST", body, credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken, "Accept": "application/json" },
      });
    } catch (err) {
      setBusy(false);
      setJobStatus("", "Paint over what should go, then press Remove.");
      showMessage("Could not reach the server. Check the connection and press Remove again.", "error");
      return;
    }
    const data = await readJson(res);
    if (!res.ok || !data || !data.status_url) {
      setBusy(false);
      setJobStatus("", "Paint over what should go, then press Remove.");
      showMessage(failureText(res, data), "error");
      return;
    }
    state.pollDelay = 700;
    follow(data);
  }

  // ------------------------------------------------------------------ following a job

  function setBusy(busy) {
    state.busy = busy;
    removeBtn.disabled = busy;
    stage.classList.toggle("is-busy", busy);
    if (busy) discardPreview();
    updateCursor();
    updateToolButtons();
  }

  function setJobStatus(status, text, options) {
    const opts = options || {};
    jobStatus.dataset.status = status;
    jobBadge.hidden = !status;
    jobBadge.className = "badge badge-" + status;
    jobBadge.textContent = status;
    jobSpinner.hidden = !opts.spinner;
    jobText.textContent = text;
    retryBtn.hidden = !opts.retry;
    seeResultBtn.hidden = !opts.seeResult;
    jobActions.hidden = !opts.retry && !opts.seeResult;
  }

  function secondsSince(iso) {
    return iso ? Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000)) : 0;
  }

  // The job's place among this user's own queued jobs, and when its result should be in.
  function queuePlace(job) {
    if (!job.queue_position) return "waiting for a worker";
    const parts = [job.jobs_ahead ? job.jobs_ahead + " ahead of it" : "next in line"];
    if (job.queue_position > 1) parts.unshift("your job " + job.queue_position + " in line");
    if (job.estimated_seconds) parts.push("result in about " + formatWait(job.estimated_seconds));
    return parts.join(", ");
  }

  function formatWait(seconds) {
    return seconds < 90 ? seconds + "\u00a0s" : Math.round(seconds / 60) + "\u00a0min";
  }

  function follow(job) {
    state.job = job;
    clearTimeout(state.pollTimer);
    const attempt = job.attempts > 1 ? " (attempt " + job.attempts + ")" : "";
    if (job.status === "queued") {
      setBusy(true);
      setJobStatus("queued", "Queued, " + queuePlace(job) + attempt + ".", { spinner: true });
      setOverlay("Queued: the mask is locked until the result is in.");
      poll(job);
    } else if (job.status === "running") {
      setBusy(true);
      setJobStatus("running", "Removing with " + job.engine + " · " + secondsSince(job.started_at) + "\u00a0s" + attempt, { spinner: true });
      setOverlay("Removing… the mask is locked until the result is in.");
      poll(job);
    } else if (job.status === "succeeded") {
      succeed(job);
    } else {
      setBusy(false);
      setOverlay("");
      setJobStatus("failed", "Failed: " + (job.error || "the worker gave no reason") + ".", { retry: true });
    }
  }

  function poll(job) {
    state.pollTimer = setTimeout(async () => {
      try {
        const res = await fetch(job.status_url, { credentials: "same-origin", headers: { "Accept": "application/json" } });
        const data = await readJson(res);
        if (!res.ok || !data) throw new Error(failureText(res, data));
        // Back off gently while nothing changes; snap back when something does.
        state.pollDelay = data.status === job.status ? Math.min(3000, state.pollDelay * 1.25) : 700;
        follow(data);
      } catch (err) {
        state.pollDelay = Math.min(5000, state.pollDelay * 1.5);
        jobText.textContent = "Lost touch with the server; trying again…";
        poll(job);
      }
    }, state.pollDelay);
  }

  async function succeed(job) {
    const v = job.version;
    jobText.textContent = "Done; fetching version " + v.number + "…";
    try {
      await loadImage(v.image_url);
    } catch (err) {
      // The base still moves on; the stage says why the picture did not.
    }
    // Everything changes in one go, so "succeeded" always means the page shows the result.
    setOverlay("");
    state.previousMaskUrl = job.mask_url;
    addVersion(v, job.engine, job.finished_at);
    showResult(versionFromJob(v, job.engine));
    switchBase(v);
    setBusy(false);
    setJobStatus("succeeded", "Done: version " + v.number + " is ready and is now the base for the next mask.", { seeResult: true });
  }

  function switchBase(v) {
    state.versionId = String(v.id);
    root.dataset.versionId = String(v.id);
    root.dataset.versionNumber = String(v.number);
    versionInput.value = String(v.id);
    root.querySelectorAll('[data-bind="version-number"]').forEach((el) => { el.textContent = v.number; });
    const olderNote = $("older-note");
    if (olderNote) olderNote.hidden = true;
    photo.alt = photo.alt.replace(/version \d+$/, "version " + v.number);
    document.title = document.title.replace(/· v\d+ ·/, "· v" + v.number + " ·");
    if (v.editor_url) history.replaceState(null, "", v.editor_url);
    resetMask();
    state.lastRequest = null;
    state.photoReady = false;
    state.findTextUrl = urlFor(root.dataset.findTextUrl, v.id);
    compareBtn.disabled = !canCompare();
    showPhoto(v.image_url, urlFor(root.dataset.displayUrl, v.id));
    markCurrent(String(v.id));
  }

  // ------------------------------------------------------------------ versions list

  function markCurrent(id) {
    versionsList.querySelectorAll(".version").forEach((li) => {
      const current = li.dataset.versionId === id;
      li.classList.toggle("is-current", current);
      if (current) li.setAttribute("aria-current", "true"); else li.removeAttribute("aria-current");
    });
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === "text") node.textContent = v; else node.setAttribute(k, v);
    });
    (children || []).forEach((c) => node.append(c));
    return node;
  }

  // The page's result menu (templates/repairapp/_download_menu.html) is the one copy of
  // the markup: a version's menu is a clone of it, styled as a link.
  function setDownloadMenu(menu, url, label) {
    menu.querySelectorAll("a[data-format]").forEach((a) => {
      a.href = url + (a.dataset.format === "png" ? "" : "&format=" + a.dataset.format);
    });
    menu.querySelector("summary").textContent = label;
    menu.open = false;
  }

  // An open download menu closes on a click outside it or after a format is chosen.
  document.addEventListener("click", (event) => {
    document.querySelectorAll("details.download-menu[open]").forEach((menu) => {
      if (!menu.contains(event.target) || event.target.closest("a[data-format]")) menu.open = false;
    });
  });

  function downloadMenu(url, label) {
    const menu = $("result-download").cloneNode(true);
    menu.removeAttribute("id");
    menu.querySelector("summary").className = "link-btn";
    setDownloadMenu(menu, url, label);
    return menu;
  }

  function addVersion(v, engine, finishedAt) {
    if (versionsList.querySelector('[data-version-id="' + v.id + '"]')) return;
    const figures = v.figures || {};
    const li = el("li", {
      "class": "version is-new", "data-version-id": v.id, "data-number": v.number, "data-image-url": v.image_url,
      "data-engine": engine || "",
    });
    if (v.diff_url) {
      Object.assign(li.dataset, {
        parentImageUrl: v.parent_image_url, parentNumber: v.parent_number, diffUrl: v.diff_url,
        maskPixels: figures.mask_pixels, changedInside: figures.changed_inside_mask,
        changedOutside: figures.changed_outside_mask, changedFraction: figures.changed_fraction,
      });
      // Absent for versions made before it was recorded: the panel then shows "–".
      if (figures.changed_outside_painted != null) li.dataset.changedOutsidePainted = figures.changed_outside_painted;
    }
    const when = el("time", { datetime: finishedAt || new Date().toISOString(), title: finishedAt || "" });
    const actions = el("div", { "class": "version-actions small" }, [
      downloadMenu(v.download_url, "Download"),
      el("a", { href: v.editor_url, "class": "edit-link", text: "Edit from here" }),
    ]);
    if (v.diff_url) actions.append(el("button", { type: "button", "class": "link-btn compare-btn", text: "Compare" }));
    li.append(
      el("img", { "class": "version-thumb", src: v.thumb_url, alt: "" }),
      el("div", { "class": "version-body" }, [
        el("div", { "class": "version-line" }, [
          el("strong", { text: "v" + v.number }),
          el("span", { "class": "badge version-editing", text: "Editing" }),
        ]),
        el("div", { "class": "small muted" }, [(engine || "repair") + " · ", when]),
      ]),
      actions,
    );
    if (v.submit_url) li.append(submitForm(v.submit_url));
    versionsList.prepend(li);
    refreshTimes();
    $("versions-count").textContent = versionsList.children.length;
  }

  // A new version starts as a draft: offer to send it to the moderators' queue.
  function submitForm(url) {
    const token = document.querySelector("input[name=csrfmiddlewaretoken]").value;
    const form = el("form", { method: "post", action: url, "class": "submit-review" }, [
      el("input", { type: "hidden", name: "csrfmiddlewaretoken", value: token }),
      el("input", { type: "text", name: "note", maxlength: "500", placeholder: "Note for the moderator (optional)",
                    "aria-label": "Note for the moderator" }),
      el("button", { type: "submit", "class": "btn btn-sm", text: "Submit for review" }),
    ]);
    return el("div", { "class": "version-review small", "data-review-state": "draft" }, [
      el("span", { "class": "badge review-draft", text: "Draft" }), form,
    ]);
  }

  function versionFromJob(v, engine) {
    const f = v.figures || {};
    return {
      id: String(v.id), number: v.number, engine, imageUrl: v.image_url, downloadUrl: v.download_url,
      parentNumber: v.parent_number, parentImageUrl: v.parent_image_url, diffUrl: v.diff_url,
      maskPixels: f.mask_pixels, changedInside: f.changed_inside_mask,
      changedOutside: f.changed_outside_mask, changedFraction: f.changed_fraction,
      changedOutsidePainted: f.changed_outside_painted == null ? NaN : f.changed_outside_painted,
    };
  }

  function versionFromItem(li) {
    const d = li.dataset;
    let parentNumber = d.parentNumber;
    if (!parentNumber && d.parentId) {
      const parent = versionsList.querySelector('[data-version-id="' + d.parentId + '"]');
      parentNumber = parent ? parent.dataset.number : "?";
    }
    return {
      id: d.versionId, number: d.number, engine: d.engine, imageUrl: d.imageUrl,
      downloadUrl: d.imageUrl + "?download=1", parentNumber, parentImageUrl: d.parentImageUrl,
      diffUrl: d.diffUrl, maskPixels: Number(d.maskPixels), changedInside: Number(d.changedInside),
      changedOutside: Number(d.changedOutside), changedFraction: Number(d.changedFraction),
      changedOutsidePainted: d.changedOutsidePainted === undefined ? NaN : Number(d.changedOutsidePainted),
    };
  }

  versionsList.addEventListener("click", (e) => {
    const btn = e.target.closest(".compare-btn");
    if (!btn) return;
    showResult(versionFromItem(btn.closest(".version")));
    $("result").scrollIntoView({ behavior: "smooth", block: "start" });
  });

  function timeAgo(date) {
    const s = Math.round((Date.now() - date.getTime()) / 1000);
    if (s < 60) return "just now";
    if (s < 3600) return Math.floor(s / 60) + " min ago";
    if (s < 86400) return Math.floor(s / 3600) + " h ago";
    if (s < 7 * 86400) return Math.floor(s / 86400) + " d ago";
    return date.toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" });
  }

  function refreshTimes() {
    versionsList.querySelectorAll("time[datetime]").forEach((t) => {
      const date = new Date(t.getAttribute("datetime"));
      if (isNaN(date)) return;
      t.textContent = timeAgo(date);
      t.title = date.toLocaleString();
    });
  }
  refreshTimes();
  setInterval(refreshTimes, 30000);

  // ------------------------------------------------------------------ comparison panel

  const result = $("result");
  const swipe = $("swipe");
  const swipeHandle = $("swipe-handle");

  function formatPercent(p) {
    if (p === 0) return "0%";
    if (p < 0.01) return "<0.01%";
    return (p < 10 ? p.toFixed(2) : p.toFixed(1)) + "%";
  }

  function formatPixels(n) {
    return Number.isFinite(n) ? n.toLocaleString() + " px" : "–";
  }

  function showResult(v) {
    result.hidden = false;
    result.dataset.versionId = v.id;
    $("result-heading").textContent = "Result: v" + v.number + " from v" + v.parentNumber;
    $("result-sub").textContent = (v.engine ? "Engine " + v.engine + " · " : "") + width + "×" + height + " px";
    setDownloadMenu($("result-download"), v.downloadUrl, "Download v" + v.number);
    result.querySelectorAll('[data-bind="before-label"]').forEach((n) => { n.textContent = "v" + v.parentNumber; });
    result.querySelectorAll('[data-bind="after-label"]').forEach((n) => { n.textContent = "v" + v.number; });
    setImage("side-before", v.parentImageUrl, "Version " + v.parentNumber + ", before the repair");
    setImage("side-after", v.imageUrl, "Version " + v.number + ", after the repair");
    setImage("swipe-before", v.parentImageUrl, "Version " + v.parentNumber + ", before");
    setImage("swipe-after", v.imageUrl, "Version " + v.number + ", after");
    setImage("diff-img", v.diffUrl, "Heatmap of the pixels that changed from v" + v.parentNumber + " to v" + v.number);
    // On the panel, so the swipe and the diff share one size at the photo's aspect ratio.
    result.style.setProperty("--ar", String(width / height));

    $("fig-mask").textContent = formatPixels(v.maskPixels);
    $("fig-inside").textContent = formatPixels(v.changedInside);
    $("fig-outside").textContent = formatPixels(v.changedOutside);
    // Dilate grows the painted mask, so pixels next to it may change: shown, not an error.
    $("fig-outside-painted").textContent = formatPixels(v.changedOutsidePainted);
    const outsideBox = $("fig-outside-box");
    outsideBox.classList.toggle("is-ok", v.changedOutside === 0);
    outsideBox.classList.toggle("is-bad", v.changedOutside !== 0);
    outsideBox.title = v.changedOutside === 0
      ? "Nothing outside the grown mask was touched."
      : "Pixels outside the mask changed: this should never happen.";
    $("fig-fraction").textContent = Number.isFinite(v.changedFraction) ? formatPercent(v.changedFraction * 100) : "–";

    versionsList.querySelectorAll(".version").forEach((li) => {
      li.classList.toggle("is-compared", li.dataset.versionId === v.id);
    });
  }

  function setImage(id, url, alt) {
    const img = $(id);
    if (img.getAttribute("src") !== url) img.src = url;
    img.alt = alt;
  }

  // Tabs: arrow keys move between them, as in any tablist.
  const tabs = Array.from(result.querySelectorAll('[role="tab"]'));
  function selectTab(tab) {
    tabs.forEach((t) => {
      const selected = t === tab;
      t.setAttribute("aria-selected", String(selected));
      t.tabIndex = selected ? 0 : -1;
      $(t.getAttribute("aria-controls")).hidden = !selected;
    });
  }
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => selectTab(tab));
    tab.addEventListener("keydown", (e) => {
      let next = null;
      if (e.key === "ArrowRight") next = tabs[(i + 1) % tabs.length];
      else if (e.key === "ArrowLeft") next = tabs[(i - 1 + tabs.length) % tabs.length];
      else if (e.key === "Home") next = tabs[0];
      else if (e.key === "End") next = tabs[tabs.length - 1];
      if (next) { e.preventDefault(); next.focus(); selectTab(next); }
    });
  });

  function setSwipe(percent) {
    const p = Math.max(0, Math.min(100, Math.round(percent * 10) / 10));
    swipe.style.setProperty("--swipe", p + "%");
    swipeHandle.setAttribute("aria-valuenow", String(Math.round(p)));
    swipeHandle.setAttribute("aria-valuetext", Math.round(p) + "% before");
    return p;
  }
  let swipeValue = setSwipe(50);
  let swipePointer = null;

  function swipeTo(e) {
    const rect = swipe.getBoundingClientRect();
    swipeValue = setSwipe((e.clientX - rect.left) / rect.width * 100);
  }
  swipe.addEventListener("pointerdown", (e) => {
    if (e.pointerType === "mouse" && e.button !== 0) return;
    e.preventDefault();
    swipePointer = e.pointerId;
    swipe.setPointerCapture(e.pointerId);
    swipeHandle.focus({ preventScroll: true });
    swipeTo(e);
  });
  swipe.addEventListener("pointermove", (e) => { if (e.pointerId === swipePointer) swipeTo(e); });
  swipe.addEventListener("pointerup", () => { swipePointer = null; });
  swipe.addEventListener("pointercancel", () => { swipePointer = null; });
  swipeHandle.addEventListener("keydown", (e) => {
    const step = e.shiftKey ? 10 : 2;
    const moves = { ArrowLeft: -step, ArrowDown: -step, ArrowRight: step, ArrowUp: step, PageDown: -10, PageUp: 10 };
    if (e.key in moves) swipeValue = setSwipe(swipeValue + moves[e.key]);
    else if (e.key === "Home") swipeValue = setSwipe(0);
    else if (e.key === "End") swipeValue = setSwipe(100);
    else return;
    e.preventDefault();
  });

  // ------------------------------------------------------------------ start

  setTool("brush");
  setMaskLook();
  maskChanged();
  compareBtn.disabled = !canCompare();
  loadSavedMasks();
  showPhoto(root.dataset.imageUrl, root.dataset.displayUrl);
  if (root.dataset.activeJobUrl) {
    // A repair started before this page loaded: pick it up where it is.
    setBusy(true);
    setJobStatus("", "Checking on the repair already under way…", { spinner: true });
    state.pollDelay = 0;
    poll({ status: "", status_url: root.dataset.activeJobUrl });
  }
})();
