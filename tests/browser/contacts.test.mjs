// Contacts in the agent app, against the real worker in headless Chromium,
// every control found by its accessible name: a visitor writes, Anna takes
// the chat, edits the visitor's "Contact information" and forwards the chat
// to Ben; Ben sees her edit in the chat's "Contact information", finds the
// contact in "Contacts" as he types (name, phone), closes the chat, and
// finds it in "Chat history" by what the visitor wrote.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setUp, signIn, success, TIMEOUT, until } from "./harness.mjs";

const env = setUp();

async function available(agent) {
  const status = agent.desk.getByRole("combobox", { name: "Status", exact: true });
  await until(async () => (await status.isEnabled()) && (await status.inputValue()) === "offline");
  await status.selectOption({ label: "Available" });
  await success(agent.desk, "Your status is Available.");
}

test("Contacts: an edit in one agent's chat reaches the next agent and the directory", async () => {
  env.crashes.length = 0;
  const question = "Where is my order 98765 kumquat?";
  const anna = await signIn(env, "anna@demo.test");
  const ben = await signIn(env, "ben@demo.test");
  await available(anna);
  await available(ben);

  // The visitor writes from the demo page.
  const visitorContext = await env.browser.newContext();
  const page = await visitorContext.newPage();
  await page.goto(`${env.worker.base}/demo/`);
  await page.getByRole("button", { name: "Open chat" }).click();
  const chat = page.frameLocator('iframe[title="Chat"]');
  await chat.getByRole("textbox", { name: "Message", exact: true }).fill(question);
  await chat.getByRole("button", { name: "Send", exact: true }).click();
  await chat.getByRole("log").getByRole("img", { name: "Sent" }).waitFor({ timeout: TIMEOUT });

  // Anna takes it and edits the contact.
  const queue = anna.desk.getByRole("region", { name: "Queued Chats" });
  await queue.getByRole("button").filter({ hasText: question }).click({ timeout: TIMEOUT });
  await anna.desk.getByRole("button", { name: "Take it" }).click();
  const pane = anna.desk.getByRole("region", { name: "Conversation" });
  await pane.getByRole("button", { name: "Place on hold" }).waitFor({ timeout: TIMEOUT });
  await pane.getByRole("button", { name: "Contact information" }).click();
  const info = anna.desk.getByRole("dialog", { name: "Contact information" });
  await info.getByRole("button", { name: "Edit" }).click({ timeout: TIMEOUT });
  const form = info.getByRole("form", { name: "Edit contact" });
  await form.getByRole("textbox", { name: "Name", exact: true }).fill("Grace Hopper");
  await form.getByRole("textbox", { name: "Email", exact: true }).fill("not an address");
  await form.getByRole("button", { name: "Save" }).click();
  // The server refuses, saying why; the form stays.
  await form.getByRole("alert").filter({ hasText: "email" }).waitFor({ timeout: TIMEOUT });
  await form.getByRole("textbox", { name: "Email", exact: true }).fill("grace@example.com");
  await form.getByRole("textbox", { name: "Phone", exact: true }).fill("+1 (555) 014-2000");
  await form.getByRole("combobox", { name: "Contact manager" }).selectOption({ label: "Ben" });
  await form.getByRole("button", { name: "Save" }).click();
  await form.waitFor({ state: "detached", timeout: TIMEOUT });
  await info.getByText("grace@example.com").waitFor({ timeout: TIMEOUT });
  await info.getByRole("button", { name: "Close", exact: true }).click();
  await info.waitFor({ state: "detached", timeout: TIMEOUT });

  // Anna forwards the chat to Ben.
  await pane.getByRole("button", { name: "Forward" }).click();
  const forward = anna.desk.getByRole("dialog", { name: "Forward" });
  await forward.getByRole("radio", { name: /^Ben\b.*online/ }).check({ timeout: TIMEOUT });
  await forward.getByRole("button", { name: "Confirm" }).click();
  await success(anna.desk, "The chat was forwarded to Ben.");

  // Ben opens it and sees Anna's edit.
  const benProgress = ben.desk.getByRole("region", { name: "Chats in Progress" });
  await benProgress.getByRole("button").filter({ hasText: question }).click({ timeout: TIMEOUT });
  const benPane = ben.desk.getByRole("region", { name: "Conversation" });
  await benPane.getByRole("button", { name: "Contact information" }).click({ timeout: TIMEOUT });
  const benInfo = ben.desk.getByRole("dialog", { name: "Contact information" });
  for (const text of ["Grace Hopper", "grace@example.com", "+1 (555) 014-2000"]) {
    await benInfo.getByText(text, { exact: true }).waitFor({ timeout: TIMEOUT });
  }
  const manager = benInfo.locator(".contact-row").filter({ hasText: "Contact manager" });
  await until(async () => (await manager.textContent()).includes("Ben"));
  await benInfo.getByRole("button", { name: "Close", exact: true }).click();

  // The directory finds the contact as Ben types: name, then phone.
  await ben.desk.getByRole("button", { name: "Contacts", exact: true }).click();
  const search = ben.desk.getByRole("searchbox", { name: "Search contacts" });
  const found = ben.desk.getByRole("list", { name: "Contacts found" });
  await search.pressSequentially("gra h", { delay: 40 });
  await found.getByRole("button").filter({ hasText: "Grace Hopper" }).waitFor({ timeout: TIMEOUT });
  await search.fill("");
  await search.pressSequentially("zzqq", { delay: 40 });
  await ben.desk.getByText("No contacts found.").waitFor({ timeout: TIMEOUT });
  await search.fill("");
  await search.pressSequentially("5550142", { delay: 40 });
  await found.getByRole("button").filter({ hasText: "Grace Hopper" }).click({ timeout: TIMEOUT });
  const detail = ben.desk.getByRole("region", { name: "Contact" });
  await detail.getByText("grace@example.com", { exact: true }).waitFor({ timeout: TIMEOUT });

  // Ben closes the chat; its history finds it by what the visitor wrote.
  await benProgress.getByRole("button").filter({ hasText: question }).click({ timeout: TIMEOUT });
  await benPane.getByRole("button", { name: "Close", exact: true }).click();
  const close = ben.desk.getByRole("dialog", { name: "Close" });
  await close.getByRole("textbox", { name: "Comment" }).fill("Sent the tracking link");
  await close.getByRole("button", { name: "Confirm" }).click();
  await success(ben.desk, "The chat is closed.");
  await benPane.getByRole("button", { name: "Chat history" }).click();
  const history = ben.desk.getByRole("dialog", { name: "Chat history" });
  const box = history.getByRole("searchbox", { name: "Search chat history" });
  await box.pressSequentially("kumq", { delay: 40 });
  await history.getByRole("list", { name: "Chats" }).getByText(question).waitFor({ timeout: TIMEOUT });
  await box.pressSequentially(" nothingsaid", { delay: 20 });
  await history.getByText("No chats with these words.").waitFor({ timeout: TIMEOUT });

  assert.deepEqual(env.crashes, []);
  await visitorContext.close();
  await anna.context.close();
  await ben.context.close();
});
