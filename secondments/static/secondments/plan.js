/* The plan of a secondment round (secondments.plan.PlanForm), progressive enhancements:
   - the posts table: "增加一行" and "删除" (without scripts: blank rows, and the paste box);
   - switching the organising unit keeps what was typed: the page for the other unit is fetched
     and only what depends on the unit (the units that may be invited) is replaced; without
     scripts the switch reloads the page as before. */
(function () {
  "use strict";
  function ready(fn) { if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn); }

  function rowsOf(box) { return box.querySelectorAll("tbody tr[data-post-row]"); }

  function renumber(box) {
    rowsOf(box).forEach(function (row, i) {
      var cell = row.querySelector("[data-post-number]");
      if (cell) cell.textContent = String(i + 1);
    });
  }

  function setupPosts(box) {
    if (box.dataset.ready) return;
    box.dataset.ready = "1";
    var tbody = box.querySelector("tbody");
    var template = box.querySelector("template[data-post-template]");
    var add = box.querySelector("[data-add-post]");
    var next = parseInt(box.getAttribute("data-next"), 10) || rowsOf(box).length;
    box.querySelectorAll("[data-remove-post]").forEach(function (button) { button.hidden = false; });
    add.hidden = false;
    add.addEventListener("click", function () {
      tbody.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__n__/g, String(next++)));
      renumber(box);
      var rows = rowsOf(box);
      rows[rows.length - 1].querySelector("input").focus();
    });
    tbody.addEventListener("click", function (event) {
      var button = event.target.closest("[data-remove-post]");
      if (!button) return;
      var row = button.closest("tr");
      var error = row.nextElementSibling;
      if (error && error.classList.contains("row-error")) error.remove();
      if (rowsOf(box).length <= 1) {
        // The last row is emptied rather than removed: the table always has a row to fill.
        row.querySelectorAll("input").forEach(function (input) { input.value = input.type === "number" ? "1" : ""; });
        row.querySelector("input").focus();
        return;
      }
      row.remove();
      renumber(box);
      add.focus();
    });
  }

  function setupUnitSwitch(planForm) {
    if (planForm.dataset.unitSwitch) return;
    planForm.dataset.unitSwitch = "1";
    var hiddenUnit = planForm.querySelector("input[type=hidden][name=unit]");
    if (!hiddenUnit) return;
    var switcher = null;
    document.querySelectorAll("form").forEach(function (form) {
      if (!switcher && form !== planForm && (form.method || "get").toLowerCase() === "get" && form.querySelector("select[name=unit]")) switcher = form;
    });
    if (!switcher) return;
    var select = switcher.querySelector("select[name=unit]");
    var busy = false;

    function swap(event) {
      if (event) event.preventDefault();
      if (busy || select.value === hiddenUnit.value) return;
      busy = true;
      switcher.setAttribute("aria-busy", "true");
      var url = new URL(switcher.getAttribute("action") || window.location.href, window.location.href);
      url.search = new URLSearchParams(new FormData(switcher)).toString();
      fetch(url.toString(), { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.text();
        })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.querySelector("form input[type=hidden][name=unit]");
          if (!fresh || !fresh.form) throw new Error("no plan form");
          // Replace what depends on the unit, keeping the ticks that still apply.
          var names = {};
          fresh.form.querySelectorAll("[data-unit-dependent]").forEach(function (input) { names[input.name] = true; });
          Object.keys(names).forEach(function (name) {
            var selector = "[name='" + name + "']";
            var old = planForm.querySelector(selector), now = fresh.form.querySelector(selector);
            var oldField = old && old.closest(".field"), newField = now && now.closest(".field");
            if (!oldField || !newField) return;
            var ticked = {};
            planForm.querySelectorAll(selector).forEach(function (input) { if (input.checked) ticked[input.value] = true; });
            var imported = document.importNode(newField, true);
            imported.querySelectorAll(selector).forEach(function (input) { input.checked = !!ticked[input.value]; });
            oldField.replaceWith(imported);
          });
          hiddenUnit.value = fresh.value;
          window.history.replaceState(null, "", url.toString());
          var status = switcher.querySelector("[data-unit-status]");
          if (!status) {
            status = document.createElement("p");
            status.className = "help";
            status.setAttribute("role", "status");
            status.setAttribute("data-unit-status", "");
            switcher.appendChild(status);
          }
          status.textContent = planForm.querySelector("[data-positions]").getAttribute("data-switched") || "";
        })
        .catch(function () { switcher.submit(); })
        .then(function () {
          busy = false;
          switcher.removeAttribute("aria-busy");
        });
    }

    switcher.addEventListener("submit", swap);
    select.addEventListener("change", swap);
  }

  ready(function () {
    document.querySelectorAll("[data-positions]").forEach(function (box) {
      setupPosts(box);
      if (box.closest("form")) setupUnitSwitch(box.closest("form"));
    });
  });
})();
