"""The page's own stylesheet and script, inlined into every report (no CDN, no request).

The script only sorts and filters the runs table. It never contains log
data: it reads cell text and ``data-sort`` attributes from the DOM, which
the page builder escaped.
"""

from __future__ import annotations

STYLE = """
.la { color-scheme: light dark; --fg: #1b1f24; --muted: #57606a; --bg: #ffffff; --panel: #f6f8fa;
  --border: #d0d7de; --error: #cf222e; --warning: #9a6700; --info: #0969da; --code: #f3f4f6; }
@media (prefers-color-scheme: dark) {
  .la { --fg: #e6edf3; --muted: #9da7b3; --bg: #0d1117; --panel: #161b22; --border: #30363d;
    --error: #ff7b72; --warning: #d29922; --info: #58a6ff; --code: #1f2630; }
  .la .chart svg, .la .chart img { filter: invert(0.9) hue-rotate(180deg); }
  .la .chart { background: #1a1a1a; }
}
.la { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
  background: var(--bg); max-width: 1500px; margin: 0 auto; padding: 0 1rem 2rem; }
.la h1 { font-size: 1.5rem; margin: 1rem 0 .25rem; }
.la h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; padding-top: .5rem; border-top: 1px solid var(--border);
  overflow-wrap: anywhere; }
.la h3 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
.la .muted { color: var(--muted); }
.la .summary { display: flex; gap: 1rem; flex-wrap: wrap; margin: .5rem 0 1rem; }
.la .badge { display: inline-block; padding: 0 .45em; border-radius: 1em; font-size: .8rem; font-weight: 600;
  border: 1px solid currentColor; white-space: nowrap; }
.la .sev-error { color: var(--error); } .la .sev-warning { color: var(--warning); }
.la .sev-info { color: var(--info); }
.la .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: .75rem; }
.la .chart { margin: 0; background: #fff; border: 1px solid var(--border); border-radius: 6px;
  padding: .25rem; break-inside: avoid; }
.la .chart svg { width: 100%; height: auto; display: block; }
.la .chart figcaption { font-size: .8rem; color: var(--muted); padding: 0 .4rem .2rem; }
.la table { border-collapse: collapse; width: 100%; font-size: .88rem; margin: .4rem 0; }
.la th, .la td { border-bottom: 1px solid var(--border); padding: .25rem .5rem; text-align: left;
  vertical-align: top; overflow-wrap: anywhere; }
.la th { background: var(--panel); position: sticky; top: 0; overflow-wrap: normal; }
.la th.sortable { cursor: pointer; user-select: none; }
.la th.sortable::after { content: " \\2195"; color: var(--muted); }
.la td.num { text-align: right; font-variant-numeric: tabular-nums; }
.la .finding { border: 1px solid var(--border); border-left: 4px solid var(--border); border-radius: 6px;
  padding: .5rem .75rem; margin: .6rem 0; background: var(--panel); break-inside: avoid; }
.la .finding.sev-error { border-left-color: var(--error); color: inherit; }
.la .finding.sev-warning { border-left-color: var(--warning); color: inherit; }
.la .finding.sev-info { border-left-color: var(--info); color: inherit; }
.la .finding:target { outline: 2px solid var(--info); }
.la .message { margin: .3rem 0; overflow-wrap: anywhere; }
.la pre { background: var(--code); padding: .5rem .75rem; border-radius: 6px; overflow-x: auto;
  font-size: .82rem; white-space: pre-wrap; }
.la code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
.la details > summary { cursor: pointer; color: var(--muted); }
.la .evidence td:first-child { width: 14rem; color: var(--muted); }
.la input[type=search] { font: inherit; padding: .3rem .5rem; width: min(28rem, 100%); color: var(--fg);
  background: var(--bg); border: 1px solid var(--border); border-radius: 6px; }
.la .spark { width: 120px; height: 28px; }
.la .spark polyline { fill: none; stroke: var(--info); stroke-width: 1.2; }
.la a { color: var(--info); }
@media print {
  .la { max-width: none; font-size: 11pt; }
  .la .charts { grid-template-columns: 1fr; }
  .la input[type=search] { display: none; }
  .la details { display: block; }
  .la .chart svg { filter: none; }
  .la .chart { background: #fff; }
  .la h2 { break-before: page; }
}
"""

SCRIPT = """
(function () {
  var table = document.getElementById("runs-table");
  if (!table) { return; }
  var body = table.tBodies[0];
  var headers = table.tHead.rows[0].cells;
  function key(row, column) {
    var cell = row.cells[column];
    var sortValue = cell.getAttribute("data-sort");
    if (sortValue !== null && sortValue !== "" && !isNaN(Number(sortValue))) { return Number(sortValue); }
    return cell.textContent.toLowerCase();
  }
  Array.prototype.forEach.call(headers, function (header, column) {
    header.classList.add("sortable");
    header.setAttribute("tabindex", "0");
    header.setAttribute("aria-sort", "none");
    function sort() {
      var ascending = header.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(headers, function (h) { h.setAttribute("aria-sort", "none"); });
      header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = key(a, column), y = key(b, column);
        if (typeof x !== typeof y) { x = String(x); y = String(y); }
        return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
      });
      rows.forEach(function (row) { body.appendChild(row); });
    }
    header.addEventListener("click", sort);
    header.addEventListener("keydown", function (event) { if (event.key === "Enter") { sort(); } });
  });
  var filter = document.getElementById("runs-filter");
  if (filter) {
    filter.addEventListener("input", function () {
      var words = filter.value.toLowerCase().split(/\\s+/).filter(Boolean);
      Array.prototype.forEach.call(body.rows, function (row) {
        var text = row.textContent.toLowerCase();
        row.hidden = !words.every(function (word) { return text.indexOf(word) >= 0; });
      });
    });
  }
})();
"""
