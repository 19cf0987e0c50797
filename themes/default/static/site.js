// Newsdesk: progressive enhancement only. Every page is complete without this file.
// Loaded (tiny, cached for a year) before the page renders, so the "Read also" box never
// flashes in place for a reader who dismissed it; the rest waits for the document.
(function () {
  "use strict";
  var KEY = "newsdesk:read-also-dismissed";
  var REMEMBER_MS = 30 * 24 * 60 * 60 * 1000; // a dismissal is remembered for 30 days
  var root = document.documentElement;

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

  root.classList.add("js");
  if (dismissedRecently()) root.classList.add("read-also-dismissed");

  function setUpReadAlso() {
    var box = document.querySelector("[data-read-also]");
    if (!box) return;
    if (root.classList.contains("read-also-dismissed")) { box.hidden = true; return; }
    var button = box.querySelector(".read-also__close");
    var status = document.getElementById("read-also-status");
    var link = box.querySelector(".read-also__story a");
    var end = document.querySelector(".story-footer");
    var shown = false;

    function dismiss() {
      var hadFocus = box.contains(document.activeElement);
      box.hidden = true;
      shown = false;
      rememberDismissal();
      if (status) status.textContent = "Read also dismissed.";
      if (hadFocus) {
        // Keep keyboard users where they were: at the heading that follows the box.
        var next = document.getElementById("related-title") || document.getElementById("comments-title");
        if (next) next.focus({ preventScroll: true });
      }
    }

    function show() {
      if (shown || box.hidden) return;
      shown = true;
      box.classList.add("is-shown");
      if (status && link) status.textContent = "Read also: " + link.textContent;
    }

    // Shown once the reader has reached the end of the story, however they got there
    // (scrolling, the End key, a link to the comments, a restored scroll position).
    var pending = false;
    function check() {
      pending = false;
      if (!end || end.getBoundingClientRect().top < window.innerHeight) {
        show();
        window.removeEventListener("scroll", onScroll);
      }
    }
    function onScroll() {
      if (!pending) { pending = true; window.requestAnimationFrame(check); }
    }

    button.hidden = false;
    button.addEventListener("click", dismiss);
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && shown && !box.hidden) dismiss();
    });
    window.addEventListener("scroll", onScroll, { passive: true });
    check();
  }

  // A refused comment comes back with its reasons above the form: take the reader there.
  function showCommentErrors() {
    var errors = document.getElementById("comment-errors");
    if (!errors) return;
    errors.scrollIntoView({ block: "center" });
    errors.focus({ preventScroll: true });
  }

  function ready() {
    setUpReadAlso();
    showCommentErrors();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
