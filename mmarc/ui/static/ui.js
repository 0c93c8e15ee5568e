// mmarc ui: the training page's live panel (server-sent events) and its metric chart.
"use strict";

function drawChart(canvas, points) {
  const ctx = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height, pad = 36;
  ctx.clearRect(0, 0, w, h);
  ctx.strokeStyle = "#b9c1cf";
  ctx.strokeRect(pad, 8, w - pad - 8, h - pad - 8);
  const data = points.filter((p) => p.phase === "round" && typeof p.metric === "number");
  ctx.fillStyle = "#5b6475";
  ctx.font = "12px sans-serif";
  ctx.fillText("round", w / 2, h - 6);
  if (!data.length) { ctx.fillText("no rounds yet", w / 2 - 30, h / 2); return; }
  const lo = Math.min(...data.map((p) => p.metric)), hi = Math.max(...data.map((p) => p.metric));
  const span = hi - lo || 1, last = Math.max(1, data[data.length - 1].round);
  const x = (r) => pad + (r / last) * (w - pad - 16);
  const y = (m) => h - pad - ((m - lo) / span) * (h - pad - 24);
  ctx.fillText(hi.toFixed(3), 2, 20);
  ctx.fillText(lo.toFixed(3), 2, h - pad);
  ctx.strokeStyle = "#2458a6";
  ctx.lineWidth = 2;
  ctx.beginPath();
  data.forEach((p, i) => (i ? ctx.lineTo(x(p.round), y(p.metric)) : ctx.moveTo(x(p.round), y(p.metric))));
  ctx.stroke();
  ctx.fillStyle = "#2458a6";
  data.forEach((p) => { ctx.beginPath(); ctx.arc(x(p.round), y(p.metric), 3, 0, 7); ctx.fill(); });
}

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "" : String(text);
  row.appendChild(td);
}

function showStatus(event) {
  const s = JSON.parse(event.data);
  const server = s.server || {};
  document.getElementById("server-state").textContent = server.server || "unknown";
  document.getElementById("round").textContent = server.round === null || server.round === undefined ? "–" : server.round;
  const rounds = s.points.filter((p) => typeof p.metric === "number");
  document.getElementById("metric").textContent = rounds.length ? rounds[rounds.length - 1].metric.toFixed(4) : "–";
  const table = document.getElementById("sites");
  while (table.rows.length > 1) table.deleteRow(1);
  Object.entries(s.clients || {}).forEach(([site, c]) => {
    const row = table.insertRow();
    cell(row, site); cell(row, c.connected ? "yes" : "no"); cell(row, c.state); cell(row, c.round);
  });
  const refused = document.getElementById("live-refused");
  refused.hidden = !s.refused;
  refused.textContent = s.refused || "";
  drawChart(document.getElementById("chart"), s.points || []);
}

document.addEventListener("DOMContentLoaded", () => {
  const live = document.getElementById("live");
  if (!live) return;
  drawChart(document.getElementById("chart"), []);
  const source = new EventSource(live.dataset.events);
  source.onmessage = showStatus;
});
