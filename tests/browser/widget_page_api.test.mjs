// The loader's page API and launcher on a host page of another origin than
// the worker (host_server.mjs), with hostile CSS: calls made before the
// loader runs, events, show/hide, the unread badge, nothing stored before
// the visitor interacts, keyboard use and an axe-core check. Every control
// is found by its accessible name.
import { test } from "node:test";
import assert from "node:assert/strict";
import { demo, setStatus, setUp, signIn, TIMEOUT, token, until } from "./harness.mjs";
import { axeViolations, chatFrame, heard, setUpHost } from "./host_server.mjs";

const env = setUp();
const host = setUpHost(env);
const anna = demo.agents.find((a) => a.email === "anna@demo.test");

/** A fresh visitor on the host page, the page API called first with `calls`;
 * answers once the loader said `ready`. */
async function visit(calls = [], options = {}) {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  page.on("pageerror", (e) => env.crashes.push(`host page: ${e.message}`));
  await page.goto(host.url(calls, options));
  await until(async () => (await heard(page)).some(([name]) => name === "ready"));
  return { context, page, chat: page.frameLocator('iframe[title="Chat"]') };
}

/** The events heard, but for unread counts. */
async function events(page) {
  return (await heard(page)).filter(([name]) => name !== "unreadChanged").map(([name]) => name);
}

/** What the visitor's browser stores, on the host page and in the chat's frame. */
async function storage(page) {
  const read = () => {
    try {
      return { local: Object.keys(localStorage), session: Object.keys(sessionStorage), cookie: document.cookie };
    } catch (e) {
      return `denied: ${e.message}`;
    }
  };
  const frame = chatFrame(page);
  return {
    page: await page.evaluate(read),
    frame: frame ? await frame.evaluate(read) : null,
    cookies: (await page.context().cookies()).map((c) => c.name),
  };
}

/** The launcher's and the chat box's geometry and looks, read inside the shadow root. */
function looks(page) {
  return page.evaluate(() => {
    const el = document.querySelector("live-chat");
    const button = el.shadowRoot.querySelector("button");
    const frame = el.shadowRoot.querySelector("iframe");
    const box = (e) => {
      if (!e) return null;
      const r = e.getBoundingClientRect();
      const s = getComputedStyle(e);
      return { x: r.x, y: r.y, w: r.width, h: r.height, display: s.display, visibility: s.visibility,
        opacity: s.opacity, background: s.backgroundColor, border: s.borderTopWidth };
    };
    const h = getComputedStyle(el);
    return { host: { display: h.display, visibility: h.visibility, opacity: h.opacity, transform: h.transform },
      button: box(button), frame: box(frame), view: { w: innerWidth, h: innerHeight } };
  });
}

test("calls made before the loader runs are replayed after it, in order; later calls work both ways", async () => {
  const { context, page, chat } = await visit([["open"]]);
  assert.equal(await page.evaluate(() => window.queuedBeforeLoad), true, "the calls were queued");

  // "open" ran once the launcher was drawn: ready, then opened.
  await chat.getByRole("textbox", { name: "Message", exact: true }).waitFor({ timeout: TIMEOUT });
  await until(async () => (await events(page)).includes("opened"));
  assert.deepEqual(await events(page), ["ready", "opened"]);
  await page.getByRole("button", { name: "Close chat" }).waitFor();
  // The frame is addressed by query, on the worker's origin.
  const url = new URL(chatFrame(page).url());
  assert.equal(url.origin, env.worker.base);
  // (The static assets may answer /widget/frame.html with a redirect to /widget/frame.)
  assert.match(url.pathname, /^\/widget\/frame(\.html)?$/);
  assert.equal(url.searchParams.get("site"), "demo.website");

  // After load, both call styles work; a repeated call changes nothing.
  await page.evaluate(() => LiveChat("close"));
  await page.evaluate(() => LiveChat.close());
  await page.getByRole("button", { name: "Open chat" }).waitFor();
  await page.evaluate(() => LiveChat.open());
  await page.getByRole("button", { name: "Close chat" }).waitFor();
  await page.evaluate(() => LiveChat("close"));
  assert.deepEqual(await events(page), ["ready", "opened", "closed", "opened", "closed"]);

  // off: a listener taken off hears nothing more; a late "ready" listener runs at once.
  const late = await page.evaluate(() => {
    const got = [];
    const fn = () => got.push("opened");
    LiveChat("on", "opened", fn);
    LiveChat.open();
    LiveChat("off", "opened", fn);
    LiveChat.close();
    LiveChat.open();
    LiveChat("on", "ready", () => got.push("ready"));
    return got;
  });
  assert.deepEqual(late, ["opened", "ready"]);
  await context.close();
});

