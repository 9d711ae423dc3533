// Upload by drag-and-drop or file picker: either way the file lands in the form's
// input and the form is submitted, so the server renders errors the same way.
(function () {
  const form = document.getElementById("upload-form");
  if (!form) return;
  const input = document.getElementById("photo-input");
  const status = form.querySelector(".dropzone-status");

  function submitWith(files) {
    if (!files || !files.length) return;
    if (files.length > 1) {
      status.textContent = "One photo at a time, please.";
      return;
    }
    const dt = new DataTransfer();
    dt.items.add(files[0]);
    input.files = dt.files;
    form.classList.add("is-busy");
    status.textContent = "Uploading " + files[0].name + "…";
    form.submit();
  }

  input.addEventListener("change", () => submitWith(input.files));
  ["dragenter", "dragover"].forEach((type) =>
    form.addEventListener(type, (e) => { e.preventDefault(); form.classList.add("is-over"); }));
  ["dragleave", "drop"].forEach((type) =>
    form.addEventListener(type, (e) => { e.preventDefault(); form.classList.remove("is-over"); }));
  form.addEventListener("drop", (e) => submitWith(e.dataTransfer.files));
  form.addEventListener("click", (e) => { if (e.target === form || e.target.closest(".dropzone-body") && e.target.tagName !== "LABEL") input.click(); });
})();
