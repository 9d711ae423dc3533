// The mask editor (templates/repairapp/editor.html): wires the parts together, binds
// the keyboard shortcuts (the help dialog lists them) and starts. Imports run one way,
// from the wiring down to the pure parts (no cycles):
//   main → job → versions → page;  main, job, brush, textfind → tools → mask → view → page
//   mask → maskbits, png (no DOM, no imports)
import { $, root, state } from "./page.js";
import { canvas, maskChanged } from "./mask.js";
import {
  canCompare, fit, initCompare, initView, setComparing, showPhoto, updateCompareButton, updateCursor, zoomTo,
} from "./view.js";
import { initBrush, setTool, stepSize } from "./brush.js";
import { discardPreview, initGrow, initSaved, initTools, invert, loadSavedMasks, redo, undo } from "./tools.js";
import { initTextFind } from "./textfind.js";
import { initJob, resumeJob, submitRepair } from "./job.js";
import { initResult, initVersions } from "./versions.js";

const stage = $("stage");
const helpDialog = $("help");

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

function initKeys() {
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
    if (mod && key === "Enter") { e.preventDefault(); submitRepair(); return; }
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
}

function start() {
  initBrush();
  initView(canvas);
  initCompare();
  initKeys();
  initTools();
  initGrow();
  initTextFind();
  initSaved();
  initJob();
  initVersions();
  initResult();

  setTool("brush");
  maskChanged();
  updateCompareButton();
  loadSavedMasks();
  showPhoto(root.dataset.imageUrl, root.dataset.displayUrl);
  if (root.dataset.activeJobUrl) resumeJob(root.dataset.activeJobUrl);
}

if (root) start();
