"use strict";
/* Drawing: the part of the space-time diagram on screen, on a canvas (one column per node,
   time downwards), and the hit tests that map a click back to an event or a message. */

const HEADER = 44, GUTTER = 96, OVERVIEW = 16, SUB_PX = 9;
const MIN_LANE = 64, MAX_LANE = 260, MIN_FIT_LANE = 4;
/** Below this lane width names are written slanted and status is a coloured dot. */
const NARROW_LANE = 44;
/** Past these many visible events or arrows the view is an overview: events become ticks
    and one arrow in k is drawn, which the page says. */
const EVENT_BUDGET = 4000, ARROW_BUDGET = 3000;

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
  "#bcbd22", "#393b79", "#ad494a", "#637939", "#7b4173", "#3182bd", "#e6550d", "#31a354"];
const COLORS = { text: "#222", lane: "#9aa3ad", now: "#0b61d8", sel: "#111", match: "#f2b600",
  crash: "rgba(214,39,40,0.14)", pause: "rgba(224,138,0,0.16)", bad: "#d62728" };

function kindColor(k) {
  return k < 0 ? "#555" : PALETTE[k % PALETTE.length];
}

/** Every event name the kernel writes, its legend text and its symbol. The legend is drawn
    from this table, so it shows exactly the symbols the diagram uses. */
const SYMBOLS = {
  start: ["node starts", (c, x, y) => { c.fillStyle = "#2ca02c"; c.fillRect(x - 5, y - 5, 10, 10); }],
  send: ["message sent (arrow starts)", (c, x, y, col) => dot(c, x, y, 3.5, col)],
  deliver: ["message delivered (arrow ends)", (c, x, y, col) => dot(c, x, y, 3.5, col)],
  duplicate: ["network duplicates a message", (c, x, y, col) => ring(c, x, y, 4.5, col)],
  drop: ["message dropped (arrow ends in ×)", (c, x, y) => cross(c, x, y, 5, COLORS.bad)],
  timer_set: ["timer set", (c, x, y) => ring(c, x, y, 3.5, "#777")],
  timer_fire: ["timer fires", (c, x, y) => diamond(c, x, y, 5, "#e08a00")],
  timer_cancel: ["timer cancelled", (c, x, y) => { ring(c, x, y, 3.5, "#aaa"); line(c, x - 4, y + 4, x + 4, y - 4, "#aaa"); }],
  crash: ["node crashes (red band while down)", (c, x, y) => cross(c, x, y, 6, COLORS.bad, 3)],
  restart: ["node restarts", (c, x, y) => tri(c, x, y, 6, "#2ca02c")],
  pause: ["node pauses (amber band while paused)", (c, x, y) => bars(c, x, y, "#e08a00")],
  resume: ["node resumes", (c, x, y) => tri(c, x, y, 5, "#e08a00")],
  clock_step: ["clock steps", (c, x, y) => { line(c, x - 5, y, x + 5, y, "#555", 2); line(c, x, y - 4, x, y + 4, "#555", 2); }],
  drift: ["clock drift changes", (c, x, y) => { line(c, x - 5, y + 3, x + 5, y - 3, "#555", 2); }],
  persist: ["state persisted", (c, x, y) => { c.fillStyle = "#7b4173"; c.fillRect(x - 5, y - 2, 10, 4); }],
  note: ["note (text beside it)", (c, x, y) => { c.fillStyle = "#0b61d8"; c.fillRect(x - 3.5, y - 3.5, 7, 7); }],
  observe: ["observation for the checkers", (c, x, y) => dot(c, x, y, 2.5, "#17becf")],
  cut: ["partition: link cut (line across)", null],
  heal: ["partition healed (line across)", null],
  rule: ["network rule added (line across)", null],
  phase: ["phase begins (line across)", null],
  violation: ["property violated", (c, x, y) => star(c, x, y, 8, COLORS.bad)],
};
const RUN_WIDE_STYLE = { cut: ["#d62728", [6, 4]], heal: ["#2ca02c", [6, 4]], rule: ["#8c564b", [2, 4]],
  phase: ["#555", [10, 4]], violation: ["#d62728", []] };

