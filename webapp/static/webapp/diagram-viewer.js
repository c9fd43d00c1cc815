/* The case page's process diagram in the bpmn.io viewer (issue 15 item 7).
 *
 * webapp/templates/webapp/_diagram.html renders the static SVG (webapp/diagram.py) inside a
 * closed <details id="diagram-card">. The first time it is opened, this script loads the vendored
 * bpmn-js navigated viewer and its CSS (webapp/static/vendor/bpmn-js/, no CDN) and the case's
 * diagram and marks (data-diagram-src: /cases/<id>/diagram.json, webapp/views/diagram.py), draws
 * the diagram, marks the done steps (class "done" and a ✓), the current steps (class "current")
 * and the flows taken (class "taken"), and only then hides the SVG. If anything fails the SVG
 * stays.
 *
 * Zoom and pan: drag, the mouse wheel (Ctrl + wheel zooms), the arrow keys and Ctrl +/- when the
 * diagram has the focus, and the toolbar's buttons (data-zoom="in|out|fit|reset"). The first view
 * is the whole diagram when that is readable, else READABLE scale around the current step. The
 * lanes' names stay visible in a strip on the left when the lanes' own labels are scrolled away.
 */
(function () {
  "use strict";

  var READABLE = 0.8; // below this the 14 px task names get too small to read
  var STEP = 1.25;
  var FONT = '"Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", Arial, sans-serif';

  var card = document.getElementById("diagram-card");
  if (!card || !card.getAttribute("data-diagram-src") || !window.fetch || !window.Promise) return;

  function loadCss(href) {
    if (document.querySelector('link[href="' + href + '"]')) return Promise.resolve();
    return new Promise(function (resolve, reject) {
      var link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = href;
      link.onload = resolve;
      link.onerror = function () { reject(new Error(href)); };
      document.head.appendChild(link);
    });
  }

  function loadJs(src) {
    if (window.BpmnJS) return Promise.resolve();
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = function () { reject(new Error(src)); };
      document.head.appendChild(script);
    });
  }

  function loadAssets() {
    var assets = card.getAttribute("data-diagram-assets").split(/\s+/).filter(Boolean);
    return Promise.all(assets.map(function (url) { return /\.css(\?|$)/.test(url) ? loadCss(url) : loadJs(url); }));
  }

  function loadData() {
    return fetch(card.getAttribute("data-diagram-src"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("diagram.json: " + response.status);
        return response.json();
      });
  }

  // The bounding box of some elements (diagram coordinates), or null.
  function boxOf(elements) {
    var box = null;
    elements.forEach(function (e) {
      if (!e || e.waypoints) return;
      var x2 = e.x + e.width, y2 = e.y + e.height;
      box = box ? { x: Math.min(box.x, e.x), y: Math.min(box.y, e.y), x2: Math.max(box.x2, x2), y2: Math.max(box.y2, y2) }
                : { x: e.x, y: e.y, x2: x2, y2: y2 };
    });
    return box;
  }

  function clamp(value, low, high) { return high < low ? (low + high) / 2 : Math.max(low, Math.min(high, value)); }

  function show(host, data) {
    var viewer = new window.BpmnJS({
      container: host,
      textRenderer: { defaultStyle: { fontFamily: FONT, fontSize: 14 }, externalStyle: { fontFamily: FONT, fontSize: 13 } }
    });
    return viewer.importXML(data.xml).then(function () {
      var canvas = viewer.get("canvas"), registry = viewer.get("elementRegistry"), overlays = viewer.get("overlays");

      function mark(ids, css) {
        var found = [];
        (ids || []).forEach(function (id) {
          var element = registry.get(id);
          if (!element) return;
          canvas.addMarker(id, css);
          found.push(element);
        });
        return found;
      }
      var done = mark(data.done, "done");
      var current = mark(data.current, "current");
      mark(data.taken, "taken");
      done.forEach(function (element) {
        if (element.waypoints || element.type === "bpmn:Lane" || element.type === "bpmn:Participant") return;
        overlays.add(element, "state", { position: { top: -9, right: 9 }, html: '<span class="bpmn-badge done" aria-hidden="true">✓</span>' });
      });

      // The lanes' names, kept visible in a strip on the left while their labels are out of view.
      var strip = document.createElement("div");
      strip.className = "bpmn-lane-strip";
      strip.setAttribute("aria-hidden", "true");
      host.appendChild(strip);
      var lanes = registry.filter(function (e) {
        var lanes = e.businessObject && e.businessObject.childLaneSet && e.businessObject.childLaneSet.lanes;
        return e.type === "bpmn:Lane" && !(lanes && lanes.length);
      });
      var laneLeft = Math.min.apply(null, lanes.map(function (l) { return l.x; }));
      lanes.forEach(function (lane) {
        var label = document.createElement("div");
        label.className = "bpmn-lane-name";
        label.textContent = lane.businessObject.name || "";
        label.setAttribute("data-lane", lane.id);
        strip.appendChild(label);
        lane.stripLabel = label;
      });
      function placeLanes() {
        var vb = canvas.viewbox();
        // The lanes' own (rotated) labels sit in their first 30 units.
        strip.hidden = !lanes.length || vb.x <= laneLeft + 4;
        if (strip.hidden) return;
        // Each name centred in the part of its lane that is in view.
        var boxHeight = vb.outer.height;
        lanes.forEach(function (lane) {
          var top = Math.max(0, (lane.y - vb.y) * vb.scale);
          var bottom = Math.min(boxHeight, (lane.y + lane.height - vb.y) * vb.scale);
          var label = lane.stripLabel;
          label.hidden = bottom - top < 24;
          label.style.top = top + "px";
          label.style.height = Math.max(0, bottom - top) + "px";
          // A name that does not fit its part of the lane: smaller, else not at all (never cut).
          label.classList.remove("tight");
          if (!label.hidden && label.scrollHeight > label.clientHeight + 1) {
            label.classList.add("tight");
            label.hidden = label.scrollHeight > label.clientHeight + 1;
          }
        });
      }
      viewer.get("eventBus").on("canvas.viewbox.changed", placeLanes);

      // First view: the whole diagram if readable, else READABLE scale around the current step
      // (or the last done one), as far left as keeps it in view (where the lanes are named).
      function firstView() {
        canvas.zoom("fit-viewport");
        var vb = canvas.viewbox();
        if (vb.scale >= READABLE) {
          if (vb.scale > 1) canvas.zoom(1, "auto");
          return;
        }
        var inner = vb.inner, outer = vb.outer;
        var width = outer.width / READABLE, height = outer.height / READABLE;
        var focus = boxOf(current) || boxOf(done.length ? [done.reduce(function (a, b) { return b.x > a.x ? b : a; })] : []);
        var x = inner.x - 10, y = inner.y - 10;
        if (focus) {
          if (focus.x2 > inner.x + width * 0.85) x = focus.x - width / 3;
          y = (focus.y + focus.y2) / 2 - height / 2;
        }
        canvas.viewbox({
          x: clamp(x, inner.x - 10, inner.x + inner.width + 10 - width),
          y: clamp(y, inner.y - 10, inner.y + inner.height + 10 - height),
          width: width,
          height: height
        });
      }
      firstView();
      placeLanes();

      card.querySelectorAll("[data-zoom]").forEach(function (button) {
        button.addEventListener("click", function () {
          var how = button.getAttribute("data-zoom");
          if (how === "in") canvas.zoom(Math.min(canvas.zoom() * STEP, 4));
          else if (how === "out") canvas.zoom(Math.max(canvas.zoom() / STEP, 0.1));
          else if (how === "fit") canvas.zoom("fit-viewport", "auto");
          else firstView();
        });
      });
      var resizing = null;
      window.addEventListener("resize", function () {
        clearTimeout(resizing);
        resizing = setTimeout(function () { canvas.resized(); placeLanes(); }, 150);
      });
      return viewer;
    });
  }

  function start() {
    var host = document.getElementById("bpmn-viewer");
    var svgBox = document.getElementById("diagram");
    if (!host) return;
    host.setAttribute("aria-busy", "true");
    Promise.all([loadAssets(), loadData()])
      .then(function (results) {
        // Visible before the import: bpmn-js measures the texts and the container.
        host.hidden = false;
        if (svgBox) svgBox.hidden = true;
        return show(host, results[1]).catch(function (error) {
          host.hidden = true;
          if (svgBox) svgBox.hidden = false;
          throw error;
        });
      })
      .then(function () {
        card.querySelectorAll("[data-toggle-fit]").forEach(function (b) { b.hidden = true; });
        card.querySelectorAll(".bpmn-tools").forEach(function (t) { t.hidden = false; });
        card.classList.add("bpmn-ready");
        host.removeAttribute("aria-busy");
      })
      .catch(function (error) {
        host.removeAttribute("aria-busy");
        card.classList.add("bpmn-failed");
        if (window.console) console.warn("diagram viewer: the static diagram stays", error);
      });
  }

  var started = false;
  function maybeStart() {
    if (card.open && !started) {
      started = true;
      start();
    }
  }
  card.addEventListener("toggle", maybeStart);
  maybeStart();
})();
