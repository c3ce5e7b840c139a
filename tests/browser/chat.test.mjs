// A visitor on the demo page and an agent in the agent app chat through the
// real worker, in headless Chromium, finding every control by its
// accessible name.
import { test } from "node:test";
import assert from "node:assert/strict";
import { demo, setStatus, setUp, TIMEOUT, token, until } from "./harness.mjs";

const env = setUp();

test("visitor and agent chat, with checkmarks", async () => {
  const anna = demo.agents.find((a) => a.email === "anna@demo.test");
  const hostile = 'Hi! <img src=x onerror="window.__pwned=1"><b>bold?</b>';

  // The agent signs in, in another browser context, and is available (set
  // through the API; the app's inbox keeps her connected): otherwise the
  // widget would offer the offline form.
  const agentContext = await env.browser.newContext();
  const desk = await agentContext.newPage();
  await desk.goto(`${env.worker.base}/agent/`);
  await desk.getByLabel("Email").fill(anna.email);
  await desk.getByLabel("Password").fill(anna.password);
  await desk.getByRole("button", { name: "Sign in" }).click();
  await desk.getByRole("region", { name: "Queued Chats" }).waitFor({ timeout: TIMEOUT });
  await setStatus(env.worker.base, await token(env.worker.base, anna), "available");

  // The visitor opens the demo page: only the launcher is there.
  const visitorContext = await env.browser.newContext();
  const page = await visitorContext.newPage();
  await page.goto(`${env.worker.base}/demo/`);
  const launcher = page.getByRole("button", { name: "Open chat" });
  await launcher.waitFor({ timeout: TIMEOUT });
  assert.equal(await page.locator("iframe").count(), 0, "no chat loaded before the visitor asks");
  await launcher.click();

  const chat = page.frameLocator('iframe[title="Chat"]');
  const message = chat.getByRole("textbox", { name: "Message", exact: true });
  await message.fill(hostile);
  await chat.getByRole("button", { name: "Send", exact: true }).click();
  // One check once the edge stored it.
  const visitorLog = chat.getByRole("log");
  await visitorLog.getByRole("img", { name: "Sent" }).waitFor({ timeout: TIMEOUT });
  await visitorLog.getByText(hostile, { exact: true }).waitFor({ timeout: TIMEOUT });
  await page.getByRole("button", { name: "Close chat" }).waitFor();

  const queue = desk.getByRole("region", { name: "Queued Chats" });
  const row = queue.getByRole("button").filter({ hasText: "bold?" });
  await row.waitFor({ timeout: TIMEOUT });
  await row.click();
  await desk.getByRole("button", { name: "Take it" }).click();
  const inProgress = desk.getByRole("region", { name: "Chats in Progress" });
  await inProgress.getByRole("button").first().waitFor({ timeout: TIMEOUT });
  // The visitor's text shows as text on the agent's side too.
  const transcript = desk.getByRole("log", { name: "Transcript" });
  await transcript.getByText(hostile, { exact: true }).waitFor({ timeout: TIMEOUT });

  // The agent has the chat open: the visitor's message turns read.
  await visitorLog.getByRole("img", { name: "Read" }).waitFor({ timeout: TIMEOUT });

  // The agent replies; the visitor sees the reply, the agent's name and the
  // agent's message turns read (the chat is open on the visitor's screen).
  await desk.getByRole("textbox", { name: "Message", exact: true }).fill("Hello from Anna, how can I help?");
  await desk.getByRole("button", { name: "Send", exact: true }).click();
  await visitorLog.getByText("Hello from Anna, how can I help?").waitFor({ timeout: TIMEOUT });
  await transcript.getByRole("img", { name: "Read" }).waitFor({ timeout: TIMEOUT });

  // Script in a message never ran, in either app.
  const frame = page.frames().find((f) => f.url().includes("/widget/frame"));
  assert.ok(frame, "the chat frame is on the page");
  assert.equal(await frame.evaluate(() => window.__pwned), undefined);
  assert.equal(await desk.evaluate(() => window.__pwned), undefined);
  assert.equal(await visitorLog.locator("img[src]").count(), 0);

  // A second visitor writes; Anna takes that chat too and it is the one on
  // her screen. When the first visitor writes again, the first chat shows an
  // unread count in the list and in the tab title.
  const secondContext = await env.browser.newContext();
  const second = await secondContext.newPage();
  await second.goto(`${env.worker.base}/demo/`);
  await second.getByRole("button", { name: "Open chat" }).click();
  const chat2 = second.frameLocator('iframe[title="Chat"]');
  await chat2.getByRole("textbox", { name: "Message", exact: true }).fill("Second visitor here");
  await chat2.getByRole("button", { name: "Send", exact: true }).click();
  const row2 = queue.getByRole("button").filter({ hasText: "Second visitor here" });
  await row2.waitFor({ timeout: TIMEOUT });
  await row2.click();
  await desk.getByRole("button", { name: "Take it" }).click();
  await transcript.getByText("Anna joined the chat").waitFor({ timeout: TIMEOUT });
  await message.fill("Are you still there?");
  await chat.getByRole("button", { name: "Send", exact: true }).click();
  const firstRow = inProgress.getByRole("button").filter({ hasText: "bold?" });
  await firstRow.getByLabel("1 unread").waitFor({ timeout: TIMEOUT });
  assert.match(await desk.title(), /^\(1\) /);
  // Opening it reads it: the badge goes and the visitor's message turns read.
  await firstRow.click();
  await transcript.getByText("Are you still there?").waitFor({ timeout: TIMEOUT });
  await firstRow.getByLabel("1 unread").waitFor({ state: "detached", timeout: TIMEOUT });
  await until(async () => (await visitorLog.getByRole("img", { name: "Read" }).count()) === 2);
  await secondContext.close();

  // The conversation survives a reload of the visitor's page.
  await page.reload();
  const again = page.frameLocator('iframe[title="Chat"]');
  await again.getByRole("log").getByText("Hello from Anna, how can I help?").waitFor({ timeout: TIMEOUT });

  await visitorContext.close();
  await agentContext.close();
});
