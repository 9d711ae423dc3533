// Saved masks: this user's named masks, anchored to a corner or the centre, listed,
// applied to this photo, deleted, and saved from the mask painted now.
import { $, root, csrfToken, state, width, height, readJson } from "./page.js";
import { addMaskImage, exportMask } from "./mask.js";
import { toolMessage, updateToolButtons } from "./panel.js";
import { fetchMaskImage, withTool } from "./tools.js";

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