function dot(c, x, y, r, col) { c.fillStyle = col; c.beginPath(); c.arc(x, y, r, 0, 6.2832); c.fill(); }
function ring(c, x, y, r, col) { c.strokeStyle = col; c.lineWidth = 1.5; c.beginPath(); c.arc(x, y, r, 0, 6.2832); c.stroke(); }
function line(c, x1, y1, x2, y2, col, w) {
  c.strokeStyle = col; c.lineWidth = w || 1.5; c.beginPath(); c.moveTo(x1, y1); c.lineTo(x2, y2); c.stroke();
}
function cross(c, x, y, r, col, w) { line(c, x - r, y - r, x + r, y + r, col, w || 2); line(c, x - r, y + r, x + r, y - r, col, w || 2); }
function diamond(c, x, y, r, col) {
  c.fillStyle = col; c.beginPath(); c.moveTo(x, y - r); c.lineTo(x + r, y); c.lineTo(x, y + r); c.lineTo(x - r, y); c.fill();
}
function tri(c, x, y, r, col) {
  c.fillStyle = col; c.beginPath(); c.moveTo(x, y - r); c.lineTo(x + r, y + r * 0.8); c.lineTo(x - r, y + r * 0.8); c.fill();
}
function bars(c, x, y, col) { c.fillStyle = col; c.fillRect(x - 5, y - 5, 3.5, 10); c.fillRect(x + 1.5, y - 5, 3.5, 10); }
function star(c, x, y, r, col) {
  c.fillStyle = col; c.beginPath();
  for (let k = 0; k < 10; k++) {
    const a = -Math.PI / 2 + k * Math.PI / 5, rr = k % 2 ? r * 0.45 : r;
    c.lineTo(x + rr * Math.cos(a), y + rr * Math.sin(a));
  }
  c.fill();
}

/** Draws `name`'s symbol (for the legend and the diagram alike). */
function drawSymbol(c, name, x, y, col) {
  const s = SYMBOLS[name];
  if (s && s[1]) s[1](c, x, y, col || "#555");
  else if (RUN_WIDE_STYLE[name]) {
    const st = RUN_WIDE_STYLE[name];
    c.setLineDash(st[1]); line(c, x - 9, y, x + 9, y, st[0], 2); c.setLineDash([]);
  } else dot(c, x, y, 3, "#555");
}

/** Geometry of the current view: which lanes are columns, their width, and where an event
    or a position lands on screen. */
function makeGeometry(m, v) {
  const avail = Math.max(50, v.width - GUTTER - OVERVIEW);
  const cols = v.cols.length || 1;
  const laneW = Math.min(MAX_LANE, Math.max(v.fitLanes ? MIN_FIT_LANE : MIN_LANE, avail / cols));
  const rows = v.mode === "rows";
  const g = {
    laneW, rows, avail, contentW: laneW * v.cols.length,
    bottom: v.height,
    laneX: (lane) => {
      const c = v.colOf[lane];
      return c < 0 ? NaN : GUTTER + (c + 0.5) * laneW - v.scrollX;
    },
    posY: (pos) => HEADER + (pos - v.top) * v.scale,
    yOf: (e) => rows
      ? HEADER + (m.rowBase[e] + m.sub[e] + 0.5 - v.top) * v.scale
      : HEADER + (m.t[e] - v.top) * v.scale + 6 + m.sub[e] * SUB_PX,
    key: rows ? m.rowBase : m.t,
  };
  g.posAt = (y) => v.top + (y - HEADER) / v.scale;
  return g;
}

