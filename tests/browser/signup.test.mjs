// A site owner starts from nothing, against the real worker in headless
// Chromium: "Create a workspace" from the sign-in page, a department, an
// invited agent who accepts in another browser, a site whose copied
// snippet is pasted into a page of another origin, and a visitor there
// whose message the new agent takes and answers. Also: a used or unknown
// invitation link, and a password reset link, show what the server says.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { api, setUp, SIGNUP_CODE, success, TIMEOUT, until } from "./harness.mjs";

const env = setUp();

/** Serves `html()` at /shop on another origin (localhost, not 127.0.0.1). */
async function hostPage(html) {
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(html());
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    origins: [`http://localhost:${port}`, `http://127.0.0.1:${port}`],
    url: `http://localhost:${port}/shop`,
    stop: () => new Promise((r) => server.close(r)),
  };
}

/** Watches `page` for crashes of the app. */
function watch(page, who) {
  page.on("pageerror", (e) => env.crashes.push(`${who}: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && /panicked|unreachable/.test(m.text())) env.crashes.push(`${who}: ${m.text()}`);
  });
}

test("sign-up to a visitor's answered chat on the owner's own site", async () => {
  env.crashes.length = 0;
  let snippet = "";
  const host = await hostPage(() => `<!doctype html><html lang="en"><head><title>Shop</title></head><body><h1>Shop</h1>\n${snippet}\n</body></html>`);
  try {
    // The owner creates a workspace from the sign-in page.
    const ownerContext = await env.browser.newContext();
    await ownerContext.grantPermissions(["clipboard-read", "clipboard-write"], { origin: env.worker.base });
    const owner = await ownerContext.newPage();
    watch(owner, "owner");
    await owner.goto(`${env.worker.base}/agent/`);
    await owner.getByRole("link", { name: "Create a workspace" }).click({ timeout: TIMEOUT });
    await owner.getByRole("heading", { name: "Create a workspace" }).waitFor({ timeout: TIMEOUT });
    // A wrong code: the server's sentence, the form kept.
    await owner.getByLabel("Sign-up code").fill("wrong");
    await owner.getByLabel("Workspace address").fill("acme");
    await owner.getByLabel("Workspace name").fill("Acme Shop");
    await owner.getByLabel("Your name").fill("Olivia");
    await owner.getByLabel("Email").fill("olivia@acme.test");
    await owner.getByLabel("Password").fill("olivia-owner-pass");
    await owner.getByRole("button", { name: "Create workspace" }).click();
    await owner.getByRole("alert").filter({ hasText: "code" }).waitFor({ timeout: TIMEOUT });
    assert.equal(await owner.getByLabel("Workspace name").inputValue(), "Acme Shop");
    await owner.getByLabel("Sign-up code").fill(SIGNUP_CODE);
    await owner.getByRole("button", { name: "Create workspace" }).click();
    await owner.getByRole("region", { name: "Queued Chats" }).waitFor({ timeout: TIMEOUT });
    assert.equal(new URL(owner.url()).search, "", "the page's query is dropped once signed in");

    // A department.
    await owner.getByRole("button", { name: "Administration", exact: true }).click();
    const nav = owner.getByRole("navigation", { name: "Administration screens" });
    await nav.getByRole("button", { name: "Departments", exact: true }).click();
    // Sign-up made one department.
    await owner.getByRole("row").filter({ hasText: "General" }).waitFor({ timeout: TIMEOUT });
    await owner.getByRole("textbox", { name: "Department name" }).fill("Support");
    await owner.getByRole("button", { name: "Add department" }).click();
    await success(owner, "The department Support is added.");

    // An invitation for Zoe, in Support.
    await nav.getByRole("button", { name: "Agents", exact: true }).click();
    const invite = owner.getByRole("form", { name: "Invite" });
    await invite.getByRole("textbox", { name: "Email", exact: true }).fill("zoe@acme.test");
    await invite.getByRole("textbox", { name: "Name", exact: true }).fill("Zoe");
    await invite.getByRole("checkbox", { name: "Support" }).check();
    await invite.getByRole("button", { name: "Invite" }).click();
    await success(owner, "An invitation was sent to zoe@acme.test.");
    const link = await owner.getByRole("textbox", { name: "Invitation link" }).inputValue();

    // A site for the shop's page, and its snippet.
    await nav.getByRole("button", { name: "Sites", exact: true }).click();
    await owner.getByRole("button", { name: "Add a site" }).click();
    const form = owner.getByRole("form", { name: "New site" });
    await form.getByRole("textbox", { name: "Name", exact: true }).fill("Shop");
    await form.getByRole("textbox", { name: "Site id" }).fill("shop");
    await form.getByRole("combobox", { name: "Default department" }).selectOption({ label: "Support" });
    await form.getByRole("textbox", { name: "Allowed origins" }).fill(host.origins.join("\n"));
    await form.getByRole("button", { name: "Save site" }).click();
    await success(owner, "The site Shop is saved.");
    const saved = owner.getByRole("form", { name: "Edit Shop" });
    assert.equal(await saved.getByRole("textbox", { name: "Site key" }).inputValue(), "acme.shop");
    await saved.getByRole("button", { name: "Copy snippet" }).click();
    await success(owner, "Copied the snippet.");
    snippet = await owner.evaluate(() => navigator.clipboard.readText());
    assert.ok(snippet.includes('data-site-key="acme.shop"'), snippet);

    // Zoe accepts in a browser of her own.
    const zoeContext = await env.browser.newContext();
    const zoe = await zoeContext.newPage();
    watch(zoe, "zoe");
    await zoe.goto(link);
    await zoe.getByRole("heading", { name: "Join Acme Shop" }).waitFor({ timeout: TIMEOUT });
    await zoe.getByText("zoe@acme.test").waitFor();
    assert.equal(await zoe.getByLabel("Your name").inputValue(), "Zoe");
    await zoe.getByLabel("Password").fill("zoe-agent-pass");
    await zoe.getByRole("button", { name: "Join" }).click();
    await zoe.getByRole("region", { name: "Queued Chats" }).waitFor({ timeout: TIMEOUT });
    const status = zoe.getByRole("combobox", { name: "Status", exact: true });
    await until(async () => (await status.isEnabled()) && (await status.inputValue()) === "offline");
    await status.selectOption({ label: "Available" });
    await success(zoe, "Your status is Available.");

    // The link works once.
    const again = await env.browser.newContext();
    const used = await again.newPage();
    await used.goto(link);
    await used.getByRole("alert").waitFor({ timeout: TIMEOUT });
    assert.equal(await used.getByRole("button", { name: "Join" }).count(), 0);
    await again.close();

    // A visitor on the shop's page writes.
    const visitorContext = await env.browser.newContext();
    const page = await visitorContext.newPage();
    await page.goto(host.url);
    await page.getByRole("button", { name: "Open chat" }).click({ timeout: TIMEOUT });
    const chat = page.frameLocator('iframe[title="Chat"]');
    const question = "Do you ship to Lisbon?";
    await chat.getByRole("textbox", { name: "Message", exact: true }).fill(question);
    await chat.getByRole("button", { name: "Send", exact: true }).click();

    // Zoe takes it and answers; the visitor reads the answer.
    const queue = zoe.getByRole("region", { name: "Queued Chats" });
    await queue.getByRole("button").filter({ hasText: question }).click({ timeout: TIMEOUT });
    await zoe.getByRole("button", { name: "Take it" }).click();
    const pane = zoe.getByRole("region", { name: "Conversation" });
    await pane.getByRole("button", { name: "Place on hold" }).waitFor({ timeout: TIMEOUT });
    const answer = "Yes, in three days.";
    await pane.getByRole("textbox", { name: "Message", exact: true }).fill(answer);
    await pane.getByRole("button", { name: "Send", exact: true }).click();
    await chat.getByRole("log").getByText(answer).waitFor({ timeout: TIMEOUT });

    await visitorContext.close();
    await zoeContext.close();
    await ownerContext.close();
    assert.deepEqual(env.crashes, []);
  } finally {
    await host.stop();
  }
});

test("bad links show the server's sentence; a reset link signs in with the new password", async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  watch(page, "reset");
  await page.goto(`${env.worker.base}/agent/?invite=nonsense`);
  await page.getByRole("alert").waitFor({ timeout: TIMEOUT });
  await page.goto(`${env.worker.base}/agent/?reset=nonsense`);
  await page.getByLabel("New password").fill("a-new-password");
  await page.getByRole("button", { name: "Save password" }).click();
  await page.getByRole("alert").waitFor({ timeout: TIMEOUT });
  assert.equal(await page.getByLabel("New password").inputValue(), "a-new-password");

  // A manager sends Anna a reset link; she chooses a new password with it.
  const mark = await api(env.worker.base, "POST", "/api/v1/agent/login", null, {
    workspace: "demo", email: "mark@demo.test", password: "mark-demo-pass",
  });
  const people = await api(env.worker.base, "GET", "/api/v1/admin/people", mark.body.token);
  const anna = people.body.find((p) => p.email === "anna@demo.test");
  const sent = await api(env.worker.base, "POST", `/api/v1/admin/people/${anna.id}/password-reset`, mark.body.token);
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  await page.goto(sent.body.link);
  await page.getByLabel("New password").fill("anna-new-pass");
  await page.getByRole("button", { name: "Save password" }).click();
  await page.getByRole("region", { name: "Queued Chats" }).waitFor({ timeout: TIMEOUT });
  const login = await api(env.worker.base, "POST", "/api/v1/agent/login", null, {
    workspace: "demo", email: "anna@demo.test", password: "anna-new-pass",
  });
  assert.equal(login.status, 200);
  await context.close();
  assert.deepEqual(env.crashes, []);
});
