/* MeritFlow workspace: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";
  function ready(fn) { if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn); }

  ready(function () {
    // The language switcher submits on change (a button is shown when scripts are off).
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });

    // Forms marked data-once submit once: a second click while the first is under way is
    // ignored (the server refuses a repeated action anyway, with a clear message).
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (form.hasAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
        return;
      }
      if (!form.hasAttribute("data-once")) return;
      if (form.dataset.submitted) { event.preventDefault(); return; }
      form.dataset.submitted = "1";
      form.setAttribute("aria-busy", "true");
      form.classList.add("submitting");
    }, true);

    // The diagram: scroll the current step into view; a button toggles "fit to width".
    document.querySelectorAll(".diagram").forEach(function (box) {
      var current = box.querySelector(".current") || box.querySelector(".endEvent.done");
      if (current && box.scrollWidth > box.clientWidth) {
        var boxRect = box.getBoundingClientRect(), rect = current.getBoundingClientRect();
        box.scrollLeft += rect.left - boxRect.left - box.clientWidth / 3;
      }
    });
    document.querySelectorAll("[data-toggle-fit]").forEach(function (button) {
      var target = document.querySelector(button.getAttribute("data-toggle-fit"));
      if (!target) return;
      button.hidden = false;
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", function () {
        var fit = target.classList.toggle("fit");
        button.setAttribute("aria-pressed", fit ? "true" : "false");
      });
    });
  });
})();