/** The events [lo, hi) that can appear on screen (a binary search on rows or times). */
function visibleRange(m, v, g) {
  const margin = g.rows ? m.maxSub + 1 : (m.maxSub * SUB_PX + 12) / v.scale;
  const lo = lowerBound(g.key, m.n, v.top - margin);
  const hi = upperBound(g.key, m.n, g.posAt(v.height) + 1);
  return [lo, hi];
}

/** Arrows whose span meets events [lo, hi): those starting inside, and those started
    before lo that end at or after it (found from the running maximum of arrow ends). */
function visibleArrows(m, lo, hi) {
  const first = lowerBound(m.arrFrom, m.A, lo), last = lowerBound(m.arrFrom, m.A, hi);
  const out = [];
  const start = lowerBound(m.arrEndMax, first, lo);
  for (let a = start; a < first; a++) {
    const end = m.arrTo[a] >= 0 ? m.arrTo[a] : m.arrFrom[a];
    if (end >= lo) out.push(a);
  }
  for (let a = first; a < last; a++) out.push(a);
  return out;
}

function arrowShown(m, v, a) {
  const k = m.kindIdx[m.arrFrom[a]];
  if (k >= 0 && v.hiddenKind[k]) return false;
  return v.colOf[m.arrFromLane[a]] >= 0 && v.colOf[m.arrToLane[a]] >= 0;
}

function eventShown(m, v, e) {
  if (v.hiddenEv[m.evIdx[e]]) return false;
  const k = m.kindIdx[e];
  if (k >= 0 && m.isMsg[e] && v.hiddenKind[k]) return false;
  const s = m.site[e];
  return s === RUN_WIDE || v.colOf[s] >= 0;
}

/** Where event `e` is drawn across: its node's lane, except a drop, which sits where its
    arrow ends, on the sender's side of the lane it was meant for. */
function eventX(m, g, e) {
  const s = m.site[e], a = m.arrowOf[e];
  if (m.events[e].ev === "drop" && a >= 0) {
    const x1 = g.laneX(m.arrFromLane[a]), x2 = g.laneX(s);
    return isNaN(x1) ? x2 - 12 : x1 + (x2 - x1) * 0.75;
  }
  return g.laneX(s);
}

/** End point of an arrow on screen. A drop stops three quarters of the way to the lane it
    was meant for; a message still in flight at the end of the trace is a short stub. */
function arrowEnd(m, g, a, x1, y1) {
  const o = m.arrFrom[a], b = m.arrTo[a];
  const x2 = g.laneX(m.arrToLane[a]);
  if (b < 0) return { x: x1 + (x2 - x1) * 0.3, y: y1 + 18, kind: "open" };
  if (m.events[b].ev === "drop") return { x: x1 + (x2 - x1) * 0.75, y: g.yOf(b), kind: "drop" };
  return { x: x2, y: g.yOf(b), kind: "deliver" };
}

function drawLanes(c, m, v, g) {
  c.lineWidth = 1;
  for (const lane of v.cols) {
    const x = g.laneX(lane);
    if (x < GUTTER - 10 || x > v.width - OVERVIEW + 10) continue;
    line(c, x, HEADER, x, v.height, COLORS.lane, 1);
  }
}

function drawBands(c, m, v, g, lo, hi) {
  for (const b of m.bands) {
    if (b.to < lo || b.from >= hi || v.colOf[b.lane] < 0) continue;
    const x = g.laneX(b.lane), y1 = g.yOf(b.from), y2 = b.open ? v.height : g.yOf(b.to);
    c.fillStyle = b.type === STATUS.crashed ? COLORS.crash : COLORS.pause;
    c.fillRect(x - g.laneW * 0.18, y1, g.laneW * 0.36, Math.max(2, y2 - y1));
  }
}

function arrowHead(c, x1, y1, x2, y2, col) {
  const a = Math.atan2(y2 - y1, x2 - x1), r = 7;
  c.fillStyle = col; c.beginPath(); c.moveTo(x2, y2);
  c.lineTo(x2 - r * Math.cos(a - 0.4), y2 - r * Math.sin(a - 0.4));
  c.lineTo(x2 - r * Math.cos(a + 0.4), y2 - r * Math.sin(a + 0.4)); c.fill();
}

