// A Copy button beside a shown-once secret: <button data-copy="#input-id">.
(function () {
  document.querySelectorAll("[data-copy]").forEach((button) => {
    const label = button.textContent;
    button.addEventListener("click", async () => {
      const field = document.querySelector(button.dataset.copy);
      if (!field) return;
      field.select();
      let copied = false;
      try {
        await navigator.clipboard.writeText(field.value);
        copied = true;
      } catch (err) {
        // No clipboard API (plain HTTP on another host): the older command still works.
        copied = document.execCommand && document.execCommand("copy");
      }
      button.textContent = copied ? "Copied" : "Press Ctrl+C";
      button.dataset.copied = copied ? "true" : "false";
      setTimeout(() => { button.textContent = label; }, 2000);
    });
  });
})();
