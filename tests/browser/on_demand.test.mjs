// The agent app's on-demand part (Administration and Reports), watched on
// the network in headless Chromium: an agent's session that never opens
// either never fetches it; a manager fetches it once, when he first opens
// Administration, and not again for Reports or on coming back; while it
// arrives the pane says "Loading…" (a polite status), and a failed fetch
// says so with "Try again", which fetches it again.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setUp, signIn, success, TIMEOUT, until } from "./harness.mjs";

const env = setUp();

/** The part's file, as scripts/build-web.sh names it (with a digest). */
const PART = /^\/agent\/pkg\/split_management\.[0-9a-f]{16}\.wasm$/;

/** Records the paths of every Wasm file `context` requests. */
function watchWasm(log) {
  return async (context) => {
    context.on("request", (r) => {
      const path = new URL(r.url()).pathname;
      if (path.endsWith(".wasm")) log.push(path);
    });
  };
}

const count = (log, pattern) => log.filter((p) => pattern.test(p)).length;

test("an agent who never opens Administration or Reports never fetches their part", async () => {
  env.crashes.length = 0;
  const wasm = [];
  const { desk, context } = await signIn(env, "anna@demo.test", undefined, watchWasm(wasm));
  // She works the desk: her status, the offline messages, the contacts.
  const status = desk.getByRole("combobox", { name: "Status", exact: true });
  await until(async () => (await status.isEnabled()) && (await status.inputValue()) === "offline");
  await status.selectOption({ label: "Available" });
  await success(desk, "Your status is Available.");
  await desk.getByRole("button", { name: "Offline messages" }).click();
  await desk.getByRole("heading", { level: 1, name: "Offline messages" }).waitFor({ timeout: TIMEOUT });
  await desk.getByRole("button", { name: "Contacts", exact: true }).click();
  await desk.getByRole("heading", { level: 1, name: "Contacts" }).waitFor({ timeout: TIMEOUT });
  // She has neither entry, and only the app's own Wasm came.
  assert.equal(await desk.getByRole("button", { name: "Administration", exact: true }).count(), 0);
  assert.equal(await desk.getByRole("button", { name: "Reports", exact: true }).count(), 0);
  await desk.waitForTimeout(500);
  assert.deepEqual(wasm, ["/agent/pkg/agent_ui_bg.wasm"]);
  assert.deepEqual(env.crashes, []);
  await context.close();
});

test("a manager fetches the part once, when he first opens Administration", async () => {
  env.crashes.length = 0;
  const wasm = [];
  const { desk, context } = await signIn(env, "mark@demo.test", undefined, watchWasm(wasm));
  await desk.getByRole("button", { name: "Offline messages" }).click();
  await desk.getByRole("heading", { level: 1, name: "Offline messages" }).waitFor({ timeout: TIMEOUT });
  assert.equal(count(wasm, PART), 0, "nothing before Administration opens");

  await desk.getByRole("button", { name: "Administration", exact: true }).click();
  await desk.getByRole("heading", { level: 1, name: "Administration" }).waitFor({ timeout: TIMEOUT });
  await desk.getByRole("heading", { level: 2, name: "Agents", exact: true }).waitFor({ timeout: TIMEOUT });
  assert.equal(count(wasm, PART), 1);

  // Reports is in the same part; coming back draws Administration at once.
  await desk.getByRole("button", { name: "Reports", exact: true }).click();
  await desk.getByRole("heading", { level: 1, name: "Reports" }).waitFor({ timeout: TIMEOUT });
  await desk.getByRole("button", { name: "Administration", exact: true }).click();
  await desk.getByRole("heading", { level: 1, name: "Administration" }).waitFor({ timeout: TIMEOUT });
  await desk.waitForTimeout(500);
  assert.equal(count(wasm, PART), 1);
  assert.deepEqual(env.crashes, []);
  await context.close();
});

test("while the part arrives the pane says Loading…; a failed fetch offers Try again", async () => {
  env.crashes.length = 0;
  const wasm = [];
  let release;
  const held = new Promise((r) => (release = r));
  const { desk, context } = await signIn(env, "mark@demo.test", undefined, async (context) => {
    await watchWasm(wasm)(context);
    // The first fetch of the part is held, then fails; later ones pass.
    let first = true;
    await context.route((url) => PART.test(url.pathname), async (route) => {
      if (!first) return route.continue();
      first = false;
      await held;
      await route.abort("failed");
    });
  });
  await desk.getByRole("button", { name: "Reports", exact: true }).click();
  const loading = desk.getByRole("status").filter({ hasText: "Loading…" });
  await loading.waitFor({ timeout: TIMEOUT });
  assert.equal(await loading.getAttribute("role"), "status");

  release();
  const alert = desk.getByRole("alert");
  await alert.filter({ hasText: "Could not load Reports. Check your connection and try again." })
    .waitFor({ timeout: TIMEOUT });
  await desk.getByRole("button", { name: "Try again", exact: true }).click();
  await desk.getByRole("heading", { level: 1, name: "Reports" }).waitFor({ timeout: TIMEOUT });
  assert.equal(await desk.getByRole("alert").count(), 0);
  assert.equal(count(wasm, PART), 2);
  assert.deepEqual(env.crashes, []);
  await context.close();
});