function labelAt(c, text, x, y, col, align) {
  c.textAlign = align || "center";
  c.lineWidth = 3; c.strokeStyle = "rgba(255,255,255,0.92)"; c.strokeText(text, x, y);
  c.fillStyle = col; c.fillText(text, x, y);
}

function drawArrows(c, m, v, g, arrows, st) {
  const stride = Math.max(1, Math.ceil(arrows.length / ARROW_BUDGET));
  st.arrowStride = stride;
  if (stride > 1) { drawArrowSample(c, m, v, g, arrows, st, stride); return; }
  const labels = g.rows ? v.scale >= 16 : true;
  c.font = "11px system-ui, sans-serif";
  for (const a of arrows) {
    if (!arrowShown(m, v, a)) continue;
    const o = m.arrFrom[a], x1 = g.laneX(m.arrFromLane[a]), y1 = g.yOf(o);
    const end = arrowEnd(m, g, a, x1, y1);
    const col = kindColor(m.kindIdx[o]);
    const lit = !st.vc || inPast(m, st.vc, st.sel, end.kind === "deliver" ? m.arrTo[a] : o);
    c.globalAlpha = lit ? 1 : 0.18;
    if (end.kind === "open") c.setLineDash([4, 3]);
    line(c, x1, y1, end.x, end.y, col, 1.6);
    c.setLineDash([]);
    if (end.kind === "deliver") arrowHead(c, x1, y1, end.x, end.y, col);
    if (labels && Math.abs(end.x - x1) > 60) {
      const f = 0.42, lx = x1 + (end.x - x1) * f, ly = y1 + (end.y - y1) * f - 3;
      // The protocol's short payload summary beside the kind, when it fits the arrow.
      const e = m.events[o], full = e.summary ? e.kind + " " + e.summary : e.kind;
      const text = full.length * 6 < Math.abs(end.x - x1) * 0.8 ? full : e.kind;
      labelAt(c, text, lx, ly, col);
    }
  }
  c.globalAlpha = 1;
}

/** Too many arrows on screen to read: one in `stride`, thin, one path per kind and
    lighting, so the cost stays that of a few thousand segments. */
function drawArrowSample(c, m, v, g, arrows, st, stride) {
  const paths = new Map();
  for (let k = 0; k < arrows.length; k += stride) {
    const a = arrows[k];
    if (!arrowShown(m, v, a)) continue;
    const o = m.arrFrom[a], x1 = g.laneX(m.arrFromLane[a]), y1 = g.yOf(o);
    const end = arrowEnd(m, g, a, x1, y1);
    const lit = !st.vc || inPast(m, st.vc, st.sel, end.kind === "deliver" ? m.arrTo[a] : o);
    const key = m.kindIdx[o] * 2 + (lit ? 1 : 0);
    if (!paths.has(key)) paths.set(key, new Path2D());
    const p = paths.get(key);
    p.moveTo(x1, y1); p.lineTo(end.x, end.y);
  }
  c.lineWidth = 1;
  for (const [key, p] of paths) {
    c.globalAlpha = key % 2 ? 0.7 : 0.12;
    c.strokeStyle = kindColor((key - (key % 2)) / 2);
    c.stroke(p);
  }
  c.globalAlpha = 1;
}

