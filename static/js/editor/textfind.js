// Find text: the server proposes a mask over the text it finds; it is added to the
// painted mask, to be checked and corrected with the brush.
import { $, csrfToken, state, toolMessage } from "./page.js";
import { addMaskImage } from "./mask.js";
import { fetchMaskImage, withTool } from "./tools.js";

export function initTextFind() {
  $("find-text").addEventListener("click", () => withTool(async () => {
    toolMessage("Looking for text…");
    const { img, res } = await fetchMaskImage(state.findTextUrl, {
      method: "POST", headers: { "X-CSRFToken": csrfToken },
    });
    if (Number(res.headers.get("X-Mask-Pixels")) === 0) {
      toolMessage("No text found on this photo.");
      return;
    }
    const added = addMaskImage(img, 0, 0);
    toolMessage(added
      ? "Added " + added.toLocaleString() + " px over the text found: check it, then correct with the brush or eraser."
      : "The text found is already masked.");
  }));
}
