/* Requests' forms (Add New Request, Add Comment): attachments added one by one and removed one by one.
   Without this script the file input works as browsers make it (a new pick replaces the files).
   With it, each pick is added to the files already chosen (at most five), each file is listed with a
   Remove button, and a file over 10 MB or one too many is named and left out before anything is sent.
   The server checks every file again, by its bytes. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  function quoted(name) { return "\u201c" + name + "\u201d"; }

  function picker(root) {
    var input = root.querySelector("input[type=file]");
    var list = root.querySelector("[data-attachments-list]");
    var status = root.querySelector("[data-attachments-status]");
    var maxFiles = parseInt(root.getAttribute("data-max-files"), 10) || 5;
    var maxBytes = parseInt(root.getAttribute("data-max-bytes"), 10) || 10485760;
    if (!input || !list || !status || typeof DataTransfer === "undefined") { return; }
    var chosen = [];

    function sync() {
      var transfer = new DataTransfer();
      chosen.forEach(function (file) { transfer.items.add(file); });
      input.files = transfer.files;
      list.textContent = "";
      chosen.forEach(function (file, index) {
        var item = document.createElement("li");
        item.className = "attachments__item";
        var name = document.createElement("span");
        name.className = "attachments__name";
        name.textContent = file.name;
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "button button--small button--secondary attachments__remove";
        remove.textContent = "Remove";
        remove.setAttribute("aria-label", "Remove " + file.name);
        remove.addEventListener("click", function () {
          chosen.splice(index, 1);
          sync();
          status.textContent = quoted(file.name) + " removed. " + chosen.length + " of " + maxFiles + " attached.";
          input.focus();
        });
        item.appendChild(name);
        item.appendChild(remove);
        list.appendChild(item);
      });
    }

    input.addEventListener("change", function () {
      var picked = Array.prototype.slice.call(input.files || []);
      var problems = [];
      picked.forEach(function (file) {
        if (chosen.length >= maxFiles) {
          problems.push("At most " + maxFiles + " attachments: " + quoted(file.name) + " is one too many.");
        } else if (file.size > maxBytes) {
          problems.push(quoted(file.name) + " is larger than " + Math.round(maxBytes / 1048576) + " MB.");
        } else {
          chosen.push(file);
        }
      });
      sync();
      status.textContent = (problems.length ? problems.join(" ") + " " : "") + chosen.length + " of " + maxFiles +
        " attached.";
      root.classList.toggle("field--error", problems.length > 0);
    });
  }

  ready(function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-attachments]"), picker);
  });
})();
