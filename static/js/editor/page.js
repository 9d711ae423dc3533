// What every part of the editor shares: the page's root element and the figures it
// hands over in data-* attributes, the editor's state, the side panel's messages and
// which of its buttons can be pressed, and a few small helpers.

export const root = document.getElementById("editor");
export const $ = (id) => document.getElementById(id);

const data = root ? root.dataset : {};
export const csrfToken = root ? root.querySelector("input[name=csrfmiddlewaretoken]").value : "";
export const width = parseInt(data.width, 10);
export const height = parseInt(data.height, 10);

export const state = {
  versionId: data.versionId,
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
  previousMaskUrl: data.previousMaskUrl || "",
  findTextUrl: data.findTextUrl,
  textLines: null,  // Find text's lines: {words, kind, reason, box, shape, inMask, row}
  savedMasks: [],
};

export function loadImage(url) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error("could not load " + url));
    img.src = url;
  });
}

// The same endpoint for another version: /versions/5/display -> /versions/7/display.
export function urlFor(url, id) {
  return url.replace(/\/\d+\/([^/]+)$/, "/" + id + "/$1");
}

export async function readJson(res) {
  const type = res.headers.get("Content-Type") || "";
  if (!type.includes("json")) return null;
  try { return await res.json(); } catch (err) { return null; }
}

export function formatPercent(p) {
  if (p === 0) return "0%";
  if (p < 0.01) return "<0.01%";
  return (p < 10 ? p.toFixed(2) : p.toFixed(1)) + "%";
}

// ------------------------------------------------------------------ the side panel's messages and buttons

const undoBtn = $("undo");
const redoBtn = $("redo");
const clearBtn = $("clear");
const invertBtn = $("invert");
const findTextBtn = $("find-text");
const previousBtn = $("previous-mask");
const savedSelect = $("saved-select");
const savedApply = $("saved-apply");
const savedDelete = $("saved-delete");
const growRange = $("grow-range");
const growInput = $("grow");
const growApply = $("grow-apply");
const growCancel = $("grow-cancel");
const toolsMessage = $("tools-message");
const formMessage = $("form-message");

export function updateToolButtons() {
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

// Under the mask tools: what a tool did, or why it could not (kind "error"), or what it
// waits for ("loading": with a spinner).
export function toolMessage(text, kind) {
  toolsMessage.textContent = text;
  toolsMessage.classList.toggle("is-error", kind === "error");
  toolsMessage.classList.toggle("is-loading", kind === "loading");
}

// Next to Remove: why a repair was not sent.
export function showMessage(text, kind) {
  formMessage.textContent = text;
  formMessage.classList.toggle("is-error", kind === "error");
  formMessage.hidden = false;
}

export function hideMessage() {
  formMessage.hidden = true;
}