test("the host page's CSS does not restyle the launcher or the chat", async () => {
  const { context, page, chat } = await visit();
  const launcher = page.getByRole("button", { name: "Open chat" });
  await launcher.waitFor({ timeout: TIMEOUT });
  // The hostile stylesheet does apply to the page's own elements.
  assert.equal(await page.locator("h1").evaluate((e) => getComputedStyle(e).fontSize), "40px");
  const closed = await looks(page);
  assert.deepEqual(closed.host, { display: "block", visibility: "visible", opacity: "1", transform: "none" });
  assert.deepEqual(
    { ...closed.button, background: closed.button.background },
    { x: closed.view.w - 76, y: closed.view.h - 76, w: 56, h: 56, display: "grid", visibility: "visible",
      opacity: "1", background: "rgb(37, 99, 235)", border: "0px" },
  );
  assert.equal(closed.frame, null, "no chat before it is asked for");

  await launcher.click();
  const message = chat.getByRole("textbox", { name: "Message", exact: true });
  await message.waitFor({ timeout: TIMEOUT });
  const open = await looks(page);
  assert.deepEqual(
    { x: open.frame.x, w: open.frame.w, h: open.frame.h, display: open.frame.display, border: open.frame.border },
    { x: open.view.w - 20 - 370, w: 370, h: 560, display: "block", border: "0px" },
  );
  // Inside the frame, the chat's own styles.
  assert.deepEqual(
    await chatFrame(page).evaluate(() => [getComputedStyle(document.body).fontSize, getComputedStyle(document.body).display]),
    ["15px", "block"],
  );
  assert.equal(await chat.getByRole("button", { name: "Send", exact: true }).isVisible(), true);
  await context.close();
});

test("hide and show take the launcher and the chat away and back", async () => {
  const { context, page, chat } = await visit([["hide"]]);
  const launcher = page.getByRole("button", { name: "Open chat" });
  assert.equal(await launcher.isVisible(), false, "hidden before it was drawn");
  await page.evaluate(() => LiveChat.show());
  await launcher.waitFor({ state: "visible" });

  await launcher.click();
  const message = chat.getByRole("textbox", { name: "Message", exact: true });
  await message.waitFor({ timeout: TIMEOUT });
  await page.evaluate(() => LiveChat("hide"));
  await until(async () => !(await page.locator("live-chat iframe").isVisible()));
  assert.equal(await page.getByRole("button", { name: "Close chat" }).isVisible(), false);
  await page.evaluate(() => LiveChat("show"));
  await message.waitFor({ state: "visible" });
  await page.getByRole("button", { name: "Close chat" }).waitFor({ state: "visible" });
  // hide/show are not open/close.
  assert.deepEqual(await events(page), ["ready", "opened"]);
  await context.close();
});

test("nothing is stored before the visitor interacts; a click on the launcher may store", async () => {
  // On the same site as the worker, so the frame may store (a third party's frame may not here).
  const { context, page, chat } = await visit([], { sameSite: true });
  const empty = { local: [], session: [], cookie: "" };
  assert.deepEqual(await storage(page), { page: empty, frame: null, cookies: [] });

  // Opened by the page, not by the visitor: the chat loads, nothing is stored.
  await page.evaluate(() => LiveChat.open());
  await chat.getByRole("textbox", { name: "Message", exact: true }).waitFor({ timeout: TIMEOUT });
  await until(async () => (await storage(page)).frame !== null);
  assert.deepEqual(await storage(page), { page: empty, frame: empty, cookies: [] });
  await page.evaluate(() => LiveChat.close());
  assert.deepEqual((await storage(page)).page, empty);

  // The visitor's click: the loader remembers the open state in this tab.
  await page.getByRole("button", { name: "Open chat" }).click();
  await until(async () => (await storage(page)).page.session.length === 1);
  assert.deepEqual(await storage(page), {
    page: { local: [], session: ["livechat:open:demo.website"], cookie: "" },
    frame: empty,
    cookies: [],
  });
  assert.equal(await page.evaluate(() => sessionStorage.getItem("livechat:open:demo.website")), "1");

  // A reload in the same tab reopens it.
  await page.reload();
  await chat.getByRole("textbox", { name: "Message", exact: true }).waitFor({ timeout: TIMEOUT });
  await page.getByRole("button", { name: "Close chat" }).waitFor();
  await context.close();
});

