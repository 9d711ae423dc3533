// The mask tools beside the stage: undo, redo, clear, invert, and adding the previous
// repair's mask; withTool() runs a tool that fetches or computes, with the mask locked.
import { $, root, state, loadImage, readJson } from "./page.js";
import { bits, addMaskImage, change, redoNext, undoLast } from "./mask.js";
import { discardPreview } from "./grow.js";
import { toolMessage, updateToolButtons } from "./panel.js";
import { updateCursor } from "./view.js";

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
