// mmarc ui: the training page's live panel (server-sent events) and its metric chart.
// The status line and the chart read the same series (the global model's metric after
// each round); the run's status comes from its record, pushed with every event.
"use strict";

// A tick step of 1, 2 or 5 times a power of ten, near `rough`.
function niceStep(rough) {
  const power = Math.pow(10, Math.floor(Math.log10(rough)));
  const unit = rough / power;
  return (unit < 1.5 ? 1 : unit < 3.5 ? 2 : unit < 7.5 ? 5 : 10) * power;
}

// The y range and ticks of `values`: padded around them (a single value or a flat
// series gets a band around it, never a zero-height axis), inside 0..1 when every
// value is (accuracy-like metrics), on round tick values.
function yScale(values) {
  let lo = Math.min(...values), hi = Math.max(...values);
  const unit = lo >= 0 && hi <= 1;
  const pad = hi > lo ? (hi - lo) * 0.1 : Math.max(Math.abs(hi) * 0.1, 0.05);
  lo -= pad; hi += pad;
  if (unit) { lo = Math.max(0, lo); hi = Math.min(1, hi); }
  const step = niceStep((hi - lo) / 4);
  lo = Math.floor(lo / step + 1e-9) * step;
  hi = Math.ceil(hi / step - 1e-9) * step;
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const ticks = [];
  for (let t = lo; t <= hi + step / 2; t += step) ticks.push(Number(t.toFixed(decimals)));
  return { lo, hi, ticks, decimals };
}

function roundName(r) { return r < 0 ? "initial" : String(r); }

function metricLabel(series, point) {
  const key = series.metric || "metric";
  const model = point.round < 0 ? `initial global model ${key}` : `global model ${key} after round ${point.round}`;
  return `${model}${point.final ? " (final validation)" : ""}`;
}

function drawChart(canvas, series) {
  const ctx = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height;
  const left = 56, right = 16, top = 24, bottom = 40;
  const pw = w - left - right, ph = h - top - bottom;
  ctx.clearRect(0, 0, w, h);
  ctx.strokeStyle = "#b9c1cf";
  ctx.strokeRect(left, top, pw, ph);
  ctx.fillStyle = "#5b6475";
  ctx.font = "12px sans-serif";
  ctx.textAlign = "center";
  ctx.fillText("global model after round", left + pw / 2, h - 6);
  ctx.textAlign = "left";
  ctx.fillText(series.metric || "metric", 4, 14);
  const data = (series.points || []).filter((p) => typeof p.value === "number");
  if (!data.length) {
    ctx.textAlign = "center";
    ctx.fillText("no validated global model yet", left + pw / 2, top + ph / 2);
    canvas.dataset.last = "";
    canvas.dataset.ticks = "";
    return;
  }
  const first = data[0].round, last = data[data.length - 1].round;
  const x = (r) => left + (last > first ? (r - first) / (last - first) : 0.5) * pw;
  const scale = yScale(data.map((p) => p.value));
  const y = (v) => top + ph - ((v - scale.lo) / (scale.hi - scale.lo)) * ph;
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  scale.ticks.forEach((t) => {
    ctx.strokeStyle = "#eef1f5";
    ctx.beginPath(); ctx.moveTo(left + 1, y(t)); ctx.lineTo(left + pw - 1, y(t)); ctx.stroke();
    ctx.fillText(t.toFixed(scale.decimals), left - 6, y(t));
  });
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  const every = Math.ceil(data.length / 12);  // at most about 12 round labels
  data.forEach((p, i) => {
    if (i % every === 0 || i === data.length - 1) ctx.fillText(roundName(p.round), x(p.round), top + ph + 6);
  });
  ctx.textBaseline = "alphabetic";
  ctx.strokeStyle = "#2458a6";
  ctx.lineWidth = 2;
  ctx.beginPath();
  data.forEach((p, i) => (i ? ctx.lineTo(x(p.round), y(p.value)) : ctx.moveTo(x(p.round), y(p.value))));
  ctx.stroke();
  ctx.lineWidth = 1;
  ctx.fillStyle = "#2458a6";
  data.forEach((p) => { ctx.beginPath(); ctx.arc(x(p.round), y(p.value), 3.5, 0, 7); ctx.fill(); });
  // what was drawn, for people and tests reading the page
  const end = data[data.length - 1];
  canvas.dataset.last = end.value.toFixed(4);
  canvas.dataset.ticks = scale.ticks.map((t) => t.toFixed(scale.decimals)).join(" ");
  canvas.setAttribute("aria-label", `${series.metric || "metric"} of the global model after each round; last: ${canvas.dataset.last}`);
}

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "" : String(text);
  row.appendChild(td);
}

function showRun(run) {
  if (!run) return;
  document.querySelectorAll(`.run-status[data-run="${run.id}"]`).forEach((el) => { el.textContent = run.status; });
  document.querySelectorAll(`.run-note[data-run="${run.id}"]`).forEach((el) => { el.textContent = run.note ? ` · ${run.note}` : ""; });
}

function showStatus(event) {
  const s = JSON.parse(event.data);
  const server = s.server || {};
  const series = s.series || { metric: null, points: [] };
  document.getElementById("server-state").textContent = server.server || "unknown";
  document.getElementById("round").textContent = server.round === null || server.round === undefined ? "–" : server.round;
  const points = series.points || [];
  const end = points.length ? points[points.length - 1] : null;
  document.getElementById("metric-label").textContent = end ? metricLabel(series, end) : `global model ${series.metric || "metric"}`;
  document.getElementById("metric").textContent = end ? end.value.toFixed(4) : "–";
  const table = document.getElementById("sites");
  while (table.rows.length > 1) table.deleteRow(1);
  Object.entries(s.clients || {}).forEach(([site, c]) => {
    const row = table.insertRow();
    const heard = c.last_seen_s_ago === null || c.last_seen_s_ago === undefined ? "never" : `${c.last_seen_s_ago} s ago`;
    cell(row, site); cell(row, c.connected ? "yes" : "no"); cell(row, heard); cell(row, c.state); cell(row, c.round);
  });
  const refused = document.getElementById("live-refused");
  refused.hidden = !s.refused;
  refused.textContent = s.refused || "";
  showRun(s.run);
  drawChart(document.getElementById("chart"), series);
}

document.addEventListener("DOMContentLoaded", () => {
  const live = document.getElementById("live");
  if (!live) return;
  drawChart(document.getElementById("chart"), { metric: null, points: [] });
  const source = new EventSource(live.dataset.events);
  source.onmessage = showStatus;
});
