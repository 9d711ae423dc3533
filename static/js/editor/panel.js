// The side panel's two message lines and which of its buttons can be pressed.
import { $, state } from "./page.js";

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

// Under the mask tools: what a tool did, or why it could not.
export function toolMessage(text, kind) {
  toolsMessage.textContent = text;
  toolsMessage.classList.toggle("is-error", kind === "error");
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
