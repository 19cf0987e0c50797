// Newsdesk: progressive enhancement only. Every page is complete without this file.
(function () {
  "use strict";
  var KEY = "newsdesk:read-also-dismissed";
  var REMEMBER_MS = 30 * 24 * 60 * 60 * 1000; // a dismissal is remembered for 30 days

  function dismissedRecently() {
    try {
      var at = Number(window.localStorage.getItem(KEY));
      return at > 0 && Date.now() - at < REMEMBER_MS;
    } catch (e) {
      return false;
    }
  }

  function rememberDismissal() {
    try { window.localStorage.setItem(KEY, String(Date.now())); } catch (e) { /* private mode: not remembered */ }
  }

  function setUpReadAlso() {
    var box = document.querySelector("[data-read-also]");
    if (!box) return;
    if (dismissedRecently()) { box.hidden = true; return; }
    var button = box.querySelector(".read-also__close");
    var status = document.getElementById("read-also-status");
    var link = box.querySelector(".read-also__story a");
    var after = document.getElementById("related-title") || document.getElementById("comments-title");

    function dismiss() {
      var hadFocus = box.contains(document.activeElement);
      box.hidden = true;
      rememberDismissal();
      if (status) status.textContent = "Read also dismissed.";
      // Keep keyboard users where they were: just after the box.
      if (hadFocus && after) after.focus();
    }

    button.hidden = false;
    button.addEventListener("click", dismiss);
    box.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { e.preventDefault(); dismiss(); }
    });

    var end = document.querySelector(".story-footer");
    if (!end || !("IntersectionObserver" in window)) return; // stays in place, still dismissible
    box.classList.add("is-floating");
    var observer = new IntersectionObserver(function (entries) {
      if (!entries.some(function (e) { return e.isIntersecting; })) return;
      observer.disconnect();
      box.classList.add("is-shown");
      if (status && link) status.textContent = "Read also: " + link.textContent;
    });
    observer.observe(end);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpReadAlso);
  } else {
    setUpReadAlso();
  }
})();
