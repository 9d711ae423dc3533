// The mask tools: undo, redo, clear, invert, grow or shrink, the previous repair's mask
// and saved masks; withTool() runs a tool that fetches or computes, with the mask locked.
import { $, root, csrfToken, state, width, height, loadImage, readJson, toolMessage, updateToolButtons } from "./page.js";
import { bits, addMaskImage, change, exportMask, redoNext, undoLast, writeBits } from "./mask.js";
import { scheduleRender, updateCursor } from "./view.js";

export function undo() {
  if (state.busy || state.stroke || !state.history.length) return;
  discardPreview();
  undoLast();
}

export function redo() {
  if (state.busy || state.stroke || !state.future.length) return;
  discardPreview();
  redoNext();
}

function clearMask() {
  if (state.busy || state.maskPixels === 0) return;
  discardPreview();
  change(bits.full, null);
}

export function invert() {
  if (state.busy || state.toolBusy || !state.photoReady) return;
  discardPreview();
  change(bits.full, bits.inverted());
  toolMessage("Inverted: everything that was not masked is now.");
}

export async function withTool(work) {
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

// A mask image from the server, decoded: {img, res}. A refusal throws its error text.
export async function fetchMaskImage(url, options) {
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

export function initTools() {
  $("undo").addEventListener("click", undo);
  $("redo").addEventListener("click", redo);
  $("clear").addEventListener("click", clearMask);
  $("invert").addEventListener("click", invert);
  $("previous-mask").addEventListener("click", () => withTool(async () => {
    const { img } = await fetchMaskImage(state.previousMaskUrl);
    if (img.naturalWidth !== bits.width || img.naturalHeight !== bits.height) throw new Error("The previous mask is of another size.");
    const added = addMaskImage(img, 0, 0);
    toolMessage(added ? "Added the previous repair's mask." : "The previous mask is already all painted.");
  }));
}

// ------------------------------------------------------------------ grow or shrink

// A preview is on the canvas only (the bits keep the real mask) until Apply makes it one
// undoable change.

const growRange = $("grow-range");
const growInput = $("grow");

let previewTimer = 0;
function previewMorph(amount) {
  clearTimeout(previewTimer);
  growRange.value = String(Math.max(-40, Math.min(40, amount)));
  growInput.value = String(amount);
  // Debounced: on a huge mask the transform takes a moment, and sliding should not queue them.
  previewTimer = setTimeout(() => {
    restorePreviewArea();
    const result = amount ? bits.morph(amount) : null;
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
  writeBits(box, bits.capture(box));
}

export function discardPreview() {
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

// A new base version: no preview to keep (mask.resetMask forgot it with the mask).
export function resetGrowInputs() {
  growRange.value = growInput.value = "0";
}

export function initGrow() {
  growRange.addEventListener("input", () => previewMorph(parseInt(growRange.value, 10) || 0));
  growInput.addEventListener("input", () => {
    const n = parseInt(growInput.value, 10);
    if (Number.isInteger(n) && Math.abs(n) <= 200) previewMorph(n);
  });
  $("grow-apply").addEventListener("click", applyPreview);
  $("grow-cancel").addEventListener("click", () => { discardPreview(); toolMessage(""); });
}

// ------------------------------------------------------------------ saved masks

// This user's named masks, anchored to a corner or the centre: listed, applied to this
// photo, deleted, and saved from the mask painted now.

const savedSelect = $("saved-select");

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

export async function loadSavedMasks() {
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

export function initSaved() {
  savedSelect.addEventListener("change", updateToolButtons);

  $("saved-apply").addEventListener("click", () => withTool(async () => {
    const saved = state.savedMasks.find((m) => String(m.id) === savedSelect.value);
    if (!saved) return;
    const { img } = await fetchMaskImage(saved.image_url);
    const at = anchorOffset(saved);
    const added = addMaskImage(img, at.x, at.y);
    toolMessage(added
      ? "Applied “" + saved.name + "” at the " + ANCHOR_LABELS[saved.anchor] + "."
      : "“" + saved.name + "” adds nothing here: it is already painted, or falls outside this photo.");
  }));

  $("saved-delete").addEventListener("click", () => withTool(async () => {
    const saved = state.savedMasks.find((m) => String(m.id) === savedSelect.value);
    if (!saved) return;
    const res = await fetch(saved.delete_url, { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrfToken } });
    const data = await readJson(res);
    if (!res.ok) throw new Error(data && data.error ? data.error : "The server answered " + res.status + ".");
    state.savedMasks = state.savedMasks.filter((m) => m !== saved);
    fillSavedSelect();
    toolMessage("Deleted the saved mask “" + saved.name + "”.");
  }));

  $("save-form").addEventListener("submit", (e) => {
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
}
