// The Administration area against the real worker in headless Chromium,
// used by keyboard alone: every control is reached with Tab and worked
// with Enter, Space, arrows and typing, found by its accessible name; each
// change is checked through the API (or on the screen after a reload).
// Mark (a manager of the demo workspace) invites an agent and deactivates
// Ben, adds and renames a department, narrows the agents' permissions,
// allows an origin on the demo site, rotates its secret and copies its
// snippet, changes routing, business hours, tags and dispositions, makes
// a canned response, a webhook (whose delivery he sends again) and an API
// token, and finds all of it in the audit log; axe finds nothing serious.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { api, demo, pressOn, setUp, signIn, success, tabTo, token, typeInto, TIMEOUT, until } from "./harness.mjs";
import { axeViolations } from "./host_server.mjs";

const env = setUp();
let mark, desk, bearer;

before(async () => {
  for (let i = 0; !env.worker || !env.browser; i++) {
    if (i > 1200) throw new Error("the worker did not start");
    await new Promise((r) => setTimeout(r, 100));
  }
  mark = await signIn(env, "mark@demo.test");
  desk = mark.desk;
  await mark.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: env.worker.base });
  bearer = await token(env.worker.base, demo.agents.find((a) => a.email === "mark@demo.test"));
});

/** The settings as the server has them now. */
async function settings() {
  const r = await api(env.worker.base, "GET", "/api/v1/admin/settings", bearer);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

/** Opens a screen from the area's navigation, by keyboard; its heading
 * takes the focus. */
async function open(name) {
  const nav = desk.getByRole("navigation", { name: "Administration screens" });
  await pressOn(desk, nav.getByRole("button", { name, exact: true }));
  const heading = desk.getByRole("heading", { level: 2, name, exact: true });
  await heading.waitFor({ timeout: TIMEOUT });
  await until(() => heading.evaluate((h) => h === document.activeElement));
}

/** The screen's region. */
const screen = () => desk.locator(".admin-screen");

/** Confirms the open confirmation dialog by keyboard. */
async function confirm() {
  const dialog = desk.getByRole("alertdialog");
  await dialog.waitFor({ timeout: TIMEOUT });
  await until(() => dialog.evaluate((d) => d.contains(document.activeElement)));
  await pressOn(desk, dialog.getByRole("button", { name: "Confirm" }));
  await dialog.waitFor({ state: "detached", timeout: TIMEOUT });
}

test("the Administration entry opens the area, whose screens carry the product's names", async () => {
  env.crashes.length = 0;
  await pressOn(desk, desk.getByRole("button", { name: "Administration", exact: true }));
  await desk.getByRole("heading", { level: 1, name: "Administration" }).waitFor({ timeout: TIMEOUT });
  const names = await desk.getByRole("navigation", { name: "Administration screens" }).getByRole("button").allTextContents();
  assert.deepEqual(names, [
    "Agents", "Departments", "Roles and permissions", "Sites", "Routing", "Calls", "Business hours",
    "Canned responses", "Tags and dispositions", "Webhooks", "API tokens", "Audit log",
  ]);
  // An agent sees no such entry (and the server refuses them anyway).
  const anna = await signIn(env, "anna@demo.test");
  assert.equal(await anna.desk.getByRole("button", { name: "Administration", exact: true }).count(), 0);
  const annaToken = await token(env.worker.base, demo.agents.find((a) => a.email === "anna@demo.test"));
  assert.equal((await api(env.worker.base, "GET", "/api/v1/admin/settings", annaToken)).status, 403);
  await anna.context.close();
});

test("Agents: invite (with the link to copy), a refusal keeps the form, deactivate Ben", async () => {
  await open("Agents");
  const form = desk.getByRole("form", { name: "Invite" });
  // Someone already in the workspace: the server's sentence, the form kept.
  await typeInto(desk, form.getByRole("textbox", { name: "Email", exact: true }), "anna@demo.test");
  await pressOn(desk, form.getByRole("button", { name: "Invite" }));
  await desk.getByRole("alert").waitFor({ timeout: TIMEOUT });
  assert.equal(await form.getByRole("textbox", { name: "Email", exact: true }).inputValue(), "anna@demo.test");

  await typeInto(desk, form.getByRole("textbox", { name: "Email", exact: true }), "zoe@demo.test");
  await typeInto(desk, form.getByRole("textbox", { name: "Name", exact: true }), "Zoe");
  await pressOn(desk, form.getByRole("checkbox", { name: "Sales" }), "Space");
  await typeInto(desk, form.getByRole("textbox", { name: "Capacity" }), "3");
  await pressOn(desk, form.getByRole("button", { name: "Invite" }));
  await success(desk, "An invitation was sent to zoe@demo.test.");
  const link = await desk.getByRole("textbox", { name: "Invitation link" }).inputValue();
  assert.match(link, /\/agent\/\?invite=/);
  // "Copy link" has the focus now.
  const copyLink = desk.getByRole("button", { name: "Copy link" });
  await until(() => copyLink.evaluate((b) => b === document.activeElement));
  await desk.keyboard.press("Enter");
  await success(desk, "Copied the link.");
  assert.equal(await desk.evaluate(() => navigator.clipboard.readText()), link);
  const pending = await api(env.worker.base, "GET", "/api/v1/admin/invitations", bearer);
  const zoe = pending.body.find((i) => i.email === "zoe@demo.test");
  assert.deepEqual([zoe.name, zoe.role, zoe.departments], ["Zoe", "agent", ["sales"]]);
  await screen().getByRole("row").filter({ hasText: "zoe@demo.test" }).waitFor({ timeout: TIMEOUT });

  // Deactivate Ben, confirmed.
  const benRow = screen().getByRole("row").filter({ hasText: "ben@demo.test" });
  await pressOn(desk, benRow.getByRole("button", { name: "Deactivate" }));
  await confirm();
  await success(desk, "Ben is deactivated.");
  await benRow.getByRole("button", { name: "Reactivate" }).waitFor({ timeout: TIMEOUT });
  const people = await api(env.worker.base, "GET", "/api/v1/admin/people", bearer);
  assert.equal(people.body.find((p) => p.email === "ben@demo.test").active, false);
  const login = await api(env.worker.base, "POST", "/api/v1/agent/login", null, {
    workspace: "demo", email: "ben@demo.test", password: "ben-demo-pass",
  });
  assert.notEqual(login.status, 200);
});

test("Departments: add and rename, each saved as the whole list", async () => {
  await open("Departments");
  await typeInto(desk, screen().getByRole("textbox", { name: "Department name" }), "Billing");
  await desk.keyboard.press("Enter");
  await success(desk, "The department Billing is added.");
  assert.ok((await settings()).departments.some((d) => d.id === "billing" && d.name === "Billing"));
  const row = screen().getByRole("row").filter({ hasText: "billing" });
  await pressOn(desk, row.getByRole("button", { name: "Rename" }));
  await typeInto(desk, screen().getByRole("textbox", { name: "New name" }), "Accounts");
  await desk.keyboard.press("Enter");
  await success(desk, "The department is now called Accounts.");
  const d = (await settings()).departments.find((d) => d.id === "billing");
  assert.equal(d.name, "Accounts");
});

test("Roles and permissions: a box cleared and saved", async () => {
  await open("Roles and permissions");
  const box = screen().getByRole("checkbox", { name: "Transfer for Agent" });
  assert.equal(await box.isChecked(), true);
  await pressOn(desk, box, "Space");
  await pressOn(desk, screen().getByRole("button", { name: "Save" }));
  await success(desk, "The permissions are saved.");
  const agent = (await settings()).grants.find((g) => g.role === "agent");
  assert.ok(!agent.permissions.includes("transfer"));
  assert.ok(agent.permissions.includes("reply"));
});

test("Sites: an origin allowed, the secret rotated, the snippet copied", async () => {
  await open("Sites");
  const row = screen().getByRole("row").filter({ hasText: "Acme website" });
  await pressOn(desk, row.getByRole("button", { name: "Edit" }));
  const form = screen().getByRole("form", { name: "Edit Acme website" });
  assert.equal(await form.getByRole("textbox", { name: "Site key" }).inputValue(), "demo.website");
  const origins = form.getByRole("textbox", { name: "Allowed origins" });
  await tabTo(desk, origins);
  await desk.keyboard.press("Control+End");
  await desk.keyboard.type("\nhttps://shop.example");
  await pressOn(desk, form.getByRole("button", { name: "Save site" }));
  await success(desk, "The site Acme website is saved.");
  let site = (await settings()).sites.find((s) => s.id === "website");
  assert.ok(site.allowed_origins.includes("https://shop.example"));
  assert.ok(site.allowed_origins.includes("http://127.0.0.1:8790"));

  const before = site.secret;
  await pressOn(desk, form.getByRole("button", { name: "Rotate secret" }));
  await confirm();
  await success(desk, "The secret is rotated");
  const shown = await form.getByRole("textbox", { name: "Identity secret" }).inputValue();
  site = (await settings()).sites.find((s) => s.id === "website");
  assert.notEqual(shown, before);
  assert.equal(site.secret, shown);

  await pressOn(desk, form.getByRole("button", { name: "Copy snippet" }));
  await success(desk, "Copied the snippet.");
  const snippet = await desk.evaluate(() => navigator.clipboard.readText());
  assert.ok(snippet.includes(`<script async src="${env.worker.base}/widget.js" data-site-key="demo.website"></script>`), snippet);
  assert.ok(snippet.startsWith("<script>window.LiveChat=window.LiveChat||function(){"));
  // A later save keeps the new secret.
  await pressOn(desk, form.getByRole("button", { name: "Save site" }));
  await success(desk, "The site Acme website is saved.");
  assert.equal((await settings()).sites.find((s) => s.id === "website").secret, shown);
});

test("Routing: algorithm and offer timeout (seconds in the form, ms on the wire)", async () => {
  await open("Routing");
  const algorithm = screen().getByRole("combobox", { name: "Algorithm", exact: true });
  await tabTo(desk, algorithm);
  await desk.keyboard.press("ArrowDown");
  await desk.keyboard.press("ArrowDown");
  assert.equal(await algorithm.inputValue(), "load_balancing");
  await typeInto(desk, screen().getByRole("textbox", { name: "Offer timeout (seconds)" }), "45");
  await typeInto(desk, screen().getByRole("textbox", { name: "Capacity of Sales" }), "2");
  await pressOn(desk, screen().getByRole("button", { name: "Save" }));
  await success(desk, "The routing settings are saved.");
  const r = (await settings()).routing;
  assert.equal(r.algorithm, "load_balancing");
  assert.equal(r.offer_timeout_ms, 45000);
  assert.deepEqual(r.departments.find((d) => d.department === "sales")?.capacity, 2);
});

test("Calls: off for a department, a ring timeout, TURN with its secret; a refusal keeps the form", async () => {
  await open("Calls");
  await pressOn(desk, screen().getByRole("checkbox", { name: "No calls on Sales" }), "Space");
  await typeInto(desk, screen().getByRole("textbox", { name: "Ring timeout (seconds)" }), "20");
  await typeInto(desk, screen().getByRole("textbox", { name: "TURN servers" }), "turn:turn.example.com:3478");
  // A TURN server without its secret: the form says so and sends nothing.
  await pressOn(desk, screen().getByRole("button", { name: "Save" }));
  await desk.getByRole("alert").filter({ hasText: "shared secret" }).waitFor({ timeout: TIMEOUT });
  assert.equal((await settings()).calls.turn_urls?.length ?? 0, 0);
  // A secret too short: the server's sentence.
  await typeInto(desk, screen().getByLabel("TURN shared secret"), "short");
  await pressOn(desk, screen().getByRole("button", { name: "Save" }));
  await desk.getByRole("alert").waitFor({ timeout: TIMEOUT });
  await typeInto(desk, screen().getByLabel("TURN shared secret"), "a-turn-secret-of-24-bytes");
  await pressOn(desk, screen().getByRole("button", { name: "Save" }));
  await success(desk, "The call settings are saved.");
  const c = (await settings()).calls;
  assert.deepEqual(c.off_departments, ["sales"]);
  assert.equal(c.ring_timeout_ms, 20000);
  assert.deepEqual(c.turn_urls, ["turn:turn.example.com:3478"]);
  assert.equal(c.turn_secret, "a-turn-secret-of-24-bytes");
});

test("Business hours: a week row and a time zone for Support", async () => {
  await open("Business hours");
  const department = screen().getByRole("combobox", { name: "Department" });
  await tabTo(desk, department);
  await desk.keyboard.type("Support");
  assert.equal(await department.inputValue(), "support");
  const zone = screen().getByRole("combobox", { name: "Time zone" });
  await tabTo(desk, zone);
  for (let i = 0; i < 8; i++) await desk.keyboard.press("ArrowDown");
  assert.equal(await zone.inputValue(), "120");
  await pressOn(desk, screen().getByRole("button", { name: "Add hours" }));
  await typeInto(desk, screen().getByRole("textbox", { name: "Closes, row 1" }), "18:30");
  // A wrong time is stopped with a hint, and the row stays.
  await typeInto(desk, screen().getByRole("textbox", { name: "Opens, row 1" }), "9");
  await pressOn(desk, screen().getByRole("button", { name: "Save hours" }));
  await desk.getByRole("alert").filter({ hasText: "HH:MM" }).waitFor({ timeout: TIMEOUT });
  await typeInto(desk, screen().getByRole("textbox", { name: "Opens, row 1" }), "08:00");
  await pressOn(desk, screen().getByRole("button", { name: "Save hours" }));
  await success(desk, "The business hours are saved.");
  const support = (await settings()).departments.find((d) => d.id === "support");
  assert.deepEqual(support.hours, [{ day: 1, open: "08:00", close: "18:30" }]);
  assert.equal(support.utc_offset_minutes, 120);
});

test("Tags and dispositions: add a tag, remove a disposition, only these tags", async () => {
  await open("Tags and dispositions");
  await typeInto(desk, screen().getByRole("textbox", { name: "New tag" }), "Refund");
  await desk.keyboard.press("Enter");
  await success(desk, "Refund is added.");
  await pressOn(desk, screen().getByRole("button", { name: "Remove Spam" }));
  await success(desk, "Spam is removed.");
  await pressOn(desk, screen().getByRole("checkbox", { name: "Only these tags" }), "Space");
  await success(desk, "Only the listed tags may be used now.");
  const labels = (await settings()).labels;
  assert.ok(labels.tags.includes("Refund"));
  assert.ok(!labels.dispositions.includes("Spam"));
  assert.equal(labels.restrict_tags, true);
});

test("Canned responses: a public one made from the area", async () => {
  await open("Canned responses");
  await typeInto(desk, screen().getByRole("textbox", { name: "Shortcut" }), "refund");
  await typeInto(desk, screen().getByRole("textbox", { name: "Text", exact: true }), "Your refund is on its way.");
  await pressOn(desk, screen().getByRole("button", { name: "Save canned response" }));
  await success(desk, "The canned response !refund is saved.");
  await screen().getByRole("row").filter({ hasText: "Your refund is on its way." }).waitFor({ timeout: TIMEOUT });
  const list = await api(env.worker.base, "GET", "/api/v1/agent/canned", bearer);
  const made = list.body.find((c) => c.shortcut === "refund");
  assert.deepEqual(made.scope, { kind: "public" });
});

test("Webhooks: made, its secret shown, a delivery sent again", async () => {
  await open("Webhooks");
  await pressOn(desk, screen().getByRole("button", { name: "Add a webhook" }));
  const form = screen().getByRole("form", { name: "New webhook" });
  await typeInto(desk, form.getByRole("textbox", { name: "Webhook name" }), "CRM");
  await typeInto(desk, form.getByRole("textbox", { name: "URL" }), "http://127.0.0.1:9/hook");
  await pressOn(desk, form.getByRole("checkbox", { name: "Offline message" }), "Space");
  await pressOn(desk, form.getByRole("button", { name: "Save webhook" }));
  await success(desk, "The webhook CRM is saved.");
  const secret = await screen().getByRole("textbox", { name: "Signing secret" }).inputValue();
  const hooks = await api(env.worker.base, "GET", "/api/v1/admin/webhooks", bearer);
  const hook = hooks.body.find((h) => h.name === "CRM");
  assert.deepEqual([hook.url, hook.events, hook.secret], ["http://127.0.0.1:9/hook", ["offline_message"], secret]);

  // An offline message makes a delivery (to a port nobody listens on).
  const left = await api(env.worker.base, "POST", "/api/v1/visitor/offline", null, {
    site_key: "demo.website", name: "Vic", email: "vic@example.com", message: "Call me back",
  });
  assert.equal(left.status, 200, JSON.stringify(left.body));
  const row = screen().getByRole("row").filter({ hasText: "http://127.0.0.1:9/hook" });
  await pressOn(desk, row.getByRole("button", { name: "Deliveries" }));
  const log = screen().getByRole("region", { name: "Deliveries of CRM" });
  await until(async () => {
    if ((await log.getByRole("button", { name: "Redeliver" }).count()) > 0) return true;
    await log.getByRole("button", { name: "Refresh" }).click();
    return false;
  });
  await log.getByRole("row").filter({ hasText: "Offline message" }).first().waitFor();
  const attempts = async () => {
    const d = await api(env.worker.base, "GET", `/api/v1/admin/webhooks/${hook.id}/deliveries`, bearer);
    return d.body[0];
  };
  const first = await attempts();
  await pressOn(desk, log.getByRole("button", { name: "Redeliver" }).first());
  await success(desk, "The delivery is sent again.");
  await until(async () => (await attempts()).attempts > first.attempts || (await attempts()).status === "pending");
});

test("API tokens: made (shown once, copied), then revoked", async () => {
  await open("API tokens");
  await typeInto(desk, screen().getByRole("textbox", { name: "Token name" }), "Reports sync");
  await pressOn(desk, screen().getByRole("checkbox", { name: "Read reports" }), "Space");
  await pressOn(desk, screen().getByRole("button", { name: "Create token" }));
  await success(desk, "The token is made");
  const value = await screen().getByRole("textbox", { name: "New token (shown once)" }).inputValue();
  assert.match(value, /^lct_/);
  const copyToken = screen().getByRole("button", { name: "Copy token" });
  await until(() => copyToken.evaluate((b) => b === document.activeElement));
  await desk.keyboard.press("Enter");
  await success(desk, "Copied the token.");
  assert.equal(await desk.evaluate(() => navigator.clipboard.readText()), value);
  let list = await api(env.worker.base, "GET", "/api/v1/admin/api-tokens", bearer);
  const made = list.body.find((t) => t.name === "Reports sync");
  assert.deepEqual(made.scopes, ["reports_read"]);
  assert.ok(value.startsWith(made.prefix));

  const row = screen().getByRole("row").filter({ hasText: "Reports sync" });
  await pressOn(desk, row.getByRole("button", { name: "Revoke" }));
  await confirm();
  await success(desk, "The token Reports sync is revoked.");
  list = await api(env.worker.base, "GET", "/api/v1/admin/api-tokens", bearer);
  assert.ok(!list.body.some((t) => t.name === "Reports sync"));
});

test("Audit log: the changes above, filtered by what", async () => {
  await open("Audit log");
  const table = screen().getByRole("table");
  for (const what of ["person.invite", "person.update", "departments.update", "grants.update", "site.secret.rotate", "routing.update", "labels.update", "api_token.create"]) {
    await table.getByRole("cell", { name: what, exact: true }).first().waitFor({ timeout: TIMEOUT });
  }
  assert.ok((await table.getByRole("cell", { name: "Mark", exact: true }).count()) > 0);
  const what = screen().getByRole("combobox", { name: "What" });
  await tabTo(desk, what);
  await desk.keyboard.type("person.invite");
  assert.equal(await what.inputValue(), "person.invite");
  await pressOn(desk, screen().getByRole("button", { name: "Apply filters" }));
  await until(async () => {
    const cells = await table.locator("tbody tr td:nth-child(3)").allTextContents();
    return cells.length > 0 && cells.every((c) => c === "person.invite");
  });
  await table.getByRole("cell", { name: "zoe@demo.test" }).first().waitFor({ timeout: TIMEOUT });
});

test("no serious accessibility violations in the area, and no crash", async () => {
  for (const name of ["Agents", "Sites", "Roles and permissions", "Audit log"]) {
    await open(name);
    if (name === "Sites") {
      await pressOn(desk, screen().getByRole("row").filter({ hasText: "Acme website" }).getByRole("button", { name: "Edit" }));
    }
    const violations = await axeViolations(desk, [".admin"]);
    assert.deepEqual(violations, [], name);
  }
  // The area survives a reload: the change made earlier is still shown.
  await desk.reload();
  await desk.getByRole("region", { name: "Queued Chats" }).waitFor({ timeout: TIMEOUT });
  await pressOn(desk, desk.getByRole("button", { name: "Administration", exact: true }));
  await open("Roles and permissions");
  assert.equal(await screen().getByRole("checkbox", { name: "Transfer for Agent" }).isChecked(), false);
  assert.deepEqual(env.crashes, []);
});
