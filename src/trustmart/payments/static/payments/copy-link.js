/* "Copy link" buttons: data-copy-target names the input whose value is copied. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) { return; }
    var input = document.getElementById(button.dataset.copyTarget);
    if (!input) { return; }
    input.select();
    var shown = function () { button.textContent = button.dataset.copied; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(shown, function () {
        document.execCommand("copy");
        shown();
      });
    } else {
      document.execCommand("copy");
      shown();
    }
  });
}());
