"use strict";
/* UI: the view state, step control, filters, search, zoom and input handling. Every input draws
   synchronously and records how long that took (stats), which the browser test reads. */

(function viewer() {
  const $ = (id) => document.getElementById(id);
  const raw = $("trace-data").textContent;
  const m = buildModel(JSON.parse(raw), raw);
  const canvas = $("canvas"), ctx = canvas.getContext("2d");
  const v = {
    mode: "rows", top: -0.5, scale: 22, scrollX: 0, width: 800, height: 600, dpr: 1,
    cols: [], colOf: new Int32Array(m.L), hiddenLanes: new Uint8Array(m.L),
    hiddenKind: new Uint8Array(m.kinds.length), hiddenEv: new Uint8Array(m.evNames.length), causal: true,
    fitLanes: false,
  };
  const st = { now: -1, sel: -1, vc: null, arrow: -1, matches: null, matchList: null, density: null };
  const stats = { frames: 0, lastMs: 0, maxMs: 0, lastInputMs: 0, maxInputMs: 0, inputs: 0, inputMs: [], inputWhat: [], frameMs: [], readyMs: 0 };
  let playing = null, info = null;

  // ---- filters and legend -----------------------------------------------------------------
  function layoutCols() {
    v.cols = [];
    v.colOf.fill(-1);
    for (let l = 0; l < m.L; l++) if (!v.hiddenLanes[l]) { v.colOf[l] = v.cols.length; v.cols.push(l); }
  }

  function check(container, label, on, count, swatch, onChange) {
    const box = el("input", { type: "checkbox" });
    box.checked = on;
    box.addEventListener("change", () => onChange(box.checked));
    const lab = el("label", { title: label }, box);
    if (swatch) lab.append(swatch);
    lab.append(el("span", { text: label }));
    if (count !== null) lab.append(el("span", { class: "count", text: String(count) }));
    container.append(lab);
    return box;
  }

  function fillFilters() {
    const laneCounts = new Int32Array(m.L);
    for (let e = 0; e < m.n; e++) if (m.site[e] !== RUN_WIDE) laneCounts[m.site[e]]++;
    m.lanes.forEach((name, l) => check($("node-filter"), name, true, laneCounts[l], null, (on) => setLane(l, on)));
    m.kinds.forEach((k, i) => {
      const sw = el("span", { class: "swatch" });
      sw.style.background = kindColor(i);
      check($("kind-filter"), k, true, m.kindCounts[i], sw, (on) => setKind(i, on));
    });
    m.evNames.forEach((name, i) => check($("event-filter"), name, true, m.evCounts[i], legendIcon(name), (on) => {
      v.hiddenEv[i] = on ? 0 : 1;
      draw();
    }));
    check($("event-filter"), "dim what is not in the causal past", true, null, null, (on) => { v.causal = on; refreshSelection(); draw(); });
    document.querySelectorAll("[data-bulk]").forEach((b) => b.addEventListener("click", () => {
      const on = b.dataset.on === "1", box = b.dataset.bulk === "nodes" ? "node-filter" : "kind-filter";
      $(box).querySelectorAll("input").forEach((c) => { c.checked = on; });
      if (b.dataset.bulk === "nodes") { v.hiddenLanes.fill(on ? 0 : 1); layoutCols(); }
      else v.hiddenKind.fill(on ? 0 : 1);
      clampView(); showNodeState(); draw();
    }));
  }

  function setLane(l, on) { v.hiddenLanes[l] = on ? 0 : 1; layoutCols(); clampView(); showNodeState(); draw(); }
  function setKind(i, on) { v.hiddenKind[i] = on ? 0 : 1; draw(); }

  // ---- geometry helpers ----------------------------------------------------------------------
  function resize() {
    const r = canvas.getBoundingClientRect();
    v.dpr = window.devicePixelRatio || 1;
    v.width = Math.max(200, r.width); v.height = Math.max(150, r.height);
    canvas.width = Math.round(v.width * v.dpr); canvas.height = Math.round(v.height * v.dpr);
    st.density = null;
    clampView();
  }

  function span() {
    if (v.mode === "rows") return { lo: -0.5, hi: Math.max(1, m.totalRows) };
    const t0 = m.n ? m.t[0] : 0, t1 = m.n ? m.t[m.n - 1] : 1;
    return { lo: t0, hi: Math.max(t0 + 1, t1) };
  }

  function scaleLimits() {
    const s = span(), h = Math.max(50, v.height - HEADER);
    const fit = h / (s.hi - s.lo);
    return v.mode === "rows" ? { min: Math.min(fit, 22), max: 80 } : { min: Math.min(fit, 1e-3), max: 0.1 };
  }

  function clampView() {
    const lim = scaleLimits(), s = span();
    v.scale = Math.min(lim.max, Math.max(lim.min, v.scale));
    const visible = (v.height - HEADER) / v.scale;
    v.top = Math.max(s.lo - visible * 0.05, Math.min(s.hi - visible * 0.5, v.top));
    if (s.hi - s.lo <= visible) v.top = Math.max(s.lo, Math.min(v.top, s.lo));
    const g = makeGeometry(m, v);
    v.scrollX = Math.max(0, Math.min(g.contentW - g.avail, v.scrollX));
  }

  function posOf(e) { return v.mode === "rows" ? m.rowBase[e] + m.sub[e] + 0.5 : m.t[e] + (6 + m.sub[e] * SUB_PX) / v.scale; }

  function ensureVisible(e) {
    if (e < 0) return;
    const g = makeGeometry(m, v), y = g.yOf(e);
    if (y < HEADER + 30 || y > v.height - 30) v.top = posOf(e) - (0.4 * (v.height - HEADER)) / v.scale;
    const s = m.site[e];
    if (s !== RUN_WIDE && v.colOf[s] >= 0) {
      const x = g.laneX(s);
      if (x < GUTTER + 20 || x > v.width - OVERVIEW - 20) v.scrollX += x - (GUTTER + g.avail / 2);
    }
    clampView();
  }

  // ---- drawing -------------------------------------------------------------------------------
  function draw() {
    const t0 = performance.now();
    info = render(ctx, m, v, st);
    const ms = performance.now() - t0;
    stats.frames++; stats.lastMs = ms; stats.maxMs = Math.max(stats.maxMs, ms);
    const notes = [];
    if (info.overview) notes.push("overview: " + (info.hi - info.lo).toLocaleString("en-US") + " events on screen drawn as ticks; zoom in for symbols");
    if (info.stride > 1) notes.push("1 arrow in " + info.stride + " drawn");
    if (info.lastCol - info.firstCol + 1 < v.cols.length && v.cols.length) {
      notes.push("nodes " + m.lanes[v.cols[info.firstCol]] + "–" + m.lanes[v.cols[info.lastCol]] + " of " +
        v.cols.length + " on screen: shift + wheel or drag sideways, choose nodes, or fit all nodes");
    }
    $("view-note").textContent = notes.join(" · ");
  }

  let pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; draw(); });
  }

  // ---- now line, selection, panels -------------------------------------------------------------
  function refreshSelection() {
    st.vc = v.causal && st.sel >= 0 ? vectorClock(m, st.sel) : null;
  }

  function setNow(e, arrow) {
    if (m.n === 0) return;
    e = Math.max(0, Math.min(m.n - 1, e));
    st.now = e; st.sel = e;
    st.arrow = arrow === undefined ? m.arrowOf[e] : arrow;
    refreshSelection();
    ensureVisible(e);
    fillPosition(); showRecord(); showNodeState();
    draw();
  }

  /** Moves the now line `dir` shown events forward (+) or back (-). */
  function step(dir) {
    let e = st.now;
    for (let k = 0; k < Math.abs(dir); k++) {
      let x = e + Math.sign(dir);
      while (x >= 0 && x < m.n && !eventShown(m, v, x)) x += Math.sign(dir);
      if (x < 0 || x >= m.n) break;
      e = x;
    }
    if (e !== st.now && e >= 0) setNow(e);
  }

  function edge(dir) {
    let x = dir > 0 ? m.n - 1 : 0;
    while (x >= 0 && x < m.n && !eventShown(m, v, x)) x -= dir;
    if (x >= 0 && x < m.n) setNow(x);
  }

  function fillPosition() {
    const e = st.now;
    if (e < 0) { $("position").textContent = "before the first event"; return; }
    const s = m.site[e];
    $("position").textContent = "event " + m.events[e].i + " (" + (e + 1) + "/" + m.n + ") · " +
      fmtTime(m.t[e]) + " · " + (s === RUN_WIDE ? "run-wide" : m.lanes[s]) + " · " + m.events[e].ev;
  }

  const showRecord = () => fillRecord(m, st, go, $("record-body"));
  const showNodeState = () => fillNodeState(m, v, st, go, $("node-state"), $("state-title"));

  function go(e, text) {
    const a = el("a", { class: "go", text: text || "event " + m.events[e].i });
    a.addEventListener("click", () => setNow(e));
    return a;
  }

  // ---- search --------------------------------------------------------------------------------
  function search(q) {
    q = q.trim().toLowerCase();
    if (!q) { st.matches = null; st.matchList = null; $("search-count").textContent = ""; draw(); return 0; }
    const { flags, list } = findEvents(m, q);
    st.matches = flags; st.matchList = list;
    $("search-count").textContent = list.length.toLocaleString("en-US") + (list.length === 1 ? " match" : " matches");
    draw();
    return list.length;
  }

  function nextMatch(dir) {
    const list = st.matchList;
    if (!list || !list.length) return;
    let k = dir > 0 ? upperBound(list, list.length, st.now) : lowerBound(list, list.length, st.now) - 1;
    if (k >= list.length) k = 0;
    if (k < 0) k = list.length - 1;
    setNow(list[k]);
  }

  function jumpViolation() {
    const list = m.violationEvents;
    if (!list.length) return;
    const k = upperBound(list, list.length, st.now);
    setNow(list[k < list.length ? k : 0]);
  }

  // ---- zoom and pan --------------------------------------------------------------------------
  function zoom(factor, y) {
    y = y === undefined ? HEADER + (v.height - HEADER) / 2 : y;
    const g = makeGeometry(m, v), pos = g.posAt(y);
    v.scale *= factor;
    clampView();
    v.top = pos - (y - HEADER) / v.scale;
    clampView();
    draw();
  }

  function fit() {
    const s = span();
    v.scale = (v.height - HEADER - 8) / (s.hi - s.lo);
    v.top = s.lo;
    clampView();
    draw();
  }

  function setMode(mode) {
    v.mode = mode;
    $("axis").value = mode;
    st.density = null;
    if (mode === "time") {
      const s = span();
      v.scale = 22 * Math.max(1, m.instants) / (s.hi - s.lo);
    } else v.scale = 22;
    v.top = span().lo;
    clampView();
    if (st.now >= 0) { v.top = posOf(st.now) - (0.4 * (v.height - HEADER)) / v.scale; clampView(); }
    draw();
  }

  // ---- input ---------------------------------------------------------------------------------
  /** Runs an input's work and records how long it took from the input event to the end of
      the redraw (`inputMs`) and to the next frame (`frameMs`). */
  function timed(ev, f) {
    f();
    const ms = performance.now() - ev.timeStamp;
    stats.inputs++; stats.lastInputMs = ms; stats.maxInputMs = Math.max(stats.maxInputMs, ms);
    if (stats.inputMs.length < 100000) {
      stats.inputMs.push(ms);
      stats.inputWhat.push(ev.type + " " + (ev.key || (ev.target && ev.target.id) || ""));
    }
    requestAnimationFrame(() => { if (stats.frameMs.length < 100000) stats.frameMs.push(performance.now() - ev.timeStamp); });
  }

  function onKey(ev) {
    const t = ev.target;
    const typing = (t instanceof HTMLInputElement && t.type !== "checkbox") || t instanceof HTMLSelectElement;
    if (typing) {
      if (t.id === "search" && ev.key === "Enter") { ev.preventDefault(); timed(ev, () => nextMatch(ev.shiftKey ? -1 : 1)); }
      if (ev.key === "Escape") t.blur();
      return;
    }
    const keys = {
      ArrowRight: () => step(1), ArrowDown: () => step(1), ArrowLeft: () => step(-1), ArrowUp: () => step(-1),
      PageDown: () => step(20), PageUp: () => step(-20), Home: () => edge(-1), End: () => edge(1),
      "+": () => zoom(1.5), "=": () => zoom(1.5), "-": () => zoom(1 / 1.5), f: fit, v: jumpViolation,
      p: togglePlay, "/": () => $("search").focus(),
      Escape: () => { st.sel = -1; st.vc = null; st.arrow = -1; showRecord(); draw(); },
    };
    const f = keys[ev.key];
    if (!f || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    ev.preventDefault();
    timed(ev, f);
  }

  function togglePlay() {
    if (playing) { clearInterval(playing); playing = null; $("play").textContent = "play"; return; }
    $("play").textContent = "pause";
    playing = setInterval(() => {
      const before = st.now;
      step(1);
      if (st.now === before) togglePlay();
    }, 150);
  }

  function wireMouse() {
    let down = null;
    canvas.addEventListener("mousedown", (ev) => { down = { x: ev.clientX, y: ev.clientY, top: v.top, sx: v.scrollX, moved: false }; canvas.focus(); });
    window.addEventListener("mousemove", (ev) => {
      if (!down) return;
      const dx = ev.clientX - down.x, dy = ev.clientY - down.y;
      if (!down.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
      down.moved = true;
      v.top = down.top - dy / v.scale; v.scrollX = down.sx - dx;
      clampView(); schedule();
    });
    window.addEventListener("mouseup", (ev) => {
      const d = down;
      down = null;
      if (!d || d.moved) return;
      const r = canvas.getBoundingClientRect(), x = ev.clientX - r.left, y = ev.clientY - r.top;
      if (x > v.width - OVERVIEW && y > HEADER) { overviewJump(y); return; }
      const hit = hitTest(m, v, x, y);
      if (hit) timed(ev, () => setNow(hit.event, hit.arrow === undefined ? m.arrowOf[hit.event] : hit.arrow));
    });
    canvas.addEventListener("wheel", (ev) => {
      ev.preventDefault();
      const r = canvas.getBoundingClientRect();
      if (ev.ctrlKey) { zoom(Math.exp(-ev.deltaY * 0.002), ev.clientY - r.top); return; }
      const sideways = ev.shiftKey ? ev.deltaY : ev.deltaX;
      v.scrollX += sideways;
      if (!ev.shiftKey) v.top += ev.deltaY / v.scale;
      clampView(); schedule();
    }, { passive: false });
  }

  function overviewJump(y) {
    const s = span(), frac = (y - HEADER) / (v.height - HEADER);
    v.top = s.lo + frac * (s.hi - s.lo) - (0.5 * (v.height - HEADER)) / v.scale;
    clampView(); draw();
  }

  function wireControls() {
    const on = (id, f, event) => $(id).addEventListener(event || "click", (ev) => timed(ev, () => f(ev)));
    on("first", () => edge(-1));
    on("prev", () => step(-1));
    on("next", () => step(1));
    on("last", () => edge(1));
    on("play", togglePlay);
    on("jump-violation", jumpViolation);
    on("zoom-in", () => zoom(1.5));
    on("zoom-out", () => zoom(1 / 1.5));
    on("zoom-fit", fit);
    on("axis", (ev) => setMode(ev.target.value), "change");
    on("lanes", (ev) => { v.fitLanes = ev.target.value === "fit"; st.densityCache = null; clampView(); draw(); }, "change");
    let timer = null;
    $("search").addEventListener("input", (ev) => {
      clearTimeout(timer);
      timer = setTimeout(() => search(ev.target.value), m.n > 20000 ? 250 : 60);
    });
    document.addEventListener("keydown", onKey);
    // The canvas follows its box, whatever resizes it (window, panels, wrapping text).
    new ResizeObserver(() => { resize(); draw(); }).observe($("stage"));
    wireMouse();
  }

  /** Where event `e` (or the middle of arrow `a`) is drawn, in page coordinates. */
  function pointOf(e, a) {
    const g = makeGeometry(m, v), r = canvas.getBoundingClientRect();
    if (a === undefined) return { x: r.left + eventX(m, g, e), y: r.top + g.yOf(e) };
    const o = m.arrFrom[a], x1 = g.laneX(m.arrFromLane[a]), y1 = g.yOf(o), end = arrowEnd(m, g, a, x1, y1);
    return { x: r.left + (x1 + end.x) / 2, y: r.top + (y1 + end.y) / 2 };
  }

  fillHeader(m, $); layoutCols(); fillFilters(); fillLegend(m, $("legend"));
  resize(); fillPosition(); showNodeState(); wireControls(); draw();
  stats.readyMs = performance.now();
  prepareSearch(m);
  prepareClocks(m);

  /** The page's state, for scripts that drive it (the browser test). */
  window.simlabViewer = {
    model: m, view: v, state: st, stats, info: () => info,
    step, setNow, search, nextMatch, setMode, zoom, fit, jumpViolation, pointOf, draw, ensureVisible,
    /** Trace indices of the events lit as the selection's causal past. */
    litEvents: () => {
      const out = [];
      if (st.vc) for (let x = 0; x <= st.sel; x++) if (inPast(m, st.vc, st.sel, x)) out.push(m.events[x].i);
      return out;
    },
    setLane: (name, on) => {
      const l = m.lanes.indexOf(name);
      const box = $("node-filter").querySelectorAll("input")[l];
      if (box) box.checked = on;
      setLane(l, on);
    },
  };
})();
