// The agent app's alerts in headless Chromium against the real worker: a
// browser notification for a new queued chat (the permission granted, the
// page's Notification wrapped so each one is recorded and still made), the
// unread count in the tab title, a click on the notification opening the
// chat, and "Mute notifications" silencing the next one, remembered after a
// reload.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setStatus, setUp, signIn, TIMEOUT, token, until } from "./harness.mjs";

const env = setUp();

/** Records every notification the page makes, then makes it for real. */
function recordNotifications() {
  const Real = window.Notification;
  window.__notes = [];
  function Recorded(title, options) {
    const made = new Real(title, options);
    window.__notes.push({ title, body: options && options.body, made });
    return made;
  }
  Recorded.prototype = Real.prototype;
  Recorded.requestPermission = (...args) => Real.requestPermission(...args);
  Object.defineProperty(Recorded, "permission", { get: () => Real.permission });
  window.Notification = Recorded;
}

async function visitorWrites(text) {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${env.worker.base}/demo/`);
  await page.getByRole("button", { name: "Open chat" }).click();
  const chat = page.frameLocator('iframe[title="Chat"]');
  await chat.getByRole("textbox", { name: "Message", exact: true }).fill(text);
  await chat.getByRole("button", { name: "Send", exact: true }).click();
  await chat.getByRole("log").getByRole("img", { name: "Sent" }).waitFor({ timeout: TIMEOUT });
  return context;
}

const notes = (desk) => desk.evaluate(() => window.__notes.map(({ title, body }) => ({ title, body })));

test("a new queued chat notifies, counts in the title, and opens on click; mute silences", async () => {
  const { context, desk, agent } = await signIn(env, "ben@demo.test", undefined, async (ctx) => {
    await ctx.grantPermissions(["notifications"], { origin: env.worker.base });
    await ctx.addInitScript(recordNotifications);
  });
  await setStatus(env.worker.base, await token(env.worker.base, agent), "available");
  const mute = desk.getByRole("checkbox", { name: "Mute notifications" });
  await mute.waitFor({ timeout: TIMEOUT });
  assert.equal(await mute.isChecked(), false);
  // Already allowed: nothing to ask.
  assert.equal(await desk.getByRole("button", { name: "Enable notifications" }).count(), 0);
  assert.deepEqual(await notes(desk), []);
  assert.doesNotMatch(await desk.title(), /^\(/);

  const first = await visitorWrites("I need help with my order");
  await until(async () => (await notes(desk)).length === 1);
  const [note] = await notes(desk);
  assert.match(note.title, /^New chat: /);
  assert.equal(note.body, "I need help with my order");
  await until(async () => /^\(1\) /.test(await desk.title()));

  // A click on the notification opens that chat: its preview and "Take it".
  await desk.evaluate(() => window.__notes[0].made.dispatchEvent(new Event("click")));
  await desk.getByRole("button", { name: "Take it" }).waitFor({ timeout: TIMEOUT });
  await desk.getByRole("log", { name: "Transcript" }).getByText("I need help with my order").waitFor({ timeout: TIMEOUT });
  // Opened: no longer unread.
  await until(async () => !/^\(/.test(await desk.title()));

  // Muted: the next chat counts in the title but notifies nobody.
  await mute.check();
  const second = await visitorWrites("Another question");
  await until(async () => /^\(1\) /.test(await desk.title()));
  await desk.getByRole("region", { name: "Queued Chats" }).getByText("Another question").waitFor({ timeout: TIMEOUT });
  assert.equal((await notes(desk)).length, 1);

  // The choice is Ben's, kept in this browser.
  await desk.reload();
  await desk.getByRole("region", { name: "Queued Chats" }).waitFor({ timeout: TIMEOUT });
  assert.equal(await desk.getByRole("checkbox", { name: "Mute notifications" }).isChecked(), true);
  assert.deepEqual(env.crashes, []);

  await first.close();
  await second.close();
  await context.close();
});
