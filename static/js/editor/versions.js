// The versions list beside the editor: a new version is added at the top as a job
// finishes, the one being edited is marked, and Compare opens it in the result panel.
import { $ } from "./page.js";
import { setDownloadMenu, showResult } from "./result.js";

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
