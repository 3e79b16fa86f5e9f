/* Sort and filter a static table; no libraries, works from file://.
   Table: <table data-table> with <th data-sort="text|num"> headers; each <td> may carry
   data-v (the sort value). Filters: elements with data-filter="<row attribute>" (select or
   search input, data-filter="q" searches the row's text); rows carry data-<attribute>. */
(function () {
  "use strict";
  document.querySelectorAll("table[data-table]").forEach(function (table) {
    var tbody = table.tBodies[0];
    var rows = Array.prototype.slice.call(tbody.rows);
    var scope = table.closest("[data-table-scope]") || document;
    var counter = scope.querySelector("[data-count]");
    var filters = Array.prototype.slice.call(scope.querySelectorAll("[data-filter]"));
    var texts = rows.map(function (r) { return r.textContent.toLowerCase(); });

    function cellValue(row, i, kind) {
      var cell = row.cells[i];
      var v = cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent.trim();
      if (kind === "num") { var n = parseFloat(v); return isNaN(n) ? null : n; }
      return v.toLowerCase();
    }

    function applyFilters() {
      var shown = 0;
      rows.forEach(function (row, k) {
        var ok = filters.every(function (f) {
          var want = f.value.trim().toLowerCase();
          if (!want) { return true; }
          var key = f.getAttribute("data-filter");
          if (key === "q") { return texts[k].indexOf(want) !== -1; }
          return (row.getAttribute("data-" + key) || "").toLowerCase() === want;
        });
        row.hidden = !ok;
        if (ok) { shown += 1; }
      });
      if (counter) { counter.textContent = shown + " of " + rows.length; }
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
        var keyed = rows.map(function (r, k) { return [cellValue(r, i, kind), k, r]; });
        keyed.sort(function (a, b) {
          var x = a[0], y = b[0];
          if (x === null && y === null) { return a[1] - b[1]; }
          if (x === null) { return 1; }   /* blanks last either way */
          if (y === null) { return -1; }
          var c = x < y ? -1 : x > y ? 1 : 0;
          return (asc ? c : -c) || a[1] - b[1];
        });
        var frag = document.createDocumentFragment();
        keyed.forEach(function (e) { frag.appendChild(e[2]); });
        tbody.appendChild(frag);
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
    });
    filters.forEach(function (f) { f.addEventListener("input", applyFilters); f.addEventListener("change", applyFilters); });
    applyFilters();
  });
}());
