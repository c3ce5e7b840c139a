// The visitor widget's weight and load times, measured in a real Chromium
// on a host page of another origin than the worker (host_server.mjs):
//
// - the bytes before the launcher shows (the loader and its config request)
//   and before the chat is usable (after a click on the launcher, until the
//   "Message" box is enabled: frame page, JS glue, Wasm, config requests);
// - for each response: the bytes on the wire (CDP `encodedDataLength`), its
//   Content-Encoding, its body, and that body under gzip -9 and brotli
//   (node's zlib, quality 11), with totals against the budgets;
// - the call module (widget/call: its glue and Wasm, named with their
//   digest in the widget's glue), which the chat imports only when a call
//   rings for the visitor: checked absent from both phases above, and
//   measured the same way;
// - both times again under DevTools' "Fast 3G" (latency 562.5 ms, 1.44 Mbps
//   down and 675 kbps up, each times 0.9);
// - a `twiggy top` breakdown of the widget's Wasm by crate, built with its
//   names kept, when twiggy is installed.
//
// Site isolation is off in this Chromium so the chat's cross-origin iframe
// shares the page's renderer: then one CDP session sees (and throttles) every
// request of the page and of the frame. Bytes and timings are unchanged by it.
//
// Run: node tests/browser/widget_weight.mjs (after scripts/build.sh; scripts/bench.sh does both).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { launchBrowser, root, startWorker, TIMEOUT } from "./harness.mjs";
import { seedSites, startHost } from "./host_server.mjs";

const BUDGET = { launcher: 5 * 1024, usable: 90 * 1024 };
const FAST_3G = {
  offline: false,
  latency: 150 * 3.75,
  downloadThroughput: ((1.44 * 1e6) / 8) * 0.9,
  uploadThroughput: ((675 * 1e3) / 8) * 0.9,
};

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);

/** Loads the host page in a fresh context, clicks the launcher, and answers
 * the responses of each phase and the times (ms) to the launcher and, from
 * the click, to a usable chat. */
async function measure(browser, url, workerBase, throttle) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  if (throttle) await cdp.send("Network.emulateNetworkConditions", throttle);
  const requests = new Map();
  let phase = "launcher";
  cdp.on("Network.responseReceived", ({ requestId, response }) => {
    const headers = Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), v]));
    requests.set(requestId, { url: response.url, status: response.status, encoding: headers["content-encoding"] || "", phase });
  });
  // Redirects and failures have no body but cost a round trip.
  const extra = [];
  cdp.on("Network.requestWillBeSent", ({ redirectResponse: r }) => {
    if (r) extra.push({ url: r.url, status: r.status, encoding: "", phase, wire: r.encodedDataLength, body: Buffer.alloc(0) });
  });
  cdp.on("Network.loadingFailed", ({ requestId, errorText, blockedReason, corsErrorStatus }) => {
    const r = requests.get(requestId);
    const why = corsErrorStatus ? `CORS ${corsErrorStatus.corsError}` : blockedReason || errorText;
    if (r) Object.assign(r, { status: `${r.status} (${why})`, wire: 0, body: Buffer.alloc(0) });
    else failedIds.push({ requestId, why, phase });
  });
  const failedIds = [];
  cdp.on("Network.requestWillBeSent", ({ requestId, request }) => {
    const failed = failedIds.find((f) => f.requestId === requestId);
    if (failed) failed.url = request.url;
    urls.set(requestId, request.url);
  });
  const urls = new Map();
  const finished = [];
  cdp.on("Network.loadingFinished", ({ requestId, encodedDataLength }) => {
    const r = requests.get(requestId);
    if (!r) return;
    r.wire = encodedDataLength;
    finished.push(
      cdp.send("Network.getResponseBody", { requestId }).then(
        ({ body, base64Encoded }) => (r.body = Buffer.from(body, base64Encoded ? "base64" : "utf8")),
        () => (r.body = Buffer.alloc(0)),
      ),
    );
  });

  const start = Date.now();
  await page.goto(url);
  const launcher = page.getByRole("button", { name: "Open chat" });
  await launcher.waitFor({ state: "visible", timeout: TIMEOUT * 6 });
  const toLauncher = Date.now() - start;
  // Requests still under way when the launcher showed belong to it.
  await new Promise((r) => setTimeout(r, throttle ? 1500 : 300));

  phase = "usable";
  const click = Date.now();
  await launcher.click();
  const message = page.frameLocator('iframe[title="Chat"]').getByRole("textbox", { name: "Message", exact: true });
  await message.waitFor({ timeout: TIMEOUT * 6 });
  const deadline = Date.now() + TIMEOUT * 6;
  while (await message.isDisabled()) {
    if (Date.now() > deadline) throw new Error("the Message box never turned enabled");
    await new Promise((r) => setTimeout(r, 20));
  }
  const toUsable = Date.now() - click;
  await Promise.all(finished);
  await context.close();

  const worker = new URL(workerBase).origin;
  for (const f of failedIds) {
    extra.push({ url: urls.get(f.requestId) || "?", status: "failed", why: f.why, encoding: "", phase: f.phase, wire: 0, body: Buffer.alloc(0) });
  }
  const resources = [...requests.values(), ...extra]
    .filter((r) => r.body && new URL(r.url).origin === worker)
    .map((r) => ({
      ...r,
      name: new URL(r.url).pathname + (new URL(r.url).pathname.startsWith("/api/") ? new URL(r.url).search : ""),
      ...compressed(r.body),
    }));
  return { resources, toLauncher, toUsable };
}

