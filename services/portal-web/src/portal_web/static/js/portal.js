/* The customer portal's small enhancements. Everything works without them:
   - the side menu folds behind a Menu button at small widths (without JS it sits above the page);
   - the carousel shows one slide at a time with Previous/Next buttons (without JS: all, stacked);
   - Escape closes the account menu.
   Loaded in <head> (cached for a year) so the `js` class is set before the page is drawn. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  function sideMenu() {
    var toggle = document.querySelector(".menu-toggle");
    var menu = document.getElementById("side-menu");
    if (!toggle || !menu) { return; }
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      menu.classList.toggle("is-open", open);
    });
  }

  function carousels() {
    var all = document.querySelectorAll("[data-carousel]");
    Array.prototype.forEach.call(all, function (carousel) {
      var slides = carousel.querySelectorAll("[data-carousel-slide]");
      if (slides.length < 2) { return; }
      var controls = carousel.querySelector(".carousel__controls");
      var status = carousel.querySelector("[data-carousel-status]");
      var current = 0;
      function show(index) {
        current = (index + slides.length) % slides.length;
        Array.prototype.forEach.call(slides, function (slide, i) { slide.hidden = i !== current; });
        status.textContent = "Slide " + (current + 1) + " of " + slides.length;
      }
      carousel.querySelector("[data-carousel-prev]").addEventListener("click", function () { show(current - 1); });
      carousel.querySelector("[data-carousel-next]").addEventListener("click", function () { show(current + 1); });
      show(0);
      controls.hidden = false;
      carousel.classList.add("carousel--enhanced");
    });
  }

  function accountMenu() {
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") { return; }
      var open = document.querySelector("details.user-menu[open]");
      if (open) {
        open.removeAttribute("open");
        open.querySelector("summary").focus();
      }
    });
  }

  ready(function () {
    sideMenu();
    carousels();
    accountMenu();
  });
}());
