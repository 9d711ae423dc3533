// Remove: post the mask and the options, then follow the repair job until its new
// version is in and becomes the base for the next mask.
import {
  $, root, csrfToken, state, loadImage, readJson, urlFor, hideMessage, showMessage, updateToolButtons,
} from "./page.js";
import { bits, exportMask, resetMask } from "./mask.js";
import { discardPreview, resetGrowInputs } from "./tools.js";
import { forgetTextLines, foundText } from "./textfind.js";
import { setOverlay, showPhoto, updateCompareButton, updateCursor } from "./view.js";
import { addVersion, markCurrent, showResult, versionFromJob } from "./versions.js";

const repairUrl = root ? root.dataset.repairUrl : "";
const maxDilate = root ? parseInt(root.dataset.maxDilate, 10) : 0;
const maxFeather = root ? parseInt(root.dataset.maxFeather, 10) : 0;

const stage = $("stage");
const photo = $("photo");
const form = $("repair-form");
const versionInput = $("version-input");
const engineSelect = $("engine");
const engineHelp = $("engine-help");
const dilateInput = $("dilate");
const featherInput = $("feather");
const removeBtn = $("remove");
const jobStatus = $("job-status");
const jobBadge = $("job-badge");
const jobSpinner = $("job-spinner");
const jobText = $("job-text");
const jobActions = $("job-actions");
const retryBtn = $("retry");
const seeResultBtn = $("see-result");

// ------------------------------------------------------------------ form

function showEngineHelp() {
  const option = engineSelect.selectedOptions[0];
  engineHelp.textContent = option ? option.dataset.description : "";
}

// A mask option in whole pixels, 0..max; otherwise say so next to Remove and focus it.
function pixelsInRange(input, label, max) {
  const value = Number(input.value);
  if (Number.isInteger(value) && value >= 0 && value <= max) return true;
  showMessage(label + " must be a whole number from 0 to " + max + " px.", "error");
  input.focus();
  return false;
}

function failureText(res, data) {
  if (data && data.error) return data.error;
  if (res.redirected && /\/login\//.test(res.url)) return "Your session has ended. Log in again, then press Remove.";
  if (res.status === 403) return "The request was refused (403). Reload the page and try again.";
  if (res.status === 413) return "The mask is too large to upload.";
  return "The server answered " + res.status + " " + res.statusText + ". Try again in a moment.";
}

async function send(request) {
  hideMessage();
  setBusy(true);
  setJobStatus("", "Sending the mask…", { spinner: true });
  const body = new FormData();
  body.append("mask", request.blob, "mask.png");
  body.append("version", request.versionId);
  body.append("engine", engineSelect.value);
  body.append("dilate", String(parseInt(dilateInput.value, 10) || 0));
  body.append("feather", String(parseInt(featherInput.value, 10) || 0));
  if (request.foundText) body.append("found_text", JSON.stringify(request.foundText));
  let res;
  try {
    res = await fetch(repairUrl, {
      method: "POST", body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken, "Accept": "application/json" },
    });
  } catch (err) {
    setBusy(false);
    setJobStatus("", "Paint over what should go, then press Remove.");
    showMessage("Could not reach the server. Check the connection and press Remove again.", "error");
    return;
  }
  const data = await readJson(res);
  if (!res.ok || !data || !data.status_url) {
    setBusy(false);
    setJobStatus("", "Paint over what should go, then press Remove.");
    showMessage(failureText(res, data), "error");
    return;
  }
  state.pollDelay = 700;
  follow(data);
}

// ------------------------------------------------------------------ following a job

function setBusy(busy) {
  state.busy = busy;
  removeBtn.disabled = busy;
  stage.classList.toggle("is-busy", busy);
  if (busy) discardPreview();
  updateCursor();
  updateToolButtons();
}

function setJobStatus(status, text, options) {
  const opts = options || {};
  jobStatus.dataset.status = status;
  jobBadge.hidden = !status;
  jobBadge.className = "badge badge-" + status;
  jobBadge.textContent = status;
  jobSpinner.hidden = !opts.spinner;
  jobText.textContent = text;
  retryBtn.hidden = !opts.retry;
  seeResultBtn.hidden = !opts.seeResult;
  jobActions.hidden = !opts.retry && !opts.seeResult;
}

function secondsSince(iso) {
  return iso ? Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000)) : 0;
}

// The job's place among this user's own queued jobs, and when its result should be in.
function queuePlace(job) {
  if (!job.queue_position) return "waiting for a worker";
  const parts = [job.jobs_ahead ? job.jobs_ahead + " ahead of it" : "next in line"];
  if (job.queue_position > 1) parts.unshift("your job " + job.queue_position + " in line");
  if (job.estimated_seconds) parts.push("result in about " + formatWait(job.estimated_seconds));
  return parts.join(", ");
}

function formatWait(seconds) {
  return seconds < 90 ? seconds + "\u00a0s" : Math.round(seconds / 60) + "\u00a0min";
}

