// The life of a conversation through the real worker, in headless
// Chromium, every control found by its accessible name: Ben makes himself
// Available, a visitor writes, Anna takes the chat, replies, places it on hold, resumes it and forwards
// it to Ben with a comment; Ben (Available) reads the comment and closes the
// chat with a comment and tags; the visitor sees the closing line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { demo, setUp, SETUP_TOKEN, signIn, success, TIMEOUT, until } from "./harness.mjs";

const env = setUp();

test("take, reply, hold, resume, forward with a comment, close with tags", async () => {
  env.crashes.length = 0;
  const question = "Where is my order 4711?";

  // Ben starts Offline, as the server has him, and makes himself Available
  // (with nobody available, the widget offers the offline form instead).
  const ben = await signIn(env, "ben@demo.test");
  const benStatus = ben.desk.getByRole("combobox", { name: "Status", exact: true });
  await until(async () => (await benStatus.isEnabled()) && (await benStatus.inputValue()) === "offline");
  await benStatus.selectOption({ label: "Available" });
  await success(ben.desk, "Your status is Available.");
  assert.equal(await benStatus.inputValue(), "available");

  // The visitor writes from the demo page.
  const visitorContext = await env.browser.newContext();
  const page = await visitorContext.newPage();
  await page.goto(`${env.worker.base}/demo/`);
  await page.getByRole("button", { name: "Open chat" }).click();
  const chat = page.frameLocator('iframe[title="Chat"]');
  await chat.getByRole("textbox", { name: "Message", exact: true }).fill(question);
  await chat.getByRole("button", { name: "Send", exact: true }).click();
  const visitorLog = chat.getByRole("log");
  await visitorLog.getByRole("img", { name: "Sent" }).waitFor({ timeout: TIMEOUT });

  // Anna takes the chat and replies.
  const anna = await signIn(env, "anna@demo.test");
  const annaStatus = anna.desk.getByRole("combobox", { name: "Status", exact: true });
  await until(async () => (await annaStatus.inputValue()) === "offline");
  const row = anna.desk.getByRole("region", { name: "Queued Chats" }).getByRole("button").filter({ hasText: question });
  await row.click();
  await anna.desk.getByRole("button", { name: "Take it" }).click();
  const pane = anna.desk.getByRole("region", { name: "Conversation" });
  await pane.getByRole("button", { name: "Place on hold" }).waitFor({ timeout: TIMEOUT });
  // The visitor wrote last: the server refuses the hold, and says why.
  await pane.getByRole("button", { name: "Place on hold" }).click();
  await anna.desk
    .getByRole("alert")
    .filter({ hasText: "A chat can be placed on hold only when you sent the last message" })
    .waitFor({ timeout: TIMEOUT });
  await anna.desk.getByRole("button", { name: "Dismiss" }).click();
  await pane.getByRole("textbox", { name: "Message", exact: true }).fill("Let me look that up for you.");
  await pane.getByRole("button", { name: "Send", exact: true }).click();
  await visitorLog.getByText("Let me look that up for you.").waitFor({ timeout: TIMEOUT });

  // Her message is the last one: she may place the chat on hold.
  await pane.getByRole("button", { name: "Place on hold" }).click();
  await success(anna.desk, "The chat is on hold.");
  const onHold = anna.desk.getByRole("region", { name: "On Hold" });
  await onHold.getByRole("button").filter({ hasText: question }).waitFor({ timeout: TIMEOUT });
  await pane.getByRole("button", { name: "Resume" }).waitFor({ timeout: TIMEOUT });
  // Resume from the On Hold list.
  await onHold.getByRole("button", { name: "Resume" }).click();
  await success(anna.desk, "The chat is resumed.");
  await pane.getByRole("button", { name: "Place on hold" }).waitFor({ timeout: TIMEOUT });
  await onHold.getByRole("button").filter({ hasText: question }).waitFor({ state: "detached", timeout: TIMEOUT });

  // Anna forwards it to Ben, who is online, with a comment.
  await pane.getByRole("button", { name: "Forward" }).click();
  const forward = anna.desk.getByRole("dialog", { name: "Forward" });
  // Mark is offline: the server refuses, the dialog says why and stays.
  await forward.getByRole("radio", { name: /^Mark\b.*offline/ }).check({ timeout: TIMEOUT });
  await forward.getByRole("button", { name: "Confirm" }).click();
  await forward.getByRole("alert").filter({ hasText: "That agent is not available" }).waitFor({ timeout: TIMEOUT });
  await forward.getByRole("radio", { name: /^Ben\b.*online/ }).check();
  await forward.getByRole("radio", { name: /^Sales\b/ }).waitFor();
  await forward.getByRole("textbox", { name: "Comment" }).fill("VIP customer, please check order 4711");
  await forward.getByRole("button", { name: "Confirm" }).click();
  await success(anna.desk, "The chat was forwarded to Ben.");
  await forward.waitFor({ state: "detached", timeout: TIMEOUT });
  const annaInProgress = anna.desk.getByRole("region", { name: "Chats in Progress" });
  await annaInProgress.getByRole("button").filter({ hasText: question }).waitFor({ state: "detached", timeout: TIMEOUT });

  // Ben has it in Chats in Progress, with Anna's comment in the transcript
  // (a line for agents only: the visitor sees the transfer, not the comment).
  const benRow = ben.desk.getByRole("region", { name: "Chats in Progress" }).getByRole("button").filter({ hasText: question });
  await benRow.click({ timeout: TIMEOUT });
  const benPane = ben.desk.getByRole("region", { name: "Conversation" });
  const transcript = benPane.getByRole("log", { name: "Transcript" });
  await transcript.getByText("Anna forwarded the chat to Ben").first().waitFor({ timeout: TIMEOUT });
  await transcript
    .getByText("Comment from Anna: VIP customer, please check order 4711")
    .waitFor({ timeout: TIMEOUT });

  // Closing needs a comment: without one, nothing is sent.
  await benPane.getByRole("button", { name: "Close" }).click();
  const close = ben.desk.getByRole("dialog", { name: "Close" });
  await close.getByRole("button", { name: "Confirm" }).click();
  await ben.desk.getByRole("alert").filter({ hasText: "A comment is required" }).waitFor({ timeout: TIMEOUT });
  await close.getByRole("textbox", { name: "Comment" }).fill("Your order ships today.");
  await close.getByLabel("Tags").fill("orders, vip");
  await close.getByRole("combobox", { name: "Disposition" }).selectOption("Solved");
  await close.getByRole("button", { name: "Confirm" }).click();
  await success(ben.desk, "The chat is closed.");
  await transcript.getByText("Ben closed the chat: Your order ships today.").waitFor({ timeout: TIMEOUT });
  await benRow.waitFor({ state: "detached", timeout: TIMEOUT });

  // The visitor sees why the chat ended.
  await visitorLog.getByText("Ben closed the chat: Your order ships today.").waitFor({ timeout: TIMEOUT });

  assert.deepEqual(env.crashes, []);
  await visitorContext.close();
  await anna.context.close();
  await ben.context.close();
});


