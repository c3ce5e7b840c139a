// The visitor widget's own features against the real worker, in headless
// Chromium, finding every control by its accessible name: the queue
// position, "End chat" with its confirmation, a new chat for the same
// visitor, and the offline form when nobody can answer.
//
// The queue position is pushed by the worker on the conversation socket (a
// `queue` frame); a worker that does not push it yet leaves the widget's
// queue line empty, and the tests check that instead of the sentence.
import { test } from "node:test";
import assert from "node:assert/strict";
import { api as callApi, demo, setStatus as setAgentStatus, setUp, TIMEOUT, token, until } from "./harness.mjs";

const env = setUp();

const anna = demo.agents.find((a) => a.email === "anna@demo.test");

/** Calls the HTTP API of the worker under test. */
const api = (method, path, bearer, body) => callApi(env.worker.base, method, path, bearer, body);

const annaToken = () => token(env.worker.base, anna);

const setStatus = (bearer, status) => setAgentStatus(env.worker.base, bearer, status);

/** Opens the demo page in a fresh context and the chat in it. `pushed.queue`
 * turns true once the worker pushed a queue position to the page. */
async function openWidget() {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  const pushed = { queue: false };
  page.on("websocket", (ws) => {
    ws.on("framereceived", ({ payload }) => {
      if (typeof payload === "string" && /"type"\s*:\s*"queue"/.test(payload)) pushed.queue = true;
    });
  });
  await page.goto(`${env.worker.base}/demo/`);
  await page.getByRole("button", { name: "Open chat" }).click();
  return { context, page, pushed, chat: page.frameLocator('iframe[title="Chat"]') };
}

/** Waits a little for the worker's first queue frame, once the visitor's
 * first message was stored (it follows at once when the worker sends it);
 * answers whether it came. */
