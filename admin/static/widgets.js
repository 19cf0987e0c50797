// Live preview of the widget being configured: the form is posted to the preview endpoint as
// you type, and the public theme's HTML for the widget replaces the preview pane. Without this
// script the form's Preview button does the same with a page load.

const form = document.getElementById("widget-form");
const pane = document.getElementById("widget-preview");
const token = document.querySelector('meta[name="csrf-token"]')?.content;

if (form && pane && token) {
  let timer = 0;
  let latest = 0;

  async function refresh() {
    const request = ++latest;
    const body = new URLSearchParams(new FormData(form));
    body.delete("action");
    try {
      const res = await fetch(form.dataset.preview, {
        method: "POST",
        headers: { "X-CSRF-Token": token },
        body,
        credentials: "same-origin",
      });
      // A slower, older answer never replaces a newer one.
      if (request !== latest) return;
      if (res.ok || res.status === 422) {
        pane.innerHTML = await res.text();
      } else if (res.status === 401) {
        pane.textContent = "You are signed out. Sign in again in another tab, then keep editing.";
      }
    } catch {
      // Offline for a moment: the Preview button still works.
    }
  }

  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  };
  form.addEventListener("input", soon);
  form.addEventListener("change", soon);
  refresh();
}