function drawRunWide(c, m, v, g, e, y) {
  const r = m.events[e], st = RUN_WIDE_STYLE[r.ev] || ["#555", [3, 3]];
  c.setLineDash(st[1]);
  line(c, GUTTER, y, Math.min(v.width - OVERVIEW, GUTTER + g.contentW - v.scrollX), y, st[0], r.ev === "violation" ? 2 : 1);
  c.setLineDash([]);
  let text = r.ev;
  if (r.ev === "cut" || r.ev === "heal") text += " " + m.lanes[r.from] + " ↔ " + m.lanes[r.to];
  else if (r.text) text += ": " + r.text;
  if (r.ev === "violation" && r.detail) text += " (" + r.detail + ")";
  c.font = "11px system-ui, sans-serif";
  labelAt(c, clip(c, text, Math.max(80, Math.min(g.contentW, v.width - OVERVIEW - GUTTER) - 12)), GUTTER + 6, y - 4, st[0], "left");
  if (r.ev === "violation") star(c, GUTTER + 2, y, 7, COLORS.bad);
}

function drawEvents(c, m, v, g, lo, hi, st) {
  st.overview = hi - lo > EVENT_BUDGET;
  if (st.overview) { drawEventDensity(c, m, v, g, lo, hi, st); return; }
  const notes = g.rows ? v.scale >= 13 : true;
  c.font = "11px system-ui, sans-serif";
  for (let e = lo; e < hi; e++) {
    if (!eventShown(m, v, e)) continue;
    const y = g.yOf(e);
    if (y < HEADER - 10 || y > v.height + 10) continue;
    const s = m.site[e];
    // Run-wide lines (violations, partitions, phases) belong to no node's past: never dimmed.
    const lit = !st.vc || s === RUN_WIDE || inPast(m, st.vc, st.sel, e);
    c.globalAlpha = lit ? 1 : 0.22;
    if (s === RUN_WIDE) { drawRunWide(c, m, v, g, e, y); continue; }
    const x = eventX(m, g, e);
    if (x < GUTTER - 20 || x > v.width) continue;
    const r = m.events[e];
    drawSymbol(c, r.ev, x, y, kindColor(m.kindIdx[e]));
    if (notes && r.ev === "note" && r.text) {
      labelAt(c, clip(c, r.text, g.laneW * 2.2), x + 8, y + 4, "#0b4aa6", "left");
    }
    if (st.matches && st.matches[e]) { c.globalAlpha = 1; ring(c, x, y, 8, COLORS.match); }
  }
  c.globalAlpha = 1;
}

/** Too many events on screen for symbols: a count per node and pixel row, drawn as ticks
    whose darkness grows with the count; run-wide events keep their lines. */
function drawEventDensity(c, m, v, g, lo, hi, st) {
  const H = Math.ceil(v.height), cols = v.cols.length;
  const { counts, wide } = densityCounts(m, v, g, lo, hi, st);
  const levels = [new Path2D(), new Path2D(), new Path2D()];
  for (let col = 0; col < cols; col++) {
    const x = g.laneX(v.cols[col]);
    if (x < GUTTER - 10 || x > v.width) continue;
    for (let y = HEADER; y < H; y++) {
      const n = counts[col * H + y];
      if (n) levels[n >= 8 ? 2 : n >= 3 ? 1 : 0].rect(x - 4, y, 8, 1);
    }
  }
  ["#b8c2cf", "#7c8899", "#2f3b4c"].forEach((col, k) => { c.fillStyle = col; c.fill(levels[k]); });
  for (const e of wide) drawRunWide(c, m, v, g, e, g.yOf(e));
  if (st.matchList) {
    c.fillStyle = COLORS.match;
    const a = lowerBound(st.matchList, st.matchList.length, lo), b = lowerBound(st.matchList, st.matchList.length, hi);
    for (let k = a; k < b && k < a + 5000; k++) {
      const e = st.matchList[k], s = m.site[e];
      if (s !== RUN_WIDE && v.colOf[s] >= 0) c.fillRect(g.laneX(s) + 5, g.yOf(e) - 1, 5, 3);
    }
  }
}

/** Events per node and pixel row for the density view. Stepping redraws the same view
    many times, so the counts are kept until the view or a filter changes. */
