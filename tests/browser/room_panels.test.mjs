// Room information, Search messages and All chats in the agent app, against
// the real worker in headless Chromium, every control found by its
// accessible name: a regular expression finds the matching message and an
// invalid one shows the server's reason; Anna edits a chat's topic, a tag
// (from the workspace's list) and its priority, forwards it to Ben, and Ben
// sees her edit in his own "Room information" (and a refused tag shows the
// server's reason); Mark, a manager, finds a queued chat in "All chats",
// grouped and filtered, and opens it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { api, demo, SETUP_TOKEN, setStatus, setUp, signIn, success, TIMEOUT, token, until } from "./harness.mjs";

const env = setUp();

// The demo workspace, keeping a list of tags agents must pick from.
const labels = { tags: ["billing", "refund", "shipping"], dispositions: [], restrict_tags: true };
async function keepLabels() {
  const set = await api(env.worker.base, "POST", "/api/v1/admin/setup", SETUP_TOKEN, { ...demo, labels });
  if (set.status !== 200) throw new Error(`setup: ${JSON.stringify(set.body)}`);
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
  return { context, log: chat.getByRole("log") };
}

/** Opens the queued chat that says `text` and takes it. */
async function take(desk, text) {
  await desk.getByRole("region", { name: "Queued Chats" }).getByRole("button").filter({ hasText: text }).click({ timeout: TIMEOUT });
  const pane = desk.getByRole("region", { name: "Conversation" });
  await pane.getByRole("button", { name: "Take it" }).click();
  await pane.getByRole("button", { name: "Place on hold" }).waitFor({ timeout: TIMEOUT });
  return pane;
}

/** The terms and values of a dialog's definition list. */
async function facts(dialog) {
  return dialog.locator("dl").evaluate((dl) =>
    Object.fromEntries([...dl.querySelectorAll("dt")].map((dt) => [dt.textContent, dt.nextElementSibling.textContent])));
}

test("Search messages: a regular expression finds the message, an invalid one says why", async () => {
  env.crashes.length = 0;
  const question = "The checkout page shows error404 again";
  const reply = "Is error 42 still there too?";
  const anna = await signIn(env, "anna@demo.test");
  await setStatus(env.worker.base, await token(env.worker.base, anna.agent), "available");
  // An agent has no "All chats".
  assert.equal(await anna.desk.getByRole("button", { name: "All chats" }).count(), 0);
  const visitor = await visitorWrites(question);
  const pane = await take(anna.desk, question);
  await pane.getByRole("textbox", { name: "Message", exact: true }).fill(reply);
  await pane.getByRole("button", { name: "Send", exact: true }).click();
  await visitor.log.getByText(reply).waitFor({ timeout: TIMEOUT });

  const open = pane.getByRole("button", { name: "Search messages" });
  await open.click();
  const dialog = anna.desk.getByRole("dialog", { name: "Search messages" });
  const box = dialog.getByRole("searchbox", { name: "Search messages" });
  // The box has the focus: typing goes straight in.
  await until(async () => box.evaluate((el) => document.activeElement === el));
  await anna.desk.keyboard.type("error\\d{3}");
  assert.equal(await box.inputValue(), "error\\d{3}");
  const hits = dialog.getByRole("list", { name: "Matching messages" });
  // Plainly, nothing has those characters.
  await dialog.getByRole("status").filter({ hasText: "No match in 2 messages" }).waitFor({ timeout: TIMEOUT });
  assert.equal(await hits.getByRole("listitem").count(), 0);
  // As a pattern, the visitor's message matches, the agent's does not.
  await dialog.getByRole("checkbox", { name: "Regular expression" }).check();
  await dialog.getByRole("status").filter({ hasText: "1 of 2 messages" }).waitFor({ timeout: TIMEOUT });
  const items = await hits.getByRole("listitem").allInnerTexts();
  assert.equal(items.length, 1);
  assert.ok(items[0].includes(question), items[0]);
  assert.ok(!items[0].includes(reply), items[0]);
  // Typed on: plain words, as they are typed.
  await box.fill("still THERE");
  await dialog.getByRole("status").filter({ hasText: "1 of 2 messages" }).waitFor({ timeout: TIMEOUT });
  await hits.getByText(reply).waitFor({ timeout: TIMEOUT });
  assert.ok((await hits.getByRole("listitem").allInnerTexts())[0].includes("Anna"));
  // An invalid pattern: the server's reason, and no results.
  await box.fill("error(\\d");
  const alert = dialog.getByRole("alert").filter({ hasText: "Invalid pattern" });
  await alert.waitFor({ timeout: TIMEOUT });
  assert.equal(await hits.count(), 0);
  // Fixed, the results come back and the alert goes.
  await box.fill("error\\d+");
  await dialog.getByRole("status").filter({ hasText: "1 of 2 messages" }).waitFor({ timeout: TIMEOUT });
  assert.equal(await alert.count(), 0);
  // Escape closes it; the focus returns to the button.
  await anna.desk.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached", timeout: TIMEOUT });
  await until(async () => open.evaluate((b) => document.activeElement === b));

  assert.deepEqual(env.crashes, []);
  await visitor.context.close();
  await anna.context.close();
});

