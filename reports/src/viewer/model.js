"use strict";
/* Model: the embedded trace indexed once into typed arrays, so that drawing, stepping and
   hit tests over 10^5 events only ever touch the part on screen. Event order is trace
   order; times never decrease along it, which every binary search below relies on. */

/** Lane of events that belong to no node (cut, heal, rule, phase, a violation). */
const RUN_WIDE = -1;

/** Node status codes, as `statusAt` returns them. */
const STATUS = { up: 0, crashed: 1, paused: 2 };
const STATUS_NAMES = ["up", "crashed", "paused"];

/** The node an event is drawn on: the sender for send/duplicate, the destination for
    deliver/drop, the event's node otherwise; RUN_WIDE when it has none. */
function eventSite(e) {
  switch (e.ev) {
    case "send":
    case "duplicate":
      return e.from;
    case "deliver":
    case "drop":
      return e.to;
    case "cut":
    case "heal":
    case "rule":
    case "phase":
      return RUN_WIDE;
    default:
      return e.node === undefined ? RUN_WIDE : e.node;
  }
}

function isMessageEvent(name) {
  return name === "send" || name === "duplicate" || name === "deliver" || name === "drop";
}

/** First k in [0, n) with a[k] >= x (n when none). */
function lowerBound(a, n, x) {
  let lo = 0, hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** First k in [0, n) with a[k] > x (n when none). */
function upperBound(a, n, x) {
  let lo = 0, hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** Lane names: the run's nodes, plus `#k` for any index beyond them. */
function indexLanes(m) {
  const lanes = m.meta.nodes.slice();
  for (let e = 0; e < m.n; e++) {
    const s = eventSite(m.events[e]);
    m.site[e] = s === undefined || s === null ? RUN_WIDE : s;
    while (m.site[e] >= lanes.length) lanes.push("#" + lanes.length);
  }
  m.lanes = lanes;
  m.L = lanes.length;
}

/** Event names and message kinds as small integers (kinds sorted, so colours are stable). */
function indexNames(m) {
  const names = new Map(), kinds = new Set();
  for (const e of m.events) {
    if (!names.has(e.ev)) names.set(e.ev, 0);
    names.set(e.ev, names.get(e.ev) + 1);
    if (e.kind !== undefined) kinds.add(e.kind);
  }
  m.evNames = [...names.keys()];
  m.evCounts = m.evNames.map((k) => names.get(k));
  m.kinds = [...kinds].sort();
  const evId = new Map(m.evNames.map((k, i) => [k, i]));
  const kindId = new Map(m.kinds.map((k, i) => [k, i]));
  m.kindCounts = new Int32Array(m.kinds.length);
  for (let e = 0; e < m.n; e++) {
    const r = m.events[e];
    m.t[e] = r.t;
    m.evIdx[e] = evId.get(r.ev);
    const k = r.kind === undefined ? -1 : kindId.get(r.kind);
    m.kindIdx[e] = k;
    if (k >= 0 && r.ev === "send") m.kindCounts[k]++;
  }
}

/** Message arrows: a send launches copy 0, a duplicate the next copy, and each deliver or
    drop lands the oldest copy in flight (the kernel's FIFO rule, as in the exports). */
function indexArrows(m) {
  const from = [], to = [], send = [];
  const flights = new Map();
  m.arrowOf.fill(-1);
  for (let e = 0; e < m.n; e++) {
    const r = m.events[e];
    if (r.msg === undefined) continue;
    if (r.ev === "send") {
      m.arrowOf[e] = from.length;
      flights.set(r.msg, [from.length]);
      from.push(e); to.push(-1); send.push(e);
    } else if (r.ev === "duplicate") {
      const q = flights.get(r.msg);
      if (!q || !q.length) continue;
      m.arrowOf[e] = from.length;
      q.push(from.length);
      from.push(e); to.push(-1); send.push(send[q[0]]);
    } else if (r.ev === "deliver" || r.ev === "drop") {
      const q = flights.get(r.msg);
      if (!q || !q.length) continue;
      const a = q.shift();
      to[a] = e;
      m.arrowOf[e] = a;
      if (!q.length) flights.delete(r.msg);
    }
  }
  m.A = from.length;
  m.arrFrom = Int32Array.from(from);
  m.arrTo = Int32Array.from(to);
  m.arrSend = Int32Array.from(send);
  // endMax[a]: the furthest end among arrows 0..a, so the arrows crossing the top of the
  // screen are found by binary search instead of a scan from the start.
  m.arrEndMax = new Int32Array(m.A);
  let mx = -1;
  for (let a = 0; a < m.A; a++) {
    mx = Math.max(mx, m.arrTo[a] >= 0 ? m.arrTo[a] : m.arrFrom[a]);
    m.arrEndMax[a] = mx;
  }
}

/** Rows: events at one instant share rows; on one node they stack in trace order, a
    deliver never sits above its send, and a run-wide event takes a row of its own. */
function indexRows(m) {
  const laneCount = new Int32Array(m.L), laneStamp = new Int32Array(m.L).fill(-1);
  let base = 0, height = 0, floor = 0, instant = -1, maxSub = 0;
  for (let e = 0; e < m.n; e++) {
    if (e === 0 || m.t[e] !== m.t[e - 1]) {
      base += height; height = 0; floor = 0; instant++;
    }
    const s = m.site[e];
    let sub;
    if (s === RUN_WIDE) {
      sub = height; floor = sub + 1;
    } else {
      sub = Math.max(laneStamp[s] === instant ? laneCount[s] : 0, floor);
      const a = m.arrowOf[e];
      if (a >= 0 && m.arrTo[a] === e && m.rowBase[m.arrFrom[a]] === base) {
        sub = Math.max(sub, m.sub[m.arrFrom[a]]);
      }
      laneStamp[s] = instant; laneCount[s] = sub + 1;
    }
    m.rowBase[e] = base; m.sub[e] = sub;
    height = Math.max(height, sub + 1);
    maxSub = Math.max(maxSub, sub);
  }
  m.totalRows = base + height;
  m.maxSub = maxSub;
  m.instants = instant + 1;
}

/** Per-node counters for vector clocks: every event on a node ticks it once, except the
    network's own events (duplicate, drop), which take the clock of their send. `anchor`
    is the (node, counter) that decides whether an event is in a causal past. */
function indexCounters(m) {
  const count = new Int32Array(m.L);
  for (let e = 0; e < m.n; e++) {
    const name = m.events[e].ev, s = m.site[e];
    if (name === "duplicate" || name === "drop") {
      const a = m.arrowOf[e];
      const se = a >= 0 ? m.arrSend[a] : -1;
      m.anchorLane[e] = se >= 0 ? m.site[se] : RUN_WIDE;
      m.anchorOwn[e] = se >= 0 ? m.anchorOwn[se] : 0;
    } else if (s !== RUN_WIDE) {
      m.anchorLane[e] = s;
      m.anchorOwn[e] = ++count[s];
    } else {
      m.anchorLane[e] = RUN_WIDE;
    }
  }
}

/** Per-node status changes, notes and observations (event indices in order), and the
    crash and pause periods drawn as bands. */
function indexNodeState(m) {
  m.statusEv = []; m.statusVal = []; m.notes = []; m.observes = [];
  for (let l = 0; l < m.L; l++) {
    m.statusEv.push([]); m.statusVal.push([]); m.notes.push([]); m.observes.push([]);
  }
  const change = { crash: STATUS.crashed, restart: STATUS.up, pause: STATUS.paused, resume: STATUS.up };
  const open = new Map();
  m.bands = [];
  for (let e = 0; e < m.n; e++) {
    const r = m.events[e], s = m.site[e];
    if (s === RUN_WIDE) continue;
    if (r.ev === "note") m.notes[s].push(e);
    else if (r.ev === "observe") m.observes[s].push(e);
    const st = change[r.ev];
    if (st === undefined) continue;
    m.statusEv[s].push(e); m.statusVal[s].push(st);
    const key = s + ":" + (st === STATUS.paused || r.ev === "resume" ? "p" : "c");
    if (st !== STATUS.up) open.set(key, { lane: s, from: e, type: st });
    else if (open.has(key)) {
      const b = open.get(key);
      open.delete(key);
      m.bands.push({ lane: b.lane, from: b.from, to: e, type: b.type });
    }
  }
  for (const b of open.values()) m.bands.push({ lane: b.lane, from: b.from, to: m.n - 1, type: b.type, open: true });
  m.bands.sort((a, b) => a.from - b.from);
  for (let l = 0; l < m.L; l++) {
    m.statusEv[l] = Int32Array.from(m.statusEv[l]);
    m.notes[l] = Int32Array.from(m.notes[l]);
    m.observes[l] = Int32Array.from(m.observes[l]);
  }
}

/** The violation events held; when there are none (a trace that lacks them), the events
    where the run's reported violations were detected. */
function indexViolations(m) {
  const v = [];
  for (let e = 0; e < m.n; e++) if (m.events[e].ev === "violation") v.push(e);
  if (!v.length) {
    for (const row of m.meta.violations) {
      const e = m.positionOfIndex(row.event_index);
      if (e >= 0 && !v.includes(e)) v.push(e);
    }
  }
  m.violationEvents = v.sort((a, b) => a - b);
}

/** The whole model of one embedded trace document `{meta, events}`. */
function buildModel(doc) {
  const n = doc.events.length;
  const m = {
    meta: doc.meta, events: doc.events, n,
    t: new Float64Array(n), site: new Int32Array(n), evIdx: new Uint8Array(n),
    kindIdx: new Int32Array(n), arrowOf: new Int32Array(n), rowBase: new Float64Array(n),
    sub: new Int32Array(n), anchorLane: new Int32Array(n), anchorOwn: new Int32Array(n),
    traceIdx: new Float64Array(n), searchText: null,
  };
  for (let e = 0; e < n; e++) m.traceIdx[e] = doc.events[e].i;
  /** Array position of trace event index `i`, or -1 when the page does not hold it. */
  m.positionOfIndex = (i) => {
    const k = lowerBound(m.traceIdx, n, i);
    return k < n && m.traceIdx[k] === i ? k : -1;
  };
  indexLanes(m);
  indexNames(m);
  indexArrows(m);
  indexRows(m);
  indexCounters(m);
  indexNodeState(m);
  indexViolations(m);
  return m;
}

/** Status of `lane` right after event `e`. */
function statusAt(m, lane, e) {
  const ev = m.statusEv[lane];
  const k = upperBound(ev, ev.length, e) - 1;
  return k < 0 ? STATUS.up : m.statusVal[lane][k];
}

/** The last event of `list` (event indices of one lane) at or before `e`, or -1. */
function lastAtOrBefore(list, e) {
  const k = upperBound(list, list.length, e) - 1;
  return k < 0 ? -1 : list[k];
}

/** The vector clock (one counter per lane) of event `target`, by one forward pass: a node
    ticks on each of its events, a deliver first merges the clock its send had. Duplicates
    and drops have their send's clock; run-wide events have none (null). */
function vectorClock(m, target) {
  const anchorLane = m.anchorLane[target];
  if (anchorLane === RUN_WIDE) return null;
  const name = m.events[target].ev;
  let last = target;
  if (name === "duplicate" || name === "drop") last = m.arrSend[m.arrowOf[target]];
  const L = m.L;
  const clocks = new Int32Array(L * L);
  const sent = new Map();
  for (let e = 0; e <= last; e++) {
    const s = m.site[e], name = m.events[e].ev, a = m.arrowOf[e];
    if (s === RUN_WIDE) continue;
    if (name === "duplicate") {
      const c = a >= 0 ? sent.get(m.arrSend[a]) : undefined;
      if (c) c.open++;
      continue;
    }
    if (name === "drop" || name === "deliver") {
      const c = a >= 0 ? sent.get(m.arrSend[a]) : undefined;
      if (c) {
        if (name === "deliver") {
          for (let k = 0; k < L; k++) clocks[s * L + k] = Math.max(clocks[s * L + k], c.clock[k]);
        }
        if (--c.open === 0) sent.delete(m.arrSend[a]);
      }
      if (name === "drop") continue;
    }
    clocks[s * L + s]++;
    if (name === "send" && a >= 0) sent.set(e, { clock: clocks.slice(s * L, s * L + L), open: 1 });
  }
  return clocks.slice(anchorLane * L, anchorLane * L + L);
}

/** Whether event `x` is in the causal past of the selection whose clock is `vc` (the
    selection itself included). */
function inPast(m, vc, sel, x) {
  if (x > sel) return false;
  if (x === sel) return true;
  const l = m.anchorLane[x];
  return l !== RUN_WIDE && m.anchorOwn[x] <= vc[l];
}

/** Lower-case text of every event for search, built on the first search. */
function searchTexts(m) {
  if (!m.searchText) {
    m.searchText = m.events.map((r, e) => {
      const s = m.site[e];
      return (JSON.stringify(r) + " " + (s === RUN_WIDE ? "" : m.lanes[s])).toLowerCase();
    });
  }
  return m.searchText;
}

/** Formats ns for people: `0`, `850 ns`, `12.5 µs`, `50 ms`, `1.234567 s`. */
function fmtTime(ns) {
  if (ns === 0) return "0";
  const a = Math.abs(ns);
  const trim = (x, d) => x.toFixed(d).replace(/\.?0+$/, "");
  if (a >= 1e9) return trim(ns / 1e9, 6) + " s";
  if (a >= 1e6) return trim(ns / 1e6, 3) + " ms";
  if (a >= 1e3) return trim(ns / 1e3, 3) + " µs";
  return ns + " ns";
}
