/* The payments pages' enhancements (the pages work without them, except adding a new card):
   - the hosted tokenizer: the processor's page in the iframe posts one JSON string with the card's token
     and MMYY expiry; only a message from the iframe's own origin (data-tokenizer-origin) and window is
     taken, and only the token and expiry are kept (hidden fields);
   - Payment Method / Payment type: only the chosen new method's panel shows;
   - Amount and Convenience Fee: the fee (the branch's percentage, cards only, half up to the cent, as
     billing charges it) and the total follow the amount and the method; Other Amount unlocks the amount;
   - Pay Invoices is disabled once pressed (the dialog's Idempotency-Key already makes a second press harmless);
   - Email receipts enabled saves as soon as it is switched. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  function each(selector, fn, root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), fn);
  }

  function dollars(cents) {
    var whole = Math.floor(cents / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return "$" + whole + "." + String(cents % 100).padStart(2, "0");
  }

  function centsOf(text) {
    var raw = (text || "").trim().replace(/^\$/, "").replace(/,/g, "").trim();
    if (!/^\d{1,9}(\.\d{1,2})?$/.test(raw)) { return null; }
    var parts = raw.split(".");
    return parseInt(parts[0], 10) * 100 + (parts[1] ? parseInt((parts[1] + "0").slice(0, 2), 10) : 0);
  }

  function hundredths(percent) {          /* "3.00" -> 300, in integers so no float rounds a cent */
    var parts = String(percent || "0").split(".");
    return parseInt(parts[0] || "0", 10) * 100 + parseInt(((parts[1] || "") + "00").slice(0, 2), 10);
  }

  function feeCents(amountCents, percent) {  /* half up, as billing's domain.fees */
    return Math.floor((amountCents * hundredths(percent) + 5000) / 10000);
  }

  function tokenizer(form) {
    var frame = form.querySelector("iframe[data-tokenizer-origin]");
    if (!frame) { return; }
    var origin = frame.getAttribute("data-tokenizer-origin");
    var token = form.querySelector("[data-token]");
    var expiry = form.querySelector("[data-expiry]");
    var status = form.querySelector("[data-tokenizer-status]");
    window.addEventListener("message", function (event) {
      if (event.origin !== origin || event.source !== frame.contentWindow) { return; }
      var answer;
      try { answer = JSON.parse(event.data); } catch (e) { return; }
      if (!answer || typeof answer !== "object") { return; }
      if (answer.message && /^9\d{14,18}$/.test(answer.message) && /^\d{4}$/.test(answer.expiry || "")) {
        token.value = answer.message;
        expiry.value = answer.expiry;
        status.textContent = "Card ending " + answer.message.slice(-4) + " is ready.";
        status.classList.remove("field__errors");
      } else {
        token.value = "";
        expiry.value = "";
        status.textContent = answer.validationError || "The card could not be read. Check it and try again.";
        status.classList.add("field__errors");
      }
    });
  }

  function panels(form) {
    var choices = form.querySelectorAll("[data-method-choice]");
    if (!choices.length) { return function () { return null; }; }
    function chosen() {
      var picked = form.querySelector("[data-method-choice]:checked");
      return picked ? { value: picked.value, kind: picked.getAttribute("data-kind") } : null;
    }
    function show() {
      var c = chosen();
      var isNew = c && (c.value === "new-card" || c.value === "new-ach" || c.value === "card" || c.value === "ach");
      each("[data-new-panel]", function (panel) {
        var kind = panel.getAttribute("data-new-panel");
        panel.hidden = !(isNew && (kind === "any" || kind === c.kind));
      }, form);
    }
    Array.prototype.forEach.call(choices, function (input) { input.addEventListener("change", show); });
    show();
    return chosen;
  }

  function payForm(form) {
    var chosen = panels(form);
    var balance = parseInt(form.getAttribute("data-balance-cents"), 10);
    var percent = form.getAttribute("data-fee-percent");
    var amount = form.querySelector("input[name=amount]");
    var feeRow = form.querySelector("[data-fee-row]");
    var fee = form.querySelector("[data-fee]");
    var total = form.querySelector("[data-total]");
    function other() {
      var picked = form.querySelector("[data-balance-choice]:checked");
      return picked && picked.value === "other";
    }
    function update() {
      if (amount) {
        amount.readOnly = !other();
        if (!other()) { amount.value = (balance / 100).toFixed(2); }
      }
      var cents = amount && other() ? centsOf(amount.value) : balance;
      var c = chosen();
      var card = !c || c.kind !== "ach";
      feeRow.hidden = !card;
      if (cents === null || cents < 100 || cents > balance) {
        fee.textContent = "–";
        total.textContent = "–";
        return;
      }
      var f = card ? feeCents(cents, percent) : 0;
      fee.textContent = dollars(f);
      total.textContent = dollars(cents + f);
    }
    each("[data-balance-choice], [data-method-choice]", function (input) { input.addEventListener("change", update); }, form);
    if (amount) { amount.addEventListener("input", update); }
    update();
    var button = form.querySelector("[data-pay-button]");
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-sent")) { event.preventDefault(); return; }
      form.setAttribute("data-sent", "1");
      button.setAttribute("aria-disabled", "true");
      button.textContent = "Paying…";
    });
  }

  function receipts(form) {
    var toggle = form.querySelector("input[type=checkbox]");
    toggle.addEventListener("change", function () { form.submit(); });
  }

  ready(function () {
    each("[data-pay-form]", function (form) { tokenizer(form); payForm(form); });
    each("[data-add-form]", function (form) { tokenizer(form); panels(form); });
    each("[data-receipts-form]", receipts);
  });
}());
