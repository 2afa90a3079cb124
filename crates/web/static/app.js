// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Forms that change published content ask once before they are sent.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
  // Forms that file something send once, even on a double click (the server also refuses a
  // second case for the same idempotency key).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) return;
    if (!form.classList.contains("submit-form")) return;
    if (form.getAttribute("data-sent")) {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-sent", "1");
  });
  // Print buttons (the receipt): shown only where the script runs.
  var printers = document.querySelectorAll("[data-print]");
  for (var i = 0; i < printers.length; i++) {
    printers[i].hidden = false;
    printers[i].addEventListener("click", function () {
      window.print();
    });
  }
  // Kiosk: sign out after a while without a touch, with a visible countdown. The server ends a
  // kiosk session by itself in any case.
  var idle = parseInt(document.body.getAttribute("data-idle-logout") || "", 10);
  var logoutForm = document.getElementById("idle-logout-form");
  var countdown = document.getElementById("idle-countdown");
  if (idle > 0 && logoutForm) {
    var left = idle;
    var render = function () {
      if (!countdown) return;
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      var text = minutes > 0 ? minutes + " 分 " + seconds + " 秒" : seconds + " 秒";
      countdown.textContent = "无操作 " + text + "后自动退出登录";
      countdown.classList.toggle("urgent", left <= 30);
      // Announce only near the end, not every second.
      countdown.setAttribute("aria-live", left <= 30 && left % 10 === 0 ? "assertive" : "off");
    };
    var reset = function () {
      left = idle;
      render();
    };
    ["pointerdown", "keydown", "touchstart", "input", "scroll"].forEach(function (name) {
      document.addEventListener(name, reset, { passive: true });
    });
    render();
    window.setInterval(function () {
      left -= 1;
      if (left <= 0) {
        logoutForm.submit();
        return;
      }
      render();
    }, 1000);
  }
  // An error summary takes focus, so screen-reader and keyboard users land on what to fix.
  var summary = document.querySelector(".error-summary");
  if (summary) {
    summary.focus();
  }
})();
