// Offline messages in the agent app, against the real worker in headless
// Chromium, every control found by its accessible name: with nobody
// available a visitor leaves a message through the widget's offline form;
// Anna (Support) opens "Offline messages" and reads it, with a mailto link;
// a message written as HTML shows as text and runs nothing; "Refresh" brings
// a new one first; a failed load says so; Sam (Sales) sees none of them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { api as callApi, demo, setUp, signIn, TIMEOUT, until } from "./harness.mjs";

const env = setUp();

/** Calls the HTTP API of the worker under test. */
const api = (method, path, bearer, body) => callApi(env.worker.base, method, path, bearer, body);

/** Opens "Offline messages"; answers the pane. */
async function openOfflineMessages(desk) {
  await desk.getByRole("button", { name: "Offline messages" }).click();
  const pane = desk.getByRole("region", { name: "Offline messages" });
  await pane.waitFor({ timeout: TIMEOUT });
  return pane;
}

/** Leaves an offline message over the HTTP API, as the widget's form does. */
async function leave(name, email, message) {
  const left = await api("POST", "/api/v1/visitor/offline", null, {
    site_key: "demo.website", name, email, message,
  });
  assert.equal(left.status, 200, JSON.stringify(left.body));
}

test("agents read the offline messages of their departments, as text", async () => {
  env.crashes.length = 0;
  // Nobody is available (every agent starts Offline): the widget offers the form.
  const availability = await api("GET", "/api/v1/visitor/availability?site_key=demo.website");
  assert.equal(availability.status, 200, JSON.stringify(availability.body));
  assert.equal(availability.body.online, false);

  const visitorContext = await env.browser.newContext();
  const page = await visitorContext.newPage();
  await page.goto(`${env.worker.base}/demo/`);
  await page.getByRole("button", { name: "Open chat" }).click();
  const chat = page.frameLocator('iframe[title="Chat"]');
  const form = chat.getByRole("region", { name: "We are offline" });
  await form.waitFor({ timeout: TIMEOUT });
  await form.getByLabel("Name").fill("Ada Lovelace");
  await form.getByLabel("Email").fill("ada@example.com");
  await form.getByLabel("Message", { exact: true }).fill("Please call me back\nabout the skates.");
  await form.getByRole("button", { name: "Send", exact: true }).click();
  await chat.getByText("Thanks! We will reply by email.").waitFor({ timeout: TIMEOUT });
  await visitorContext.close();

  // A later one whose name and text are markup.
  const markup = `<img src=x onerror="window.offlineXss = 1; document.title = 'pwned'">Hello`;
  await leave("<b>Eve</b>", "eve@example.com", markup);

  // Anna works Support, the demo site's department.
  const anna = await signIn(env, "anna@demo.test");
  const entry = anna.desk.getByRole("button", { name: "Offline messages" });
  await until(async () => (await entry.textContent()).includes("2"));
  const pane = await openOfflineMessages(anna.desk);
  assert.equal(await entry.getAttribute("aria-current"), "page");
  const list = pane.getByRole("list", { name: "Offline messages" });
  const items = list.getByRole("listitem");
  await until(async () => (await items.count()) === 2);

  // Newest first: Eve's markup, shown as the text it is.
  const eve = items.nth(0);
  await eve.getByText("<b>Eve</b>", { exact: true }).waitFor();
  await eve.getByText(markup, { exact: true }).waitFor();
  assert.equal(await list.locator("img, b").count(), 0, "no element came from a message");
  assert.equal(await anna.desk.evaluate(() => window.offlineXss), undefined, "no script ran");
  assert.notEqual(await anna.desk.title(), "pwned");

  // Ada's, with her email as a mailto link, the department and the time.
  const ada = items.nth(1);
  await ada.getByText("Ada Lovelace", { exact: true }).waitFor();
  const mail = ada.getByRole("link", { name: "ada@example.com" });
  assert.equal(await mail.getAttribute("href"), "mailto:ada@example.com");
  await ada.getByText("Please call me back\nabout the skates.", { exact: true }).waitFor();
  await ada.getByText("Support", { exact: true }).waitFor();
  assert.match(await ada.locator("time").textContent(), /^(Today|Yesterday), \d\d:\d\d$/);

  // "Refresh" brings a new message, first.
  await leave("Grace Hopper", "grace@example.com", "Do you ship to Norway?");
  await pane.getByRole("button", { name: "Refresh" }).click();
  await until(async () => (await items.count()) === 3);
  await items.nth(0).getByText("Grace Hopper", { exact: true }).waitFor();
  await until(async () => (await entry.textContent()).includes("3"));

  // A failed load says so, and keeps the list; the next one clears it.
  await anna.desk.route("**/api/v1/agent/offline-messages", (route) =>
    route.fulfill({ status: 503, contentType: "text/plain", body: "unavailable" }));
  await pane.getByRole("button", { name: "Refresh" }).click();
  const alert = pane.getByRole("alert");
  await alert.filter({ hasText: "Could not load the offline messages" }).waitFor({ timeout: TIMEOUT });
  assert.equal(await items.count(), 3);
  await anna.desk.unroute("**/api/v1/agent/offline-messages");
  await pane.getByRole("button", { name: "Refresh" }).click();
  await alert.waitFor({ state: "detached", timeout: TIMEOUT });

  // Sam works Sales only: none of these are his.
  const sam = await signIn(env, "sam@demo.test");
  const samPane = await openOfflineMessages(sam.desk);
  await samPane.getByText("No offline messages").waitFor({ timeout: TIMEOUT });
  assert.equal(await samPane.getByRole("listitem").count(), 0);
  assert.equal(await samPane.getByText("Ada Lovelace").count(), 0);
  assert.match(await sam.desk.getByRole("button", { name: "Offline messages" }).textContent(), /0/);

  assert.deepEqual(env.crashes, []);
  await anna.context.close();
  await sam.context.close();
});
