// Starts the real worker in wrangler's local runtime on a free loopback port with
// fresh storage, seeds the demo workspace, and launches Debian's Chromium
// headless through playwright-core. Shared by the browser tests.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before } from "node:test";
import { chromium } from "playwright-core";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** The token guarding the worker's setup endpoint in these tests. */
export const SETUP_TOKEN = "browser-setup-0123456789abcdef";
/** The deployment's sign-up code in these tests ("Create a workspace"). */
export const SIGNUP_CODE = "browser-signup-code";

/** How long a step may take. */
export const TIMEOUT = 20_000;

/** Polls `check` until it holds, or fails after TIMEOUT. */
export async function until(check) {
  const deadline = Date.now() + TIMEOUT;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not true within ${TIMEOUT} ms: ${check}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Calls the worker's HTTP API; answers `{ status, body }` (body parsed when JSON). */
export async function api(base, method, path, token, body) {
  // As the worker's own pages call it (visitor routes check the Origin).
  const headers = { origin: new URL(base).origin };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const r = await fetch(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let parsed;
  try { parsed = JSON.parse(text); } catch { parsed = text; }
  return { status: r.status, body: parsed };
}

/** Signs a demo person in over the API; answers their token. */
export async function token(base, person, workspace = "demo") {
  const login = await api(base, "POST", "/api/v1/agent/login", null, {
    workspace, email: person.email, password: person.password,
  });
  if (login.status !== 200) throw new Error(`login: ${JSON.stringify(login.body)}`);
  return login.body.token;
}

/** Sets an agent's status over the API. */
export async function setStatus(base, bearer, status) {
  const set = await api(base, "POST", "/api/v1/agent/status", bearer, { status });
  if (set.status !== 200) throw new Error(`status: ${JSON.stringify(set.body)}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

export const demo = JSON.parse(readFileSync(join(root, "scripts/demo-workspace.json"), "utf8"));

/**
 * Starts the worker and seeds the demo workspace. Its ports are found free,
 * but another test's process may take one (or one of the runtime's own)
 * before wrangler binds it, and wrangler then exits at once: it starts
 * again, on other ports.
 */
export async function startWorker() {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startWorkerOnce();
    } catch (e) {
      if (attempt >= 4 || !String(e.message).startsWith(EXITED_EARLY)) throw e;
    }
  }
}

const EXITED_EARLY = "the local worker exited before it was ready";

async function startWorkerOnce() {
  const port = await freePort();
  const state = mkdtempSync(join(tmpdir(), "livechat-browser-"));
  let log = "";
  // tests/local-worker.mjs: wrangler's local runtime without its inspector.
  const options = {
    config: join(root, "wrangler.toml"),
    port,
    persist: state,
    vars: {
      AUTH_SECRET: "browser-secret-0123456789abcdef",
      SETUP_TOKEN,
      SIGNUP_CODE,
      // Every limit lifted: the suites open many sessions from 127.0.0.1.
      LIMITS: process.env.LIVECHAT_LIMITS ?? "off",
    },
  };
  const child = spawn(
    process.execPath,
    [join(root, "tests/local-worker.mjs"), JSON.stringify(options)],
    { cwd: root, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" } },
  );
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  let exited = false;
  child.on("exit", () => (exited = true));
  const base = `http://127.0.0.1:${port}`;
  const stop = () => {
    try { process.kill(-child.pid, "SIGKILL"); } catch {}
    rmSync(state, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(`${base}/api/v1/health`);
      if (r.ok) break;
    } catch {}
    if (exited) { stop(); throw new Error(`${EXITED_EARLY}:\n${log}`); }
    if (i > 240) { stop(); throw new Error(`the local worker did not start:\n${log}`); }
    await new Promise((r) => setTimeout(r, 250));
  }
  const seeded = await fetch(`${base}/api/v1/admin/setup`, {
    method: "POST",
    headers: { authorization: `Bearer ${SETUP_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(demo),
  });
  if (!seeded.ok) { stop(); throw new Error(`seeding failed: ${seeded.status} ${await seeded.text()}`); }
  return { base, stop, log: () => log };
}

/** Launches Chromium; `extraArgs` are added to its command line. */
export async function launchBrowser(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      // Calls: a fake camera and microphone, and the permission prompt
      // answered "Allow" (harmless for pages that never ask).
      "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
      ...extraArgs,
    ],
  });
}

/**
 * What one test file shares: a worker and a browser, started before its
 * tests and stopped after them, and the uncaught errors and panics of the
 * agent app pages that `signIn` opened (a test expects none).
 */
export function setUp() {
  const env = { worker: undefined, browser: undefined, crashes: [] };
  before(async () => {
    env.worker = await startWorker();
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    env.worker?.stop();
  });
  return env;
}

/**
 * Signs `email` in to the agent app in a browser context of its own;
 * `prepare(context)`, if given, runs before the app loads (to route its
 * sockets, say).
 */
export async function signIn(env, email, workspace = demo, prepare = undefined) {
  const agent = workspace.agents.find((a) => a.email === email);
  const context = await env.browser.newContext();
  if (prepare) await prepare(context);
  const desk = await context.newPage();
  // A panic in the app (a Wasm trap) must never happen, even unseen.
  desk.on("pageerror", (e) => env.crashes.push(`${email}: ${e.message}`));
  desk.on("console", (m) => {
    if (m.type() === "error" && /panicked|unreachable/.test(m.text())) env.crashes.push(`${email}: ${m.text()}`);
  });
  await desk.goto(`${env.worker.base}/agent/`);
  await desk.getByLabel("Workspace").fill(workspace.workspace);
  await desk.getByLabel("Email").fill(agent.email);
  await desk.getByLabel("Password").fill(agent.password);
  await desk.getByRole("button", { name: "Sign in" }).click();
  await desk.getByRole("region", { name: "Queued Chats" }).waitFor({ timeout: TIMEOUT });
  return { context, desk, agent };
}

/** Waits for the success line `text` on `desk`, with no failure shown. */
export async function success(desk, text) {
  await desk.getByRole("status").filter({ hasText: text }).waitFor({ timeout: TIMEOUT });
  const failures = await desk.getByRole("alert").count();
  if (failures !== 0) throw new Error(`a failure was reported beside "${text}"`);
}

/**
 * Presses Tab on `page` until `target` (a locator) has the focus, as a
 * keyboard user reaches it; fails when it is not reached in `limit` presses.
 */
export async function tabTo(page, target, limit = 400) {
  await target.waitFor({ timeout: TIMEOUT });
  for (let i = 0; i < limit; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`not reached by Tab in ${limit} presses: ${target}`);
}

/** Tabs to `target` and presses `key` (Enter, Space, ArrowDown…) on it. */
export async function pressOn(page, target, key = "Enter") {
  await tabTo(page, target);
  await page.keyboard.press(key);
}

/** Tabs to the field `target`, selects what it holds and types `text`. */
export async function typeInto(page, target, text) {
  await tabTo(page, target);
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await page.keyboard.type(text);
}
