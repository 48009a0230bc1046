// cxjourney dashboard: draws the Plotly figures the server computed, exports tables as CSV, and shows
// live events from the server-sent event stream. Text from the server is inserted with textContent only.
(function () {
  "use strict";

  // Numbers and dates on the axes in the page's language (Polish: decimal comma, day.month.year).
  var ISO_DAY = /^\d{4}-\d{2}-\d{2}/;
  function localise(fig) {
    var lang = document.documentElement.lang || "en";
    fig.layout = fig.layout || {};
    if (lang === "pl") {
      fig.layout.separators = ", ";
      var dated = (fig.data || []).some(function (t) { return t.x && t.x.length && ISO_DAY.test(String(t.x[0])); });
      if (dated) {
        fig.layout.xaxis = Object.assign({}, fig.layout.xaxis || {}, { tickformat: "%d.%m.%Y" });
      }
    }
    return fig;
  }

  // body[data-charts-ready] is set once every figure is drawn (tests and screenshots wait for it).
  function drawCharts() {
    var done = [];
    if (window.Plotly) {
      document.querySelectorAll(".chart[data-figure]").forEach(function (el) {
        var fig = localise(JSON.parse(el.getAttribute("data-figure")));
        var name = (el.getAttribute("data-title") || el.id || "chart").replace(/[^\w\-]+/g, "_");
        done.push(window.Plotly.newPlot(el, fig.data, fig.layout, {
          displaylogo: false, responsive: true,
          toImageButtonOptions: { format: "png", filename: name, scale: 2 },
        }));
      });
    }
    Promise.all(done).then(function () { document.body.setAttribute("data-charts-ready", "1"); });
  }

  function csvCell(text) {
    var t = String(text).replace(/\s+/g, " ").trim();
    return /[",;\n]/.test(t) ? '"' + t.replace(/"/g, '""') + '"' : t;
  }

  function exportTable(id) {
    var table = document.getElementById(id);
    if (!table) return;
    var lines = [];
    table.querySelectorAll("tr").forEach(function (tr) {
      var cells = [];
      tr.querySelectorAll("th,td").forEach(function (c) { cells.push(csvCell(c.textContent)); });
      lines.push(cells.join(","));
    });
    var blob = new Blob(["\ufeff" + lines.join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" });
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = id.replace(/^table-/, "") + ".csv";
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  }

  function live() {
    if (document.body.getAttribute("data-live") !== "1" || !window.EventSource) return;
    var feed = document.getElementById("live-feed");
    var count = document.getElementById("live-count");
    var status = document.getElementById("live-status");
    var storeEvents = document.getElementById("store-events");
    var fmt = new Intl.DateTimeFormat(document.documentElement.lang || "en", { dateStyle: "short", timeStyle: "medium" });
    var num = new Intl.NumberFormat(document.documentElement.lang || "en");
    var src = new EventSource("/dashboard/live");
    src.addEventListener("hello", function () { status.classList.add("on"); });
    src.onerror = function () { status.classList.remove("on"); };
    src.addEventListener("events", function (msg) {
      var batch = JSON.parse(msg.data);
      var n = parseInt(count.getAttribute("data-count"), 10) + batch.length;
      count.setAttribute("data-count", String(n));
      count.textContent = num.format(n);
      if (storeEvents) {
        var total = parseInt(storeEvents.getAttribute("data-value"), 10) + batch.length;
        storeEvents.setAttribute("data-value", String(total));
        storeEvents.textContent = num.format(total);
      }
      batch.forEach(function (e) {
        var li = document.createElement("li");
        li.className = "fresh live-event";
        var when = new Date(e.timestamp + (e.timestamp.endsWith("Z") ? "" : "Z"));
        li.textContent = fmt.format(when) + " · " + (e.event || e.name || e.type) + " · " + e.person_id + (e.channel ? " · " + e.channel : "");
        feed.insertBefore(li, feed.firstChild);
        setTimeout(function () { li.classList.remove("fresh"); }, 3000);
      });
      while (feed.children.length > 100) feed.removeChild(feed.lastChild);
    });
    window.addEventListener("beforeunload", function () { src.close(); });
  }

  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-csv]");
    if (btn) exportTable(btn.getAttribute("data-csv"));
    var more = ev.target.closest("[data-show]");
    if (more) {
      var hidden = document.getElementById(more.getAttribute("data-show"));
      if (hidden) hidden.hidden = false;
      more.remove();
    }
  });
  function start() { drawCharts(); live(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
