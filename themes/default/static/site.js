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
      place();
      // It only appears: focus stays where the reader has it.
      box.classList.add("is-shown");
      if (status && link) status.textContent = "Read also: " + link.textContent;
    }

    // The box never covers the control that has keyboard focus (WCAG 2.4.11): it waits at the
    // bottom corner, moves to the top one when the focused control is under it, and out of
    // sight when it would cover the control there too.
    function restingRect(atTop) {
      var gap = parseFloat(window.getComputedStyle(box).right) || 16;
      var width = box.offsetWidth, height = box.offsetHeight;
      var right = root.clientWidth - gap;
      var top = atTop ? gap : root.clientHeight - gap - height;
      return { left: right - width, right: right, top: top, bottom: top + height };
    }
    function overlaps(a, b) {
      return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    }
    function place() {
      placing = false;
      var where = "bottom";
      var focused = document.activeElement;
      if (shown && focused && focused !== document.body && focused !== root && !box.contains(focused)) {
        var r = focused.getBoundingClientRect();
        if ((r.width || r.height) && overlaps(r, restingRect(false))) {
          where = overlaps(r, restingRect(true)) ? "away" : "top";
        }
      }
      box.classList.toggle("is-top", where === "top");
      box.classList.toggle("is-away", where === "away");
    }
    var placing = false;
    function placeSoon() {
      if (shown && !placing) { placing = true; window.requestAnimationFrame(place); }
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
    // Focus moving (also to nothing), and anything that moves the focused control.
    document.addEventListener("focusin", function () { if (shown) place(); });
    document.addEventListener("focusout", placeSoon);
    window.addEventListener("scroll", placeSoon, { passive: true });
    window.addEventListener("resize", placeSoon);
    check();
  }

  // A refused comment comes back with its reasons above the form: take the reader there.
  function showCommentErrors() {
    var errors = document.getElementById("comment-errors");
    if (!errors) return;
    errors.scrollIntoView({ block: "center" });
    errors.focus({ preventScroll: true });
  }

  // Embeds are click-to-load cards: nothing is requested from the provider until the reader
  // presses "Load content from …". The frame opens the site's `/embed/player` address (named
  // in `data-embed-player`), which sends it on to the provider's player. Without this script
  // the card is a link to the post.
  function setUpEmbeds() {
    var cards = document.querySelectorAll("figure.embed[data-embed-player]");
    Array.prototype.forEach.call(cards, function (card) {
      var button = card.querySelector(".embed__load");
      if (!button) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        var frame = document.createElement("iframe");
        frame.className = "embed__frame";
        frame.title = card.getAttribute("data-embed-title") || "Embedded content";
        frame.setAttribute("allow", "fullscreen; picture-in-picture; encrypted-media; clipboard-write");
        frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
        frame.setAttribute("sandbox", "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox allow-presentation");
        frame.src = card.getAttribute("data-embed-player");
        var note = card.querySelector(".embed__note");
        if (note) note.remove();
        card.classList.add("is-loaded");
        button.replaceWith(frame);
        // Keyboard focus goes to what the reader asked for, not back to the top of the page.
        frame.focus();
      });
    });
  }

  function ready() {
    setUpReadAlso();
    showCommentErrors();
    setUpEmbeds();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
