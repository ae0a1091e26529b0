/* huayu report: sortable tables, row filters and the KWIC search. Plain JavaScript, no library, no network.
   The corpus is window.HUAYU_CORPUS (corpus.js): {documents: [{id, label, group, text, paras: [start, ...]}],
   n_documents, n_included, sample, max_rows}. */
(function () {
  "use strict";

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  function escapeRegExp(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }
  function showBreaks(s) { return escapeHtml(s).replace(/\n/g, '<span title="paragraph break">¶</span>'); }

  /* ---------------------------------------------------------------- sortable tables */
  function cellKey(cell) {
    var v = cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent;
    var n = Number(v);
    return (v.trim() !== "" && !isNaN(n)) ? {num: true, v: n} : {num: false, v: v};
  }
  function compare(a, b) {
    if (a.num && b.num) return a.v - b.v;
    if (a.num !== b.num) return a.num ? -1 : 1;
    return a.v < b.v ? -1 : (a.v > b.v ? 1 : 0);
  }
  function sortBy(table, col, descending) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var keyed = rows.map(function (r, i) { return {r: r, k: cellKey(r.cells[col]), i: i}; });
    keyed.sort(function (x, y) { var c = compare(x.k, y.k); return (descending ? -c : c) || x.i - y.i; });
    var frag = document.createDocumentFragment();
    keyed.forEach(function (x) { frag.appendChild(x.r); });
    body.appendChild(frag);
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, j) {
      if (j === col) th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      else th.removeAttribute("aria-sort");
    });
  }
  function makeSortable(table) {
    if (!table.tHead || table.getAttribute("data-sortable-ready")) return;
    table.setAttribute("data-sortable-ready", "1");
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      th.title = "click to sort";
      th.addEventListener("click", function () {
        sortBy(table, col, th.getAttribute("aria-sort") === "ascending");
      });
    });
  }
  function attachFilter(input) {
    var table = document.getElementById(input.getAttribute("data-filter-for"));
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
        r.hidden = q !== "" && r.textContent.toLowerCase().indexOf(q) < 0;
      });
    });
  }

  /* ---------------------------------------------------------------- KWIC */
  function paragraphOf(doc, pos) {  // binary search: the last paragraph starting at or before pos
    var lo = 0, hi = doc.paras.length - 1;
    while (lo < hi) { var mid = (lo + hi + 1) >> 1; if (doc.paras[mid] <= pos) lo = mid; else hi = mid - 1; }
    var start = doc.paras[lo], end = lo + 1 < doc.paras.length ? doc.paras[lo + 1] - 1 : doc.text.length;
    return {index: lo, start: start, end: end};
  }
  function search(corpus, query, mode, group, context) {
    var re;
    try { re = new RegExp(mode === "regex" ? query : escapeRegExp(query), "gu"); }
    catch (e) { return {error: "not a valid regular expression: " + e.message}; }
    var hits = [], total = 0, docsHit = 0, searched = 0;
    corpus.documents.forEach(function (doc) {
      if (group && doc.group !== group) return;
      searched += 1;
      re.lastIndex = 0;
      var m, found = false;
      while ((m = re.exec(doc.text)) !== null) {
        if (m[0].length === 0) { re.lastIndex += 1; continue; }
        total += 1; found = true;
        if (hits.length < corpus.max_rows) {
          var s = m.index, e = s + m[0].length;
          hits.push({doc: doc, s: s, e: e, left: doc.text.slice(Math.max(0, s - context), s),
                     kw: m[0], right: doc.text.slice(e, e + context)});
        }
      }
      if (found) docsHit += 1;
    });
    return {hits: hits, total: total, docsHit: docsHit, searched: searched};
  }
  function renderKwic(corpus) {
    var q = document.getElementById("kwic-query").value;
    var mode = document.getElementById("kwic-mode").value;
    var group = document.getElementById("kwic-group").value;
    var context = parseInt(document.getElementById("kwic-context").value, 10) || 20;
    var status = document.getElementById("kwic-status");
    var body = document.querySelector("#kwic-results tbody");
    body.innerHTML = "";
    if (q === "") { status.textContent = "Type a word or a regular expression."; return; }
    var r = search(corpus, q, mode, group, context);
    if (r.error) { status.innerHTML = '<span class="error">' + escapeHtml(r.error) + "</span>"; return; }
    status.textContent = r.total + " hit(s) in " + r.docsHit + " of " + r.searched + " document(s)" +
      (r.total > r.hits.length ? "; the first " + r.hits.length + " are shown" : "") + ".";
    var html = [];
    r.hits.forEach(function (h, i) {
      var p = paragraphOf(h.doc, h.s);
      var para = h.doc.text.slice(p.start, p.end);
      var a = h.s - p.start, b = Math.min(h.e - p.start, para.length);
      html.push('<tr><td class="n">' + (i + 1) + "</td><td>" + escapeHtml(h.doc.label) + "</td>" +
        '<td class="left" data-v="' + escapeHtml(Array.from(h.left).reverse().join("")) + '">' + showBreaks(h.left) +
        "</td><td><mark>" + showBreaks(h.kw) + '</mark></td><td class="right">' + showBreaks(h.right) + "</td>" +
        '<td data-v="' + (p.index + 1) + '"><details><summary>¶ ' + (p.index + 1) + "</summary>" +
        escapeHtml(para.slice(0, a)) + "<mark>" + escapeHtml(para.slice(a, b)) + "</mark>" +
        escapeHtml(para.slice(b)) + "</details></td></tr>");
    });
    body.innerHTML = html.join("");
    var table = document.getElementById("kwic-results");
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) { th.removeAttribute("aria-sort"); });
  }
  function setupKwic() {
    var corpus = window.HUAYU_CORPUS;
    if (!corpus || !document.getElementById("kwic-query")) return;
    var timer = null;
    function later() { clearTimeout(timer); timer = setTimeout(function () { renderKwic(corpus); }, 150); }
    ["kwic-query", "kwic-context"].forEach(function (id) { document.getElementById(id).addEventListener("input", later); });
    ["kwic-mode", "kwic-group"].forEach(function (id) {
      document.getElementById(id).addEventListener("change", function () { renderKwic(corpus); });
    });
    document.getElementById("kwic-query").addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") { clearTimeout(timer); renderKwic(corpus); }
    });
    document.getElementById("kwic-ready").textContent = "ready";
    if (document.getElementById("kwic-query").value) renderKwic(corpus);
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), makeSortable);
    Array.prototype.forEach.call(document.querySelectorAll("input[data-filter-for]"), attachFilter);
    setupKwic();
  });
  window.huayuReport = {search: search, sortBy: sortBy};
})();