function densityCounts(m, v, g, lo, hi, st) {
  const key = [v.mode, v.top, v.scale, v.scrollX, v.width, v.height, lo, hi,
    v.hiddenLanes.join(""), v.hiddenKind.join(""), v.hiddenEv.join("")].join("|");
  if (st.densityCache && st.densityCache.key === key) return st.densityCache;
  const H = Math.ceil(v.height), counts = new Uint16Array(v.cols.length * H), wide = [];
  for (let e = lo; e < hi; e++) {
    if (!eventShown(m, v, e)) continue;
    const y = g.yOf(e) | 0;
    if (y < HEADER || y >= H) continue;
    const s = m.site[e];
    if (s === RUN_WIDE) { if (wide.length < 500) wide.push(e); continue; }
    const k = v.colOf[s] * H + y;
    if (counts[k] < 65535) counts[k]++;
  }
  st.densityCache = { key, counts, wide };
  return st.densityCache;
}

/** `text` cut to `w` pixels with an ellipsis. */
function clip(c, text, w) {
  if (c.measureText(text).width <= w) return text;
  let lo = 0, hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (c.measureText(text.slice(0, mid) + "…").width <= w) lo = mid; else hi = mid - 1;
  }
  return text.slice(0, lo) + "…";
}

function drawNow(c, m, v, g, st) {
  if (st.now < 0 || st.now >= m.n) return;
  const y = g.yOf(st.now);
  if (y < HEADER || y > v.height) return;
  c.setLineDash([]);
  line(c, GUTTER - 4, y, v.width - OVERVIEW, y, COLORS.now, 1.5);
  const s = m.site[st.now];
  if (s !== RUN_WIDE && v.colOf[s] >= 0) {
    const x = eventX(m, g, st.now);
    c.strokeStyle = COLORS.sel; c.lineWidth = 2; c.beginPath(); c.arc(x, y, 9, 0, 6.2832); c.stroke();
  }
  c.fillStyle = COLORS.now; c.fillRect(0, y - 9, GUTTER - 4, 18);
  c.fillStyle = "#fff"; c.font = "bold 11px system-ui, sans-serif"; c.textAlign = "left";
  c.fillText(clip(c, fmtTime(m.t[st.now]), GUTTER - 10), 4, y + 4);
}

function niceStep(span) {
  const p = Math.pow(10, Math.floor(Math.log10(span)));
  for (const f of [1, 2, 5, 10]) if (f * p >= span) return f * p;
  return 10 * p;
}

function drawAxis(c, m, v, g) {
  c.fillStyle = "#f7f8fa"; c.fillRect(0, HEADER, GUTTER - 6, v.height - HEADER);
  c.font = "11px system-ui, sans-serif"; c.textAlign = "right"; c.fillStyle = "#555";
  if (m.n === 0) return;
  if (g.rows) {
    let lastT = -1;
    for (let y = HEADER + 14; y < v.height; y += 56) {
      const e = Math.min(m.n - 1, upperBound(m.rowBase, m.n, g.posAt(y)) - 1);
      if (e < 0 || m.t[e] === lastT) continue;
      lastT = m.t[e];
      c.fillText(fmtTime(m.t[e]), GUTTER - 10, y + 4);
      line(c, GUTTER - 8, y, GUTTER - 2, y, "#999", 1);
    }
  } else {
    const step = niceStep(90 / v.scale);
    const t0 = Math.ceil(g.posAt(HEADER) / step) * step;
    for (let t = t0; g.posY(t) < v.height; t += step) {
      const y = g.posY(t);
      c.fillText(fmtTime(t), GUTTER - 10, y + 4);
      line(c, GUTTER - 8, y, GUTTER - 2, y, "#999", 1);
    }
  }
}