/** Gzip -9 and brotli 11 sizes of a body. */
function compressed(body) {
  return {
    raw: body.length,
    gzip: body.length && gzipSync(body, { level: 9 }).length,
    brotli: body.length && brotliCompressSync(body, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
    }).length,
  };
}

/** The call module: not fetched before a call, and what a ringing call
 * fetches, as the widget's glue names it. */
async function callModule(resources, workerBase) {
  console.log("\nWhen a call rings for the visitor (the call module, imported only then):");
  const early = resources.filter((r) => /\/widget_call(_bg\.wasm|\.js)$/.test(r.name));
  if (early.length) console.log(`  FETCHED BEFORE ANY CALL: ${early.map((r) => r.name).join(", ")}`);
  const glue = resources.find((r) => r.name === "/widget/pkg/widget.js");
  const named = glue && /\.\/(call\.[0-9a-f]{16})\/widget_call\.js/.exec(glue.body.toString());
  if (!named) {
    console.log("  the widget's glue names no call module (./call.<digest>/widget_call.js): was it built by scripts/build-web.sh?");
    return;
  }
  console.log(`  ${pad("resource", 58)}${lpad("status", 7)}${lpad("body", 10)}${lpad("gzip -9", 10)}${lpad("brotli", 10)}`);
  const total = { raw: 0, gzip: 0, brotli: 0 };
  for (const file of ["widget_call.js", "widget_call_bg.wasm"]) {
    const path = `/widget/pkg/${named[1]}/${file}`;
    const res = await fetch(new URL(path, workerBase));
    const sizes = compressed(Buffer.from(await res.arrayBuffer()));
    console.log(`  ${pad(path, 58)}${lpad(res.status, 7)}${lpad(sizes.raw, 10)}${lpad(sizes.gzip, 10)}${lpad(sizes.brotli, 10)}`);
    for (const k of Object.keys(total)) total[k] += sizes[k];
  }
  console.log(`  ${pad("total", 58)}${lpad("", 7)}${lpad(total.raw, 10)}${lpad(total.gzip, 10)}${lpad(total.brotli, 10)}`);
  console.log(`  gzip total ${kb(total.gzip)} (brotli ${kb(total.brotli)}), fetched once, when the first call rings; not part of the usable chat's budget.`);
}

