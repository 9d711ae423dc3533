// Upload one or many photos (picked, dropped, or a dropped folder). Each file is sent on
// its own request, one after another, with its own progress bar and result; a file over
// the size limit is refused here, before a byte is sent. One photo opens the editor, as
// before; several stay listed here with a link to each.
(function () {
  const form = document.getElementById("upload-form");
  if (!form) return;
  const input = document.getElementById("photo-input");
  const status = form.querySelector(".dropzone-status");
  const panel = document.getElementById("upload-panel");
  const list = document.getElementById("upload-list");
  const summary = document.getElementById("upload-summary");
  const refresh = document.getElementById("upload-refresh");
  const rowTemplate = document.getElementById("upload-row");
  const maxBytes = Number(form.dataset.maxBytes) || Infinity;
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  let busy = false;

  function megabytes(bytes) {
    return (bytes / (1024 * 1024)).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0) + " MB";
  }

  function addRow(file) {
    const row = rowTemplate.content.firstElementChild.cloneNode(true);
    row.querySelector(".upload-name").textContent = file.name;
    row.querySelector(".upload-name").title = file.name;
    list.appendChild(row);
    return row;
  }

  function finish(row, state, text, href) {
    row.dataset.state = state;
    const result = row.querySelector(".upload-result");
    result.textContent = "";
    if (href) {
      const link = document.createElement("a");
      link.href = href;
      link.textContent = text;
      result.appendChild(link);
    } else {
      result.textContent = text;
    }
    if (state === "done") row.querySelector(".upload-progress").value = 100;
  }

  // One file on its own request; resolves to {ok, data} and never rejects.
  function send(file, row) {
    return new Promise((resolve) => {
      const body = new FormData();
      body.append("csrfmiddlewaretoken", csrf);
      body.append("photo", file, file.name);
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", csrf);
      xhr.upload.addEventListener("progress", (e) => {
        if (e.lengthComputable) row.querySelector(".upload-progress").value = Math.round((e.loaded / e.total) * 100);
      });
      xhr.addEventListener("load", () => {
        let data = {};
        try { data = JSON.parse(xhr.responseText); } catch (err) { data = {}; }
        if (xhr.status === 201) resolve({ ok: true, data: data });
        else resolve({ ok: false, data: { error: data.error || "The server refused it (HTTP " + xhr.status + ")." } });
      });
      xhr.addEventListener("error", () => resolve({ ok: false, data: { error: "The connection failed; try again." } }));
      row.dataset.state = "sending";
      xhr.send(body);
    });
  }

  async function upload(files) {
    files = files.filter((f) => !f.name.startsWith("."));  // a folder's .DS_Store and friends
    if (!files.length || busy) return;
    busy = true;
    list.textContent = "";
    panel.hidden = false;
    refresh.hidden = true;
    form.classList.add("is-busy");
    const rows = files.map(addRow);
    let done = 0, refused = 0, lastUrl = null;
    for (let i = 0; i < files.length; i++) {
      const file = files[i], row = rows[i];
      summary.textContent = "Uploading " + (i + 1) + " of " + files.length + "…";
      if (file.size > maxBytes) {
        finish(row, "refused", megabytes(file.size) + " is larger than the " + megabytes(maxBytes) + " limit; not sent.");
        refused++;
        continue;
      }
      const answer = await send(file, row);
      if (answer.ok) {
        done++;
        lastUrl = answer.data.editor_url;
        finish(row, "done", "Uploaded · open in the editor", answer.data.editor_url);
      } else {
        refused++;
        finish(row, "refused", answer.data.error);
      }
    }
    busy = false;
    form.classList.remove("is-busy");
    input.value = "";
    if (files.length === 1 && done === 1) {
      window.location.assign(lastUrl);
      return;
    }
    summary.textContent = done + " uploaded" + (refused ? ", " + refused + " refused" : "") + ".";
    status.textContent = "";
    refresh.hidden = done === 0;
  }

  // A dropped folder arrives as a directory entry: walk it (and its subfolders).
  function readEntry(entry) {
    if (entry.isFile) return new Promise((resolve) => entry.file((f) => resolve([f]), () => resolve([])));
    if (!entry.isDirectory) return Promise.resolve([]);
    const reader = entry.createReader();
    return new Promise((resolve) => {
      const found = [];
      const next = () => reader.readEntries(async (entries) => {
        if (!entries.length) return resolve(found);
        for (const child of entries) found.push(...(await readEntry(child)));
        next();
      }, () => resolve(found));
      next();
    });
  }

  async function droppedFiles(dataTransfer) {
    const entries = Array.from(dataTransfer.items || [])
      .map((item) => (item.webkitGetAsEntry ? item.webkitGetAsEntry() : null));
    if (!entries.length || entries.some((e) => !e)) return Array.from(dataTransfer.files);
    const files = [];
    for (const entry of entries) files.push(...(await readEntry(entry)));
    return files;
  }

  input.addEventListener("change", () => upload(Array.from(input.files)));
  ["dragenter", "dragover"].forEach((type) =>
    form.addEventListener(type, (e) => { e.preventDefault(); form.classList.add("is-over"); }));
  ["dragleave", "drop"].forEach((type) =>
    form.addEventListener(type, (e) => { e.preventDefault(); form.classList.remove("is-over"); }));
  form.addEventListener("drop", async (e) => upload(await droppedFiles(e.dataTransfer)));
  // The script does the sending; a plain submit (Enter on the input) would post without it.
  form.addEventListener("submit", (e) => e.preventDefault());
  form.addEventListener("click", (e) => { if (e.target === form || e.target.closest(".dropzone-body") && e.target.tagName !== "LABEL") input.click(); });
})();
