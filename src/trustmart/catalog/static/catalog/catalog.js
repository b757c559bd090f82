/* Catalog pages: the gallery's "n / total" counter and the SKU picker. No dependencies. */
(function () {
  "use strict";

  function yuan(fen) {
    return "¥" + Math.floor(fen / 100) + "." + String(fen % 100).padStart(2, "0");
  }

  function gallery(root) {
    var slides = root.querySelector(".c-slides");
    var counter = root.querySelector(".c-counter");
    if (!slides || !counter) return;
    var total = slides.children.length;
    slides.addEventListener("scroll", function () {
      var index = Math.round(slides.scrollLeft / Math.max(slides.clientWidth, 1));
      counter.textContent = (index + 1) + " / " + total;
    }, { passive: true });
  }

  function picker(root) {
    var data = document.getElementById(root.dataset.skus);
    if (!data) return;
    var skus = JSON.parse(data.textContent);
    var chosen = {};
    root.querySelectorAll(".c-chip.selected").forEach(function (chip) {
      chosen[chip.dataset.name] = chip.dataset.value;
    });
    var price = root.querySelector("[data-chosen-price]");
    var stock = root.querySelector("[data-chosen-stock]");
    var label = root.querySelector("[data-chosen-label]");
    var names = Array.prototype.map.call(root.querySelectorAll(".c-option"), function (o) {
      return o.dataset.name;
    });

    function match(specs) {
      return names.every(function (n) { return specs[n] === chosen[n]; });
    }

    function refresh() {
      var sku = skus.filter(function (s) { return match(s.specs); })[0];
      root.querySelectorAll(".c-chip").forEach(function (chip) {
        var trial = Object.assign({}, chosen);
        trial[chip.dataset.name] = chip.dataset.value;
        var any = skus.some(function (s) {
          return names.every(function (n) { return trial[n] === undefined || s.specs[n] === trial[n]; }) && s.stock > 0;
        });
        chip.classList.toggle("soldout", !any);
        chip.classList.toggle("selected", chosen[chip.dataset.name] === chip.dataset.value);
        chip.setAttribute("aria-pressed", chosen[chip.dataset.name] === chip.dataset.value);
      });
      if (!sku) return;
      if (price) price.textContent = yuan(sku.price_fen);
      if (stock) {
        stock.textContent = sku.stock > 0 ? stock.dataset.template.replace("__n__", sku.stock) : stock.dataset.soldout;
        stock.classList.toggle("c-stock-low", sku.stock > 0 && sku.stock <= 5);
      }
      if (label) label.textContent = names.map(function (n) { return sku.specs[n]; }).join(" · ");
      var input = document.querySelector("[data-chosen-sku]");
      if (input) input.value = sku.id;
    }

    root.addEventListener("click", function (event) {
      var chip = event.target.closest(".c-chip");
      if (!chip) return;
      chosen[chip.dataset.name] = chip.dataset.value;
      refresh();
    });
    refresh();
  }

  function init() {
    document.querySelectorAll("[data-gallery]").forEach(gallery);
    document.querySelectorAll("[data-sku-picker]").forEach(picker);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
