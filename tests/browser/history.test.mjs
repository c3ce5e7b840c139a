// A contact's chat history in the agent app, against the real worker in
// headless Chromium, every control found by its accessible name: a visitor
// writes, Anna takes the chat, replies and closes it with a comment; the
// visitor starts a new chat and writes again; Anna takes the new one, opens
// "Chat history", sees both (newest first, the one on screen marked), and
// opens the earlier one: its messages, her reply included, and no way to
// write in it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { demo, setUp, signIn, success, TIMEOUT, until } from "./harness.mjs";

const env = setUp();

test("Chat history: a contact's earlier chat, read-only", async () => {
  env.crashes.length = 0;
  // Markup in a visitor's text stays text, in the history too.
  const first = "My parcel <b>4711</b> is late";
  const reply = "I am sending a new one today.";
  const second = "The new parcel came, thanks!";

  // Anna makes herself Available (otherwise the widget offers the offline
  // form).
  const anna = await signIn(env, "anna@demo.test");
  const status = anna.desk.getByRole("combobox", { name: "Status", exact: true });
  await until(async () => (await status.isEnabled()) && (await status.inputValue()) === "offline");
  await status.selectOption({ label: "Available" });
  await success(anna.desk, "Your status is Available.");

  // The visitor writes from the demo page.
  const visitorContext = await env.browser.newContext();
  const page = await visitorContext.newPage();
  await page.goto(`${env.worker.base}/demo/`);
  await page.getByRole("button", { name: "Open chat" }).click();
  const chat = page.frameLocator('iframe[title="Chat"]');
  const message = chat.getByRole("textbox", { name: "Message", exact: true });
  await message.fill(first);
  await chat.getByRole("button", { name: "Send", exact: true }).click();
  const visitorLog = chat.getByRole("log");
  await visitorLog.getByRole("img", { name: "Sent" }).waitFor({ timeout: TIMEOUT });

  // Anna takes it, replies and closes it with a comment.
  const queue = anna.desk.getByRole("region", { name: "Queued Chats" });
  await queue.getByRole("button").filter({ hasText: first }).click({ timeout: TIMEOUT });
  await anna.desk.getByRole("button", { name: "Take it" }).click();
  const pane = anna.desk.getByRole("region", { name: "Conversation" });
  const transcript = pane.getByRole("log", { name: "Transcript" });
  await pane.getByRole("button", { name: "Place on hold" }).waitFor({ timeout: TIMEOUT });
  await pane.getByRole("textbox", { name: "Message", exact: true }).fill(reply);
  await pane.getByRole("button", { name: "Send", exact: true }).click();
  await visitorLog.getByText(reply).waitFor({ timeout: TIMEOUT });
  await pane.getByRole("button", { name: "Close", exact: true }).click();
  const close = anna.desk.getByRole("dialog", { name: "Close" });
  await close.getByRole("textbox", { name: "Comment" }).fill("New parcel on its way");
  await close.getByRole("button", { name: "Confirm" }).click();
  await success(anna.desk, "The chat is closed.");
  await chat.getByText("This chat has ended.").waitFor({ timeout: TIMEOUT });

  // The same visitor starts a new chat and writes again.
  await chat.getByRole("button", { name: "Start a new chat" }).click();
  await chat.getByText("This chat has ended.").waitFor({ state: "detached", timeout: TIMEOUT });
  await message.fill(second);
  await chat.getByRole("button", { name: "Send", exact: true }).click();
  await visitorLog.getByRole("img", { name: "Sent" }).waitFor({ timeout: TIMEOUT });

  // Anna takes the new chat and opens its contact's history.
  await queue.getByRole("button").filter({ hasText: second }).click({ timeout: TIMEOUT });
  await anna.desk.getByRole("button", { name: "Take it" }).click();
  await pane.getByRole("button", { name: "Place on hold" }).waitFor({ timeout: TIMEOUT });
  await transcript.getByText(second, { exact: true }).waitFor({ timeout: TIMEOUT });
  const visitorName = (await pane.getByRole("heading", { level: 1 }).textContent()).trim();
  assert.match(visitorName, /^Visitor /);

  const historyButton = pane.getByRole("button", { name: "Chat history", exact: true });
  await historyButton.click();
  const dialog = anna.desk.getByRole("dialog", { name: "Chat history" });
  await dialog.getByRole("heading", { name: "Chat history" }).waitFor({ timeout: TIMEOUT });
  await dialog.getByText(visitorName, { exact: true }).waitFor({ timeout: TIMEOUT });
  const items = dialog.getByRole("list", { name: "Chats" }).getByRole("listitem");
  await until(async () => (await items.count()) === 2);

  // Newest first: the chat on screen, marked, in progress with Anna.
  const now = items.nth(0);
  await now.getByText("This chat", { exact: true }).waitFor();
  await now.getByText(second, { exact: true }).waitFor();
  assert.match(await now.textContent(), /In progress · Anna/);
  assert.equal(await now.getByRole("button").count(), 0, "the chat on screen is not a link to itself");
  // Then the earlier one: closed, worked by Anna, its first message as text.
  const earlier = items.nth(1);
  await earlier.getByText(first, { exact: true }).waitFor();
  assert.match(await earlier.textContent(), /Closed · Anna/);
  assert.equal(await earlier.getByText("This chat", { exact: true }).count(), 0);
  assert.equal(await dialog.locator("b").count(), 0, "no visitor markup became HTML");

  // Escape closes it and the focus goes back to the button; so does "Close".
  await anna.desk.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached", timeout: TIMEOUT });
  await until(async () => await historyButton.evaluate((b) => b === document.activeElement));
  await historyButton.click();
  await dialog.getByRole("button", { name: "Close", exact: true }).click();
  await dialog.waitFor({ state: "detached", timeout: TIMEOUT });

  // Opening the earlier chat shows it in the pane, read-only.
  await historyButton.click();
  await items.nth(1).getByRole("button").click({ timeout: TIMEOUT });
  await dialog.waitFor({ state: "detached", timeout: TIMEOUT });
  await transcript.getByText(first, { exact: true }).waitFor({ timeout: TIMEOUT });
  await transcript.getByText(reply, { exact: true }).waitFor({ timeout: TIMEOUT });
  await transcript.getByText("Anna closed the chat: New parcel on its way").waitFor({ timeout: TIMEOUT });
  assert.equal(await transcript.getByText(second, { exact: true }).count(), 0, "only the earlier chat's messages");
  await pane.getByText("This conversation is closed.").waitFor({ timeout: TIMEOUT });
  // The header says it is closed.
  await pane.locator("header").getByText(/· Closed$/).waitFor({ timeout: TIMEOUT });
  assert.equal(await pane.getByRole("textbox", { name: "Message" }).count(), 0, "no reply box");
  assert.equal(await pane.getByRole("button", { name: "Send", exact: true }).count(), 0);
  assert.equal(await pane.getByRole("button", { name: "Take it" }).count(), 0);
  assert.equal(await pane.getByRole("group", { name: "Conversation actions" }).count(), 0);

  // From there the history marks the earlier chat, and leads back.
  await historyButton.click();
  await items.nth(1).getByText("This chat", { exact: true }).waitFor({ timeout: TIMEOUT });
  await items.nth(0).getByRole("button").click();
  await transcript.getByText(second, { exact: true }).waitFor({ timeout: TIMEOUT });
  await pane.getByRole("textbox", { name: "Message", exact: true }).waitFor({ timeout: TIMEOUT });

  assert.deepEqual(env.crashes, []);
  await visitorContext.close();
  await anna.context.close();
});
