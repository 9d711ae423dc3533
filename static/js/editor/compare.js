// Hold to compare: the original photo in place of the current version, the mask hidden.
import { $, root, state } from "./page.js";
import { render, updateCursor } from "./view.js";

const comparePhoto = $("compare-photo");
const compareTag = $("compare-tag");
const compareBtn = $("compare-hold");

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
