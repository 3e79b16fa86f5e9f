/* Sort and filter a static table; no libraries, works from file://.
   Table: <table data-table data-page="N"> with <th data-sort="text|num"> headers; each <td>
   may carry data-v (its sort value). Filters: elements with data-filter="<row attribute>"
   (a select, or data-filter="q" for a search over the row's text); rows carry data-<attr>.
   Only the first N matching rows are in the document at a time ("Show more" adds N), so a
   portfolio of 10,000 customers sorts and filters instantly: the browser never lays out
   rows nobody is looking at. */
(function () {
  "use strict";
  document.querySelectorAll("table[data-table]").forEach(function (table) {
    var tbody = table.tBodies[0];
    var rows = Array.prototype.slice.call(tbody.rows);
    var scope = table.closest("[data-table-scope]") || document;
    var counter = scope.querySelector("[data-count]");
    var more = scope.querySelector("[data-more]");
    var filters = Array.prototype.slice.call(scope.querySelectorAll("[data-filter]"));
    var texts = rows.map(function (r) { return r.textContent.toLowerCase(); });
    var page = parseInt(table.getAttribute("data-page") || "0", 10) || rows.length;
    var limit = page;
    var order = rows.map(function (r, k) { return k; });
    var matching = order.slice();

    function cellValue(row, i, kind) {
      var cell = row.cells[i];
      var v = cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent.trim();
      if (kind === "num") { var n = parseFloat(v); return isNaN(n) ? null : n; }
      return v.toLowerCase();
    }

    function matches(k) {
      var row = rows[k];
      return filters.every(function (f) {
        var want = f.value.trim().toLowerCase();
        if (!want) { return true; }
        var key = f.getAttribute("data-filter");
        if (key === "q") { return texts[k].indexOf(want) !== -1; }
        return (row.getAttribute("data-" + key) || "").toLowerCase() === want;
      });
    }

    function draw() {
      var frag = document.createDocumentFragment();
      matching.slice(0, limit).forEach(function (k) { frag.appendChild(rows[k]); });
      tbody.textContent = "";
      tbody.appendChild(frag);
      var shown = Math.min(limit, matching.length);
      if (counter) {
        counter.textContent = (shown < matching.length ? shown + " shown · " : "") +
          matching.length + " of " + rows.length;
      }
      if (more) {
        more.hidden = shown >= matching.length;
        more.textContent = "Show " + Math.min(page, matching.length - shown) + " more";
      }
    }

    function refilter() {
      matching = order.filter(matches);
      limit = page;
      draw();
    }

    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      var kind = th.getAttribute("data-sort");
      if (!kind) { return; }
      th.tabIndex = 0;
      th.classList.add("sortable");
      function sort() {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(th.parentNode.cells, function (o) { o.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var keyed = rows.map(function (r, k) { return [cellValue(r, i, kind), k]; });
        keyed.sort(function (a, b) {
          var x = a[0], y = b[0];
          if (x === null && y === null) { return a[1] - b[1]; }
          if (x === null) { return 1; }   /* blanks last either way */
          if (y === null) { return -1; }
          var c = x < y ? -1 : x > y ? 1 : 0;
          return (asc ? c : -c) || a[1] - b[1];
        });
        order = keyed.map(function (e) { return e[1]; });
        refilter();
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
    });
    filters.forEach(function (f) { f.addEventListener("input", refilter); f.addEventListener("change", refilter); });
    if (more) { more.addEventListener("click", function () { limit += page; draw(); }); }
    refilter();
  });
}());
