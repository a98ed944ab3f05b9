/* The hosted tokenizer: the card number, expiry and CVV stay on this origin. On submit the number is
   tokenized here (POST /cardsecure/api/v1/ccn/tokenize) and only the token and expiry go to the
   parent page, by postMessage, as a JSON string like CardPointe's iFrame tokenizer sends:
     {"message": "<token or empty>", "expiry": "MMYY", "validationError": "<text or absent>"}
   The target origin is the `origin` query parameter (the portal page that frames this one); without
   it the message goes to "*" (acceptable in dev: a token is useless without the API credentials). */
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.search);
  var targetOrigin = params.get("origin") || "*";
  var form = document.getElementById("card-form");
  var number = document.getElementById("ccnumfield");
  var month = document.getElementById("ccexpiryfieldmonth");
  var year = document.getElementById("ccexpiryfieldyear");
  var cvv = document.getElementById("cccvvfield");
  var error = document.getElementById("error");

  function digits(s) { return (s || "").replace(/\D/g, ""); }

  function luhnOk(n) {
    if (n.length < 12 || n.length > 19) { return false; }
    var total = 0;
    for (var i = 0; i < n.length; i++) {
      var d = parseInt(n.charAt(n.length - 1 - i), 10);
      if (i % 2) { d = d * 2; if (d > 9) { d -= 9; } }
      total += d;
    }
    return total % 10 === 0;
  }

  function expiry() {
    var m = digits(month.value), y = digits(year.value);
    if (y.length === 4) { y = y.slice(2); }
    if (m.length === 1) { m = "0" + m; }
    return m + y;
  }

  function validationError() {
    if (!luhnOk(digits(number.value))) { return "Invalid card number"; }
    var m = parseInt(digits(month.value), 10), y = digits(year.value);
    if (!(m >= 1 && m <= 12) || !(y.length === 2 || y.length === 4)) { return "Invalid expiry date"; }
    var full = y.length === 2 ? 2000 + parseInt(y, 10) : parseInt(y, 10);
    var now = new Date();
    if (full < now.getFullYear() || (full === now.getFullYear() && m < now.getMonth() + 1)) {
      return "Card expired";
    }
    var c = digits(cvv.value);
    if (c.length < 3 || c.length > 4) { return "Invalid CVV"; }
    return null;
  }

  function send(payload) {
    window.parent.postMessage(JSON.stringify(payload), targetOrigin);
  }

  number.addEventListener("blur", function () {
    number.classList.toggle("invalid", number.value !== "" && !luhnOk(digits(number.value)));
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var problem = validationError();
    error.textContent = problem || "";
    if (problem) {
      send({ message: "", expiry: expiry(), validationError: problem });
      return;
    }
    fetch("/cardsecure/api/v1/ccn/tokenize", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ account: digits(number.value) })
    }).then(function (response) { return response.json(); }).then(function (answer) {
      if (answer.errorcode !== 0 || !answer.token) {
        error.textContent = answer.message || "The card could not be tokenized";
        send({ message: "", expiry: expiry(), validationError: error.textContent });
        return;
      }
      send({ message: answer.token, expiry: expiry() });
    }).catch(function () {
      error.textContent = "The card could not be tokenized";
      send({ message: "", expiry: expiry(), validationError: error.textContent });
    });
  });
}());
