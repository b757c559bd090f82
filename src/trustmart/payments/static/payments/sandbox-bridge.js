/* The sandbox's stand-in for WeChat's WeixinJSBridge (loaded only when paying with the sandbox).
   Like the real bridge it shows a pay sheet, checks nothing itself, and answers
   getBrandWCPayRequest with err_msg "get_brand_wcpay_request:ok" or ":cancel"; the sandbox
   server checks the signed parameters and books the payment as WeChat would. */
(function () {
  "use strict";
  if (window.WeixinJSBridge) { return; }

  function sheet(root, onChoice) {
    var overlay = document.createElement("div");
    overlay.className = "wx-sandbox-sheet";
    overlay.setAttribute("role", "dialog");
    overlay.setAttribute("data-testid", "wx-sandbox-sheet");
    var panel = document.createElement("div");
    panel.className = "wx-sandbox-panel";
    var title = document.createElement("p");
    title.className = "wx-sandbox-title";
    title.textContent = root.dataset.sandboxTitle;
    var amount = document.createElement("p");
    amount.className = "cashier-amount";
    amount.textContent = root.dataset.amount;
    var what = document.createElement("p");
    what.className = "muted";
    what.textContent = root.dataset.description;
    var confirm = document.createElement("button");
    confirm.type = "button";
    confirm.className = "btn btn-primary btn-block";
    confirm.textContent = root.dataset.sandboxConfirm;
    confirm.setAttribute("data-testid", "wx-sandbox-confirm");
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "btn btn-ghost btn-block";
    cancel.textContent = root.dataset.sandboxCancel;
    cancel.setAttribute("data-testid", "wx-sandbox-cancel");
    panel.append(title, amount, what, confirm, cancel);
    overlay.append(panel);
    document.body.append(overlay);
    function done(choice) {
      overlay.remove();
      onChoice(choice);
    }
    confirm.addEventListener("click", function () { done("succeeded"); }, { once: true });
    cancel.addEventListener("click", function () { done("cancel"); }, { once: true });
  }

  function post(url, params, outcome, csrf) {
    var body = new URLSearchParams();
    Object.keys(params).forEach(function (key) { body.append(key, params[key]); });
    body.append("outcome", outcome);
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" }
    }).then(function (response) { return response.json(); });
  }

  window.WeixinJSBridge = {
    invoke: function (name, params, callback) {
      var root = document.getElementById("jsapi-pay");
      var all = JSON.parse(document.getElementById("wx-pay-params").textContent);
      if (name !== "getBrandWCPayRequest" || !root) {
        callback({ err_msg: name + ":fail" });
        return;
      }
      sheet(root, function (choice) {
        post(all.complete_url, params, choice, root.dataset.csrf).then(function (answer) {
          callback({ err_msg: answer.err_msg || "get_brand_wcpay_request:fail" });
        }, function () {
          callback({ err_msg: "get_brand_wcpay_request:fail" });
        });
      });
    }
  };
  document.dispatchEvent(new Event("WeixinJSBridgeReady"));
}());
