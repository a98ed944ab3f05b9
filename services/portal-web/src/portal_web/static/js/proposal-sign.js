/* Select & Sign (templates/proposal_sign.html). Without this file the page still works: the total is the
   server's, and the typed signature is the one way to sign.
   - ticking an optional service changes the total at once;
   - the signature area (signature_pad, /static/vendor) takes a mouse, a finger or a stylus; the drawing goes
     to the form as a PNG data URL; Clear starts again;
   - Accept & Sign is enabled only once there is a mark (drawn, or a typed name), and only once per page:
     a double click sends one request (and proposals signs once whatever arrives). */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  function dollars(cents) {
    var whole = Math.floor(Math.abs(cents) / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var rest = String(Math.abs(cents) % 100);
    return (cents < 0 ? "-$" : "$") + whole + "." + (rest.length < 2 ? "0" + rest : rest);
  }

  function totals(form) {
    var output = document.getElementById("sign-total");
    if (!output) { return; }
    var boxes = form.querySelectorAll("input[name=optional_service]");
    function update() {
      var cents = parseInt(output.getAttribute("data-price-cents"), 10) || 0;
      Array.prototype.forEach.call(boxes, function (box) {
        if (box.checked) { cents += parseInt(box.getAttribute("data-amount-cents"), 10) || 0; }
      });
      output.textContent = dollars(cents);
    }
    Array.prototype.forEach.call(boxes, function (box) { box.addEventListener("change", update); });
    update();
  }

  function signature(form) {
    var submit = form.querySelector("[data-sign-submit]");
    var mark = form.querySelector("[data-sign-mark]");
    var typed = form.querySelector("[data-sign-typed]");
    var typePanel = form.querySelector("[data-sign-type]");
    var drawPanel = form.querySelector("[data-sign-draw]");
    var modes = form.querySelector("[data-sign-modes]");
    var canvas = form.querySelector("[data-sign-pad]");
    var status = form.querySelector("[data-sign-status]");
    var radios = form.querySelectorAll("input[name=mark_kind]");
    var pad = null;
    var sent = false;

    function mode() {
      var checked = form.querySelector("input[name=mark_kind]:checked");
      return checked ? checked.value : "typed";
    }
    function hasMark() {
      return mode() === "drawn" ? Boolean(pad && !pad.isEmpty()) : typed.value.trim().length >= 2;
    }
    function refresh() {
      var drawn = mode() === "drawn";
      drawPanel.hidden = !drawn;
      typePanel.hidden = drawn;
      mark.value = drawn && pad && !pad.isEmpty() ? pad.toDataURL("image/png") : "";
      submit.disabled = sent || !hasMark();
    }

    if (typeof window.SignaturePad === "function" && canvas) {
      pad = new window.SignaturePad(canvas, { penColor: "rgb(20, 20, 60)", minWidth: 0.8, maxWidth: 2.6 });
      var fit = function () {
        // Draw at the screen's pixel density; keep what was drawn when the width changes (a phone turned).
        var ratio = Math.max(window.devicePixelRatio || 1, 1);
        var data = pad.toData();
        canvas.width = canvas.offsetWidth * ratio;
        canvas.height = canvas.offsetHeight * ratio;
        canvas.getContext("2d").scale(ratio, ratio);
        pad.clear();
        if (data.length) { pad.fromData(data); }
        refresh();
      };
      pad.addEventListener("endStroke", refresh);
      form.querySelector("[data-sign-clear]").addEventListener("click", function () { pad.clear(); refresh(); });
      modes.hidden = false;
      if (!typed.value.trim()) {
        Array.prototype.forEach.call(radios, function (r) { r.checked = r.value === "drawn"; });
      }
      Array.prototype.forEach.call(radios, function (r) {
        r.addEventListener("change", function () { refresh(); if (mode() === "drawn") { fit(); } });
      });
      window.addEventListener("resize", fit);
      drawPanel.hidden = mode() !== "drawn";
      fit();
    }
    typed.addEventListener("input", refresh);
    form.addEventListener("submit", function (event) {
      refresh();
      if (sent || !hasMark()) { event.preventDefault(); return; }
      sent = true;
      submit.disabled = true;
      status.textContent = "Signing…";
    });
    refresh();
  }

  ready(function () {
    var form = document.querySelector("[data-sign-form]");
    if (!form) { return; }
    totals(form);
    signature(form);
  });
})();
