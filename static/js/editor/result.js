// The comparison panel under the editor: a version beside its parent, a swipe between
// them and the diff heatmap, with the figures of what changed.
import { $, width, height, formatPercent } from "./page.js";

const result = $("result");
const swipe = $("swipe");
const swipeHandle = $("swipe-handle");
const versionsList = $("versions");

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

  versionsList.querySelectorAll(".version").forEach((li) => {
    li.classList.toggle("is-compared", li.dataset.versionId === v.id);
  });
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