test("an agent's message while the chat is closed: the badge and unreadChanged", async () => {
  const { desk, context: agentContext } = await signIn(env, anna.email);
  await setStatus(env.worker.base, await token(env.worker.base, anna), "available");

  const { context, page, chat } = await visit();
  await page.getByRole("button", { name: "Open chat" }).click();
  await chat.getByRole("textbox", { name: "Message", exact: true }).fill("Do the skates come in red?");
  await chat.getByRole("button", { name: "Send", exact: true }).click();
  await chat.getByRole("log").getByRole("img", { name: "Sent" }).waitFor({ timeout: TIMEOUT });
  await page.getByRole("button", { name: "Close chat" }).click();
  const launcher = page.getByRole("button", { name: "Open chat" });
  await launcher.waitFor();

  const row = desk.getByRole("region", { name: "Queued Chats" }).getByRole("button").filter({ hasText: "come in red" });
  await row.waitFor({ timeout: TIMEOUT });
  await row.click();
  await desk.getByRole("button", { name: "Take it" }).click();
  await desk.getByRole("textbox", { name: "Message", exact: true }).fill("Yes, and in blue.");
  await desk.getByRole("button", { name: "Send", exact: true }).click();

  // The launcher shows one unread message, and the page heard it.
  const badge = page.locator("live-chat span.n");
  await badge.waitFor({ state: "visible", timeout: TIMEOUT });
  assert.equal(await badge.textContent(), "1");
  assert.equal(await launcher.getAttribute("aria-describedby"), "d");
  assert.equal(await page.locator("live-chat #d").textContent(), "1 unread");
  await until(async () => (await page.title()) === "(1) Shop");
  assert.deepEqual((await heard(page)).filter(([name]) => name === "unreadChanged"), [["unreadChanged", 1]]);

  // Opening the chat reads it.
  await launcher.click();
  await chat.getByRole("log").getByText("Yes, and in blue.").waitFor({ timeout: TIMEOUT });
  await badge.waitFor({ state: "hidden" });
  await until(async () => (await page.title()) === "Shop");
  assert.deepEqual(
    (await heard(page)).filter(([name]) => name === "unreadChanged"),
    [["unreadChanged", 1], ["unreadChanged", 0]],
  );
  await context.close();
  await agentContext.close();
});

test("keyboard only: Tab to the launcher, Enter opens into the chat, Escape and Close chat come back", async () => {
  const { context, page, chat } = await visit();
  const focused = () =>
    page.evaluate(() => {
      const el = document.querySelector("live-chat");
      return document.activeElement === el ? el.shadowRoot.activeElement?.getAttribute("aria-label") : null;
    });
  for (let i = 0; i < 6 && (await focused()) !== "Open chat"; i++) await page.keyboard.press("Tab");
  assert.equal(await focused(), "Open chat", "Tab reaches the launcher");

  const message = chat.getByRole("textbox", { name: "Message", exact: true });
  // The keyboard is in the chat's document. (Which of its controls takes it
  // is the chat's own affair: see widget_site.test.mjs.)
  const inChat = async () => (await chatFrame(page)?.evaluate(() => document.hasFocus()).catch(() => false)) === true;
  await page.keyboard.press("Enter");
  await message.waitFor({ timeout: TIMEOUT });
  await until(inChat);
  assert.equal(await page.evaluate(() => document.querySelector("live-chat").shadowRoot.activeElement?.tagName), "IFRAME");

  // Escape in the chat closes it, and the launcher has the keyboard again.
  await page.keyboard.press("Escape");
  await until(async () => (await focused()) === "Open chat");
  assert.equal(await message.isVisible(), false);

  await page.keyboard.press("Enter");
  await until(inChat);
  // Tab walks into the chat's controls, to its own "Close chat".
  const close = chat.getByRole("button", { name: "Close chat", exact: true });
  const onClose = () => close.evaluate((e) => e === document.activeElement);
  for (let i = 0; i < 12 && !(await onClose()); i++) await page.keyboard.press("Tab");
  assert.equal(await onClose(), true, "Tab reaches the chat's Close chat");
  await page.keyboard.press("Enter");
  await until(async () => (await focused()) === "Open chat");
  assert.deepEqual(await events(page), ["ready", "opened", "closed", "opened", "closed"]);
  await context.close();
});

