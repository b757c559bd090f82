/* The site's small behaviours, as a static file: the Content-Security-Policy runs no inline
   script and no inline event handler. Loaded on every page by web/base.html.
   - data-confirm="Question?" on a submit button (or its form) asks before submitting;
   - data-copy-text="value" on a button copies that value;
   - data-close-details on an element closes the <details> it sits in. */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    var question = (button && button.getAttribute("data-confirm")) ||
      (form.getAttribute && form.getAttribute("data-confirm"));
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  document.addEventListener("click", function (event) {
    var copy = event.target.closest("[data-copy-text]");
    if (copy && navigator.clipboard) {
      navigator.clipboard.writeText(copy.getAttribute("data-copy-text"));
    }
    var closer = event.target.closest("[data-close-details]");
    if (closer) {
      var details = closer.closest("details");
      if (details) details.open = false;
    }
  });
})();
