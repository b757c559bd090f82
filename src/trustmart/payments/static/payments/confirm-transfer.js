/* A WeChat transfer waiting for its receiver (WAIT_USER_CONFIRM): inside WeChat, "Confirm
   receipt" opens WeChat's own confirmation with the transfer's package; afterwards the page
   reloads and shows where the payout stands (the payout job finishes it). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-wechat-transfer]");
    if (!button || !window.WeixinJSBridge) { return; }
    window.WeixinJSBridge.invoke("requestMerchantTransfer", {
      mchId: button.dataset.mchId, appId: button.dataset.appId, package: button.dataset.package
    }, function (result) {
      if (result && result.err_msg === "requestMerchantTransfer:ok") {
        button.textContent = button.dataset.done;
        window.setTimeout(function () { window.location.reload(); }, 1500);
      }
    });
  });
}());