test("Room information: Anna's topic, tag and priority reach Ben after a forward", async () => {
  env.crashes.length = 0;
  const question = "I want a refund for order 4711";
  await keepLabels();
  const ben = await signIn(env, "ben@demo.test");
  await setStatus(env.worker.base, await token(env.worker.base, ben.agent), "available");
  const anna = await signIn(env, "anna@demo.test");
  const visitor = await visitorWrites(question);
  const pane = await take(anna.desk, question);

  await pane.getByRole("button", { name: "Room information" }).click();
  const room = anna.desk.getByRole("dialog", { name: "Room information" });
  await room.getByRole("button", { name: "Save" }).waitFor({ timeout: TIMEOUT });
  let shown = await facts(room);
  assert.equal(shown["Agent"], "Anna");
  assert.equal(shown["Status"], "In progress");
  assert.equal(shown["Department"], "Support");
  assert.equal(shown["Topic"], "None");
  assert.equal(shown["Priority"], "Medium");
  assert.match(shown["Queue time"], /^(under 1 s|\d+ s|\d+ min( \d+ s)?)$/);
  assert.match(shown["Taken"], /^Today, \d\d:\d\d$/);
  assert.equal(shown["First response time"], "No answer yet");
  // Tags come from the workspace's list only: no free text.
  const tags = room.getByRole("group", { name: "Tags" });
  assert.deepEqual(await tags.getByRole("checkbox").evaluateAll((boxes) => boxes.map((b) => b.parentElement.textContent)), labels.tags);
  assert.equal(await room.getByRole("textbox", { name: "New tag" }).count(), 0);
  await room.getByRole("textbox", { name: "Topic" }).fill("Refund for order 4711");
  await tags.getByRole("checkbox", { name: "refund" }).check();
  await room.getByRole("combobox", { name: "Priority", exact: true }).selectOption({ label: "High" });
  await room.getByRole("button", { name: "Save" }).click();
  await room.getByRole("status").filter({ hasText: "Room information saved." }).waitFor({ timeout: TIMEOUT });
  await until(async () => (await facts(room))["Topic"] === "Refund for order 4711");
  shown = await facts(room);
  assert.equal(shown["Tags"], "refund");
  assert.equal(shown["Priority"], "High");
  assert.equal(await room.getByRole("alert").count(), 0);
  await room.getByRole("button", { name: "Close", exact: true }).click();
  await room.waitFor({ state: "detached", timeout: TIMEOUT });
  // The header's menu follows.
  await until(async () => (await pane.getByRole("combobox", { name: "Priority" }).inputValue()) === "high");

  // Anna forwards the chat to Ben.
  await pane.getByRole("button", { name: "Forward" }).click();
  const forward = anna.desk.getByRole("dialog", { name: "Forward" });
  await forward.getByRole("radio", { name: /^Ben\b.*online/ }).check({ timeout: TIMEOUT });
  await forward.getByRole("textbox", { name: "Comment" }).fill("Refund approved, please confirm");
  await forward.getByRole("button", { name: "Confirm" }).click();
  await success(anna.desk, "The chat was forwarded to Ben.");

  // Ben opens it and reads what Anna set, and the transfer.
  await ben.desk.getByRole("region", { name: "Chats in Progress" }).getByRole("button").filter({ hasText: question }).click({ timeout: TIMEOUT });
  const benPane = ben.desk.getByRole("region", { name: "Conversation" });
  await benPane.getByRole("button", { name: "Room information" }).click();
  const benRoom = ben.desk.getByRole("dialog", { name: "Room information" });
  await benRoom.getByRole("button", { name: "Save" }).waitFor({ timeout: TIMEOUT });
  shown = await facts(benRoom);
  assert.equal(shown["Topic"], "Refund for order 4711");
  assert.equal(shown["Tags"], "refund");
  assert.equal(shown["Priority"], "High");
  assert.equal(shown["Agent"], "Ben");
  const transfers = benRoom.getByRole("region", { name: "Transfers" });
  await transfers.getByText("Anna forwarded the chat to Ben").waitFor({ timeout: TIMEOUT });
  await transfers.getByText("Refund approved, please confirm").waitFor({ timeout: TIMEOUT });
  // His form starts from her values.
  assert.equal(await benRoom.getByRole("textbox", { name: "Topic" }).inputValue(), "Refund for order 4711");
  assert.equal(await benRoom.getByRole("checkbox", { name: "refund" }).isChecked(), true);

  // A tag the workspace does not keep is refused: the server's reason shows
  // (the request is changed on its way, as an older app might send it).
  await ben.context.route("**/room", (route) =>
    route.request().method() === "POST"
      ? route.continue({ postData: JSON.stringify({ tags: ["vip"] }) })
      : route.continue());
  await benRoom.getByRole("checkbox", { name: "billing" }).check();
  await benRoom.getByRole("button", { name: "Save" }).click();
  await benRoom.getByRole("alert").filter({ hasText: "\"vip\" is not one of this workspace's tags" }).waitFor({ timeout: TIMEOUT });
  await ben.context.unroute("**/room");
  assert.equal((await facts(benRoom))["Tags"], "refund");

  assert.deepEqual(env.crashes, []);
  await visitor.context.close();
  await anna.context.close();
  await ben.context.close();
});

