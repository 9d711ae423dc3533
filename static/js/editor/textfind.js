// Find text: the server finds the lines of text on the photo, reads them and judges
// each one an overlay (proposed: added to the mask) or scene text (kept: a product's
// label, a sign). The lines are listed with their words and the reason; a toggle per
// line includes a kept line or excludes a proposed one, changing the mask at once (one
// undoable change each). The words of the lines included go with the repair
// (found_text), for the job's record and the worker's "text remains" check.
import { $, csrfToken, loadImage, readJson, state, toolMessage } from "./page.js";
import { markMaskImage } from "./mask.js";
import { withTool } from "./tools.js";

const panel = $("text-lines");
const list = $("text-lines-list");
const summary = $("text-lines-summary");

// The words of the lines included now, or null when the mask did not come from Find text.
export function foundText() {
  const lines = state.textLines || [];
  return lines.some((l) => l.on) ? lines.filter((l) => l.on).map((l) => l.words) : null;
}

// A new base version: the lines found on the old one no longer apply.
export function forgetTextLines() {
  state.textLines = null;
  list.replaceChildren();
  panel.hidden = true;
}

function describe() {
  const lines = state.textLines || [];
  const on = lines.filter((l) => l.on).length;
  summary.textContent = lines.length + (lines.length === 1 ? " line" : " lines") + " · " + on + " in the mask";
}

function row(line) {
  const li = document.createElement("li");
  li.className = "text-line " + (line.kind === "overlay" ? "is-overlay" : "is-scene");
  li.dataset.index = String(line.index);
  li.dataset.kind = line.kind;
  const label = document.createElement("label");
  const box = document.createElement("input");
  box.type = "checkbox";
  box.checked = line.on;
  box.setAttribute("aria-label", (line.on ? "Exclude " : "Include ") + (line.words || "this line"));
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
  box.addEventListener("change", () => toggle(line, box, li));
  return li;
}

async function toggle(line, box, li) {
  if (state.busy || state.toolBusy) { box.checked = line.on; return; }
  line.on = box.checked;
  const changed = markMaskImage(line.img, line.box[0], line.box[1], line.on);
  li.classList.toggle("is-on", line.on);
  box.setAttribute("aria-label", (line.on ? "Exclude " : "Include ") + (line.words || "this line"));
  describe();
  toolMessage((line.on ? "Included " : "Excluded ") + "“" + (line.words || "a line") + "”: "
    + changed.toLocaleString() + " px " + (line.on ? "added to" : "taken off") + " the mask.");
}

export function initTextFind() {
  $("find-text").addEventListener("click", () => withTool(async () => {
    toolMessage("Looking for text…");
    const res = await fetch(state.findTextUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken, "Accept": "application/json" },
    });
    const data = await readJson(res);
    if (!res.ok || !data) throw new Error(data && data.error ? data.error : "The server answered " + res.status + ".");
    forgetTextLines();
    if (!data.lines.length) {
      toolMessage("No text found on this photo.");
      return;
    }
    const lines = await Promise.all(data.lines.map(async (l) => Object.assign(l, {
      on: l.kind === "overlay", img: await loadImage(l.mask_url),
    })));
    state.textLines = lines;
    let added = 0;
    for (const line of lines) {
      if (line.on) added += markMaskImage(line.img, line.box[0], line.box[1], true);
      const li = row(line);
      li.classList.toggle("is-on", line.on);
      list.append(li);
    }
    panel.hidden = false;
    describe();
    const kept = lines.filter((l) => !l.on).length;
    toolMessage((added ? "Added " + added.toLocaleString() + " px over the text found" : "The text found is already masked")
      + (kept ? "; " + kept + " scene " + (kept === 1 ? "line" : "lines") + " kept (tick one to include it)." : ".")
      + (data.model ? "" : " (The text model is unavailable: the classical finder ran; lines are not read.)"));
  }));
}
