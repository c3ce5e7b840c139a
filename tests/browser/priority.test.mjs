// A conversation's priority, through the real worker, in headless Chromium,
// every control found by its accessible name: two visitors write; Anna and
// Ben (both Support, manual selection) see the older one first in Queued
// Chats; Anna makes the newer one Urgent from its header, and Ben's queue
// puts it first with an "Urgent" badge, live; a refused change puts Ben's
// menu back and says why; Anna takes the chat and it stays Urgent.
import { test } from "node:test";
import assert from "node:assert/strict";
import { demo, setStatus, setUp, signIn, success, TIMEOUT, token, until } from "./harness.mjs";

const env = setUp();

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

/** The texts of a list's lines, top to bottom. */
async function lines(desk, list) {
  return desk.getByRole("region", { name: list }).getByRole("listitem").allInnerTexts();
}

/** The label of a menu's chosen option. */
async function chosen(select) {
  return select.evaluate((s) => s.selectedOptions[0]?.textContent);
}

test("an agent sets a conversation's priority; every agent's queue follows it live", async () => {
  env.crashes.length = 0;
  const older = "My parcel never arrived";
  const newer = "The checkout page shows an error";

  const anna = await signIn(env, "anna@demo.test");
  const ben = await signIn(env, "ben@demo.test");
  // Someone must be available, or the widget offers the offline form.
  await setStatus(env.worker.base, await token(env.worker.base, anna.agent), "available");
  // Ben's page is never reloaded: whatever changes on it came live.
  await ben.desk.evaluate(() => { window.__sameDesk = true; });

  const first = await visitorWrites(older);
  const second = await visitorWrites(newer);

  // Both are Medium: the queue is by age, and no line has a badge.
  for (const desk of [anna.desk, ben.desk]) {
    await until(async () => {
      const l = await lines(desk, "Queued Chats");
      return l.length === 2 && l[0].includes(older) && l[1].includes(newer);
    });
    const queue = desk.getByRole("region", { name: "Queued Chats" });
    for (const word of ["Urgent", "High", "Low"]) {
      assert.equal(await queue.getByText(word, { exact: true }).count(), 0, `no ${word} badge yet`);
    }
  }

  // Anna opens the newer one from Queued Chats and makes it Urgent.
  await anna.desk
    .getByRole("region", { name: "Queued Chats" })
    .getByRole("button")
    .filter({ hasText: newer })
    .click();
  const pane = anna.desk.getByRole("region", { name: "Conversation" });
  await pane.getByRole("log", { name: "Transcript" }).getByText(newer).waitFor({ timeout: TIMEOUT });
  const priority = pane.getByRole("combobox", { name: "Priority" });
  await priority.waitFor({ timeout: TIMEOUT });
  assert.equal(await priority.inputValue(), "medium");
  assert.equal(await chosen(priority), "Medium");
  assert.deepEqual(
    await priority.getByRole("option").allTextContents(),
    ["Low", "Medium", "High", "Urgent"],
  );
  await priority.selectOption({ label: "Urgent" });
  await success(anna.desk, "Priority set to Urgent");
  assert.equal(await priority.inputValue(), "urgent");

  // Ben's queue, without a reload, now leads with it, badge and all.
  const benQueue = ben.desk.getByRole("region", { name: "Queued Chats" });
  await until(async () => {
    const l = await lines(ben.desk, "Queued Chats");
    return l.length === 2 && l[0].includes(newer) && l[1].includes(older);
  });
  const urgentRow = benQueue.getByRole("button").filter({ hasText: newer });
  await urgentRow.getByText("Urgent", { exact: true }).waitFor({ timeout: TIMEOUT });
  const olderRow = benQueue.getByRole("button").filter({ hasText: older });
  for (const word of ["Urgent", "High", "Low"]) {
    assert.equal(await olderRow.getByText(word, { exact: true }).count(), 0, "Medium has no badge");
  }
  // Anna's own queue too.
  await until(async () => (await lines(anna.desk, "Queued Chats"))[0]?.includes(newer));
  assert.equal(await ben.desk.evaluate(() => window.__sameDesk), true, "Ben's desk was not reloaded");

  // A refused change: Ben's request is sent with a priority that is not one
  // at all (a number: an unknown word now reads as a priority from a newer
  // build). The server's sentence shows, and the menu shows the real value.
  await olderRow.click();
  const benPane = ben.desk.getByRole("region", { name: "Conversation" });
  await benPane.getByRole("log", { name: "Transcript" }).getByText(older).waitFor({ timeout: TIMEOUT });
  const benPriority = benPane.getByRole("combobox", { name: "Priority" });
  await until(async () => (await benPriority.inputValue()) === "medium");
  await ben.context.route("**/priority", (route) =>
    route.continue({ postData: JSON.stringify({ priority: 7 }) }));
  const refused = ben.desk.waitForResponse((r) => r.url().endsWith("/priority"));
  await benPriority.selectOption({ label: "High" });
  const answer = await refused;
  assert.equal(answer.status(), 400);
  const { error } = await answer.json();
  assert.equal(error.code, "bad_request");
  const sentence = error.message.charAt(0).toUpperCase() + error.message.slice(1);
  await ben.desk.getByRole("alert").filter({ hasText: sentence }).waitFor({ timeout: TIMEOUT });
  await until(async () => (await benPriority.inputValue()) === "medium" && (await benPriority.isEnabled()));
  assert.equal(await chosen(benPriority), "Medium");
  assert.equal(await olderRow.getByText("High", { exact: true }).count(), 0, "nothing changed");
  await ben.context.unroute("**/priority");
  await ben.desk.getByRole("button", { name: "Dismiss" }).click();

  // Anna takes the urgent chat: it is hers, and still Urgent.
  await pane.getByRole("button", { name: "Take it" }).click();
  await pane.getByRole("button", { name: "Place on hold" }).waitFor({ timeout: TIMEOUT });
  await pane.getByRole("textbox", { name: "Message", exact: true }).waitFor({ timeout: TIMEOUT });
  assert.equal(await priority.inputValue(), "urgent");
  assert.equal(await chosen(priority), "Urgent");
  await anna.desk
    .getByRole("region", { name: "Chats in Progress" })
    .getByRole("button")
    .filter({ hasText: newer })
    .getByText("Urgent", { exact: true })
    .waitFor({ timeout: TIMEOUT });
  // It left Ben's queue; the older one is all that waits.
  await until(async () => {
    const l = await lines(ben.desk, "Queued Chats");
    return l.length === 1 && l[0].includes(older);
  });

  assert.deepEqual(env.crashes, []);
  await first.close();
  await second.close();
  await anna.context.close();
  await ben.context.close();
});
