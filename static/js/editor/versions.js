// The versions list beside the editor (a new version is added at the top as a job
// finishes, the one being edited is marked, Compare opens it) and the comparison panel
// under the editor: a version beside its parent, a swipe between them and the diff
// heatmap, with the figures of what changed.
import { $, width, height, formatPercent } from "./page.js";

const versionsList = $("versions");

export function markCurrent(id) {
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

function downloadMenu(url, label) {
  const menu = $("result-download").cloneNode(true);
  menu.removeAttribute("id");
  menu.querySelector("summary").className = "link-btn";
  setDownloadMenu(menu, url, label);
  return menu;
}

export function addVersion(v, engine, finishedAt) {
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
    // Absent for versions made before it was recorded: the panel then shows "–".
    if (figures.changed_outside_painted != null) li.dataset.changedOutsidePainted = figures.changed_outside_painted;
    li.dataset.flags = JSON.stringify(v.flags || []);
  }
  const when = el("time", { datetime: finishedAt || new Date().toISOString(), title: finishedAt || "" });
  const actions = el("div", { "class": "version-actions small" }, [
    downloadMenu(v.download_url, "Download"),
    el("a", { href: v.editor_url, "class": "edit-link", text: "Edit from here" }),
  ]);
  if (v.diff_url) actions.append(el("button", { type: "button", "class": "link-btn compare-btn", text: "Compare" }));
  li.append(
    el("img", { "class": "version-thumb", src: v.thumb_url, alt: "" }),
    el("div", { "class": "version-body" }, [
      el("div", { "class": "version-line" }, [
        el("strong", { text: "v" + v.number }),
        el("span", { "class": "badge version-editing", text: "Editing" }),
        ...(v.flags && v.flags.length ? [el("span", {
          "class": "badge version-flagged", text: "Flagged", title: v.flags.map((f) => f.reason).join("\n"),
        })] : []),
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

// A finished job's version as the result panel shows it.
export function versionFromJob(v, engine) {
  const f = v.figures || {};
  return {
    id: String(v.id), number: v.number, engine, imageUrl: v.image_url, downloadUrl: v.download_url,
    parentNumber: v.parent_number, parentImageUrl: v.parent_image_url, diffUrl: v.diff_url,
    maskPixels: f.mask_pixels, changedInside: f.changed_inside_mask,
    changedOutside: f.changed_outside_mask, changedFraction: f.changed_fraction,
    changedOutsidePainted: f.changed_outside_painted == null ? NaN : f.changed_outside_painted,
    flags: v.flags || [],
  };
}

// A listed version, from its data-* attributes, as the result panel shows it.
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
    changedOutsidePainted: d.changedOutsidePainted === undefined ? NaN : Number(d.changedOutsidePainted),
    flags: d.flags ? JSON.parse(d.flags) : [],
  };
}

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

export function initVersions() {
  versionsList.addEventListener("click", (e) => {
    const btn = e.target.closest(".compare-btn");
    if (!btn) return;
    showResult(versionFromItem(btn.closest(".version")));
    $("result").scrollIntoView({ behavior: "smooth", block: "start" });
  });
  refreshTimes();
  setInterval(refreshTimes, 30000);
}

// ------------------------------------------------------------------ comparison panel

const result = $("result");
const swipe = $("swipe");
const swipeHandle = $("swipe-handle");

function formatPixels(n) {
  return Number.isFinite(n) ? n.toLocaleString() + " px" : "–";
}

export function showResult(v) {
  result.hidden = false;
  result.dataset.versionId = v.id;
  $("result-heading").textContent = "Result: v" + v.number + " from v" + v.parentNumber;
  $("result-sub").textContent = (v.engine ? "Engine " + v.engine + " · " : "") + width + "×" + height + " px";
  setDownloadMenu($("result-download"), v.downloadUrl, "Download v" + v.number);
  result.querySelectorAll('[data-bind="before-label"]').forEach((n) => { n.textContent = "v" + v.parentNumber; });
  result.querySelectorAll('[data-bind="after-label"]').forEach((n) => { n.textContent = "v" + v.number; });
  setImage("side-before", v.parentImageUrl, "Version " + v.parentNumber + ", before the repair");
  setImage("side-after", v.imageUrl, "Version " + v.number + ", after the repair");
  setImage("swipe-before", v.parentImageUrl, "Version " + v.parentNumber + ", before");
  setImage("swipe-after", v.imageUrl, "Version " + v.number + ", after");
  setImage("diff-img", v.diffUrl, "Heatmap of the pixels that changed from v" + v.parentNumber + " to v" + v.number);
  // On the panel, so the swipe and the diff share one size at the photo's aspect ratio.
  result.style.setProperty("--ar", String(width / height));

  $("fig-mask").textContent = formatPixels(v.maskPixels);
  $("fig-inside").textContent = formatPixels(v.changedInside);
  $("fig-outside").textContent = formatPixels(v.changedOutside);
  // Dilate grows the painted mask, so pixels next to it may change: shown, not an error.
  $("fig-outside-painted").textContent = formatPixels(v.changedOutsidePainted);
  const outsideBox = $("fig-outside-box");
  outsideBox.classList.toggle("is-ok", v.changedOutside === 0);
  outsideBox.classList.toggle("is-bad", v.changedOutside !== 0);
  outsideBox.title = v.changedOutside === 0
    ? "Nothing outside the grown mask was touched."
    : "Pixels outside the mask changed: this should never happen.";
  $("fig-fraction").textContent = Number.isFinite(v.changedFraction) ? formatPercent(v.changedFraction * 100) : "–";
  showFlags(v.flags);

  versionsList.querySelectorAll(".version").forEach((li) => {
    li.classList.toggle("is-compared", li.dataset.versionId === v.id);
  });
}

// The fill checks' and the "text remains" check's flags, each with its reason line (the
// text flag's names the words still readable), as the review page lists them.
function showFlags(flags) {
  const box = $("result-flags");
  $("result-flags-list").replaceChildren(...flags.map((f) => el("li", { "data-flag": f.code, text: f.reason })));
  box.hidden = !flags.length;
}

function setImage(id, url, alt) {
  const img = $(id);
  if (img.getAttribute("src") !== url) img.src = url;
  img.alt = alt;
}

// The page's result menu (templates/repairapp/_download_menu.html) is the one copy of
// the markup: a version's menu is a clone of it, styled as a link.
export function setDownloadMenu(menu, url, label) {
  menu.querySelectorAll("a[data-format]").forEach((a) => {
    a.href = url + (a.dataset.format === "png" ? "" : "&format=" + a.dataset.format);
  });
  menu.querySelector("summary").textContent = label;
  menu.open = false;
}

function setSwipe(percent) {
  const p = Math.max(0, Math.min(100, Math.round(percent * 10) / 10));
  swipe.style.setProperty("--swipe", p + "%");
  swipeHandle.setAttribute("aria-valuenow", String(Math.round(p)));
  swipeHandle.setAttribute("aria-valuetext", Math.round(p) + "% before");
  return p;
}

export function initResult() {
  // An open download menu closes on a click outside it or after a format is chosen.
  document.addEventListener("click", (event) => {
    document.querySelectorAll("details.download-menu[open]").forEach((menu) => {
      if (!menu.contains(event.target) || event.target.closest("a[data-format]")) menu.open = false;
    });
  });

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
}
