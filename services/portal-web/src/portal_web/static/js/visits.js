/* Visits' calendar feed page: a Copy address button beside the feed address (without JS the address
   sits in a read-only field to select and copy by hand). */
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  ready(function () {
    var button = document.querySelector("[data-copy]");
    if (!button || !navigator.clipboard) { return; }
    var field = document.getElementById(button.getAttribute("data-copy"));
    var status = document.querySelector("[data-copy-status]");
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        if (status) { status.textContent = "Address copied."; }
      }, function () {
        field.select();
        if (status) { status.textContent = "Select the address and copy it."; }
      });
    });
  });
})();
