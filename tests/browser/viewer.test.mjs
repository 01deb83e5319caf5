// Browser test of viewer.html: generates a catalog run's pages with the simlab binary, loads
// them in headless Chromium and drives them with real clicks and key presses. Expected values
// are computed here from the run's own files (trace.jsonl, summary.json), independently of
// the page's code.
//
//   SIMLAB=target/release/simlab node tests/browser/viewer.test.mjs
//
// SCREENSHOTS=DIR also saves a PNG of each state; CHROMIUM picks the browser binary.

import test, { after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

import { Browser, KEYS } from "./cdp.mjs";

const SIMLAB = resolve(process.env.SIMLAB || "target/release/simlab");
const SCENARIO = "2pc/bug-abort-after-yes";
const work = mkdtempSync(join(tmpdir(), "simlab-viewer-test-"));
const shots = process.env.SCREENSHOTS;
if (shots) mkdirSync(shots, { recursive: true });

function simlab(...args) {
  try {
    return execFileSync(SIMLAB, args, { encoding: "utf8" });
  } catch (e) {
    // A run that finds its violation exits non-zero by design; its files are written.
    if (e.status === 1) return e.stdout;
    throw e;
  }
}

/** The run's events from trace.jsonl (without header and footer). */
function traceEvents(dir) {
  const lines = readFileSync(join(dir, "trace.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  return lines.filter((l) => l.ev !== undefined);
}

/** The node an event belongs to, by the trace format's rules (undefined: run-wide). */
function siteOf(e) {
  if (e.ev === "send" || e.ev === "duplicate") return e.from;
  if (e.ev === "deliver" || e.ev === "drop") return e.to;
  if (["cut", "heal", "rule", "phase"].includes(e.ev)) return undefined;
  return e.node;
}

/** The causal past of event `target` by graph search: back along its node's events, and
    from each deliver to the send of its message. Duplicates and drops belong to no node's
    sequence: one is in the past when its send is. Returns sorted trace indices. */
function causalPast(events, target) {
  const sendOf = new Map(), prevOnNode = new Map(), lastOnNode = new Map();
  for (const e of events) {
    if (e.ev === "send") sendOf.set(e.msg, e.i);
    const s = siteOf(e);
    if (s === undefined || e.ev === "duplicate" || e.ev === "drop") continue;
    if (lastOnNode.has(s)) prevOnNode.set(e.i, lastOnNode.get(s));
    lastOnNode.set(s, e.i);
  }
  const byIndex = new Map(events.map((e) => [e.i, e]));
  const seen = new Set([target]), todo = [target];
  while (todo.length) {
    const i = todo.pop(), e = byIndex.get(i);
    const back = [prevOnNode.get(i)];
    if (e.ev === "deliver") back.push(sendOf.get(e.msg));
    for (const j of back) if (j !== undefined && !seen.has(j)) { seen.add(j); todo.push(j); }
  }
  for (const e of events) {
    if ((e.ev === "duplicate" || e.ev === "drop") && e.i <= target && seen.has(sendOf.get(e.msg))) seen.add(e.i);
  }
  return [...seen].sort((a, b) => a - b);
}

const full = join(work, "full"), cut = join(work, "cut"), replayed = join(work, "replay");
simlab("run", SCENARIO, "--trace", "full", "--out", full);
simlab("run", SCENARIO, "--out", cut, "--export-events", "40");
simlab("replay", join(full, "trace.jsonl"), "--out", replayed);
const events = traceEvents(full);
const summary = JSON.parse(readFileSync(join(full, "summary.json"), "utf8"));
const nodes = JSON.parse(readFileSync(join(full, "trace.jsonl"), "utf8").split("\n")[0]).nodes;

const browser = await Browser.launch();
const requests = [];
browser.listeners.push((msg) => {
  if (msg.method === "Network.requestWillBeSent") requests.push(msg.params.request.url);
});
await browser.send("Network.enable");

async function load(dir) {
  await browser.open(pathToFileURL(join(dir, "viewer.html")).href);
  await browser.eval("new Promise((r) => requestAnimationFrame(() => r(true)))");
}

async function shot(name) {
  if (shots) writeFileSync(join(shots, `${name}.png`), await browser.screenshot());
}

const text = (id) => browser.eval(`document.getElementById(${JSON.stringify(id)}).textContent`);
const nowIndex = () => browser.eval("(() => { const v = simlabViewer; return v.state.now < 0 ? -1 : v.model.events[v.state.now].i; })()");
const press = (k) => browser.key(...KEYS[k]);

after(async () => {
  await browser.close();
  rmSync(work, { recursive: true, force: true });
});

test("the page says how much of the run it holds", async () => {
  await load(full);
  assert.equal(await text("holds"), `holds ${events.length} of ${summary.events} events`);
  assert.equal(events.length, summary.events);
  assert.equal(await text("scenario"), SCENARIO);
  await shot("01-loaded");
  await load(cut);
  assert.equal(await text("holds"), `holds 40 of ${summary.events} events: cut by the export limit`);
  assert.match(await text("cut"), /--export-events 40/);
  await shot("02-cut");
  await load(replayed);
  assert.equal(await text("holds"), `holds ${events.length} of ${summary.events} events`);
});

test("clicking a message shows its record and lights its causal past", async () => {
  await load(full);
  const deliver = events.find((e) => e.ev === "deliver" && e.kind === "vote");
  const send = events.find((e) => e.ev === "send" && e.msg === deliver.msg);
  const at = await browser.eval(`(() => { const v = simlabViewer, m = v.model;
    const a = m.arrowOf[m.positionOfIndex(${deliver.i})]; v.ensureVisible(m.arrFrom[a]); v.draw();
    return v.pointOf(undefined, a); })()`);
  await browser.click(at.x, at.y);
  assert.equal(await nowIndex(), deliver.i, "the click selects the message's deliver");
  const record = await text("record-body");
  assert.ok(record.includes(`message vote#${deliver.msg}: ${nodes[send.from]} → ${nodes[deliver.to]}`), record);
  assert.ok(record.includes(`sent at`) && record.includes(`event ${send.i}`), record);
  assert.ok(record.includes("delivered at"), record);
  const past = causalPast(events, deliver.i);
  assert.ok(past.includes(send.i));
  assert.deepEqual(await browser.eval("simlabViewer.litEvents()"), past);
  assert.ok(record.includes(`causal past: ${past.length} events`), record);
  await shot("03-message-clicked");
});

test("the arrow keys step the now line event by event", async () => {
  const start = await nowIndex();
  const order = events.map((e) => e.i);
  let k = order.indexOf(start);
  for (let n = 0; n < 3; n++) {
    await press("ArrowRight");
    k++;
    assert.equal(await nowIndex(), order[k]);
    assert.match(await text("position"), new RegExp(`^event ${order[k]} \\(`));
  }
  await press("ArrowLeft");
  assert.equal(await nowIndex(), order[k - 1]);
  await shot("04-stepped");
});

test("search finds a note and the node table shows each node's notes at that moment", async () => {
  const needle = "giving up";
  const hits = events.filter((e) => JSON.stringify(e).toLowerCase().includes(needle));
  assert.ok(hits.length > 0, "the scenario's bug writes this note");
  await browser.clickSelector("#search");
  await browser.type(needle);
  await browser.eval("new Promise((r) => setTimeout(r, 300))");
  assert.equal(await text("search-count"), `${hits.length} match${hits.length === 1 ? "" : "es"}`);
  const before = await nowIndex();
  await browser.eval("document.getElementById('search').focus()");
  await press("Enter");
  const now = await nowIndex();
  assert.equal(now, (hits.find((e) => e.i > before) || hits[0]).i, "Enter goes to the next match");
  const table = await browser.eval(`[...document.querySelectorAll("#node-state tr[data-lane]")].map((r) =>
    [r.dataset.lane, r.children[1].textContent, r.querySelector("td.note div:not(.meta)")?.textContent ?? ""])`);
  for (const [lane, status, note] of table) {
    const id = nodes.indexOf(lane);
    const last = events.filter((e) => e.i <= now && e.ev === "note" && e.node === id).pop();
    assert.equal(status, "up", lane);
    assert.equal(note, last ? `${formatTime(last.t)} ${last.text}` : "", lane);
  }
  await browser.eval("document.getElementById('search').blur()");
  await shot("05-search-node-state");
});

test("filters hide a node and a message kind, and stepping skips what they hide", async () => {
  const hidden = nodes[2];
  await browser.clickSelector(`#node-filter label:nth-child(3) input`);
  assert.deepEqual(await browser.eval("simlabViewer.view.cols.map((l) => simlabViewer.model.lanes[l])"), nodes.filter((n) => n !== hidden));
  assert.deepEqual(await browser.eval(`[...document.querySelectorAll("#node-state tr[data-lane]")].map((r) => r.dataset.lane)`),
    nodes.filter((n) => n !== hidden));
  const kinds = await browser.eval(`[...document.querySelectorAll("#kind-filter label")].map((l) => l.textContent)`);
  const ackAt = kinds.findIndex((k) => k.startsWith("ack"));
  assert.ok(ackAt >= 0, kinds.join());
  await browser.clickSelector(`#kind-filter label:nth-child(${ackAt + 1}) input`);
  const shows = (e) => siteOf(e) !== 2 && !(["send", "deliver", "drop", "duplicate"].includes(e.ev) && e.kind === "ack");
  const expected = events.filter(shows).map((e) => e.i);
  await press("Home");
  const visited = [await nowIndex()];
  for (let n = 0; n < expected.length + 2; n++) {
    await press("ArrowRight");
    const i = await nowIndex();
    if (i !== visited[visited.length - 1]) visited.push(i);
  }
  assert.deepEqual(visited, expected);
  await shot("06-filtered");
  await browser.clickSelector(`#node-filter label:nth-child(3) input`);
  await browser.clickSelector(`#kind-filter label:nth-child(${ackAt + 1}) input`);
});

test("jump to violation lands on the violation", async () => {
  await press("Home");
  await browser.clickSelector("#jump-violation");
  const v = events.find((e) => e.ev === "violation");
  assert.equal(await nowIndex(), v.i);
  assert.match(await text("position"), /violation$/);
  assert.match(await text("record-body"), new RegExp(summary.violations[0].property));
  await shot("07-violation");
});

test("zoom buttons, ctrl + wheel and dragging move the view", async () => {
  const view = () => browser.eval("({ scale: simlabViewer.view.scale, top: simlabViewer.view.top })");
  const a = await view();
  await browser.clickSelector("#zoom-in");
  const b = await view();
  assert.ok(Math.abs(b.scale / a.scale - 1.5) < 1e-9, `zoom in: ${a.scale} -> ${b.scale}`);
  const box = await browser.eval("(() => { const r = document.getElementById('canvas').getBoundingClientRect(); return { x: r.left + r.width / 2, y: r.top + r.height / 2 }; })()");
  await browser.send("Input.dispatchMouseEvent", { type: "mouseWheel", x: box.x, y: box.y, deltaX: 0, deltaY: 200, modifiers: 2 });
  await browser.eval("new Promise((r) => requestAnimationFrame(() => r(true)))");
  const c = await view();
  assert.ok(c.scale < b.scale, `ctrl + wheel down zooms out: ${b.scale} -> ${c.scale}`);
  await browser.send("Input.dispatchMouseEvent", { type: "mousePressed", x: box.x, y: box.y, button: "left", clickCount: 1 });
  await browser.send("Input.dispatchMouseEvent", { type: "mouseMoved", x: box.x, y: box.y - 120, button: "left" });
  await browser.send("Input.dispatchMouseEvent", { type: "mouseReleased", x: box.x, y: box.y - 120, button: "left", clickCount: 1 });
  const d = await view();
  assert.ok(Math.abs((d.top - c.top) * c.scale - 120) < 1e-6, `dragging up 120 px scrolls down 120 px: ${c.top} -> ${d.top}`);
  await shot("08-zoomed-dragged");
});

test("the page loads nothing and throws nothing", async () => {
  assert.deepEqual(browser.errors, []);
  const remote = requests.filter((u) => !u.startsWith("file:") && !u.startsWith("data:") && u !== "about:blank");
  assert.deepEqual(remote, []);
});

/** The page's time format (fmtTime), for the values this run has: whole ms. */
function formatTime(ns) {
  if (ns === 0) return "0 s";
  assert.equal(ns % 1e6, 0, "this check only formats whole milliseconds");
  return ns >= 1e9 ? `${ns / 1e9} s` : `${ns / 1e6} ms`;
}
