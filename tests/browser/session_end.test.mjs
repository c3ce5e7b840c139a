// The agent app when the server closes its sockets for good, against the
// real worker in headless Chromium. The close is played by the browser's
// WebSocket routing (playwright-core), which stands in for the worker
// revoking a token (4401) or no longer granting a conversation (4403): the
// sockets themselves are the worker's, passed through untouched until then.
// A 4401 on the inbox or on a conversation socket signs the agent out,
// saying the session ended; a 4403 on the open conversation closes its pane
// with a notice, and the agent stays signed in.
import { test } from "node:test";
import assert from "node:assert/strict";
import { demo, setStatus, setUp, signIn, TIMEOUT, token, until } from "./harness.mjs";

const env = setUp();

const ENDED = "Your session has ended. Please sign in again.";

/** Signs Anna in with her sockets routed through `routes` (the inbox, and
 * every conversation socket in the order opened). */
async function annaRouted() {
  const routes = { inbox: undefined, conversations: [] };
  const anna = await signIn(env, "anna@demo.test", demo, async (context) => {
    await context.routeWebSocket(/\/api\/v1\/agent\/inbox/, (ws) => {
      ws.connectToServer();
      routes.inbox = ws;
    });
    await context.routeWebSocket(/\/api\/v1\/conversations\/[^/]+\/ws/, (ws) => {
      ws.connectToServer();
      routes.conversations.push(ws);
    });
  });
  return { ...anna, routes };
}

/** A visitor writes `text` from the demo page; answers once it is stored. */
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

/** Anna opens the queued conversation that starts with `text`; answers its
 * socket's route. */
async function opensQueued(anna, text) {
  const before = anna.routes.conversations.length;
  const queue = anna.desk.getByRole("region", { name: "Queued Chats" });
  await queue.getByRole("button").filter({ hasText: text }).click({ timeout: TIMEOUT });
  const pane = anna.desk.getByRole("region", { name: "Conversation" });
  await pane.getByRole("log").getByText(text).waitFor({ timeout: TIMEOUT });
  await until(() => anna.routes.conversations.length > before);
  return anna.routes.conversations[anna.routes.conversations.length - 1];
}

/** The sign-in screen, saying the session ended; the token is forgotten. */
async function signedOutWithReason(desk) {
  await desk.getByRole("button", { name: "Sign in" }).waitFor({ timeout: TIMEOUT });
  await desk.getByRole("alert").filter({ hasText: ENDED }).waitFor({ timeout: TIMEOUT });
  assert.equal(await desk.getByRole("region", { name: "Queued Chats" }).count(), 0);
  assert.equal(await desk.evaluate(() => localStorage.getItem("livechat:agent")), null);
}

test("a revoked token on the inbox socket signs the agent out, saying why", async () => {
  env.crashes.length = 0;
  const anna = await annaRouted();
  await until(() => anna.routes.inbox);
  await anna.desk.getByText("Connected", { exact: true }).waitFor({ timeout: TIMEOUT });
  await anna.routes.inbox.close({ code: 4401, reason: "token revoked" });
  await signedOutWithReason(anna.desk);
  // Signing in again works as ever, and the sentence goes.
  await anna.desk.getByLabel("Email").fill(anna.agent.email);
  await anna.desk.getByLabel("Password").fill(anna.agent.password);
  await anna.desk.getByRole("button", { name: "Sign in" }).click();
  await anna.desk.getByRole("region", { name: "Queued Chats" }).waitFor({ timeout: TIMEOUT });
  assert.equal(await anna.desk.getByText(ENDED).count(), 0);
  await anna.context.close();
  assert.deepEqual(env.crashes, []);
});

test("a conversation refused with 4403 closes its pane with a notice; 4401 signs out", async () => {
  env.crashes.length = 0;
  const anna = await annaRouted();
  await setStatus(env.worker.base, await token(env.worker.base, anna.agent), "available");
  const first = await visitorWrites("Can you see my basket?");
  const second = await visitorWrites("Do you ship abroad?");

  const refused = await opensQueued(anna, "Can you see my basket?");
  await refused.close({ code: 4403, reason: "forbidden" });
  const pane = anna.desk.getByRole("region", { name: "Conversation" });
  await pane.waitFor({ state: "detached", timeout: TIMEOUT });
  await anna.desk
    .getByRole("alert")
    .filter({ hasText: "You no longer have access to this conversation." })
    .waitFor({ timeout: TIMEOUT });
  await anna.desk.getByText("Select a conversation to read it.").waitFor();
  // Still signed in, the lists live.
  await anna.desk.getByRole("region", { name: "Queued Chats" }).waitFor();

  const revoked = await opensQueued(anna, "Do you ship abroad?");
  await revoked.close({ code: 4401, reason: "token revoked" });
  await signedOutWithReason(anna.desk);

  await Promise.all([first.close(), second.close(), anna.context.close()]);
  assert.deepEqual(env.crashes, []);
});
