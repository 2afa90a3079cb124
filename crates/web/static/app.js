// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Forms that change published content ask once before they are sent.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
  // An error summary takes focus, so screen-reader and keyboard users land on what to fix.
  var summary = document.querySelector(".error-summary");
  if (summary) {
    summary.focus();
  }
})();