function report(title, resources, budget) {
  console.log(`\n${title}`);
  console.log(`  ${pad("resource", 58)}${lpad("status", 7)}${lpad("wire", 10)}${lpad("encoding", 10)}${lpad("body", 10)}${lpad("gzip -9", 10)}${lpad("brotli", 10)}`);
  const total = { wire: 0, raw: 0, gzip: 0, brotli: 0 };
  for (const r of resources) {
    console.log(`  ${pad(r.name.slice(0, 57), 58)}${lpad(r.status, 7)}${lpad(r.wire, 10)}${lpad(r.encoding || "none", 10)}${lpad(r.raw, 10)}${lpad(r.gzip, 10)}${lpad(r.brotli, 10)}`);
    for (const k of Object.keys(total)) total[k] += r[k];
  }
  for (const r of resources.filter((r) => r.why)) console.log(`  (${r.name}: ${r.why}; the loader drew its defaults)`);
  console.log(`  ${pad("total", 58)}${lpad("", 7)}${lpad(total.wire, 10)}${lpad("", 10)}${lpad(total.raw, 10)}${lpad(total.gzip, 10)}${lpad(total.brotli, 10)}`);
  const verdict = total.gzip < budget ? "within" : "OVER";
  console.log(`  gzip total ${kb(total.gzip)} (brotli ${kb(total.brotli)}, on the wire ${kb(total.wire)}): ${verdict} the budget of ${kb(budget)} gzipped`);
  return total;
}

