/* The staff settings page: colour pickers in step with their hex fields, token buttons that insert
   at the cursor, the invitation's example as you type, and a Preview refreshed as fields change.
   Without it: the hex field and picker are both sent (the server takes the one that changed), the
   tokens are a list to copy, and the Preview button posts the form into the preview frame. */
(function () {
  "use strict";

  function normalise(value) {
    var v = (value || "").trim();
    var m = /^#?([0-9a-f]{6})$/i.exec(v);
    if (m) { return "#" + m[1].toLowerCase(); }
    m = /^#?([0-9a-f]{3})$/i.exec(v);
    if (m) { return "#" + m[1].replace(/(.)/g, "$1$1").toLowerCase(); }
    return null;
  }

  function colours(form) {
    Array.prototype.forEach.call(form.querySelectorAll("[data-colour-field]"), function (box) {
      var text = box.querySelector(".colour-field__text");
      var picker = box.querySelector(".colour-field__picker");
      text.addEventListener("input", function () {
        var colour = normalise(text.value);
        if (colour) { picker.value = colour; }
      });
      picker.addEventListener("input", function () { text.value = picker.value; });
    });
  }

  function insertAtCursor(field, token) {
    var start = typeof field.selectionStart === "number" ? field.selectionStart : field.value.length;
    var end = typeof field.selectionEnd === "number" ? field.selectionEnd : start;
    field.setRangeText(token, start, end, "end");
    field.focus();
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function tokenPickers(form) {
    Array.prototype.forEach.call(form.querySelectorAll("[data-token-picker]"), function (picker) {
      var target = document.getElementById(picker.getAttribute("data-token-picker"));
      if (!target || typeof target.setRangeText !== "function") { return; }
      var title = picker.querySelector(".token-picker__title");
      title.textContent = title.textContent.replace(/^Tokens for/, "Insert a token into");
      Array.prototype.forEach.call(picker.querySelectorAll("code[data-token]"), function (code) {
        var token = code.getAttribute("data-token");
        var button = document.createElement("button");
        var hidden = document.createElement("span");
        button.type = "button";
        button.className = "token-picker__button";
        hidden.className = "visually-hidden";
        hidden.textContent = "Insert ";
        button.appendChild(hidden);
        button.appendChild(document.createTextNode(token));
        button.addEventListener("click", function () { insertAtCursor(target, token); });
        code.parentNode.replaceChild(button, code);
      });
    });
  }

  function emailExample(form) {
    var example = form.querySelector("[data-email-example]");
    if (!example) { return; }
    var values = JSON.parse(example.getAttribute("data-token-values") || "{}");
    var linkToken = example.getAttribute("data-link-token");  // the settings vocabulary's, from the page
    var subject = form.elements.invitation_subject;
    var body = form.elements.invitation_body;
    var description = form.elements.invitation_link_description;
    function fill(text) {
      Object.keys(values).forEach(function (token) { text = text.split(token).join(values[token]); });
      return text;
    }
    function render() {
      var link = description.value.trim() || "Customer Portal";
      example.querySelector("[data-example-subject]").textContent = fill(subject.value).split(linkToken).join(link);
      var out = example.querySelector("[data-example-body]");
      out.textContent = "";
      fill(body.value).split(linkToken).forEach(function (part, index) {
        if (index > 0) {
          var span = document.createElement("span");
          span.className = "email-example__link";
          span.textContent = link;
          out.appendChild(span);
        }
        out.appendChild(document.createTextNode(part));
      });
    }
    [subject, body, description].forEach(function (field) { field.addEventListener("input", render); });
  }

  function preview(form) {
    var frame = document.getElementById("settings-preview");
    var status = document.querySelector("[data-preview-status]");
    var button = form.querySelector("[data-preview-button]");
    var page = document.getElementById("preview_page");
    if (!frame || !window.fetch || !window.FormData || !window.AbortController) { return; }
    var nonce = (document.getElementById("branding") || {}).nonce || "";
    var timer = null;
    var controller = null;
    function refresh() {
      var data = new FormData(form);
      var files = [];
      data.forEach(function (value, name) { if (value instanceof File) { files.push(name); } });
      files.forEach(function (name) { data.delete(name); });  // images upload on Check or Save, not here
      data.delete("action");
      if (controller) { controller.abort(); }
      controller = new AbortController();
      fetch(form.getAttribute("data-preview-url"), {
        method: "POST", body: data, credentials: "same-origin", signal: controller.signal
      }).then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      }).then(function (html) {
        // A srcdoc page lives under this page's CSP: its branding <style> needs this page's nonce.
        frame.srcdoc = html.replace(/(<style id="branding") nonce="[^"]*"/, '$1 nonce="' + nonce + '"');
        status.textContent = "";
      }).catch(function (error) {
        if (error.name !== "AbortError") { status.textContent = "The preview could not be refreshed. Use Check to see the settings' problems."; }
      });
    }
    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 400);
    }
    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    if (page) { page.addEventListener("change", refresh); }
    if (button) { button.hidden = true; }  // the preview follows the form by itself
  }

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  ready(function () {
    var form = document.getElementById("settings-form");
    if (!form) { return; }
    colours(form);
    tokenPickers(form);
    emailExample(form);
    preview(form);
  });
}());
