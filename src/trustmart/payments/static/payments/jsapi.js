/* Inside WeChat: open WeChat Pay's pay sheet through WeixinJSBridge with the signed parameters
   of the JSAPI order (in the #wx-pay-params JSON block), then wait for the result page.
   WeChat's browser injects WeixinJSBridge itself; the sandbox loads a stand-in. */
(function () {
  "use strict";

  function whenBridge(run) {
    if (window.WeixinJSBridge && window.WeixinJSBridge.invoke) {
      run();
    } else {
      document.addEventListener("WeixinJSBridgeReady", run, { once: true });
    }
  }

  function pay(root) {
    var params = JSON.parse(document.getElementById("wx-pay-params").textContent);
    var message = document.getElementById("jsapi-message");
    window.WeixinJSBridge.invoke("getBrandWCPayRequest", {
      appId: params.appId, timeStamp: params.timeStamp, nonceStr: params.nonceStr,
      package: params.package, signType: params.signType, paySign: params.paySign
    }, function (result) {
      var said = (result && result.err_msg) || "";
      if (said === "get_brand_wcpay_request:ok") {
        // The money is WeChat's word until its notification (or our query) arrives: the
        // result page waits for it.
        window.location.assign(root.dataset.resultUrl);
      } else if (said === "get_brand_wcpay_request:cancel") {
        message.textContent = root.dataset.msgCancel;
      } else {
        message.textContent = root.dataset.msgFail;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("jsapi-pay");
    if (!root) { return; }
    document.getElementById("jsapi-pay-button").addEventListener("click", function () {
      whenBridge(function () { pay(root); });
    });
    whenBridge(function () { pay(root); });
  });
}());
