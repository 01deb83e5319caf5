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

/** Small codes for the events the vector-clock pass treats apart (0: any other). */
const CODE = { send: 1, duplicate: 2, deliver: 3, drop: 4 };

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
    m.isMsg[e] = isMessageEvent(r.ev) ? 1 : 0;
    m.code[e] = CODE[r.ev] || 0;
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
  m.arrFromLane = Int32Array.from(from, (e) => m.events[e].from);
  m.arrToLane = Int32Array.from(from, (e) => m.events[e].to);
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
function buildModel(doc, raw) {
  const n = doc.events.length;
  const m = {
    meta: doc.meta, events: doc.events, n, raw,
    t: new Float64Array(n), site: new Int32Array(n), evIdx: new Uint8Array(n), isMsg: new Uint8Array(n),
    code: new Uint8Array(n),
    kindIdx: new Int32Array(n), arrowOf: new Int32Array(n), rowBase: new Float64Array(n),
    sub: new Int32Array(n), anchorLane: new Int32Array(n), anchorOwn: new Int32Array(n),
    traceIdx: new Float64Array(n), search: null,
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

/** Events between the saved states of the vector-clock pass. */
const CLOCK_STRIDE = 2048;

/** The vector-clock pass over the trace, resumable: it keeps its state after the last event
    it applied and a saved state every CLOCK_STRIDE events, so stepping costs one event and a
    jump at most one stride of work after the first pass over that part of the trace. Rules:
    a node ticks on each of its events; a deliver first merges the clock its send had;
    duplicates and drops belong to no node and do not tick. */
function makeClockPass(m) {
  const L = m.L;
  let pos = 0, clocks = new Int32Array(L * L), sent = new Map();
  const marks = [];
  const copySent = (from) => new Map([...from].map(([k, c]) => [k, { clock: c.clock, open: c.open }]));
  function apply(e) {
    const s = m.site[e], code = m.code[e], a = m.arrowOf[e];
    if (s === RUN_WIDE) return;
    if (code === CODE.duplicate) {
      const c = a >= 0 ? sent.get(m.arrSend[a]) : undefined;
      if (c) c.open++;
      return;
    }
    if (code === CODE.drop || code === CODE.deliver) {
      const c = a >= 0 ? sent.get(m.arrSend[a]) : undefined;
      if (c) {
        if (code === CODE.deliver) {
          for (let k = 0; k < L; k++) clocks[s * L + k] = Math.max(clocks[s * L + k], c.clock[k]);
        }
        if (--c.open === 0) sent.delete(m.arrSend[a]);
      }
      if (code === CODE.drop) return;
    }
    clocks[s * L + s]++;
    if (code === CODE.send && a >= 0) sent.set(e, { clock: clocks.slice(s * L, s * L + L), open: 1 });
  }
  /** The pass's state right after event `last`: every node's clock (rows of L counters)
      and the clock of each send with a copy still in flight. */
  return function stateAfter(last) {
    if (pos > last + 1) {
      let k = Math.floor((last + 1) / CLOCK_STRIDE);
      while (!marks[k]) k--;
      pos = k * CLOCK_STRIDE; clocks = marks[k].clocks.slice(); sent = copySent(marks[k].sent);
    }
    for (; pos <= last; pos++) {
      if (pos % CLOCK_STRIDE === 0 && !marks[pos / CLOCK_STRIDE]) marks[pos / CLOCK_STRIDE] = { clocks: clocks.slice(), sent: copySent(sent) };
      apply(pos);
    }
    return { clocks, sent };
  };
}

/** Runs the vector-clock pass over the whole trace in small tasks while the page is idle,
    so the first jump far ahead (End, a violation, a search match) finds it done. */
function prepareClocks(m) {
  if (!m.clockPass) m.clockPass = makeClockPass(m);
  let upto = 0;
  const chunk = () => {
    upto = Math.min(m.n, upto + 8192);
    if (upto > 0) m.clockPass(upto - 1);
    if (upto < m.n) setTimeout(chunk, 0);
  };
  setTimeout(chunk, 0);
}

/** The vector clock (one counter per lane) of event `target`: its node's clock right after
    it. Duplicates and drops have their send's clock; run-wide events have none (null). */
function vectorClock(m, target) {
  const lane = m.anchorLane[target];
  if (lane === RUN_WIDE) return null;
  if (!m.clockPass) m.clockPass = makeClockPass(m);
  const code = m.code[target];
  if (code === CODE.duplicate || code === CODE.drop) {
    // Just before it, its message is in flight: the pass holds the send's clock, so
    // stepping forward onto a duplicate or drop never rewinds the pass.
    const send = m.arrSend[m.arrowOf[target]];
    const c = m.clockPass(target - 1).sent.get(send);
    if (c) return c.clock.slice();
    return m.clockPass(send).clocks.slice(lane * m.L, lane * m.L + m.L);
  }
  return m.clockPass(target).clocks.slice(lane * m.L, lane * m.L + m.L);
}

/** Whether event `x` is in the causal past of the selection whose clock is `vc` (the
    selection itself included). */
function inPast(m, vc, sel, x) {
  if (x > sel) return false;
  if (x === sel) return true;
  const l = m.anchorLane[x];
  return l !== RUN_WIDE && m.anchorOwn[x] <= vc[l];
}

/** The trace text, lower-cased, and where each event's record starts in it, for search:
    one flat string is cheaper to hold and to scan than a string per event. Built on the
    first search, or ahead of it when the page is idle (`prepareSearch`). */
function searchIndex(m) {
  if (!m.search) {
    const lower = m.raw.toLowerCase();
    const starts = new Float64Array(m.n);
    let pos = lower.indexOf('"events":[');
    for (let e = 0; e < m.n; e++) {
      pos = lower.indexOf('{"i":', pos);
      starts[e] = pos;
      pos += 5;
    }
    m.search = { lower, starts };
  }
  return m.search;
}

function prepareSearch(m) {
  setTimeout(() => searchIndex(m), 0);
}

/** The needle as it reads inside the embedded JSON: JSON string escapes, and the page's
    own escapes of `<` and `/`. */
function jsonNeedle(q) {
  return JSON.stringify(q).slice(1, -1).replace(/\//g, "\\/").replace(/</g, "\\u003c");
}

/** Events (ascending) whose record contains `q` (case-insensitive), or whose node's name
    does. */
function findEvents(m, q) {
  q = q.toLowerCase();
  const { lower, starts } = searchIndex(m);
  const needle = jsonNeedle(q), flags = new Uint8Array(m.n);
  let pos = m.n ? lower.indexOf(needle, starts[0]) : -1;
  while (pos >= 0) {
    const e = upperBound(starts, m.n, pos) - 1;
    flags[e] = 1;
    pos = e + 1 < m.n ? lower.indexOf(needle, starts[e + 1]) : -1;
  }
  const lanes = new Uint8Array(m.L);
  m.lanes.forEach((name, l) => { lanes[l] = name.toLowerCase().includes(q) ? 1 : 0; });
  const list = [];
  for (let e = 0; e < m.n; e++) {
    if (!flags[e] && m.site[e] !== RUN_WIDE && lanes[m.site[e]]) flags[e] = 1;
    if (flags[e]) list.push(e);
  }
  return { flags, list };
}

/** Formats ns for people: `0 s`, `850 ns`, `12.5 µs`, `50 ms`, `1.234567 s`. */
function fmtTime(ns) {
  if (ns === 0) return "0 s";
  const a = Math.abs(ns);
  const trim = (x, d) => x.toFixed(d).replace(/\.?0+$/, "");
  if (a >= 1e9) return trim(ns / 1e9, 6) + " s";
  if (a >= 1e6) return trim(ns / 1e6, 3) + " ms";
  if (a >= 1e3) return trim(ns / 1e3, 3) + " µs";
  return ns + " ns";
}