function follow(job) {
  state.job = job;
  clearTimeout(state.pollTimer);
  const attempt = job.attempts > 1 ? " (attempt " + job.attempts + ")" : "";
  if (job.status === "queued") {
    setBusy(true);
    setJobStatus("queued", "Queued, " + queuePlace(job) + attempt + ".", { spinner: true });
    setOverlay("Queued: the mask is locked until the result is in.");
    poll(job);
  } else if (job.status === "running") {
    setBusy(true);
    setJobStatus("running", "Removing with " + job.engine + " · " + secondsSince(job.started_at) + "\u00a0s" + attempt, { spinner: true });
    setOverlay("Removing… the mask is locked until the result is in.");
    poll(job);
  } else if (job.status === "succeeded") {
    succeed(job);
  } else {
    setBusy(false);
    setOverlay("");
    setJobStatus("failed", "Failed: " + (job.error || "the worker gave no reason") + ".", { retry: true });
  }
}

function poll(job) {
  state.pollTimer = setTimeout(async () => {
    try {
      const res = await fetch(job.status_url, { credentials: "same-origin", headers: { "Accept": "application/json" } });
      const data = await readJson(res);
      if (!res.ok || !data) throw new Error(failureText(res, data));
      // Back off gently while nothing changes; snap back when something does.
      state.pollDelay = data.status === job.status ? Math.min(3000, state.pollDelay * 1.25) : 700;
      follow(data);
    } catch (err) {
      state.pollDelay = Math.min(5000, state.pollDelay * 1.5);
      jobText.textContent = "Lost touch with the server; trying again…";
      poll(job);
    }
  }, state.pollDelay);
}

async function succeed(job) {
  const v = job.version;
  jobText.textContent = "Done; fetching version " + v.number + "…";
  try {
    await loadImage(v.image_url);
  } catch (err) {
    // The base still moves on; the stage says why the picture did not.
  }
  // Everything changes in one go, so "succeeded" always means the page shows the result.
  setOverlay("");
  state.previousMaskUrl = job.mask_url;
  addVersion(v, job.engine, job.finished_at);
  showResult(versionFromJob(v, job.engine));
  switchBase(v);
  setBusy(false);
  const flags = v.flags || [];
  setJobStatus("succeeded", "Done: version " + v.number + " is ready and is now the base for the next mask."
    + (flags.length ? " " + (flags.length === 1 ? "One check flagged it" : flags.length + " checks flagged it")
      + " (" + flags.map((f) => f.code).join(", ") + "): see the result." : ""), { seeResult: true });
}

function switchBase(v) {
  state.versionId = String(v.id);
  root.dataset.versionId = String(v.id);
  root.dataset.versionNumber = String(v.number);
  versionInput.value = String(v.id);
  root.querySelectorAll('[data-bind="version-number"]').forEach((el) => { el.textContent = v.number; });
  const olderNote = $("older-note");
  if (olderNote) olderNote.hidden = true;
  photo.alt = photo.alt.replace(/version \d+$/, "version " + v.number);
  document.title = document.title.replace(/· v\d+ ·/, "· v" + v.number + " ·");
  if (v.editor_url) history.replaceState(null, "", v.editor_url);
  resetGrowInputs();
  resetMask();
  forgetTextLines();
  state.lastRequest = null;
  state.photoReady = false;
  state.findTextUrl = urlFor(root.dataset.findTextUrl, v.id);
  updateCompareButton();
  showPhoto(v.image_url, urlFor(root.dataset.displayUrl, v.id));
  markCurrent(String(v.id));
}

// ------------------------------------------------------------------ wiring

export function initJob() {
  engineSelect.addEventListener("change", showEngineHelp);
  showEngineHelp();

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (state.busy) return;
    hideMessage();
    if (!state.photoReady) {
      showMessage("Wait for the photo to load, then paint the mask.");
      return;
    }
    if (!pixelsInRange(dilateInput, "Dilate", maxDilate) || !pixelsInRange(featherInput, "Feather", maxFeather)) return;
    if (bits.count() === 0) {
      showMessage("Nothing to remove yet: the mask is empty. Paint over the part of the photo that should go.");
      return;
    }
    setBusy(true);  // before the await, so a double click cannot post twice
    const blob = await exportMask();
    state.lastRequest = { blob, versionId: state.versionId, foundText: foundText() };
    send(state.lastRequest);
  });

  seeResultBtn.addEventListener("click", () => $("result").scrollIntoView({ behavior: "smooth", block: "start" }));

  retryBtn.addEventListener("click", async () => {
    if (state.busy) return;
    if (!state.lastRequest && state.job && state.job.mask_url) {
      // A job resumed from an earlier page load: its mask is on the server.
      try {
        const res = await fetch(state.job.mask_url, { credentials: "same-origin" });
        if (!res.ok) throw new Error(String(res.status));
        state.lastRequest = { blob: await res.blob(), versionId: state.versionId };
      } catch (err) {
        showMessage("The failed job's mask could not be fetched. Paint the mask again and press Remove.", "error");
        return;
      }
    }
    if (state.lastRequest) send(state.lastRequest);
  });
}

// A repair started before this page loaded: pick it up where it is.
export function resumeJob(statusUrl) {
  setBusy(true);
  setJobStatus("", "Checking on the repair already under way…", { spinner: true });
  state.pollDelay = 0;
  poll({ status: "", status_url: statusUrl });
}

// Ctrl/Cmd+Enter.
export function submitRepair() {
  form.requestSubmit();
}
