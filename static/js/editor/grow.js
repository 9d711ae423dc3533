// Grow or shrink the mask: a preview on the canvas only (the bits keep the real mask)
// until Apply makes it one undoable change.
import { $, state } from "./page.js";
import { bits, writeBits, change } from "./mask.js";
import { toolMessage, updateToolButtons } from "./panel.js";
import { scheduleRender } from "./view.js";

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