/** A visitor of `siteKey` writes `text`, over the API, from a page of the
 * worker's origin; answers once the edge stored it. */
async function visitorWrites(siteKey, text) {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${env.worker.base}/api/v1/health`);
  await page.evaluate(async ({ siteKey, text }) => {
    const post = async (path, body, token) => {
      const headers = { "content-type": "application/json" };
      if (token) headers.authorization = `Bearer ${token}`;
      const r = await fetch(path, { method: "POST", headers, body: JSON.stringify(body) });
      if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
      return r.json();
    };
    const { token } = await post("/api/v1/visitor/session", { site_key: siteKey });
    const { conversation_id: id } = await post("/api/v1/visitor/conversations", {}, token);
    const ws = new WebSocket(`${location.origin.replace("http", "ws")}/api/v1/conversations/${id}/ws?token=${encodeURIComponent(token)}`);
    window.visitorSocket = ws;
    await new Promise((resolve, reject) => {
      ws.onerror = () => reject(new Error("socket error"));
      ws.onopen = () => ws.send(JSON.stringify({ type: "hello", version: 1, last_seq: 0 }));
      ws.onmessage = (e) => {
        const frame = JSON.parse(e.data);
        if (frame.type === "welcome") ws.send(JSON.stringify({ type: "send", client_id: "c-offer-1", text }));
        if (frame.type === "ack") resolve();
      };
    });
  }, { siteKey, text });
  return context;
}

test("offers under auto selection: card, countdown, tab title, Accept, Decline; Move to the queue", async () => {
  env.crashes.length = 0;
  const auto = {
    workspace: "autotest",
    departments: [{ id: "support", name: "Support" }],
    sites: [{ id: "website", name: "Auto website", department: "support" }],
    agents: [{ email: "ava@auto.test", name: "Ava", role: "agent", password: "ava-auto-pass", departments: ["support"] }],
    routing: { algorithm: "auto_selection", offer_timeout_ms: 120_000 },
  };
  const seeded = await fetch(`${env.worker.base}/api/v1/admin/setup`, {
    method: "POST",
    headers: { authorization: `Bearer ${SETUP_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(auto),
  });
  assert.equal(seeded.status, 200, await seeded.text());

  const ava = await signIn(env, "ava@auto.test", auto);
  const status = ava.desk.getByRole("combobox", { name: "Status", exact: true });
  await until(async () => (await status.isEnabled()) && (await status.inputValue()) === "offline");
  await status.selectOption({ label: "Available" });
  await success(ava.desk, "Your status is Available.");

  const question = "Can I change my delivery address?";
  const visitor = await visitorWrites("autotest.website", question);

  // The offer shows prominently, with the first message and a countdown,
  // and the tab title says a new chat waits.
  const offer = ava.desk.getByRole("alertdialog", { name: "Offer" });
  await offer.getByText(question).waitFor({ timeout: TIMEOUT });
  await offer.getByText(/\d+ s left/).waitFor();
  await until(async () => (await ava.desk.title()).includes("New chat"));

  await offer.getByRole("button", { name: "Accept" }).click();
  await success(ava.desk, "You accepted the chat");
  await offer.waitFor({ state: "detached", timeout: TIMEOUT });
  await until(async () => !(await ava.desk.title()).includes("New chat"));
  // Accepting opens the conversation, which is now hers.
  const pane = ava.desk.getByRole("region", { name: "Conversation" });
  await pane.getByRole("log", { name: "Transcript" }).getByText(question).waitFor({ timeout: TIMEOUT });
  await pane.getByRole("button", { name: "Place on hold" }).waitFor({ timeout: TIMEOUT });
  await ava.desk
    .getByRole("region", { name: "Chats in Progress" })
    .getByRole("button")
    .filter({ hasText: question })
    .waitFor({ timeout: TIMEOUT });

  // She gives it back: it waits in the queue, and is not offered to her again.
  await pane.getByRole("button", { name: "Move to the queue" }).click();
  await success(ava.desk, "The chat is back in the queue.");
  await ava.desk
    .getByRole("region", { name: "Queued Chats" })
    .getByRole("button")
    .filter({ hasText: question })
    .waitFor({ timeout: TIMEOUT });

  // Another visitor: she declines, the card goes and so does "New chat".
  const other = "Do you ship to Norway?";
  const second = await visitorWrites("autotest.website", other);
  const offer2 = ava.desk.getByRole("alertdialog", { name: "Offer" }).filter({ hasText: other });
  await offer2.getByRole("button", { name: "Decline" }).click({ timeout: TIMEOUT });
  await success(ava.desk, "You declined the chat");
  await offer2.waitFor({ state: "detached", timeout: TIMEOUT });
  await until(async () => !(await ava.desk.title()).includes("New chat"));

  assert.deepEqual(env.crashes, []);
  await second.close();
  await visitor.close();
  await ava.context.close();
});
