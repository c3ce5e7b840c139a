// A host page's web server for the widget's browser tests: a small static
// HTTP server on another origin than the worker, so the loader, its config
// request and the chat's iframe are all cross-origin as on a real site. The
// worker listens on http://127.0.0.1:<port>; the host page is reached as
// http://localhost:<other port> (another site: the chat's frame is a
// third party, and this Chromium, as Playwright starts it, denies a third
// party's frame any storage) or, with `sameSite`, as
// http://127.0.0.1:<other port> (another origin of the same site: the frame
// keeps its storage, as in a browser that partitions it).
//
// GET /shop.html?site=K&lang=L&calls=JSON serves host/shop.html with the
// worker's address, the site key (default demo.website), the page language
// (default en) and the page API calls made before the loader runs: `calls`
// is a JSON list of argument lists, e.g. [["open"],["setLanguage","es"]].
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before } from "node:test";
import { demo, root, SETUP_TOKEN } from "./harness.mjs";

const page = readFileSync(join(root, "tests/browser/host/shop.html"), "utf8");

/** Fills the host page in; answers undefined for a bad request. */
export function hostPage(workerBase, query) {
  let calls;
  try {
    calls = JSON.parse(query.get("calls") || "[]");
  } catch {
    return undefined;
  }
  if (!Array.isArray(calls) || !calls.every(Array.isArray)) return undefined;
  const site = query.get("site") || "demo.website";
  const lang = query.get("lang") || "en";
  // JSON inside a script: "</" must not end it.
  const js = (v) => JSON.stringify(v).replace(/</g, "\\u003c");
  const attr = (v) => v.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
  return page
    .replaceAll("%WORKER%", attr(workerBase))
    .replaceAll("%SITE%", attr(site))
    .replaceAll("%LANG%", attr(lang))
    .replaceAll("%CALLS%", calls.map((args) => `LiveChat.apply(null, ${js(args)});`).join("\n  "));
}

/**
 * Starts the host server for `workerBase` on a free port; answers
 * `{ base, origin, stop }` with base `http://localhost:<port>`.
 */
export async function startHost(workerBase) {
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://localhost");
    const body = url.pathname === "/shop.html" ? hostPage(workerBase, url.searchParams) : undefined;
    if (body === undefined) {
      res.writeHead(url.pathname === "/shop.html" ? 400 : 404, { "content-type": "text/plain" });
      res.end(url.pathname === "/shop.html" ? "calls must be a JSON list of lists" : "not found");
      return;
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(body);
  });
  await new Promise((resolve, reject) => {
    server.on("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address();
  const base = `http://localhost:${port}`;
  const sameSite = `http://127.0.0.1:${port}`;
  return {
    base,
    origin: base,
    /** Both origins the page is reached at. */
    origins: [base, sameSite],
    /** The host page's address with these pre-load calls. */
    url: (calls = [], { site, lang, sameSite: same } = {}) => {
      const q = new URLSearchParams({ calls: JSON.stringify(calls) });
      if (site) q.set("site", site);
      if (lang) q.set("lang", lang);
      return `${same ? sameSite : base}/shop.html?${q}`;
    },
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}

/**
 * Sets the demo workspace up again with its sites changed: the first of
 * `sites` is merged into the demo's own site (`website`), the others are
 * added whole (`{ id, name, department, ... }`, as `WorkspaceSetup.sites`
 * takes them).
 */
export async function seedSites(workerBase, [first = {}, ...more]) {
  const [site, ...others] = demo.sites;
  const body = { ...demo, sites: [{ ...site, ...first }, ...others, ...more] };
  const r = await fetch(`${workerBase}/api/v1/admin/setup`, {
    method: "POST",
    headers: { authorization: `Bearer ${SETUP_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`setup: ${r.status} ${await r.text()}`);
}

/**
 * Starts a host server for the worker of `env` (from `setUp()`) before a
 * test file's tests (the demo site allows its origin), and stops it after
 * them; answers an object whose
 * `url(calls, { site, lang })` and `base` work once started.
 */
export function setUpHost(env) {
  const host = { base: undefined, url: undefined };
  let started;
  before(async () => {
    // Top-level hooks may run side by side: wait for setUp's worker.
    for (let i = 0; !env.worker; i++) {
      if (i > 1200) throw new Error("the worker did not start");
      await new Promise((r) => setTimeout(r, 100));
    }
    started = await startHost(env.worker.base);
    await seedSites(env.worker.base, [{ allowed_origins: started.origins }]);
    // Only now: a test file's own hook waits for this to seed more sites
    // after this setup, not before it (which this one would undo).
    Object.assign(host, started);
  });
  after(async () => started?.stop());
  return host;
}

/** The chat's frame on `page` (undefined before it is loaded; the static
 * assets may answer /widget/frame.html with a redirect to /widget/frame). */
export function chatFrame(page) {
  return page.frames().find((f) => /^https?:\/\/[^/]+\/widget\/frame(\.html)?([?#]|$)/.test(f.url()));
}

/** The events the host page's listeners heard, as [name, data] pairs. */
export function heard(page) {
  return page.evaluate(() => window.heard);
}

/** Loads axe-core into `frame` (a page or a frame; through the debugging
 * protocol, so no content security policy stands in the way) and answers
 * its serious and critical violations within `include` (default: all). */
export async function axeViolations(frame, include) {
  if (!(await frame.evaluate(() => typeof window.axe === "object"))) await frame.evaluate(axeSource());
  const results = await frame.evaluate(
    (include) => window.axe.run(include ? { include } : document, { resultTypes: ["violations"] }),
    include,
  );
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(", ")}`);
}

let axe;
function axeSource() {
  axe ??= readFileSync(join(root, "node_modules/axe-core/axe.min.js"), "utf8");
  return axe;
}
