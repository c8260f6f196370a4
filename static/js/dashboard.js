/* Dashboard pages: the Dash app's iframe grows with its content, and the menu's links keep the
   filters the app writes into the address (so they survive moving between pages). */
(function () {
  "use strict";
  const FILTERS = ["date_from", "date_to", "state", "city", "store", "category", "size",
                   "granularity"];

  function keptQuery(search, target) {
    const from = new URLSearchParams(search);
    const out = new URLSearchParams();
    for (const [name, value] of from) {
      if (!FILTERS.includes(name)) continue;
      // A store, or a product, page fixes its own; the place or product does not carry over.
      out.append(name, value);
    }
    return out.toString();
  }

  function updateLinks(search) {
    document.querySelectorAll("a[data-keep-filters]").forEach(function (link) {
      const base = link.getAttribute("href").split("?")[0];
      const query = keptQuery(search, base);
      link.setAttribute("href", base + (query ? "?" + query : ""));
    });
  }

  function fit(frame) {
    let doc;
    try { doc = frame.contentDocument; } catch (e) { return; }
    if (!doc || !doc.body) return;
    const resize = function () {
      const root = doc.getElementById("react-entry-point") || doc.body;
      const height = Math.ceil(root.getBoundingClientRect().height) + 24;
      if (height > 200 && Math.abs(frame.offsetHeight - height) > 4) {
        frame.style.height = height + "px";
      }
    };
    new ResizeObserver(resize).observe(doc.body);
    resize();
  }

  window.addEventListener("slice:filters", function (event) {
    updateLinks(event.detail ? "?" + event.detail : "");
  });
  document.addEventListener("DOMContentLoaded", function () {
    updateLinks(window.location.search);
    document.querySelectorAll("iframe.dash-frame").forEach(function (frame) {
      frame.addEventListener("load", function () { fit(frame); });
      if (frame.contentDocument && frame.contentDocument.readyState === "complete") fit(frame);
    });
  });
})();
