// The delivery choice: the mail address is shown only while 邮寄送达 is chosen, the pickup place
// only while 窗口领取 is. Without this script both are always shown and the server ignores an
// address that is not needed.
(function () {
  "use strict";
  var each = function (list, fn) {
    Array.prototype.forEach.call(list, fn);
  };
  each(document.querySelectorAll("form"), function (form) {
    var mail = form.querySelector("[data-mail-fields]");
    var pickup = form.querySelector("[data-pickup-place]");
    var radios = form.querySelectorAll('input[name="delivery_method"]');
    if ((!mail && !pickup) || radios.length === 0) return;
    var update = function () {
      var chosen = form.querySelector('input[name="delivery_method"]:checked');
      var value = chosen ? chosen.value : "";
      // An address with errors stays visible, so the messages are never hidden.
      if (mail) mail.hidden = value !== "mail" && !mail.querySelector(".field-error");
      if (pickup) pickup.hidden = value !== "pickup";
    };
    each(radios, function (radio) {
      if (mail) radio.setAttribute("aria-controls", "form-mail_address");
      radio.addEventListener("change", update);
    });
    update();
  });
})();
