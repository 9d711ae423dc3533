/* Moderation pages: the review page (before/after viewer, zoom to the mask, outline,
   keyboard decisions) and the queue (J/K to move between rows). No libraries. */
(function () {
  "use strict";

  const review = document.getElementById("review");
  if (review) initReview(review);
  const queue = document.getElementById("review-queue");
  if (queue) initQueue(queue);
  // Filters with a single choice apply at once, without an extra click.
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.requestSubmit());
  }

  // Single-letter shortcuts must never fire while someone types.
  function isTyping(target) {
    if (!target || !target.closest) return false;
    if (target.isContentEditable) return true;
    const field = target.closest("textarea, select, input");
    return !!field && !(field.type === "range" || field.type === "checkbox" || field.type === "radio");
  }

  function hasModifier(event) {
    return event.ctrlKey || event.metaKey || event.altKey;
  }

  // ------------------------------------------------------------ review page

  function initReview(root) {
    const W = Number(root.dataset.width);
    const H = Number(root.dataset.height);
    const box = root.dataset.boxWidth
      ? { x: +root.dataset.boxX, y: +root.dataset.boxY, width: +root.dataset.boxWidth, height: +root.dataset.boxHeight }
      : null;
    const dilate = Number(root.dataset.dilate || 0);
    const viewer = document.getElementById("viewer");
    const panes = Array.from(viewer.querySelectorAll(".pane"));
    const paneA = panes[0];
    const handle = document.getElementById("swipe-handle");
    const onion = document.getElementById("onion");
    const onionValue = document.getElementById("onion-value");
    const outlineToggle = document.getElementById("outline-toggle");
    const zoomReadout = document.getElementById("zoom-readout");
    const viewerState = document.getElementById("viewer-state");

    // One camera for every pane: that is what keeps side by side in sync.
    // cx, cy: the photo pixel at the centre of each pane; scale: screen px per photo px.
    const cam = { scale: 1, cx: W / 2, cy: H / 2 };
    let swipe = 50;
    let mask = null; // the job's mask, once loaded; the outline falls back to mask_box
    let frame = 0;

    for (const img of viewer.querySelectorAll(".layer img")) {
      img.style.width = W + "px";
      img.style.height = H + "px";
    }

    // ---- loading
    const needed = Array.from(paneA.querySelectorAll(".layer-before img, .layer-after img"));
    let loaded = 0;
    const loadFailed = (img) => {
      viewerState.hidden = false;
      viewerState.textContent = "Could not load the " + img.alt.split(":")[0].toLowerCase() + " image.";
      viewerState.classList.add("is-error");
    };
    viewerState.hidden = needed.every((img) => img.complete && img.naturalWidth);
    for (const img of needed) {
      const done = () => { if (++loaded === needed.length) viewerState.hidden = true; };
      if (img.complete) {
        if (img.naturalWidth) done(); else loadFailed(img);
      } else {
        img.addEventListener("load", done, { once: true });
        img.addEventListener("error", () => loadFailed(img), { once: true });
      }
    }
    if (root.dataset.maskUrl) {
      const img = new Image();
      img.onload = () => { mask = img; schedule(); };
      img.src = root.dataset.maskUrl;
    }

    // ---- view and zoom
    function setView(name) {
      root.dataset.view = name;
      for (const b of root.querySelectorAll("[data-set-view]")) b.setAttribute("aria-pressed", String(b.dataset.setView === name));
      if (name === "diff") {
        const diff = paneA.querySelector(".layer-diff img");
        if (!diff.getAttribute("src")) diff.src = diff.dataset.src;
      }
      // Pane sizes change with the view; fit and clamp against the new ones.
      applyZoom(root.dataset.zoom, false);
    }

    function paneSize() {
      return { w: paneA.clientWidth, h: paneA.clientHeight };
    }

    function fitScale() {
      const { w, h } = paneSize();
      return Math.min(w / W, h / H);
    }

    // Side by side splits the viewer whichever way shows the photo larger: a wide photo
    // in a narrow window is better above/below than left/right.
    function chooseSplit() {
      const w = viewer.clientWidth, h = viewer.clientHeight;
      const stacked = Math.min(w / W, h / 2 / H) > Math.min(w / 2 / W, h / H);
      viewer.classList.toggle("is-stacked", stacked);
    }

    function applyZoom(zoom, recentre) {
      chooseSplit();
      root.dataset.zoom = zoom;
      for (const b of root.querySelectorAll("[data-set-zoom]")) b.setAttribute("aria-pressed", String(b.dataset.setZoom === zoom));
      if (zoom === "fit" || !box) {
        cam.scale = fitScale();
        cam.cx = W / 2;
        cam.cy = H / 2;
      } else {
        cam.scale = Number(zoom) / 100;
        if (recentre) {
          cam.cx = box.x + box.width / 2;
          cam.cy = box.y + box.height / 2;
        }
      }
      clamp();
      schedule();
    }

    // Panning stops at the photo's edges; an axis that fits the pane stays centred.
    function clamp() {
      const { w, h } = paneSize();
      const halfW = w / 2 / cam.scale;
      const halfH = h / 2 / cam.scale;
      cam.cx = W <= 2 * halfW ? W / 2 : Math.min(Math.max(cam.cx, halfW), W - halfW);
      cam.cy = H <= 2 * halfH ? H / 2 : Math.min(Math.max(cam.cy, halfH), H - halfH);
    }

    function schedule() {
      if (!frame) frame = requestAnimationFrame(render);
    }

    function render() {
      frame = 0;
      // Fit may upscale a small photo a little; only a chosen zoom shows hard pixels.
      const magnified = root.dataset.zoom !== "fit" && cam.scale > 1.001;
      viewer.classList.toggle("is-magnified", magnified);
      viewer.classList.toggle("can-pan", root.dataset.zoom !== "fit");
      for (const pane of panes) {
        if (!pane.offsetWidth) continue;
        const tx = pane.clientWidth / 2 - cam.cx * cam.scale;
        const ty = pane.clientHeight / 2 - cam.cy * cam.scale;
        const transform = `translate(${tx}px, ${ty}px) scale(${cam.scale})`;
        for (const img of pane.querySelectorAll(".layer img")) img.style.transform = transform;
        drawOutline(pane, tx, ty);
      }
      paneA.querySelector(".layer-before").style.clipPath = root.dataset.view === "swipe" ? `inset(0 ${100 - swipe}% 0 0)` : "";
      handle.style.left = swipe + "%";
      zoomReadout.textContent = root.dataset.zoom === "fit"
        ? `Fit · ${Math.round(cam.scale * 100)} %`
        : `${Math.round(cam.scale * 100)} % · mask ${box.width}×${box.height} px at ${box.x}, ${box.y}`;
    }

    // ---- mask outline
    const scratch = document.createElement("canvas");
    const scratchCtx = scratch.getContext("2d", { willReadFrequently: true });
    const ANT = [255, 45, 110]; // the editor's mask colour, alternating with white

    function drawOutline(pane, tx, ty) {
      const canvas = pane.querySelector("canvas.outline");
      const dpr = window.devicePixelRatio || 1;
      const cw = Math.round(pane.clientWidth * dpr);
      const ch = Math.round(pane.clientHeight * dpr);
      if (canvas.width !== cw || canvas.height !== ch) { canvas.width = cw; canvas.height = ch; }
      const ctx = canvas.getContext("2d");
      ctx.clearRect(0, 0, cw, ch);
      if (!outlineToggle.checked) return;
      const s = cam.scale * dpr;
      const ox = tx * dpr;
      const oy = ty * dpr;
      if (!mask) {
        if (box) {
          ctx.setLineDash([6, 4]);
          ctx.lineWidth = 2;
          ctx.strokeStyle = `rgb(${ANT})`;
          ctx.strokeRect(ox + box.x * s - 2, oy + box.y * s - 2, box.width * s + 4, box.height * s + 4);
        }
        return;
      }
      // Work only on the on-screen rectangle around the mask (mask_box already includes
      // the dilation); a few px of margin for the outline itself.
      let x0 = 0, y0 = 0, x1 = cw, y1 = ch;
      if (box) {
        x0 = Math.max(0, Math.floor(ox + box.x * s) - 4);
        y0 = Math.max(0, Math.floor(oy + box.y * s) - 4);
        x1 = Math.min(cw, Math.ceil(ox + (box.x + box.width) * s) + 4);
        y1 = Math.min(ch, Math.ceil(oy + (box.y + box.height) * s) + 4);
      }
      const rw = x1 - x0, rh = y1 - y0;
      if (rw <= 2 || rh <= 2) return;
      scratch.width = rw;
      scratch.height = rh;
      scratchCtx.fillStyle = "#000";
      scratchCtx.fillRect(0, 0, rw, rh);
      // The job stores the mask as painted; the worker grew it by `dilate` px with a round
      // kernel before filling. Union of shifted copies ≈ that dilation, drawn on the GPU.
      scratchCtx.globalCompositeOperation = "lighten";
      const r = dilate * s;
      const shifts = [[0, 0]];
      if (r >= 0.5) {
        for (const radius of r > 2 ? [r, r / 2] : [r]) {
          for (let k = 0; k < 16; k++) {
            const a = (k / 16) * 2 * Math.PI;
            shifts.push([Math.cos(a) * radius, Math.sin(a) * radius]);
          }
        }
      }
      for (const [dx, dy] of shifts) scratchCtx.drawImage(mask, ox - x0 + dx, oy - y0 + dy, W * s, H * s);
      scratchCtx.globalCompositeOperation = "source-over";
      const src = scratchCtx.getImageData(0, 0, rw, rh).data;
      const out = ctx.createImageData(rw, rh);
      const dst = out.data;
      const inside = (x, y) => x >= 0 && y >= 0 && x < rw && y < rh && src[(y * rw + x) * 4] > 127;
      // A 2 px line just outside the area, so it never hides the pixels under review.
      const t = Math.max(1, Math.round(dpr * 1.5));
      for (let y = 0; y < rh; y++) {
        for (let x = 0; x < rw; x++) {
          if (inside(x, y)) continue;
          let near = false;
          for (let d = 1; d <= t && !near; d++) near = inside(x - d, y) || inside(x + d, y) || inside(x, y - d) || inside(x, y + d);
          if (!near) continue;
          const i = (y * rw + x) * 4;
          const ant = ((x + y) >> 3) & 1;
          dst[i] = ant ? 255 : ANT[0];
          dst[i + 1] = ant ? 255 : ANT[1];
          dst[i + 2] = ant ? 255 : ANT[2];
          dst[i + 3] = 255;
        }
      }
      ctx.putImageData(out, x0, y0);
    }

    // ---- pointer: drag the swipe divider, or pan when zoomed in
    function swipeTo(clientX) {
      const rect = paneA.getBoundingClientRect();
      setSwipe(((clientX - rect.left) / rect.width) * 100);
    }

    function setSwipe(value) {
      swipe = Math.min(100, Math.max(0, value));
      handle.setAttribute("aria-valuenow", String(Math.round(swipe)));
      handle.setAttribute("aria-valuetext", `${Math.round(swipe)} % before`);
      schedule();
    }

    function setOnion(value) {
      const v = Math.min(100, Math.max(0, Math.round(value)));
      onion.value = String(v);
      paneA.querySelector(".layer-after").style.setProperty("--onion", String(v / 100));
      onionValue.textContent = v + " %";
      root.querySelector("[data-bind=onion]").textContent = v + " %";
    }

    for (const pane of panes) {
      pane.addEventListener("pointerdown", (event) => {
        if (event.button !== 0) return;
        const onHandle = handle.contains(event.target);
        const swiping = root.dataset.view === "swipe" && (onHandle || root.dataset.zoom === "fit");
        if (!swiping && root.dataset.zoom === "fit") return;
        event.preventDefault();
        pane.setPointerCapture(event.pointerId);
        const start = { x: event.clientX, y: event.clientY, cx: cam.cx, cy: cam.cy };
        if (swiping) swipeTo(event.clientX);
        else viewer.classList.add("is-panning");
        const move = (e) => {
          if (swiping) return swipeTo(e.clientX);
          cam.cx = start.cx - (e.clientX - start.x) / cam.scale;
          cam.cy = start.cy - (e.clientY - start.y) / cam.scale;
          clamp();
          schedule();
        };
        const up = () => {
          viewer.classList.remove("is-panning");
          pane.removeEventListener("pointermove", move);
        };
        pane.addEventListener("pointermove", move);
        pane.addEventListener("pointerup", up, { once: true });
        pane.addEventListener("pointercancel", up, { once: true });
      });
    }

    root.addEventListener("click", (event) => {
      const view = event.target.closest("[data-set-view]");
      if (view) setView(view.dataset.setView);
      const zoom = event.target.closest("[data-set-zoom]");
      if (zoom && !zoom.disabled) applyZoom(zoom.dataset.setZoom, true);
    });
    onion.addEventListener("input", () => setOnion(Number(onion.value)));
    outlineToggle.addEventListener("change", schedule);
    window.addEventListener("resize", () => applyZoom(root.dataset.zoom, false));

    // ---- decision form
    const form = document.getElementById("decision-form");
    const comment = document.getElementById("comment");
    const errorBox = document.getElementById("decision-error");
    let clientError = false;
    let busy = false;

    function showError(text) {
      errorBox.textContent = text;
      errorBox.hidden = false;
      clientError = true;
    }

    if (form) {
      form.addEventListener("submit", (event) => {
        const decision = event.submitter ? event.submitter.value : "";
        if (busy) { event.preventDefault(); return; }
        if (decision === "reject" && !comment.value.trim()) {
          event.preventDefault();
          comment.setAttribute("aria-invalid", "true");
          showError("A rejection needs a comment: say what to fix, then press Reject.");
          comment.focus();
          return;
        }
        // Not `disabled`: a disabled submitter would drop its decision from the post.
        busy = true;
        for (const b of form.querySelectorAll("button")) b.setAttribute("aria-disabled", "true");
        if (event.submitter) event.submitter.classList.add("is-busy");
      });
      comment.addEventListener("input", () => {
        if (comment.value.trim() && comment.getAttribute("aria-invalid")) {
          comment.removeAttribute("aria-invalid");
          if (clientError) { errorBox.hidden = true; clientError = false; }
        }
      });
    }

    function decide(decision) {
      if (!form) return;
      const button = form.querySelector(`button[value="${decision}"]`);
      if (decision === "reject" && !comment.value.trim()) {
        comment.setAttribute("aria-invalid", "true");
        showError("A rejection needs a comment: say what to fix, then press Reject.");
        comment.focus();
        return;
      }
      form.requestSubmit(button);
    }

    // ---- help overlay
    const help = document.getElementById("shortcut-help");
    let helpReturn = null;
    function toggleHelp(open) {
      if (open === !help.hidden) return;
      help.hidden = !open;
      if (open) {
        helpReturn = document.activeElement;
        document.getElementById("help-close").focus();
      } else if (helpReturn && helpReturn.focus) {
        helpReturn.focus();
      }
    }
    document.getElementById("help-open").addEventListener("click", () => toggleHelp(true));
    document.getElementById("help-close").addEventListener("click", () => toggleHelp(false));
    help.addEventListener("click", (event) => { if (event.target === help) toggleHelp(false); });

    // ---- keyboard
    document.addEventListener("keydown", (event) => {
      if (event.defaultPrevented || hasModifier(event)) return;
      if (isTyping(event.target)) {
        if (event.key === "Escape" && event.target === comment) comment.blur();
        return;
      }
      if (!help.hidden) {
        if (event.key === "Escape" || event.key === "?") { event.preventDefault(); toggleHelp(false); }
        return;
      }
      const step = event.shiftKey ? 20 : 5;
      const actions = {
        s: () => setView("side"),
        w: () => setView("swipe"),
        o: () => setView("onion"),
        d: () => setView("diff"),
        f: () => applyZoom("fit", true),
        1: () => box && applyZoom("100", true),
        2: () => box && applyZoom("200", true),
        m: () => { outlineToggle.checked = !outlineToggle.checked; schedule(); },
        y: () => decide("approve"),
        n: () => decide("reject"),
        j: () => { if (root.dataset.nextUrl) window.location.assign(root.dataset.nextUrl); },
        "?": () => toggleHelp(true),
        ArrowLeft: () => nudge(-step),
        ArrowRight: () => nudge(step),
      };
      const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
      const action = actions[key];
      if (!action) return;
      // Arrows keep their native meaning on range inputs and outside the two views that use them.
      if (key.startsWith("Arrow") && (event.target.type === "range" || !["swipe", "onion"].includes(root.dataset.view))) return;
      event.preventDefault();
      action();
    });

    function nudge(delta) {
      if (root.dataset.view === "swipe") setSwipe(swipe + delta);
      else setOnion(Number(onion.value) + delta * 2);
    }

    setOnion(50);
    setView("side");
  }

  // ------------------------------------------------------------ queue

  function initQueue(list) {
    const rows = () => Array.from(list.querySelectorAll("[data-version-id]"));
    // The whole row opens the review, not only the name.
    list.addEventListener("click", (event) => {
      if (event.target.closest("a, button, input, select, label")) return;
      const row = event.target.closest("[data-version-id]");
      const link = row && row.querySelector("a.row-link");
      if (link) link.click();
    });
    document.addEventListener("keydown", (event) => {
      if (event.defaultPrevented || hasModifier(event) || isTyping(event.target)) return;
      const key = event.key.toLowerCase();
      if (key !== "j" && key !== "k") return;
      const all = rows();
      if (!all.length) return;
      const current = all.findIndex((r) => r.contains(document.activeElement));
      const next = current < 0 ? 0 : Math.min(all.length - 1, Math.max(0, current + (key === "j" ? 1 : -1)));
      event.preventDefault();
      all[next].querySelector("a.row-link").focus();
    });
  }
})();