function drawHeader(c, m, v, g, st) {
  c.fillStyle = "#fff"; c.fillRect(0, 0, v.width, HEADER);
  line(c, 0, HEADER - 0.5, v.width, HEADER - 0.5, "#ccd", 1);
  const narrow = g.laneW < NARROW_LANE;
  const every = narrow ? Math.max(1, Math.ceil(12 / g.laneW)) : 1;
  v.cols.forEach((lane, col) => {
    const x = g.laneX(lane);
    if (x < GUTTER - g.laneW || x > v.width) return;
    const status = st.now >= 0 ? statusAt(m, lane, st.now) : STATUS.up;
    const colour = status === STATUS.up ? "#2ca02c" : status === STATUS.crashed ? COLORS.bad : "#e08a00";
    if (narrow) {
      dot(c, x, HEADER - 6, Math.min(3, g.laneW / 2), colour);
      if (col % every) return;
      c.save(); c.translate(x + 3, HEADER - 12); c.rotate(-Math.PI / 4);
      c.font = "10px system-ui, sans-serif"; c.textAlign = "left"; c.fillStyle = COLORS.text;
      c.fillText(clip(c, m.lanes[lane], 40), 0, 0); c.restore();
      return;
    }
    c.font = "bold 12px system-ui, sans-serif"; c.textAlign = "center"; c.fillStyle = COLORS.text;
    c.fillText(clip(c, m.lanes[lane], g.laneW - 6), x, 18);
    c.font = "10px system-ui, sans-serif"; c.fillStyle = colour;
    c.fillText(STATUS_NAMES[status], x, 34);
  });
  c.fillStyle = "#fff"; c.fillRect(0, 0, GUTTER - 6, HEADER);
  c.fillStyle = "#555"; c.font = "11px system-ui, sans-serif"; c.textAlign = "left";
  c.fillText(g.rows ? "time (rows)" : "time (linear)", 6, 18);
  c.fillText("node status ▸", 6, 34);
}

/** The overview strip at the right: event density over the whole run, the part on screen,
    the violations, the search matches and the now line. Click it to jump. */
function drawOverview(c, m, v, g, st) {
  const x0 = v.width - OVERVIEW, h = v.height - HEADER;
  c.fillStyle = "#eef0f3"; c.fillRect(x0, HEADER, OVERVIEW, h);
  if (m.n === 0) return;
  const total = g.rows ? m.totalRows : Math.max(1, m.t[m.n - 1] - m.t[0]);
  const base = g.rows ? 0 : m.t[0];
  const yOfPos = (p) => HEADER + ((p - base) / total) * h;
  if (!st.density) st.density = densityOf(m, g, h, total, base);
  c.fillStyle = "#aab3bf";
  st.density.forEach((d, k) => { if (d > 0) c.fillRect(x0 + 2, HEADER + k, Math.max(1, d * (OVERVIEW - 4)), 1); });
  const vy1 = yOfPos(v.top), vy2 = yOfPos(g.posAt(v.height));
  c.strokeStyle = "#333"; c.lineWidth = 1; c.strokeRect(x0 + 0.5, vy1, OVERVIEW - 1, Math.max(2, vy2 - vy1));
  const posOf = (e) => g.rows ? m.rowBase[e] + m.sub[e] : m.t[e];
  for (const e of m.violationEvents) { c.fillStyle = COLORS.bad; c.fillRect(x0, yOfPos(posOf(e)) - 1, OVERVIEW, 3); }
  if (st.matchList) for (let k = 0; k < st.matchList.length && k < 2000; k++) {
    c.fillStyle = COLORS.match; c.fillRect(x0, yOfPos(posOf(st.matchList[k])), OVERVIEW / 2, 1.5);
  }
  if (st.now >= 0) { c.fillStyle = COLORS.now; c.fillRect(x0, yOfPos(posOf(st.now)) - 1, OVERVIEW, 2); }
}

