// A minimal Chrome DevTools Protocol client over --remote-debugging-pipe: Chromium reads
// NUL-terminated JSON commands on fd 3 and writes replies and events on fd 4. Node's
// standard library is enough, so the browser tests need no npm packages.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Flags for a headless Chromium on a closed network, with a fresh profile. */
function chromiumFlags(profile) {
  return [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--mute-audio", "--hide-scrollbars",
    `--user-data-dir=${profile}`, "--remote-debugging-pipe", "about:blank",
  ];
}

/** A browser with one page attached; `send` runs a command on that page. */
export class Browser {
  static async launch(binary = process.env.CHROMIUM || "chromium") {
    const profile = mkdtempSync(join(tmpdir(), "simlab-chromium-"));
    const proc = spawn(binary, chromiumFlags(profile), { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] });
    const b = new Browser(proc, profile);
    const { targetInfos } = await b.call("Target.getTargets");
    let page = targetInfos.find((t) => t.type === "page");
    if (!page) {
      const { targetId } = await b.call("Target.createTarget", { url: "about:blank" });
      page = { targetId };
    }
    const { sessionId } = await b.call("Target.attachToTarget", { targetId: page.targetId, flatten: true });
    b.session = sessionId;
    await b.send("Page.enable");
    await b.send("Runtime.enable");
    return b;
  }

  constructor(proc, profile) {
    this.proc = proc;
    this.profile = profile;
    this.nextId = 1;
    this.waiting = new Map();
    this.listeners = [];
    this.stderr = "";
    this.errors = [];
    proc.stderr.on("data", (d) => { this.stderr = (this.stderr + d).slice(-4000); });
    let buf = Buffer.alloc(0);
    proc.stdio[4].on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      let end;
      while ((end = buf.indexOf(0)) >= 0) {
        const msg = JSON.parse(buf.subarray(0, end).toString("utf8"));
        buf = buf.subarray(end + 1);
        this.dispatch(msg);
      }
    });
    proc.on("exit", (code) => {
      for (const { reject } of this.waiting.values()) reject(new Error(`chromium exited (${code}): ${this.stderr}`));
      this.waiting.clear();
    });
  }

  dispatch(msg) {
    if (msg.id !== undefined && this.waiting.has(msg.id)) {
      const { resolve, reject, method } = this.waiting.get(msg.id);
      this.waiting.delete(msg.id);
      if (msg.error) reject(new Error(`${method}: ${msg.error.message}`));
      else resolve(msg.result);
      return;
    }
    if (msg.method === "Runtime.exceptionThrown") {
      const d = msg.params.exceptionDetails;
      this.errors.push((d.exception && d.exception.description) || d.text);
    }
    if (msg.method === "Runtime.consoleAPICalled" && msg.params.type === "error") {
      this.errors.push(msg.params.args.map((a) => a.value ?? a.description).join(" "));
    }
    for (const l of this.listeners) l(msg);
  }

  /** A browser-level command. */
  call(method, params = {}, sessionId) {
    const id = this.nextId++;
    const msg = { id, method, params };
    if (sessionId) msg.sessionId = sessionId;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, method });
      this.proc.stdio[3].write(JSON.stringify(msg) + "\0");
    });
  }

  /** A command on the attached page. */
  send(method, params = {}) {
    return this.call(method, params, this.session);
  }

  /** Resolves with the params of the next page event `method`. */
  once(method) {
    return new Promise((resolve) => {
      const l = (msg) => {
        if (msg.method === method && msg.sessionId === this.session) {
          this.listeners = this.listeners.filter((x) => x !== l);
          resolve(msg.params);
        }
      };
      this.listeners.push(l);
    });
  }

  async open(url, width = 1400, height = 900) {
    await this.send("Emulation.setDeviceMetricsOverride", { width, height, deviceScaleFactor: 1, mobile: false });
    const loaded = this.once("Page.loadEventFired");
    await this.send("Page.navigate", { url });
    await loaded;
  }

  /** Evaluates `expr` in the page and returns its value (promises are awaited). */
  async eval(expr) {
    const r = await this.send("Runtime.evaluate", { expression: expr, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) {
      throw new Error(`in page: ${(r.exceptionDetails.exception && r.exceptionDetails.exception.description) || r.exceptionDetails.text}\n  ${expr}`);
    }
    return r.result.value;
  }

  async click(x, y) {
    const base = { x, y, button: "left", clickCount: 1 };
    await this.send("Input.dispatchMouseEvent", { type: "mouseMoved", x, y });
    await this.send("Input.dispatchMouseEvent", { type: "mousePressed", ...base });
    await this.send("Input.dispatchMouseEvent", { type: "mouseReleased", ...base });
  }

  /** Clicks the middle of the element `selector` matches. */
  async clickSelector(selector) {
    const r = await this.eval(`(() => { const e = document.querySelector(${JSON.stringify(selector)});
      if (!e) return null; e.scrollIntoView({block: "center"}); const r = e.getBoundingClientRect();
      return {x: r.left + r.width / 2, y: r.top + r.height / 2}; })()`);
    if (!r) throw new Error(`no element ${selector}`);
    await this.click(r.x, r.y);
  }

  async key(key, code = key, keyCode = 0) {
    const p = { key, code, windowsVirtualKeyCode: keyCode, nativeVirtualKeyCode: keyCode };
    await this.send("Input.dispatchKeyEvent", { type: "rawKeyDown", ...p });
    await this.send("Input.dispatchKeyEvent", { type: "keyUp", ...p });
  }

  async type(text) {
    await this.send("Input.insertText", { text });
  }

  async screenshot() {
    const { data } = await this.send("Page.captureScreenshot", { format: "png" });
    return Buffer.from(data, "base64");
  }

  async close() {
    try { await this.call("Browser.close"); } catch { /* already gone */ }
    await new Promise((resolve) => {
      if (this.proc.exitCode !== null) resolve();
      else { this.proc.once("exit", resolve); setTimeout(() => { this.proc.kill("SIGKILL"); resolve(); }, 5000); }
    });
    rmSync(this.profile, { recursive: true, force: true });
  }
}

/** Key codes of the keys the tests press. */
export const KEYS = {
  ArrowRight: ["ArrowRight", "ArrowRight", 39], ArrowLeft: ["ArrowLeft", "ArrowLeft", 37],
  Enter: ["Enter", "Enter", 13], End: ["End", "End", 35], Home: ["Home", "Home", 36],
};
