"use strict";
/* Panels: the header, legend, selected record and node table, built as DOM from the model.
   Every text goes in through textContent, so nothing in a trace is read as markup. */

/** A DOM element: attributes (`class`, `text` for textContent, others as attributes) and
    children. */
function el(tag, attrs, ...kids) {
  const n = document.createElement(tag);
  for (const [k, val] of Object.entries(attrs || {})) {
    if (k === "class") n.className = val; else if (k === "text") n.textContent = val; else n.setAttribute(k, val);
  }
  for (const k of kids) n.append(k);
  return n;
}

/** Title, seed, outcome, how much of the run the page holds, the violation button. */
function fillHeader(m, $) {
  const meta = m.meta;
  $("scenario").textContent = meta.scenario;
  $("seed").textContent = "seed " + meta.seed;
  const o = $("outcome");
  o.textContent = meta.outcome;
  o.className = "badge " + (meta.outcome === "ok" ? "ok" : meta.outcome === "liveness_failure" ? "warn" : "bad");
  const h = $("holds");
  let text = "holds " + m.n.toLocaleString("en-US") + " of " + meta.total_events.toLocaleString("en-US") + " events";
  if (meta.from_ns !== null || meta.to_ns !== null) {
    text += " (window " + (meta.from_ns === null ? "start" : fmtTime(meta.from_ns)) + " – " +
      (meta.to_ns === null ? "end" : fmtTime(meta.to_ns)) + ")";
  }
  if (meta.cut) { text += ": cut by the export limit"; h.classList.add("cut"); h.title = meta.cut; $("cut").textContent = meta.cut; }
  h.textContent = text;
  const jv = $("jump-violation");
  if (!meta.violations.length && !m.violationEvents.length) jv.hidden = true;
  else if (!m.violationEvents.length) {
    jv.disabled = true;
    jv.title = "the violation (event " + meta.violations[0].event_index + ") is beyond the events held";
  }
  $("reproduce").textContent = meta.reproduce;
  document.title = "simlab viewer: " + meta.scenario + " (seed " + meta.seed + ")";
}

/** A small canvas with `name`'s symbol, drawn by the diagram's own code. */
function legendIcon(name) {
  const c = el("canvas", { width: 22, height: 16 });
  const g = c.getContext("2d");
  drawSymbol(g, name, 11, 8, "#1f77b4");
  return c;
}

/** A small canvas with one of the diagram's non-event marks. */
function legendArrow(kind) {
  const c = el("canvas", { width: 22, height: 16 }), g = c.getContext("2d");
  if (kind === "deliver") { line(g, 2, 3, 18, 13, "#1f77b4", 1.6); arrowHead(g, 2, 3, 18, 13, "#1f77b4"); }
  else if (kind === "drop") { line(g, 2, 3, 14, 11, "#1f77b4", 1.6); cross(g, 15, 12, 3.5, COLORS.bad); }
  else if (kind === "open") { g.setLineDash([4, 3]); line(g, 2, 3, 16, 13, "#1f77b4", 1.6); }
  else if (kind === "crash" || kind === "pause") {
    g.fillStyle = kind === "crash" ? COLORS.crash : COLORS.pause; g.fillRect(6, 0, 10, 16); line(g, 11, 0, 11, 16, COLORS.lane, 1);
  } else if (kind === "now") line(g, 1, 8, 21, 8, COLORS.now, 2);
  else if (kind === "match") ring(g, 11, 8, 6, COLORS.match);
  return c;
}

/** The legend: arrows, bands and lines, then the symbol of every event kind the run has. */
function fillLegend(m, box) {
  const row = (icon, text) => box.append(el("div", {}, icon, el("span", { text })));
  row(legendArrow("deliver"), "message, send → deliver (colour: kind)");
  row(legendArrow("drop"), "dropped message (× short of its lane)");
  row(legendArrow("open"), "still in flight when the trace ends");
  row(legendArrow("crash"), "node crashed");
  row(legendArrow("pause"), "node paused");
  row(legendArrow("now"), "now line (step with ← →)");
  row(legendArrow("match"), "search match");
  for (const name of m.evNames) {
    if (name === "send" || name === "deliver") continue;
    row(legendIcon(name), name + ": " + (SYMBOLS[name] ? SYMBOLS[name][0] : "event"));
  }
}