function densityOf(m, g, h, total, base) {
  const d = new Float32Array(Math.max(1, Math.floor(h)));
  for (let e = 0; e < m.n; e++) {
    const p = g.rows ? m.rowBase[e] : m.t[e];
    const k = Math.min(d.length - 1, Math.floor(((p - base) / total) * d.length));
    d[k]++;
  }
  let mx = 0;
  for (const x of d) mx = Math.max(mx, x);
  for (let k = 0; k < d.length; k++) d[k] = d[k] / (mx || 1);
  return d;
}

/** Draws the whole view; returns what the status line reports (overview, arrow stride). */
function render(c, m, v, st) {
  const g = makeGeometry(m, v);
  c.setTransform(v.dpr, 0, 0, v.dpr, 0, 0);
  c.clearRect(0, 0, v.width, v.height);
  c.fillStyle = "#fff"; c.fillRect(0, 0, v.width, v.height);
  const [lo, hi] = visibleRange(m, v, g);
  drawLanes(c, m, v, g);
  drawBands(c, m, v, g, lo, hi);
  if (!st.arrowCache || st.arrowCache.lo !== lo || st.arrowCache.hi !== hi) {
    st.arrowCache = { lo, hi, arrows: visibleArrows(m, lo, hi) };
  }
  const arrows = st.arrowCache.arrows;
  drawArrows(c, m, v, g, arrows, st);
  drawEvents(c, m, v, g, lo, hi, st);
  drawAxis(c, m, v, g);
  drawNow(c, m, v, g, st);
  drawHeader(c, m, v, g, st);
  drawOverview(c, m, v, g, st);
  const firstCol = Math.max(0, Math.floor(v.scrollX / g.laneW));
  const lastCol = Math.min(v.cols.length - 1, Math.floor((v.scrollX + g.avail) / g.laneW - 0.5));
  return { lo, hi, arrows: arrows.length, overview: st.overview, stride: st.arrowStride, firstCol, lastCol };
}

/** Squared distance from (px, py) to the segment (x1, y1)–(x2, y2). */
function segDist2(px, py, x1, y1, x2, y2) {
  const dx = x2 - x1, dy = y2 - y1, l2 = dx * dx + dy * dy;
  let u = l2 ? ((px - x1) * dx + (py - y1) * dy) / l2 : 0;
  u = Math.max(0, Math.min(1, u));
  const ex = x1 + u * dx - px, ey = y1 + u * dy - py;
  return ex * ex + ey * ey;
}

/** What is under (x, y): `{event}` for an event symbol (or a run-wide line), `{event,
    arrow}` for a message arrow (the event is its deliver or drop, else its send), or null. */
function hitTest(m, v, x, y) {
  if (y < HEADER || x < GUTTER - 6 || x > v.width - OVERVIEW) return null;
  const g = makeGeometry(m, v);
  const [lo, hi] = visibleRange(m, v, g);
  let best = -1, bestD = 64, wide = -1;
  for (let e = lo; e < hi && e < lo + EVENT_BUDGET; e++) {
    if (!eventShown(m, v, e)) continue;
    const ey = g.yOf(e), s = m.site[e];
    if (s === RUN_WIDE) { if (Math.abs(ey - y) <= 4) wide = e; continue; }
    const dx = eventX(m, g, e) - x, dy = ey - y, d = dx * dx + dy * dy;
    if (d < bestD) { bestD = d; best = e; }
  }
  if (best >= 0) return { event: best };
  let bestA = -1, bestAD = 30;
  for (const a of visibleArrows(m, lo, hi)) {
    if (!arrowShown(m, v, a)) continue;
    const o = m.arrFrom[a], x1 = g.laneX(m.arrFromLane[a]), y1 = g.yOf(o);
    const end = arrowEnd(m, g, a, x1, y1);
    const d = segDist2(x, y, x1, y1, end.x, end.y);
    if (d < bestAD) { bestAD = d; bestA = a; }
  }
  if (bestA >= 0) return { event: m.arrTo[bestA] >= 0 ? m.arrTo[bestA] : m.arrFrom[bestA], arrow: bestA };
  return wide >= 0 ? { event: wide } : null;
}