test("axe-core finds no serious or critical violation in the launcher or the open chat", async () => {
  const { context, page, chat } = await visit();
  await page.getByRole("button", { name: "Open chat" }).waitFor({ timeout: TIMEOUT });
  assert.deepEqual(await axeViolations(page, [["live-chat"]]), [], "the launcher, closed");

  await page.getByRole("button", { name: "Open chat" }).click();
  await chat.getByRole("textbox", { name: "Message", exact: true }).waitFor({ timeout: TIMEOUT });
  assert.deepEqual(await axeViolations(page, [["live-chat"]]), [], "the launcher, open");
  assert.deepEqual(await axeViolations(chatFrame(page)), [], "the open chat");
  await context.close();
});

test("the page's settings reach the chat as lc:config after lc:ready and on every change", async () => {
  const context = await env.browser.newContext();
  // In every frame: the loader's messages the chat's frame receives.
  await context.addInitScript(() => {
    window.received = [];
    addEventListener("message", (e) => {
      if (e.data && /^lc:/.test(e.data.type)) window.received.push(e.data);
    });
  });
  const page = await context.newPage();
  const user = { id: "42", name: "Ada", email: "ada@example.com", hash: "ab".repeat(32) };
  await page.goto(host.url([["setUser", user], ["setFields", { plan: "pro" }], ["open"]]));
  const chat = page.frameLocator('iframe[title="Chat"]');
  await chat.getByRole("textbox", { name: "Message", exact: true }).waitFor({ timeout: TIMEOUT });
  const received = () => chatFrame(page).evaluate(() => window.received.filter((m) => m.type === "lc:config"));
  await until(async () => (await received()).length === 1);
  assert.deepEqual(await received(), [
    { type: "lc:config", user, fields: { plan: "pro" }, department: null, language: null },
  ]);
  await page.evaluate(() => LiveChat("setDepartment", "sales"));
  await page.evaluate(() => LiveChat.setLanguage("es"));
  await until(async () => (await received()).length === 3);
  assert.deepEqual((await received())[2], {
    type: "lc:config", user, fields: { plan: "pro" }, department: "sales", language: "es",
  });
  // The launcher speaks Spanish too.
  await page.getByRole("button", { name: "Cerrar chat" }).waitFor();
  await context.close();
});

test("the launcher in Spanish: from setLanguage, or from the browser's language", async () => {
  const { context, page } = await visit([["setLanguage", "es"]]);
  await page.getByRole("button", { name: "Abrir chat" }).click();
  await page.getByRole("button", { name: "Cerrar chat" }).waitFor();
  await page.evaluate(() => LiveChat.setLanguage("en"));
  await page.getByRole("button", { name: "Close chat" }).waitFor();
  await context.close();

  const spanish = await env.browser.newContext({ locale: "es-MX" });
  const other = await spanish.newPage();
  await other.goto(host.url());
  await other.getByRole("button", { name: "Abrir chat" }).waitFor({ timeout: TIMEOUT });
  await spanish.close();
});

test("reset before the chat is loaded loads it hidden with &reset=1, and clears the loader's storage", async () => {
  const { context, page } = await visit();
  // The visitor opened and closed the chat earlier in this tab.
  await page.getByRole("button", { name: "Open chat" }).click();
  await page.getByRole("button", { name: "Close chat" }).click();
  await page.reload();
  await until(async () => chatFrame(page) !== undefined);
  assert.equal(await page.evaluate(() => sessionStorage.getItem("livechat:open:demo.website")), "0");
  assert.equal(new URL(chatFrame(page).url()).searchParams.get("reset"), null);
  await page.evaluate(() => LiveChat.reset());
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);

  // A new tab: nothing loaded; reset loads the chat, hidden, to forget.
  const later = await context.newPage();
  await later.goto(host.url([["reset"]]));
  await until(async () => chatFrame(later) !== undefined);
  assert.equal(new URL(chatFrame(later).url()).searchParams.get("reset"), "1");
  assert.equal(await later.locator("live-chat iframe").isVisible(), false, "loaded hidden");
  assert.deepEqual(await later.evaluate(() => [sessionStorage.length, localStorage.length]), [0, 0]);
  await context.close();
});

test("no uncaught error on the host pages", () => {
  assert.deepEqual(env.crashes, []);
});