/** Every field of a trace record, node numbers with their names, times in ns and readable. */
function recordTable(m, r) {
  const t = el("table");
  for (const [k, val] of Object.entries(r)) {
    let shown = typeof val === "string" ? val : JSON.stringify(val);
    if ((k === "node" || k === "from" || k === "to") && m.lanes[val] !== undefined) shown = val + " (" + m.lanes[val] + ")";
    if (k === "t" || k === "at") shown = val + " ns (" + fmtTime(val) + ")";
    t.append(el("tr", {}, el("td", { text: k }), el("td", { class: "val", text: shown })));
  }
  return t;
}

/** A message arrow: kind and id, ends, times, fate, payload text, with links to each end. */
function messageBox(m, a, go) {
  const o = m.arrFrom[a], b = m.arrTo[a], send = m.arrSend[a], r = m.events[o];
  const box = el("div", { class: "msg" });
  box.append(el("div", {}, el("b", { text: "message " + r.kind + "#" + r.msg }),
    document.createTextNode(": " + m.lanes[r.from] + " → " + m.lanes[r.to])));
  box.append(el("div", {}, document.createTextNode("sent at " + fmtTime(m.t[send]) + ", "), go(send)));
  if (o !== send) box.append(el("div", {}, document.createTextNode("this copy: a duplicate at " + fmtTime(m.t[o]) + ", "), go(o)));
  if (b >= 0) {
    const fate = m.events[b].ev === "drop" ? "dropped (" + (m.events[b].reason || "?") + ")" : "delivered";
    box.append(el("div", {}, document.createTextNode(fate + " at " + fmtTime(m.t[b]) + " after " +
      fmtTime(m.t[b] - m.t[o]) + ", "), go(b)));
  } else box.append(el("div", { text: "still in flight when the trace ends" }));
  const detail = m.events[send].detail;
  if (detail) box.append(el("div", { class: "vc", text: detail }));
  return box;
}

/** The selected event's panel: its message, record, causal past and vector clock. */
function fillRecord(m, st, go, body) {
  body.textContent = "";
  body.className = "";
  const e = st.sel;
  if (e < 0) return;
  const r = m.events[e];
  body.append(el("div", {}, el("b", { text: r.ev + " · event " + r.i }),
    document.createTextNode(" at " + fmtTime(r.t))));
  if (st.arrow >= 0) body.append(messageBox(m, st.arrow, go));
  body.append(recordTable(m, r));
  if (st.vc) {
    let past = 0;
    for (let x = 0; x <= e; x++) if (inPast(m, st.vc, e, x)) past++;
    const parts = [];
    st.vc.forEach((c, l) => { if (c > 0) parts.push(m.lanes[l] + ":" + c); });
    body.append(el("p", {}, document.createTextNode("causal past: " + past + " events (lit; the rest is dimmed)")));
    body.append(el("div", { class: "vc", id: "vector-clock", text: "vector clock {" + parts.join(", ") + "}" }));
  } else if (r.ev === "violation") {
    for (const row of m.meta.violations.filter((x) => x.property === r.text)) {
      const at = m.positionOfIndex(row.event_index);
      const p = el("p", {}, document.createTextNode("detected at "));
      p.append(at >= 0 ? go(at) : document.createTextNode("event " + row.event_index + " (not held)"));
      p.append(document.createTextNode(": click it for its causal past"));
      body.append(p);
    }
  } else if (m.site[e] === RUN_WIDE) {
    body.append(el("p", { class: "meta", text: "a run-wide event: it belongs to no node, so it has no causal past" }));
  }
}

/** Each shown node's status, last note and last observation at the now line. */
function fillNodeState(m, v, st, go, t, title) {
  t.textContent = "";
  const e = st.now;
  title.textContent = e < 0 ? "Nodes at the start" : "Nodes at now (t = " + fmtTime(m.t[e]) + ")";
  t.append(el("tr", {}, el("th", { text: "node" }), el("th", { text: "status" }), el("th", { text: "last note / observation" })));
  for (const l of v.cols) {
    const status = e < 0 ? STATUS.up : statusAt(m, l, e);
    const cell = el("td", { class: "note" });
    const n = e < 0 ? -1 : lastAtOrBefore(m.notes[l], e);
    const o = e < 0 ? -1 : lastAtOrBefore(m.observes[l], e);
    if (n >= 0) cell.append(el("div", {}, go(n, fmtTime(m.t[n])), document.createTextNode(" " + m.events[n].text)));
    if (o >= 0) cell.append(el("div", { class: "meta" }, go(o, fmtTime(m.t[o])), document.createTextNode(" " + m.events[o].detail)));
    t.append(el("tr", { "data-lane": m.lanes[l] }, el("td", { text: m.lanes[l] }),
      el("td", { class: "st-" + STATUS_NAMES[status], text: STATUS_NAMES[status] }), cell));
  }
}
