/* 考核 pages: submit the period form when a select changes, show only the inputs of the
   chosen period kind, and fill the figure form from a row's "修改" button. DOM values only. */
(function () {
  "use strict";
  document.querySelectorAll("form[data-period-form]").forEach(function (form) {
    var kind = form.querySelector("[data-period-kind]");
    function sync() {
      form.querySelectorAll("[data-kind]").forEach(function (label) {
        var on = label.getAttribute("data-kind") === kind.value;
        label.hidden = !on;
        label.querySelectorAll("input").forEach(function (input) { input.disabled = !on; });
      });
    }
    if (kind) { kind.addEventListener("change", sync); sync(); }
    form.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { form.requestSubmit(); });
    });
  });
  document.querySelectorAll("button[data-edit-figure]").forEach(function (button) {
    button.addEventListener("click", function () {
      var form = document.querySelector("form.stack");
      if (!form) { return; }
      ["indicator", "jurisdiction", "month", "value", "denominator", "note", "version"].forEach(function (name) {
        var field = form.elements.namedItem(name);
        if (field) { field.value = button.getAttribute("data-" + name) || ""; }
      });
      form.elements.namedItem("value").focus();
    });
  });
})();
