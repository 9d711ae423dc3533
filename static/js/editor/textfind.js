// Find text: the server finds the lines of text on the photo, reads them and judges
// each one an overlay (proposed: added to the mask) or scene text (kept: a product's
// label, a sign). The lines are listed with their words and the reason; a toggle per
// line includes a kept line or excludes a proposed one, changing the mask at once (one
// undoable change each). The words of the lines in the mask go with the repair
// (found_text), for the job's record and the worker's "text remains" check.
//
// A toggle shows what the mask holds, never a state of its own: after every change of
// the mask (a toggle, a stroke, undo, redo) each line is read off the mask again, ticked
// when all its pixels are in it, half-ticked when some are. So undoing a toggle unticks
// it with the pixels it took away, and the two cannot disagree.
import { $, csrfToken, loadImage, readJson, state, toolMessage } from "./page.js";
import { imageShape, markShape, onMaskChange, shapeInMask } from "./mask.js";
import { withTool } from "./tools.js";

const panel = $("text-lines");
const list = $("text-lines-list");
const summary = $("text-lines-summary");
const findButton = $("find-text");

// How long the editor waits for a web process that is still loading the text model.
const LOADING_PATIENCE_MS = 120000;

// The words of the lines in the mask now (wholly or partly), or null when there are none.
export function foundText() {
  const lines = (state.textLines || []).filter((l) => l.inMask !== "off");
  return lines.length ? lines.map((l) => l.words) : null;
}

// A new base version: the lines found on the old one no longer apply.
export function forgetTextLines() {
  state.textLines = null;
  list.replaceChildren();
  panel.hidden = true;
}

function describe() {
  const lines = state.textLines || [];
  const on = lines.filter((l) => l.inMask === "on").length;
  const part = lines.filter((l) => l.inMask === "partly").length;
  summary.textContent = lines.length + (lines.length === 1 ? " line" : " lines") + " · " + on + " in the mask"
    + (part ? " · " + part + " partly" : "");
}

// Each line's toggle from the mask: "on" (all its pixels masked), "partly" or "off".
function syncTextLines() {
  const lines = state.textLines;
  if (!lines) return;
  for (const line of lines) {
    const masked = line.shape ? shapeInMask(line.shape) : 0;
    line.inMask = masked === 0 ? "off" : masked === line.shape.count ? "on" : "partly";
    const box = line.row.querySelector("input");
    box.checked = line.inMask === "on";
    box.indeterminate = line.inMask === "partly";
    line.row.classList.toggle("is-on", line.inMask !== "off");
    line.row.dataset.inMask = line.inMask;
    box.setAttribute("aria-label", (line.inMask === "on" ? "Exclude " : "Include ") + (line.words || "this line"));
  }
  describe();
}

function row(line) {
  const li = document.createElement("li");
  li.className = "text-line " + (line.kind === "overlay" ? "is-overlay" : "is-scene");
  li.dataset.index = String(line.index);
  li.dataset.kind = line.kind;
  const label = document.createElement("label");
  const box = document.createElement("input");
  box.type = "checkbox";
  const words = document.createElement("span");
  words.className = "text-line-words";
  words.textContent = line.words || "(not read)";
  words.title = line.words ? "read with " + Math.round(line.confidence * 100) + " % confidence" : "";
  label.append(box, words);
  const reason = document.createElement("span");
  reason.className = "text-line-reason";
  reason.textContent = line.reason;
  const where = document.createElement("span");
  where.className = "text-line-box";
  const [x0, y0, x1, y1] = line.box;
  where.textContent = (x1 - x0) + "×" + (y1 - y0) + " at " + x0 + ", " + y0;
  li.append(label, reason, where);
  box.addEventListener("change", () => toggle(line, box.checked));
  return li;
}

function toggle(line, on) {
  if (state.busy || state.toolBusy || !line.shape) { syncTextLines(); return; }
  const changed = markShape(line.shape, on);  // the mask's change re-reads every toggle
  toolMessage((on ? "Included " : "Excluded ") + "“" + (line.words || "a line") + "”: "
    + changed.toLocaleString() + " px " + (on ? "added to" : "taken off") + " the mask.");
}

function setFinding(text) {
  findButton.textContent = text || "Find text";
  findButton.classList.toggle("is-working", Boolean(text));
  if (text) findButton.setAttribute("aria-busy", "true"); else findButton.removeAttribute("aria-busy");
}

// POST Find text. While the web process is still loading the text model it answers 503
// with `loading` at once: say so, then ask again with ?wait=1, which the server holds
// until the model is in (or 30 s; then ask again, up to LOADING_PATIENCE_MS).
async function askForLines() {
  const started = Date.now();
  let url = state.findTextUrl;
  for (;;) {
    const res = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken, "Accept": "application/json" },
    });
    const data = await readJson(res);
    if (res.status !== 503 || !data || !data.loading) return { res, data };
    if (Date.now() - started > LOADING_PATIENCE_MS) throw new Error("The text model is still loading on the server; try Find text again in a minute.");
    setFinding("Loading model…");
    toolMessage("Loading the text model… The first Find text since the server started waits for it; this takes a few seconds.", "loading");
    url = state.findTextUrl + "?wait=1";
  }
}

export function initTextFind() {
  onMaskChange(syncTextLines);
  findButton.addEventListener("click", () => withTool(async () => {
    setFinding("Finding text…");
    toolMessage("Looking for text…");
    try {
      await findText();
    } finally {
      setFinding("");
    }
  }));
}

async function findText() {
  const { res, data } = await askForLines();
  if (!res.ok || !data) throw new Error(data && data.error ? data.error : "The server answered " + res.status + ".");
  forgetTextLines();
  if (!data.lines.length) {
    toolMessage("No text found on this photo.");
    return;
  }
  const lines = await Promise.all(data.lines.map(async (l) => {
    const img = await loadImage(l.mask_url);
    return Object.assign(l, { shape: imageShape(img, l.box[0], l.box[1]), inMask: "off" });
  }));
  for (const line of lines) {
    line.row = row(line);
    list.append(line.row);
  }
  state.textLines = lines;
  panel.hidden = false;
  syncTextLines();  // a line painted over already shows ticked
  let added = 0;
  for (const line of lines) {
    if (line.kind === "overlay" && line.shape) added += markShape(line.shape, true);
  }
  const kept = lines.filter((l) => l.inMask === "off").length;
  toolMessage((added ? "Added " + added.toLocaleString() + " px over the text found" : "The text found is already masked")
    + (kept ? "; " + kept + " scene " + (kept === 1 ? "line" : "lines") + " kept (tick one to include it)." : ".")
    + (data.model ? "" : " (The text model is unavailable: the classical finder ran; lines are not read.)"));
}
