// Live exercise page: listens to the page's server-sent events and, when the clock or the
// released injects change, refetches the page and swaps its live parts. The page works
// without this script; it only saves the reader a reload.
"use strict";
(function () {
  var status = document.getElementById("status");
  if (!status || !window.EventSource) { return; }
  var live = ["status", "injects", "responses", "participants", "respond"];
  var source = new EventSource(status.getAttribute("data-pulse"));
  source.addEventListener("pulse", function (e) {
    var current = document.getElementById("status");
    if (current.getAttribute("data-state") === e.data) { return; }
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, "text/html");
        live.forEach(function (id) {
          var old = document.getElementById(id);
          var fresh = next.getElementById(id);
          // Never throw away a response being typed.
          var typing = old && old.querySelector("textarea") && old.querySelector("textarea").value;
          if (typing) { return; }
          if (old && fresh) {
            old.replaceWith(fresh);
          } else if (!old && fresh && id === "respond") {
            document.getElementById("injects").after(fresh);
          }
        });
      });
  });
})();
