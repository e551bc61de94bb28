/* Page boot for every page. The Content-Security-Policy forbids inline script, so no template
   holds JavaScript: an element names its initialiser (data-init="…"), its data comes from a
   json_script node (data-json="<id>"), its words from data-* attributes. Server strings reach
   the DOM only as text (Zhian.text), never through HTML concatenation. */
(function () {
  "use strict";
  const initialisers = {};

  /* A DOM node holding `value` as text: safe content for Leaflet tooltips and popups. */
  function text(value) {
    const span = document.createElement("span");
    span.textContent = value == null ? "" : String(value);
    return span;
  }

  function register(name, fn) { initialisers[name] = fn; }

  function data(el) {
    const id = el.dataset.json;
    const node = id ? document.getElementById(id) : null;
    return node ? JSON.parse(node.textContent) : null;
  }

  function boot() {
    document.querySelectorAll("[data-init]").forEach((el) => {
      const fn = initialisers[el.dataset.init];
      if (fn) fn(el, data(el));
      else console.error("zhian: no initialiser named", el.dataset.init);
    });
    // Filters that apply on change (was onchange="this.form.submit()").
    document.querySelectorAll("select[data-autosubmit]").forEach((s) => {
      s.addEventListener("change", () => s.form.submit());
    });
    // Colour swatches: set through the CSSOM, which the CSP allows (style attributes it does not).
    document.querySelectorAll("[data-colour]").forEach((el) => {
      el.style.backgroundColor = el.dataset.colour;
    });
  }

  window.Zhian = { text: text, register: register };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else window.setTimeout(boot, 0);
})();
