/* Fashionphile-like client-side grid: fetch the Algolia-style search endpoint, render the cards. */
(function () {
  "use strict";
  var app = document.getElementById("fp-algolia-app");
  if (!app) { return; }
  var index = app.getAttribute("data-index");
  var collection = app.getAttribute("data-collection");
  var hitsPerPage = parseInt(app.getAttribute("data-hits-per-page"), 10) || 48;
  var params = new URLSearchParams(window.location.search);
  var uiPage = Math.max(1, parseInt(params.get("page") || "1", 10) || 1);  // 1-based in the URL

  function esc(text) {
    return String(text == null ? "" : text)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  function usd(value) {
    var fixed = Number(value).toFixed(2).split(".");
    return "$" + fixed[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",") + "." + fixed[1];
  }
  function pageUrl(n) {
    var p = new URLSearchParams(window.location.search);
    p.set("page", String(n));
    return window.location.pathname + "?" + p.toString();
  }

  function card(hit) {
    var onSale = hit.compare_at_price != null && hit.compare_at_price > hit.price;
    var price = onSale
      ? '<div class="price price--on-sale"><div class="price__sale">' +
        '<s class="price-item price-item--regular">' + usd(hit.compare_at_price) + "</s> " +
        '<span class="price-item price-item--sale price-item--last">' + usd(hit.price) + "</span></div>"
      : '<div class="price"><div class="price__regular">' +
        '<span class="price-item price-item--regular">' + usd(hit.price) + "</span></div>";
    if (!hit.inventory_available) {
      price += '<span class="badge price__badge-sold-out">Sold Out</span>';
    }
    price += "</div>";
    return (
      '<li class="ais-Hits-item">' +
      '<div class="fp-algolia-product-card" data-product-id="' + esc(hit.product_id) + '"' +
      ' data-legacy-id="' + esc(hit.legacy_id) + '">' +
      '<a class="fp-card__image-link" href="' + esc(hit.url) + '" tabindex="-1">' +
      '<img loading="lazy" src="' + esc(hit.image) + '" alt="' + esc(hit.vendor + " " + hit.title) + '"></a>' +
      '<div class="fp-card__info">' +
      '<p class="fp-card__vendor">' + esc(hit.vendor) + "</p>" +
      '<a class="fp-card__link__product-name" href="' + esc(hit.url) + '">' + esc(hit.title) + "</a>" +
      '<p class="fp-condition">' + esc(hit.condition) + "</p>" +
      price +
      "</div></div></li>"
    );
  }

  function pagination(current, last) {
    // current and last are 1-based
    var items = [];
    function item(cls, n, label, text, disabled) {
      var inner = disabled
        ? '<span class="ais-Pagination-link" aria-label="' + label + '">' + text + "</span>"
        : '<a class="ais-Pagination-link" aria-label="' + label + '" href="' + esc(pageUrl(n)) + '">' + text + "</a>";
      return '<li class="ais-Pagination-item ' + cls + (disabled ? " ais-Pagination-item--disabled" : "") + '">' + inner + "</li>";
    }
    items.push(item("ais-Pagination-item--firstPage", 1, "First Page, Page 1", "‹‹", current <= 1));
    items.push(item("ais-Pagination-item--previousPage", current - 1, "Previous Page, Page " + (current - 1), "‹", current <= 1));
    var lo = Math.max(1, current - 2), hi = Math.min(last, current + 2);
    for (var n = lo; n <= hi; n++) {
      items.push(item("ais-Pagination-item--page" + (n === current ? " ais-Pagination-item--selected" : ""), n, "Page " + n, String(n), false));
    }
    items.push(item("ais-Pagination-item--nextPage", current + 1, "Next Page, Page " + (current + 1), "›", current >= last));
    items.push(item("ais-Pagination-item--lastPage", last, "Last Page, Page " + last, "››", current >= last));
    return items.join("");
  }

  function render(result) {
    var list = document.getElementById("fp-hits-list");
    var loading = document.querySelector(".fp-loading");
    if (loading) { loading.parentNode.removeChild(loading); }
    var nb = result.nbHits;
    document.getElementById("fp-stats").innerHTML =
      '<span class="ais-Stats-text">' + String(nb).replace(/\B(?=(\d{3})+(?!\d))/g, ",") +
      (nb === 1 ? " result" : " results") + "</span>";
    if (!result.hits.length) {
      document.getElementById("fp-hits").insertAdjacentHTML(
        "beforeend", '<div class="ais-Hits--empty fp-no-results">No results found.</div>');
    } else {
      list.innerHTML = result.hits.map(card).join("");
    }
    var last = Math.max(1, result.nbPages);
    document.querySelector("#fp-pagination .ais-Pagination-list").innerHTML = pagination(uiPage, last);
    app.setAttribute("data-rendered", "true");
  }

  function fail(status) {
    var loading = document.querySelector(".fp-loading");
    if (loading) { loading.parentNode.removeChild(loading); }
    document.getElementById("fp-hits").insertAdjacentHTML(
      "beforeend", '<div class="fp-search-error" data-status="' + esc(status) + '">Something went wrong. Please try again.</div>');
  }

  var url = "/1/indexes/" + encodeURIComponent(index) + "/query?collection=" + encodeURIComponent(collection) +
    "&page=" + (uiPage - 1) + "&hitsPerPage=" + hitsPerPage;
  fetch(url, { headers: { "Accept": "application/json" } })
    .then(function (resp) {
      if (!resp.ok) { fail(resp.status); return null; }
      return resp.json();
    })
    .then(function (data) { if (data) { render(data); } })
    .catch(function () { fail("network"); });
})();
