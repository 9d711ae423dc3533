// The mask editor (templates/repairapp/editor.html): wires the parts together and
// starts. Imports run one way, from the wiring down to the pure parts (no cycles):
//   main, keys → job → versions → result → page
//   job, keys, saved, textfind → tools → grow → mask → view, panel → page
//   brush → grow, mask;  compare → view;  mask → maskbits, png (no DOM, no imports)
import { root } from "./page.js";
import { canvas, maskChanged } from "./mask.js";
import { initView, showPhoto } from "./view.js";
import { initBrush, setTool } from "./brush.js";
import { initGrow } from "./grow.js";
import { initTools } from "./tools.js";
import { initTextFind } from "./textfind.js";
import { initSaved, loadSavedMasks } from "./saved.js";
import { initCompare, updateCompareButton } from "./compare.js";
import { initKeys } from "./keys.js";
import { initJob, resumeJob } from "./job.js";
import { initVersions } from "./versions.js";
import { initResult } from "./result.js";

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