/** Builds the widget's Wasm with its names kept and prints twiggy's view of it. */
function twiggy() {
  console.log("\nThe widget's Wasm by crate (twiggy, names kept: wasm-bindgen --keep-debug, wasm-opt -Oz -g)");
  if (spawnSync("twiggy", ["--version"]).status !== 0) {
    console.log("  twiggy is not installed (cargo install twiggy): no breakdown.");
    return;
  }
  const target = process.env.CARGO_TARGET_DIR || join(root, "target");
  const input = join(target, "wasm32-unknown-unknown/release/widget.wasm");
  if (!existsSync(input)) {
    console.log(`  ${input} is missing: run scripts/build.sh first.`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "widget-twiggy-"));
  try {
    const bindgen = process.env.WASM_BINDGEN_BIN || "wasm-bindgen";
    const wasmOpt = process.env.WASM_OPT_BIN || join(root, "node_modules/.bin/wasm-opt");
    execFileSync(bindgen, ["--target", "web", "--no-typescript", "--keep-debug", "--out-dir", dir, "--out-name", "widget", input]);
    const named = join(dir, "named.wasm");
    execFileSync(wasmOpt, [
      "-Oz", "-g", "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext",
      "--enable-mutable-globals", "--enable-reference-types", "-o", named, join(dir, "widget_bg.wasm"),
    ]);
    const items = JSON.parse(execFileSync("twiggy", ["top", "-n", "1000000", "-f", "json", named], { maxBuffer: 1 << 28 }));
    const crates = new Map();
    let total = 0;
    const sections = items.filter((i) => /^custom section|subsection/.test(i.name));
    console.log(`  names and debug sections (not served): ${sections.reduce((n, i) => n + i.shallow_size, 0)} bytes`);
    for (const item of items) {
      if (sections.includes(item)) continue;
      total += item.shallow_size;
      const crate = crateOf(item.name);
      crates.set(crate, (crates.get(crate) || 0) + item.shallow_size);
    }
    console.log(`  code and data: ${total} bytes, by crate (share of code and data):`);
    const rows = [...crates.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25);
    for (const [crate, size] of rows) {
      console.log(`  ${pad(crate, 40)}${lpad(size, 10)}${lpad(((size / total) * 100).toFixed(1) + "%", 8)}`);
    }
    console.log("  largest items:");
    for (const item of items.filter((i) => !sections.includes(i)).slice(0, 12)) {
      console.log(`  ${lpad(item.shallow_size, 10)}  ${item.name.slice(0, 110)}`);
    }
  } catch (e) {
    console.log(`  the named build failed: ${e.message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The crate a twiggy item belongs to: the first path segment of its
 * demangled name (for `<T as Trait>::f`, the type's crate); sections and
 * data by their own kind. */
export function crateOf(name) {
  if (/^(data|elem|table|import|export|type|global|memory)\[/.test(name) || !name.includes("::")) {
    const m = /^(custom section '[^']*'|[a-z_ ]+)/i.exec(name);
    return m ? m[1].trim() : name;
  }
  let path = name.replace(/\[[0-9a-f]{16}\]/g, "").replace(/^[<&*\s]+/, "").replace(/^(dyn|impl|mut|const)\s+/, "");
  // `<T as crate::Trait>::f`, with T a generic parameter: the trait's crate.
  const generic = /^[A-Z][A-Za-z0-9_]*\s+as\s+(.*)$/.exec(path);
  if (generic) path = generic[1];
  const first = /^([A-Za-z_][A-Za-z0-9_]*)::/.exec(path);
  return first ? first[1] : name.slice(0, 30);
}

async function main() {
  const worker = await startWorker();
  const host = await startHost(worker.base);
  // The demo site allows the host page's origin, as a site owner would set it.
  await seedSites(worker.base, [{ allowed_origins: host.origins }]);
  const browser = await launchBrowser(["--disable-site-isolation-trials", "--disable-features=IsolateOrigins,site-per-process"]);
  try {
    const url = host.url();
    console.log(`Widget weight: host page ${host.base} (another origin), worker ${worker.base} (wrangler dev)`);
    const fast = await measure(browser, url, worker.base, null);
    const launcher = report("Before the launcher shows (loader + its config request):",
      fast.resources.filter((r) => r.phase === "launcher"), BUDGET.launcher);
    const usable = report('From the click until the chat is usable (the "Message" box enabled):',
      fast.resources.filter((r) => r.phase === "usable"), BUDGET.usable);
    await callModule(fast.resources, worker.base);
    console.log(`\nTimes on loopback, unthrottled: launcher ${fast.toLauncher} ms after navigation; chat usable ${fast.toUsable} ms after the click`);

    const slow = await measure(browser, url, worker.base, FAST_3G);
    const rate = FAST_3G.downloadThroughput;
    console.log(`\nUnder "Fast 3G" (latency ${FAST_3G.latency} ms, ${(rate / 1000).toFixed(1)} kB/s down, ${(FAST_3G.uploadThroughput / 1000).toFixed(1)} kB/s up):`);
    console.log(`  launcher ${slow.toLauncher} ms after navigation (the host page included); chat usable ${slow.toUsable} ms after the click`);
    const served = usable.wire < usable.raw * 0.8 ? "compressed" : "uncompressed";
    console.log(`  wrangler dev served the chat ${served} (${kb(usable.wire)} on the wire for ${kb(usable.raw)} of bodies).`);
    if (served === "uncompressed") {
      const saved = (usable.wire - usable.gzip) / rate;
      console.log(`  Served gzipped, as Cloudflare's edge does, the chat's bytes would take ${(usable.gzip / rate).toFixed(2)} s instead of ${(usable.wire / rate).toFixed(2)} s at this rate:`);
      console.log(`  about ${Math.round(slow.toUsable - saved * 1000)} ms to a usable chat (the measured time less ${(saved * 1000).toFixed(0)} ms of transfer), brotli a little less.`);
      const lsaved = (launcher.wire - launcher.gzip) / rate;
      console.log(`  The launcher likewise: about ${Math.round(slow.toLauncher - lsaved * 1000)} ms.`);
    }
    twiggy();
  } finally {
    await browser.close();
    await host.stop();
    worker.stop();
  }
}

await main();
