// The mask editor. The mask lives in an offscreen canvas at the photo's own resolution;
// the visible canvas only shows it, tinted, at whatever size the photo is drawn. Strokes
// are kept as data (points, size, mode) so undo can replay them exactly at any zoom.
(function () {
  "use strict";

  const root = document.getElementById("editor");
  if (!root) return;
  const $ = (id) => document.getElementById(id);

  const csrfToken = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  const repairUrl = root.dataset.repairUrl;
  const maxDilate = parseInt(root.dataset.maxDilate, 10);

  const stage = $("stage");
  const frame = $("frame");
  const photo = $("photo");
  const view = $("mask-view");
  const viewCtx = view.getContext("2d");
  const ring = $("brush-ring");
  const stageState = $("stage-state");
  const stageStateText = $("stage-state-text");
  const sizeInput = $("brush-size");
  const sizeOutput = $("brush-size-value");
  const brushBtn = $("tool-brush");
  const eraserBtn = $("tool-eraser");
  const undoBtn = $("undo");
  const redoBtn = $("redo");
  const clearBtn = $("clear");
  const maskInfo = $("mask-info");
  const zoomLabel = $("zoom");
  const form = $("repair-form");
  const versionInput = $("version-input");
  const engineSelect = $("engine");
  const engineHelp = $("engine-help");
  const dilateInput = $("dilate");
  const removeBtn = $("remove");
  const formMessage = $("form-message");
  const jobStatus = $("job-status");
  const jobBadge = $("job-badge");
  const jobSpinner = $("job-spinner");
  const jobText = $("job-text");
  const jobActions = $("job-actions");
  const retryBtn = $("retry");
  const seeResultBtn = $("see-result");
  const versionsList = $("versions");

  const width = parseInt(root.dataset.width, 10);
  const height = parseInt(root.dataset.height, 10);
  const maskRgb = (getComputedStyle(root).getPropertyValue("--mask-rgb") || "255, 45, 110").trim();
  const MASK_FILL = "rgba(" + maskRgb + ", 0.5)";

  const mask = document.createElement("canvas");
  mask.width = width;
  mask.height = height;
  const maskCtx = mask.getContext("2d");

  const state = {
    versionId: root.dataset.versionId,
    tool: "brush",
    size: 20,
    history: [],      // ops since the base version was loaded: strokes and clears
    future: [],       // undone ops, for redo
    stroke: null,     // the op being drawn
    paintedBox: null, // union of brush boxes since the last clear: nothing is white outside it
    maskPixels: 0,
    scale: 1,
    photoReady: false,
    busy: false,      // a repair is in flight (or its result is being swapped in)
    lastRequest: null,
    job: null,
    pollTimer: 0,
    pollDelay: 700,
    lastPointer: null,
    overlayText: "",
  };

  // ------------------------------------------------------------------ brush size

  const longSide = Math.max(width, height);
  sizeInput.max = String(Math.max(50, Math.min(500, Math.round(longSide / 4))));
  setSize(Math.max(8, Math.min(200, Math.round(longSide * 0.04))));

  function setSize(value) {
    const max = parseInt(sizeInput.max, 10);
    state.size = Math.max(1, Math.min(max, Math.round(value)));
    sizeInput.value = String(state.size);
    sizeOutput.textContent = state.size + " px";
    updateRing();
  }

  function stepSize(direction) {
    // Steps proportional to the size feel even from 2 px to 400 px.
    setSize(state.size + direction * Math.max(1, Math.round(state.size * 0.12)));
  }

  sizeInput.addEventListener("input", () => setSize(parseInt(sizeInput.value, 10)));

  function setTool(tool) {
    state.tool = tool;
    brushBtn.setAttribute("aria-pressed", String(tool === "brush"));
    eraserBtn.setAttribute("aria-pressed", String(tool === "eraser"));
    ring.classList.toggle("is-eraser", tool === "eraser");
  }
  brushBtn.addEventListener("click", () => setTool("brush"));
  eraserBtn.addEventListener("click", () => setTool("eraser"));

  // ------------------------------------------------------------------ photo and fitting

  function showStageState(text, kind) {
    stageStateText.textContent = text;
    stageState.classList.toggle("is-error", kind === "error");
    stageState.classList.toggle("is-overlay", kind === "overlay");
    stageState.hidden = false;
  }

  function hideStageState() {
    stageState.hidden = true;
  }

  // A note over the photo while a job runs; waits for the photo if it is still loading.
  function setOverlay(text) {
    state.overlayText = text;
    if (!state.photoReady) return;
    if (text) showStageState(text, "overlay"); else hideStageState();
  }

  function loadImage(url) {
    return new Promise((resolve, reject) => {
      const img = new Image();
      img.onload = () => resolve(img);
      img.onerror = () => reject(new Error("could not load " + url));
      img.src = url;
    });
  }

  function showPhoto(url) {
    showStageState("Loading photo…");
    return loadImage(url).then(() => {
      photo.src = url;
      state.photoReady = true;
      frame.hidden = false;
      if (state.overlayText) showStageState(state.overlayText, "overlay"); else hideStageState();
      fit();
    }, () => {
      showStageState("The photo could not be loaded. Reload the page to try again.", "error");
    });
  }

  function fit() {
    if (frame.hidden) return;
    const pad = 24;
    const availableW = Math.max(1, stage.clientWidth - 2 * pad);
    const availableH = Math.max(1, stage.clientHeight - 2 * pad);
    const scale = Math.min(availableW / width, availableH / height, 8);
    const cssW = Math.max(1, Math.round(width * scale));
    const cssH = Math.max(1, Math.round(height * scale));
    frame.style.width = cssW + "px";
    frame.style.height = cssH + "px";
    const dpr = window.devicePixelRatio || 1;
    view.width = Math.max(1, Math.round(cssW * dpr));
    view.height = Math.max(1, Math.round(cssH * dpr));
    state.scale = cssW / width;
    zoomLabel.textContent = Math.round(state.scale * 100) + "%";
    updateRing();
    render();
  }

  new ResizeObserver(fit).observe(stage);

  // ------------------------------------------------------------------ drawing

  let renderQueued = false;
  function scheduleRender() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(() => { renderQueued = false; render(); });
  }

  function render() {
    viewCtx.globalCompositeOperation = "source-over";
    viewCtx.clearRect(0, 0, view.width, view.height);
    viewCtx.drawImage(mask, 0, 0, view.width, view.height);
    // Tint with one flat colour so overlapping strokes do not build up darker.
    viewCtx.globalCompositeOperation = "source-in";
    viewCtx.fillStyle = MASK_FILL;
    viewCtx.fillRect(0, 0, view.width, view.height);
    viewCtx.globalCompositeOperation = "source-over";
  }

  // One dot ([p]) or one segment ([a, b]) on the mask.
  function paint(points, size, mode) {
    maskCtx.save();
    maskCtx.globalCompositeOperation = mode === "eraser" ? "destination-out" : "source-over";
    maskCtx.fillStyle = "#fff";
    maskCtx.strokeStyle = "#fff";
    maskCtx.lineWidth = size;
    maskCtx.lineCap = "round";
    maskCtx.lineJoin = "round";
    maskCtx.beginPath();
    if (points.length === 1) {
      maskCtx.arc(points[0].x, points[0].y, size / 2, 0, Math.PI * 2);
      maskCtx.fill();
    } else {
      // A straight segment between samples keeps fast strokes continuous.
      maskCtx.moveTo(points[0].x, points[0].y);
      maskCtx.lineTo(points[1].x, points[1].y);
      maskCtx.stroke();
    }
    maskCtx.restore();
  }

  function opBox(op) {
    const r = op.size / 2 + 2;
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const p of op.points) {
      x0 = Math.min(x0, p.x - r); y0 = Math.min(y0, p.y - r);
      x1 = Math.max(x1, p.x + r); y1 = Math.max(y1, p.y + r);
    }
    return { x0, y0, x1, y1 };
  }

  function growPaintedBox(op) {
    if (op.mode === "eraser") return;
    const b = opBox(op);
    const p = state.paintedBox;
    state.paintedBox = p ? {
      x0: Math.min(p.x0, b.x0), y0: Math.min(p.y0, b.y0), x1: Math.max(p.x1, b.x1), y1: Math.max(p.y1, b.y1),
    } : b;
  }

  function applyOp(op) {
    if (op.type === "clear") {
      maskCtx.clearRect(0, 0, width, height);
      state.paintedBox = null;
    } else {
      // Segment by segment, exactly as it was drawn live, so undo/redo is pixel-exact.
      paint([op.points[0]], op.size, op.mode);
      for (let i = 1; i < op.points.length; i++) paint([op.points[i - 1], op.points[i]], op.size, op.mode);
      growPaintedBox(op);
    }
  }

  function replay() {
    maskCtx.clearRect(0, 0, width, height);
    state.paintedBox = null;
    state.history.forEach(applyOp);
  }

  // Counts pixels the server will treat as "remove" (it binarises at 128), looking
  // only inside the painted box so a big photo costs little.
  function countMaskPixels() {
    const b = state.paintedBox;
    if (!b) return 0;
    const x0 = Math.max(0, Math.floor(b.x0)), y0 = Math.max(0, Math.floor(b.y0));
    const x1 = Math.min(width, Math.ceil(b.x1)), y1 = Math.min(height, Math.ceil(b.y1));
    if (x1 <= x0 || y1 <= y0) return 0;
    const data = maskCtx.getImageData(x0, y0, x1 - x0, y1 - y0).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] >= 128) n++;
    return n;
  }

  function maskChanged() {
    state.maskPixels = countMaskPixels();
    if (state.maskPixels === 0) {
      maskInfo.textContent = "Mask empty";
    } else {
      const share = state.maskPixels / (width * height) * 100;
      maskInfo.textContent = state.maskPixels.toLocaleString() + " px masked · " + formatPercent(share);
    }
    updateToolButtons();
    scheduleRender();
  }

  function updateToolButtons() {
    undoBtn.disabled = state.busy || state.history.length === 0;
    redoBtn.disabled = state.busy || state.future.length === 0;
    clearBtn.disabled = state.busy || state.maskPixels === 0;
  }

  function commit(op) {
    state.history.push(op);
    state.future = [];
    maskChanged();
  }

  function undo() {
    if (state.busy || state.stroke || !state.history.length) return;
    state.future.push(state.history.pop());
    replay();
    maskChanged();
  }

  function redo() {
    if (state.busy || state.stroke || !state.future.length) return;
    const op = state.future.pop();
    state.history.push(op);
    applyOp(op);
    maskChanged();
  }

  function clearMask() {
    if (state.busy || state.maskPixels === 0) return;
    const op = { type: "clear" };
    applyOp(op);
    commit(op);
  }

  function resetMask() {
    state.history = [];
    state.future = [];
    state.stroke = null;
    maskCtx.clearRect(0, 0, width, height);
    state.paintedBox = null;
    maskChanged();
  }

  undoBtn.addEventListener("click", undo);
  redoBtn.addEventListener("click", redo);
  clearBtn.addEventListener("click", clearMask);

  // ------------------------------------------------------------------ pointer input

  function toPhoto(e) {
    const rect = view.getBoundingClientRect();
    return {
      x: (e.clientX - rect.left) * width / rect.width,
      y: (e.clientY - rect.top) * height / rect.height,
    };
  }

  function updateRing(e) {
    if (e) {
      const rect = frame.getBoundingClientRect();
      state.lastPointer = { x: e.clientX - rect.left, y: e.clientY - rect.top };
    }
    const d = Math.max(4, state.size * state.scale);
    ring.style.width = d + "px";
    ring.style.height = d + "px";
    if (state.lastPointer) {
      ring.style.left = state.lastPointer.x + "px";
      ring.style.top = state.lastPointer.y + "px";
    }
  }

  function canPaint() {
    return state.photoReady && !state.busy;
  }

  view.addEventListener("pointerdown", (e) => {
    if (!canPaint() || state.stroke) return;
    if (e.pointerType === "mouse" && e.button !== 0) return;
    e.preventDefault();
    view.setPointerCapture(e.pointerId);
    hideMessage();
    const p = toPhoto(e);
    state.stroke = { type: "stroke", mode: state.tool, size: state.size, points: [p], pointerId: e.pointerId };
    paint([p], state.size, state.tool);
    updateRing(e);
    scheduleRender();
  });

  view.addEventListener("pointermove", (e) => {
    if (e.pointerType !== "touch") {
      ring.classList.toggle("is-visible", canPaint());
      updateRing(e);
    }
    const stroke = state.stroke;
    if (!stroke || e.pointerId !== stroke.pointerId) return;
    const samples = (e.getCoalescedEvents && e.getCoalescedEvents().length) ? e.getCoalescedEvents() : [e];
    for (const sample of samples) {
      const p = toPhoto(sample);
      const last = stroke.points[stroke.points.length - 1];
      if (Math.abs(p.x - last.x) + Math.abs(p.y - last.y) < 0.5) continue;
      paint([last, p], stroke.size, stroke.mode);
      stroke.points.push(p);
    }
    scheduleRender();
  });

  function endStroke(e) {
    const stroke = state.stroke;
    if (!stroke || e.pointerId !== stroke.pointerId) return;
    state.stroke = null;
    delete stroke.pointerId;
    growPaintedBox(stroke);
    commit(stroke);
  }
  view.addEventListener("pointerup", endStroke);
  view.addEventListener("pointercancel", endStroke);
  view.addEventListener("pointerleave", () => { if (!state.stroke) ring.classList.remove("is-visible"); });
  view.addEventListener("contextmenu", (e) => e.preventDefault());

  // ------------------------------------------------------------------ keyboard

  function typingInto(target) {
    if (!target || !target.closest) return false;
    if (target.isContentEditable) return true;
    const field = target.closest("input, select, textarea");
    return Boolean(field) && field.type !== "range" && field.type !== "button";
  }

  document.addEventListener("keydown", (e) => {
    if (e.altKey || typingInto(e.target)) return;
    const key = e.key.toLowerCase();
    const mod = e.ctrlKey || e.metaKey;
    if (mod && key === "z") { e.preventDefault(); if (e.shiftKey) redo(); else undo(); return; }
    if (mod && key === "y") { e.preventDefault(); redo(); return; }
    if (mod && key === "enter") { e.preventDefault(); form.requestSubmit(); return; }
    if (mod) return;
    if (key === "b") setTool("brush");
    else if (key === "e") setTool("eraser");
    else if (key === "[") { e.preventDefault(); stepSize(-1); }
    else if (key === "]") { e.preventDefault(); stepSize(1); }
  });

  // ------------------------------------------------------------------ form

  function showEngineHelp() {
    const option = engineSelect.selectedOptions[0];
    engineHelp.textContent = option ? option.dataset.description : "";
  }
  engineSelect.addEventListener("change", showEngineHelp);
  showEngineHelp();

  function showMessage(text, kind) {
    formMessage.textContent = text;
    formMessage.classList.toggle("is-error", kind === "error");
    formMessage.hidden = false;
  }

  function hideMessage() {
    formMessage.hidden = true;
  }

  function exportMask() {
    const out = document.createElement("canvas");
    out.width = width;
    out.height = height;
    const ctx = out.getContext("2d");
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, width, height);
    ctx.drawImage(mask, 0, 0);
    return new Promise((resolve) => out.toBlob(resolve, "image/png"));
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (state.busy) return;
    hideMessage();
    if (!state.photoReady) {
      showMessage("Wait for the photo to load, then paint the mask.");
      return;
    }
    const dilate = Number(dilateInput.value);
    if (!Number.isInteger(dilate) || dilate < 0 || dilate > maxDilate) {
      showMessage("Dilate must be a whole number from 0 to " + maxDilate + " px.", "error");
      dilateInput.focus();
      return;
    }
    if (countMaskPixels() === 0) {
      showMessage("Nothing to remove yet: the mask is empty. Paint over the part of the photo that should go.");
      return;
    }
    setBusy(true);  // before the await, so a double click cannot post twice
    const blob = await exportMask();
    state.lastRequest = { blob, versionId: state.versionId };
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

  async function readJson(res) {
    const type = res.headers.get("Content-Type") || "";
    if (!type.includes("json")) return null;
    try { return await res.json(); } catch (err) { return null; }
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
    if (busy) ring.classList.remove("is-visible");
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

  function follow(job) {
    state.job = job;
    clearTimeout(state.pollTimer);
    const attempt = job.attempts > 1 ? " (attempt " + job.attempts + ")" : "";
    if (job.status === "queued") {
      setBusy(true);
      const where = job.queue_position ? "position " + job.queue_position + " in the queue" : "waiting for a worker";
      setJobStatus("queued", "Queued, " + where + attempt + ".", { spinner: true });
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
    addVersion(v, job.engine, job.finished_at);
    showResult(versionFromJob(v, job.engine));
    switchBase(v);
    setBusy(false);
    setJobStatus("succeeded", "Done: version " + v.number + " is ready and is now the base for the next mask.", { seeResult: true });
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
    resetMask();
    state.lastRequest = null;
    state.photoReady = false;
    showPhoto(v.image_url);
    markCurrent(String(v.id));
  }

  // ------------------------------------------------------------------ versions list

  function markCurrent(id) {
    versionsList.querySelectorAll(".version").forEach((li) => {
      const current = li.dataset.versionId === id;
      li.classList.toggle("is-current", current);
      if (current) li.setAttribute("aria-current", "true"); else li.removeAttribute("aria-current");
    });
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === "text") node.textContent = v; else node.setAttribute(k, v);
    });
    (children || []).forEach((c) => node.append(c));
    return node;
  }

  function addVersion(v, engine, finishedAt) {
    if (versionsList.querySelector('[data-version-id="' + v.id + '"]')) return;
    const figures = v.figures || {};
    const li = el("li", {
      "class": "version is-new", "data-version-id": v.id, "data-number": v.number, "data-image-url": v.image_url,
      "data-engine": engine || "",
    });
    if (v.diff_url) {
      Object.assign(li.dataset, {
        parentImageUrl: v.parent_image_url, parentNumber: v.parent_number, diffUrl: v.diff_url,
        maskPixels: figures.mask_pixels, changedInside: figures.changed_inside_mask,
        changedOutside: figures.changed_outside_mask, changedFraction: figures.changed_fraction,
      });
    }
    const when = el("time", { datetime: finishedAt || new Date().toISOString(), title: finishedAt || "" });
    const actions = el("div", { "class": "version-actions small" }, [
      el("a", { href: v.download_url, download: "", text: "Download" }),
      el("a", { href: v.editor_url, "class": "edit-link", text: "Edit from here" }),
    ]);
    if (v.diff_url) actions.append(el("button", { type: "button", "class": "link-btn compare-btn", text: "Compare" }));
    li.append(
      el("img", { "class": "version-thumb", src: v.thumb_url, alt: "" }),
      el("div", { "class": "version-body" }, [
        el("div", { "class": "version-line" }, [
          el("strong", { text: "v" + v.number }),
          el("span", { "class": "badge version-editing", text: "Editing" }),
        ]),
        el("div", { "class": "small muted" }, [(engine || "repair") + " · ", when]),
      ]),
      actions,
    );
    if (v.submit_url) li.append(submitForm(v.submit_url));
    versionsList.prepend(li);
    refreshTimes();
    $("versions-count").textContent = versionsList.children.length;
  }

  // A new version starts as a draft: offer to send it to the moderators' queue.
  function submitForm(url) {
    const token = document.querySelector("input[name=csrfmiddlewaretoken]").value;
    const form = el("form", { method: "post", action: url, "class": "submit-review" }, [
      el("input", { type: "hidden", name: "csrfmiddlewaretoken", value: token }),
      el("input", { type: "text", name: "note", maxlength: "500", placeholder: "Note for the moderator (optional)",
                    "aria-label": "Note for the moderator" }),
      el("button", { type: "submit", "class": "btn btn-sm", text: "Submit for review" }),
    ]);
    return el("div", { "class": "version-review small", "data-review-state": "draft" }, [
      el("span", { "class": "badge review-draft", text: "Draft" }), form,
    ]);
  }

  function versionFromJob(v, engine) {
    const f = v.figures || {};
    return {
      id: String(v.id), number: v.number, engine, imageUrl: v.image_url, downloadUrl: v.download_url,
      parentNumber: v.parent_number, parentImageUrl: v.parent_image_url, diffUrl: v.diff_url,
      maskPixels: f.mask_pixels, changedInside: f.changed_inside_mask,
      changedOutside: f.changed_outside_mask, changedFraction: f.changed_fraction,
    };
  }

  function versionFromItem(li) {
    const d = li.dataset;
    let parentNumber = d.parentNumber;
    if (!parentNumber && d.parentId) {
      const parent = versionsList.querySelector('[data-version-id="' + d.parentId + '"]');
      parentNumber = parent ? parent.dataset.number : "?";
    }
    return {
      id: d.versionId, number: d.number, engine: d.engine, imageUrl: d.imageUrl,
      downloadUrl: d.imageUrl + "?download=1", parentNumber, parentImageUrl: d.parentImageUrl,
      diffUrl: d.diffUrl, maskPixels: Number(d.maskPixels), changedInside: Number(d.changedInside),
      changedOutside: Number(d.changedOutside), changedFraction: Number(d.changedFraction),
    };
  }

  versionsList.addEventListener("click", (e) => {
    const btn = e.target.closest(".compare-btn");
    if (!btn) return;
    showResult(versionFromItem(btn.closest(".version")));
    $("result").scrollIntoView({ behavior: "smooth", block: "start" });
  });

  function timeAgo(date) {
    const s = Math.round((Date.now() - date.getTime()) / 1000);
    if (s < 60) return "just now";
    if (s < 3600) return Math.floor(s / 60) + " min ago";
    if (s < 86400) return Math.floor(s / 3600) + " h ago";
    if (s < 7 * 86400) return Math.floor(s / 86400) + " d ago";
    return date.toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" });
  }

  function refreshTimes() {
    versionsList.querySelectorAll("time[datetime]").forEach((t) => {
      const date = new Date(t.getAttribute("datetime"));
      if (isNaN(date)) return;
      t.textContent = timeAgo(date);
      t.title = date.toLocaleString();
    });
  }
  refreshTimes();
  setInterval(refreshTimes, 30000);

  // ------------------------------------------------------------------ comparison panel

  const result = $("result");
  const swipe = $("swipe");
  const swipeHandle = $("swipe-handle");

  function formatPercent(p) {
    if (p === 0) return "0%";
    if (p < 0.01) return "<0.01%";
    return (p < 10 ? p.toFixed(2) : p.toFixed(1)) + "%";
  }

  function formatPixels(n) {
    return Number.isFinite(n) ? n.toLocaleString() + " px" : "–";
  }

  function showResult(v) {
    result.hidden = false;
    result.dataset.versionId = v.id;
    $("result-heading").textContent = "Result: v" + v.number + " from v" + v.parentNumber;
    $("result-sub").textContent = (v.engine ? "Engine " + v.engine + " · " : "") + width + "×" + height + " px";
    const download = $("result-download");
    download.href = v.downloadUrl;
    download.textContent = "Download v" + v.number;
    result.querySelectorAll('[data-bind="before-label"]').forEach((n) => { n.textContent = "v" + v.parentNumber; });
    result.querySelectorAll('[data-bind="after-label"]').forEach((n) => { n.textContent = "v" + v.number; });
    setImage("side-before", v.parentImageUrl, "Version " + v.parentNumber + ", before the repair");
    setImage("side-after", v.imageUrl, "Version " + v.number + ", after the repair");
    setImage("swipe-before", v.parentImageUrl, "Version " + v.parentNumber + ", before");
    setImage("swipe-after", v.imageUrl, "Version " + v.number + ", after");
    setImage("diff-img", v.diffUrl, "Heatmap of the pixels that changed from v" + v.parentNumber + " to v" + v.number);
    swipe.style.setProperty("--ar", String(width / height));

    $("fig-mask").textContent = formatPixels(v.maskPixels);
    $("fig-inside").textContent = formatPixels(v.changedInside);
    $("fig-outside").textContent = formatPixels(v.changedOutside);
    const outsideBox = $("fig-outside-box");
    outsideBox.classList.toggle("is-ok", v.changedOutside === 0);
    outsideBox.classList.toggle("is-bad", v.changedOutside !== 0);
    outsideBox.title = v.changedOutside === 0
      ? "Nothing outside the mask was touched."
      : "Pixels outside the mask changed: this should never happen.";
    $("fig-fraction").textContent = Number.isFinite(v.changedFraction) ? formatPercent(v.changedFraction * 100) : "–";

    versionsList.querySelectorAll(".version").forEach((li) => {
      li.classList.toggle("is-compared", li.dataset.versionId === v.id);
    });
  }

  function setImage(id, url, alt) {
    const img = $(id);
    if (img.getAttribute("src") !== url) img.src = url;
    img.alt = alt;
  }

  // Tabs: arrow keys move between them, as in any tablist.
  const tabs = Array.from(result.querySelectorAll('[role="tab"]'));
  function selectTab(tab) {
    tabs.forEach((t) => {
      const selected = t === tab;
      t.setAttribute("aria-selected", String(selected));
      t.tabIndex = selected ? 0 : -1;
      $(t.getAttribute("aria-controls")).hidden = !selected;
    });
  }
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => selectTab(tab));
    tab.addEventListener("keydown", (e) => {
      let next = null;
      if (e.key === "ArrowRight") next = tabs[(i + 1) % tabs.length];
      else if (e.key === "ArrowLeft") next = tabs[(i - 1 + tabs.length) % tabs.length];
      else if (e.key === "Home") next = tabs[0];
      else if (e.key === "End") next = tabs[tabs.length - 1];
      if (next) { e.preventDefault(); next.focus(); selectTab(next); }
    });
  });

  function setSwipe(percent) {
    const p = Math.max(0, Math.min(100, Math.round(percent * 10) / 10));
    swipe.style.setProperty("--swipe", p + "%");
    swipeHandle.setAttribute("aria-valuenow", String(Math.round(p)));
    swipeHandle.setAttribute("aria-valuetext", Math.round(p) + "% before");
    return p;
  }
  let swipeValue = setSwipe(50);
  let swipePointer = null;

  function swipeTo(e) {
    const rect = swipe.getBoundingClientRect();
    swipeValue = setSwipe((e.clientX - rect.left) / rect.width * 100);
  }
  swipe.addEventListener("pointerdown", (e) => {
    if (e.pointerType === "mouse" && e.button !== 0) return;
    e.preventDefault();
    swipePointer = e.pointerId;
    swipe.setPointerCapture(e.pointerId);
    swipeHandle.focus({ preventScroll: true });
    swipeTo(e);
  });
  swipe.addEventListener("pointermove", (e) => { if (e.pointerId === swipePointer) swipeTo(e); });
  swipe.addEventListener("pointerup", () => { swipePointer = null; });
  swipe.addEventListener("pointercancel", () => { swipePointer = null; });
  swipeHandle.addEventListener("keydown", (e) => {
    const step = e.shiftKey ? 10 : 2;
    const moves = { ArrowLeft: -step, ArrowDown: -step, ArrowRight: step, ArrowUp: step, PageDown: -10, PageUp: 10 };
    if (e.key in moves) swipeValue = setSwipe(swipeValue + moves[e.key]);
    else if (e.key === "Home") swipeValue = setSwipe(0);
    else if (e.key === "End") swipeValue = setSwipe(100);
    else return;
    e.preventDefault();
  });

  // ------------------------------------------------------------------ start

  setTool("brush");
  maskChanged();
  showPhoto(root.dataset.imageUrl);
  if (root.dataset.activeJobUrl) {
    // A repair started before this page loaded: pick it up where it is.
    setBusy(true);
    setJobStatus("", "Checking on the repair already under way…", { spinner: true });
    state.pollDelay = 0;
    poll({ status: "", status_url: root.dataset.activeJobUrl });
  }
})();
