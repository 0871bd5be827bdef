/* Behaviour on every page, kept out of the markup: the Content-Security-Policy runs no inline handlers. */
(function () {
  "use strict";
  // The language menu changes the language as soon as one is chosen.
  document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  });
})();
