/* Inside WeChat only: load the JS-SDK, sign this page (our /wechat/jssdk/ endpoint), and set
   the share card (friends and Moments) from the page's Open Graph tags, the same data other
   apps' link previews read. Outside WeChat this file does nothing. */
(function () {
  "use strict";
  if (navigator.userAgent.indexOf("MicroMessenger") === -1) { return; }
  var me = document.currentScript;
  if (!me) { return; }

  function meta(name) {
    var tag = document.querySelector('meta[property="og:' + name + '"]');
    return tag ? tag.getAttribute("content") : "";
  }

  function share() {
    var url = window.location.href.split("#")[0];
    fetch(me.dataset.configUrl + "?url=" + encodeURIComponent(url), {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.ok ? response.json() : Promise.reject(response.status);
    }).then(function (config) {
      window.wx.config({
        debug: false, appId: config.appId, timestamp: config.timestamp,
        nonceStr: config.nonceStr, signature: config.signature,
        jsApiList: ["updateAppMessageShareData", "updateTimelineShareData"]
      });
      window.wx.ready(function () {
        var card = {
          title: meta("title") || document.title,
          desc: meta("description"),
          link: meta("url") || url,
          imgUrl: meta("image")
        };
        window.wx.updateAppMessageShareData(card);
        window.wx.updateTimelineShareData({ title: card.title, link: card.link, imgUrl: card.imgUrl });
      });
    }).catch(function () { /* no share card: WeChat shows its default */ });
  }

  var sdk = document.createElement("script");
  sdk.src = me.dataset.sdk;
  sdk.onload = share;
  document.head.appendChild(sdk);
}());