test("All chats: a manager finds a queued chat, grouped and filtered, and opens it", async () => {
  env.crashes.length = 0;
  const question = "Could someone call me back?";
  const mark = await signIn(env, "mark@demo.test");
  await setStatus(env.worker.base, await token(env.worker.base, mark.agent), "available");
  const visitor = await visitorWrites(question);

  await mark.desk.getByRole("button", { name: "All chats" }).click();
  const all = mark.desk.getByRole("region", { name: "All chats" });
  const support = all.getByRole("region", { name: "Support" });
  const queued = support.getByRole("list", { name: "Support: Queued" });
  await queued.getByRole("button").filter({ hasText: question }).waitFor({ timeout: TIMEOUT });
  // The chats the earlier tests left in progress are under their agents.
  await support.getByRole("list", { name: "Support: Anna" }).waitFor({ timeout: TIMEOUT });
  await support.getByRole("list", { name: "Support: Ben" }).waitFor({ timeout: TIMEOUT });
  // Only the queue.
  await all.getByRole("combobox", { name: "Agent", exact: true }).selectOption({ label: "Queued (no agent)" });
  await support.getByRole("list", { name: "Support: Ben" }).waitFor({ state: "detached", timeout: TIMEOUT });
  assert.equal(await support.getByRole("list", { name: "Support: Anna" }).count(), 0);
  await queued.waitFor({ timeout: TIMEOUT });
  // Sales has nothing open.
  await all.getByRole("combobox", { name: "Department", exact: true }).selectOption({ label: "Sales" });
  await all.getByText("No open chats match.").waitFor({ timeout: TIMEOUT });
  await all.getByRole("combobox", { name: "Department", exact: true }).selectOption({ label: "All departments" });
  // "Refresh" loads the list again; the filters stay.
  await all.getByRole("button", { name: "Refresh" }).click();
  await queued.getByRole("button").filter({ hasText: question }).click({ timeout: TIMEOUT });

  // It opens in the pane, as a preview Mark may take.
  const pane = mark.desk.getByRole("region", { name: "Conversation" });
  await pane.getByRole("log", { name: "Transcript" }).getByText(question).waitFor({ timeout: TIMEOUT });
  await pane.getByRole("button", { name: "Take it" }).waitFor({ timeout: TIMEOUT });
  await all.waitFor({ state: "detached", timeout: TIMEOUT });

  assert.deepEqual(env.crashes, []);
  await visitor.context.close();
  await mark.context.close();
});
