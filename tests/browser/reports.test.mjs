// "Reports" in the agent app, against the real worker in headless Chromium,
// every control found by its accessible name: two visitors write from the
// demo page; Anna takes and closes one chat, the other visitor ends theirs
// while it waits. Mark (a manager) opens "Reports": the totals, the charts
// (images with a text alternative) and the tables with their headers show
// those chats, a department filter narrows them, and "Export CSV", pressed
// from the keyboard, downloads the table as CSV. An agent has no "Reports".
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { api, demo, setUp, signIn, success, token, TIMEOUT, until } from "./harness.mjs";

const env = setUp();
const person = (email) => demo.agents.find((a) => a.email === email);

/** A visitor writes `text` from the demo page; answers the chat's frame. */
async function visitorWrites(text) {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${env.worker.base}/demo/`);
  await page.getByRole("button", { name: "Open chat" }).click();
  const chat = page.frameLocator('iframe[title="Chat"]');
  await chat.getByRole("textbox", { name: "Message", exact: true }).fill(text);
  await chat.getByRole("button", { name: "Send", exact: true }).click();
  await chat.getByRole("log").getByRole("img", { name: "Sent" }).waitFor({ timeout: TIMEOUT });
  return chat;
}

test("Reports: charts and tables of the chats, filters, and the CSV download", async () => {
  env.crashes.length = 0;
  const base = env.worker.base;
  const anna = await token(base, person("anna@demo.test"));
  const mark = await token(base, person("mark@demo.test"));
  // Someone is online, so the widget takes chats (not offline messages).
  const agent = await signIn(env, "anna@demo.test");
  const status = agent.desk.getByRole("combobox", { name: "Status", exact: true });
  await until(async () => (await status.isEnabled()) && (await status.inputValue()) === "offline");
  await status.selectOption({ label: "Available" });
  await success(agent.desk, "Your status is Available.");

  // One chat is taken and closed by Anna.
  await visitorWrites("Do you ship to Norway?");
  let waiting;
  await until(async () => {
    const all = await api(base, "GET", "/api/v1/agent/all-chats", mark);
    waiting = all.body.conversations?.find((c) => c.preview === "Do you ship to Norway?");
    return waiting !== undefined;
  });
  assert.equal((await api(base, "POST", `/api/v1/agent/conversations/${waiting.id}/take`, anna)).status, 200);
  const closed = await api(base, "POST", `/api/v1/agent/conversations/${waiting.id}/close`, anna, { comment: "Answered" });
  assert.equal(closed.status, 200, JSON.stringify(closed.body));

  // The other visitor leaves while waiting.
  const left = await visitorWrites("Anyone there?");
  await left.getByRole("button", { name: "End chat", exact: true }).click();
  await left.getByRole("button", { name: "Confirm", exact: true }).click();
  await left.getByText("This chat has ended.").waitFor({ timeout: TIMEOUT });
  await until(async () => {
    const r = await api(base, "GET", "/api/v1/reports", mark);
    return r.body.totals?.chats === 2;
  });

  // An agent has no Reports.
  await agent.desk.getByRole("button", { name: "Contacts" }).waitFor({ timeout: TIMEOUT });
  assert.equal(await agent.desk.getByRole("button", { name: "Reports", exact: true }).count(), 0);

  // Mark opens Reports.
  const manager = await signIn(env, "mark@demo.test");
  await manager.desk.getByRole("button", { name: "Reports", exact: true }).click({ timeout: TIMEOUT });
  const pane = manager.desk.getByRole("region", { name: "Reports" });
  const totals = pane.getByRole("definition");
  const dd = (name) => pane.locator(".reports-totals div").filter({ hasText: name }).locator("dd");
  await until(async () => (await dd("Chats").first().textContent()) === "2");
  assert.equal(await dd("Answered").textContent(), "1");
  assert.equal(await dd("Abandoned").textContent(), "1");
  assert.equal(await dd("Missed").textContent(), "0");
  assert.ok((await totals.count()) >= 9);

  // The charts are images that say what they show.
  await pane.getByRole("img", { name: /^Chats per day: 2 in all; the busiest is \d{4}-\d\d-\d\d with 2 chats\.$/ }).waitFor();
  await pane.getByRole("img", { name: /^Chats per hour of the day: 2 in all/ }).waitFor();
  assert.ok((await pane.locator("svg rect.chart-bar").count()) >= 24 + 7);

  // The tables, with their headers: Anna answered one chat.
  const perAgent = pane.getByRole("region", { name: "Per agent" });
  for (const header of ["Agent", "Chats", "Answered", "Missed", "Abandoned", "First response", "Rating"]) {
    await perAgent.getByRole("columnheader", { name: header, exact: true }).waitFor();
  }
  const annaRow = perAgent.getByRole("row").filter({ has: manager.desk.getByRole("rowheader", { name: "Anna" }) });
  assert.equal(await annaRow.getByRole("cell").first().textContent(), "1");
  const perDepartment = pane.getByRole("region", { name: "Per department" });
  const support = perDepartment.getByRole("row").filter({ has: manager.desk.getByRole("rowheader", { name: "Support" }) });
  assert.equal(await support.getByRole("cell").first().textContent(), "2");
  assert.equal(await pane.getByRole("region", { name: "Chats per hour of the day" }).getByRole("row").count(), 25);

  // A filter narrows the figures: no chat went to Sales.
  await pane.getByRole("combobox", { name: "Department" }).selectOption({ label: "Sales" });
  await until(async () => (await dd("Chats").first().textContent()) === "0");
  await pane.getByRole("img", { name: "Chats per day: no chats." }).waitFor();
  await pane.getByRole("combobox", { name: "Department" }).selectOption({ label: "All departments" });
  await until(async () => (await dd("Chats").first().textContent()) === "2");

  // A custom period: the two dates appear and a reversed one is refused.
  await pane.getByRole("combobox", { name: "Period" }).selectOption({ label: "Custom" });
  await pane.getByLabel("From", { exact: true }).fill("2026-02-10");
  await pane.getByLabel("To", { exact: true }).fill("2026-02-01");
  await pane.getByRole("alert").filter({ hasText: "The last day comes before the first." }).waitFor({ timeout: TIMEOUT });
  await pane.getByRole("combobox", { name: "Period" }).selectOption({ label: "Last 7 days" });
  await until(async () => (await pane.getByRole("alert").count()) === 0);

  // "Export CSV" from the keyboard downloads the table.
  const exportButton = perAgent.getByRole("button", { name: "Export CSV" });
  await exportButton.focus();
  const [download] = await Promise.all([
    manager.desk.waitForEvent("download", { timeout: TIMEOUT }),
    manager.desk.keyboard.press("Enter"),
  ]);
  assert.match(download.suggestedFilename(), /^chats-by-agent-\d{4}-\d\d-\d\d-to-\d{4}-\d\d-\d\d\.csv$/);
  const text = await readFile(await download.path(), "utf8");
  const lines = text.trimEnd().split("\r\n");
  assert.equal(lines[0].split(",").slice(0, 6).join(","), "agent,name,chats,answered,missed,abandoned");
  assert.ok(lines.some((l) => /^[^,]+,Anna,1,1,0,0,/.test(l)), text);
  assert.match(lines.at(-1), /^total,All chats,2,1,0,1,/);

  assert.deepEqual(env.crashes, []);
  await agent.context.close();
  await manager.context.close();
});