async function queuePushed(pushed) {
  const deadline = Date.now() + 5_000;
  while (!pushed.queue && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return pushed.queue;
}

/** The queue line: a polite live region that is always in the chat. */
function queueLine(chat) {
  return chat.locator("p.queue[role=status]");
}

/** The session the frame stored for the demo site. */
async function stored(page) {
  const frame = page.frames().find((f) => f.url().includes("/widget/frame"));
  assert.ok(frame, "the chat frame is on the page");
  const text = await frame.evaluate(() => localStorage.getItem("livechat:demo.website"));
  return JSON.parse(text);
}

/** Anna signs in to the agent app (her inbox connects) and is available. */
async function annaAtHerDesk() {
  const agentContext = await env.browser.newContext();
  const desk = await agentContext.newPage();
  await desk.goto(`${env.worker.base}/agent/`);
  await desk.getByLabel("Email").fill(anna.email);
  await desk.getByLabel("Password").fill(anna.password);
  await desk.getByRole("button", { name: "Sign in" }).click();
  await desk.getByRole("region", { name: "Queued Chats" }).waitFor({ timeout: TIMEOUT });
  const token = await annaToken();
  await setStatus(token, "available");
  return { agentContext, token };
}

test("queue position, End chat, and a new chat for the same visitor", async () => {
  const { agentContext } = await annaAtHerDesk();
  const availability = await api("GET", "/api/v1/visitor/availability?site_key=demo.website");
  if (availability.status !== 404) assert.equal(availability.body.online, true, JSON.stringify(availability.body));

  const { context, page, pushed, chat } = await openWidget();
  const message = chat.getByRole("textbox", { name: "Message", exact: true });
  await message.fill("Is anyone there?");
  await chat.getByRole("button", { name: "Send", exact: true }).click();
  const log = chat.getByRole("log");
  await log.getByRole("img", { name: "Sent" }).waitFor({ timeout: TIMEOUT });

  // Queued: the position is shown, in a polite live region.
  const position = chat.getByRole("status").filter({ hasText: /^You are number \d+ in the queue · / });
  assert.equal(await queueLine(chat).getAttribute("aria-live"), "polite");
  if (await queuePushed(pushed)) {
    await position.waitFor({ timeout: TIMEOUT });
    assert.match(await position.textContent(), /^You are number 1 in the queue · (less than a minute|about \d+ min)$/);
    assert.equal(await position.getAttribute("aria-live"), "polite");
  } else {
    assert.equal(await queueLine(chat).textContent(), "", "nothing pushed, nothing shown");
  }

  // "End chat" asks first; "Cancel" keeps the chat going.
  const end = chat.getByRole("button", { name: "End chat", exact: true });
  await end.click();
  await chat.getByText("End this chat?").waitFor();
  await chat.getByRole("button", { name: "Cancel", exact: true }).click();
  await chat.getByText("End this chat?").waitFor({ state: "detached" });
  assert.equal(await end.isVisible(), true);

  await end.click();
  await chat.getByRole("button", { name: "Confirm", exact: true }).click();
  await chat.getByText("This chat has ended.").waitFor({ timeout: TIMEOUT });
  await log.getByText(/^Visitor \S+ ended the chat$/).waitFor({ timeout: TIMEOUT });
  await end.waitFor({ state: "detached" });
  await position.waitFor({ state: "detached" });
  assert.equal(await message.isDisabled(), true, "nothing can be written to a closed chat");

  // A new chat belongs to the same visitor, in a new conversation.
  const before = await stored(page);
  await chat.getByRole("button", { name: "Start a new chat" }).click();
  await chat.getByText("This chat has ended.").waitFor({ state: "detached", timeout: TIMEOUT });
  await log.getByText(/ended the chat$/).waitFor({ state: "detached", timeout: TIMEOUT });
  await message.fill("One more question");
  await chat.getByRole("button", { name: "Send", exact: true }).click();
  await log.getByRole("img", { name: "Sent" }).waitFor({ timeout: TIMEOUT });
  const now = await stored(page);
  assert.equal(now.visitor_id, before.visitor_id);
  assert.equal(now.token, before.token);
  assert.notEqual(now.conversation_id, before.conversation_id);
  await chat.getByRole("button", { name: "End chat", exact: true }).waitFor({ timeout: TIMEOUT });

  await context.close();
  await agentContext.close();
});

test("the queue position goes once taken; an agent's close shows its reason", async () => {
  const { agentContext, token } = await annaAtHerDesk();
  const { context, page, pushed, chat } = await openWidget();
  await chat.getByRole("textbox", { name: "Message", exact: true }).fill("Where is my order?");
  await chat.getByRole("button", { name: "Send", exact: true }).click();
  await chat.getByRole("log").getByRole("img", { name: "Sent" }).waitFor({ timeout: TIMEOUT });
  const position = chat.getByRole("status").filter({ hasText: /^You are number \d+ in the queue/ });
  if (await queuePushed(pushed)) await position.waitFor({ timeout: TIMEOUT });

  const id = (await stored(page)).conversation_id;
  const taken = await api("POST", `/api/v1/agent/conversations/${id}/take`, token);
  assert.equal(taken.status, 200, JSON.stringify(taken.body));
  await position.waitFor({ state: "detached", timeout: TIMEOUT });
  await chat.locator("header").getByText("Anna", { exact: true }).waitFor({ timeout: TIMEOUT });

  const reason = "Your order ships <b>tomorrow</b>";
  const closed = await api("POST", `/api/v1/agent/conversations/${id}/close`, token, { comment: reason });
  assert.equal(closed.status, 200, JSON.stringify(closed.body));
  await chat.getByText("This chat has ended.").waitFor({ timeout: TIMEOUT });
  await chat.getByRole("log").getByText(`Anna closed the chat: ${reason}`, { exact: true }).waitFor({ timeout: TIMEOUT });
  await chat.getByRole("button", { name: "End chat" }).waitFor({ state: "detached" });
  await chat.getByRole("button", { name: "Start a new chat" }).waitFor();

  await context.close();
  await agentContext.close();
});

test("the queue line shows each position pushed on the socket, and goes at 0", async () => {
  const { agentContext } = await annaAtHerDesk();
  // The worker's socket, passed through but for its own queue frames: the
  // test sends those itself, so a position the worker pushes late (as the
  // workspace answers the first message) cannot land between the test's.
  const context = await env.browser.newContext();
  let socket;
  await context.routeWebSocket(/\/api\/v1\/conversations\/[^/]+\/ws/, (ws) => {
    const server = ws.connectToServer();
    server.onMessage((message) => {
      let type;
      try {
        type = JSON.parse(message).type;
      } catch {
        type = undefined;
      }
      if (type !== "queue") ws.send(message);
    });
    socket = ws;
  });
  const page = await context.newPage();
  await page.goto(`${env.worker.base}/demo/`);
  await page.getByRole("button", { name: "Open chat" }).click();
  const chat = page.frameLocator('iframe[title="Chat"]');
  await chat.getByRole("textbox", { name: "Message", exact: true }).fill("Anyone free?");
  await chat.getByRole("button", { name: "Send", exact: true }).click();
  await chat.getByRole("log").getByRole("img", { name: "Sent" }).waitFor({ timeout: TIMEOUT });
  assert.ok(socket, "the chat's socket went through the route");

  const line = queueLine(chat);
  const push = (position, estimated_wait_ms) =>
    socket.send(JSON.stringify({ type: "queue", position, estimated_wait_ms }));
  push(2, 150_000);
  await line.filter({ hasText: "You are number 2 in the queue · about 3 min" }).waitFor({ timeout: TIMEOUT });
  push(1, 20_000);
  await line.filter({ hasText: "You are number 1 in the queue · less than a minute" }).waitFor({ timeout: TIMEOUT });
  assert.equal(await line.getAttribute("aria-live"), "polite");
  push(0, 0);
  await until(async () => (await line.textContent()) === "");

  await context.close();
  await agentContext.close();
});

test("offline form when nobody can answer", async (t) => {
  // Nobody available: Anna (the only one who was) goes offline.
  await setStatus(await annaToken(), "offline");
  const availability = await api("GET", "/api/v1/visitor/availability?site_key=demo.website");
  if (availability.status === 404) {
    t.skip("availability endpoint missing");
    return;
  }
  assert.equal(availability.status, 200, JSON.stringify(availability.body));
  assert.equal(availability.body.online, false);

  const { context, page, chat } = await openWidget();
  const form = chat.getByRole("region", { name: "We are offline" });
  await form.waitFor({ timeout: TIMEOUT });
  assert.equal(await chat.getByRole("log").count(), 0, "the form replaces the chat");

  // Everything is required, and the email needs an @.
  const send = form.getByRole("button", { name: "Send", exact: true });
  await send.click();
  await form.getByText("Please enter your name.").waitFor();
  await form.getByText("Please write a message.").waitFor();
  assert.equal(await form.getByLabel("Name").evaluate((e) => e === document.activeElement), true);
  await form.getByLabel("Name").fill("Ada <b>Lovelace</b>");
  await form.getByLabel("Email").fill("ada.example.com");
  await form.getByLabel("Message", { exact: true }).fill("Please call me back about the skates.");
  await send.click();
  await form.getByText("Please enter a valid email, like name@example.com.").waitFor();
  await form.getByLabel("Email").fill("ada@example.com");
  await send.click();
  await chat.getByText("Thanks! We will reply by email.").waitFor({ timeout: TIMEOUT });

  // Nothing was stored for a chat the visitor never had.
  const frame = page.frames().find((f) => f.url().includes("/widget/frame"));
  assert.equal(await frame.evaluate(() => localStorage.getItem("livechat:demo.website")), null);
  await context.close();
});
