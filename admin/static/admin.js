// Newsroom admin: small enhancements; every page works without them.

// Buttons that destroy something ask first: <button data-confirm="Delete this story?">.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});

// "Select all" checkboxes for bulk actions: <input type=checkbox data-select-all="name">.
document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-select-all]");
  if (!all) return;
  const form = all.form || document;
  for (const box of form.querySelectorAll(`input[type=checkbox][name="${all.dataset.selectAll}"]`)) {
    box.checked = all.checked;
  }
});

// Copy buttons, shown only where the clipboard can be written: <button data-copy="ID" hidden>.
for (const button of document.querySelectorAll("button[data-copy]")) {
  if (!navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    const text = document.getElementById(button.dataset.copy)?.textContent.trim() ?? "";
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = "Copied";
    } catch {
      button.textContent = "Select and copy it yourself";
    }
  });
}

// On narrow screens the sections are one sideways-scrolling row: show the current one.
const current = document.querySelector('nav.side a[aria-current="page"]');
if (current && current.closest("nav").scrollWidth > current.closest("nav").clientWidth) {
  current.scrollIntoView({ block: "nearest", inline: "center" });
}
