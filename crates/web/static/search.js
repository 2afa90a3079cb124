// As-you-type suggestions for search boxes marked `data-suggest` (a progressive enhancement:
// without this script the box is a plain search form). Suggestions fill the box's <datalist>.
(function () {
  "use strict";
  var boxes = document.querySelectorAll("input[data-suggest]");
  Array.prototype.forEach.call(boxes, function (input) {
    var list = input.list || document.getElementById(input.getAttribute("list") || "");
    if (!list || !window.fetch) return;
    var timer = null;
    var latest = 0;
    var fill = function (names) {
      while (list.firstChild) list.removeChild(list.firstChild);
      names.forEach(function (name) {
        var option = document.createElement("option");
        option.value = name;
        list.appendChild(option);
      });
    };
    input.addEventListener("input", function () {
      var text = input.value.trim();
      if (timer) window.clearTimeout(timer);
      if (!text || text.length > 50) {
        fill([]);
        return;
      }
      timer = window.setTimeout(function () {
        var ticket = ++latest;
        fetch("/api/v1/search/suggest?limit=8&q=" + encodeURIComponent(text), {
          headers: { Accept: "application/json" },
          credentials: "same-origin"
        })
          .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
          .then(function (body) {
            // Only the answer to what is typed now.
            if (ticket === latest && Array.isArray(body.suggestions)) fill(body.suggestions);
          })
          .catch(function () {});
      }, 150);
    });
  });
})();
// Which result was opened from a search, for the consultation log (without personal data).
(function () {
  "use strict";
  var list = document.querySelector("[data-search-log]");
  if (!list || !window.fetch) return;
  list.addEventListener("click", function (event) {
    var link = event.target instanceof Element ? event.target.closest("a[data-rank]") : null;
    if (!link) return;
    var body = JSON.stringify({
      log_id: parseInt(list.getAttribute("data-search-log"), 10),
      kind: link.getAttribute("data-kind"),
      code: link.getAttribute("data-code"),
      rank: parseInt(link.getAttribute("data-rank"), 10)
    });
    try {
      fetch("/api/v1/search/clicks", {
        method: "POST",
        keepalive: true,
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": list.getAttribute("data-csrf") || "" },
        body: body
      }).catch(function () {});
    } catch (e) {
      // Recording a click never stands in the way of following the link.
    }
  });
})();
