// The widget's per-site features through the page API, on a host page of
// another origin than the worker (host_server.mjs): allowed origins, the
// site's theme, signed identity, the pre-chat form, the rating, Spanish,
// events from the chat, reset and pop-out, with the sites each test needs
// set up by the workspace setup.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { api, demo, setStatus, setUp, signIn, TIMEOUT, token, until } from "./harness.mjs";
import { chatFrame, heard, seedSites, setUpHost } from "./host_server.mjs";

const env = setUp();
const host = setUpHost(env);
const anna = demo.agents.find((a) => a.email === "anna@demo.test");
const SECRET = "signed-site-secret-0123456789";

before(async () => {
  // After setUpHost's own setup (top-level hooks may run side by side).
  for (let i = 0; !host.origin; i++) {
    if (i > 1200) throw new Error("the host server did not start");
    await new Promise((r) => setTimeout(r, 100));
  }
  const site = (id, more) => ({ id, name: id, department: "support", allowed_origins: host.origins, ...more });
  await seedSites(env.worker.base, [
    { allowed_origins: host.origins },
    site("locked", { allowed_origins: ["https://shop.example"] }),
    site("themed", {
      theme: { color: "#7c3aed", position: "left" },
      texts: { es: { title: "Hola", greeting: "¿En qué podemos ayudarte?" } },
    }),
    site("signed", { secret: SECRET }),
    site("prechat", {
      prechat: {
        name: "required", email: "optional", departments: ["support", "sales"],
        fields: [{ id: "order", label: "Order number", required: true }], skippable: false,
      },
    }),
    site("thumbs", { rating: "thumbs" }),
  ]);
});

/** A fresh visitor (own browser context) on the host page of `site`. */
async function visit(calls = [], { site = "demo.website", locale } = {}) {
  const context = await env.browser.newContext(locale ? { locale } : {});
  const page = await context.newPage();
  const console_ = [];
  page.on("console", (m) => console_.push([m.type(), m.text()]));
  await page.goto(host.url(calls, { site, sameSite: true }));
  return { context, page, console: console_, chat: page.frameLocator('iframe[title="Chat"]') };
}

const ready = (page) => until(async () => (await heard(page)).some(([name]) => name === "ready"));

/** Opens the chat and sends `text` as the visitor's first message. */
async function firstMessage(page, chat, text) {
  await page.getByRole("button", { name: "Open chat" }).click();
  await chat.getByRole("textbox", { name: "Message", exact: true }).fill(text);
  await chat.getByRole("button", { name: "Send", exact: true }).click();
  // (A resumed chat also shows one's earlier messages, with their checks.)
  await chat.getByRole("log").getByRole("img", { name: "Sent" }).last().waitFor({ timeout: TIMEOUT });
}

/** The session the frame stored for `site`. */
async function stored(page, site = "demo.website") {
  const text = await chatFrame(page).evaluate((key) => localStorage.getItem(key), `livechat:${site}`);
  return JSON.parse(text);
}

// loader: CORS headers on the answer) and the frame page's CSP.
test("a site that does not allow the host page's origin: the server's sentence in the console, nothing drawn", async () => {
  const { context, page, console: lines } = await visit([["open"]], { site: "demo.locked" });
  const refusal = ([type, text]) => type === "error" && /^LiveChat: /.test(text);
  await until(async () => lines.some(refusal));
  const [, sentence] = lines.find(refusal);
  assert.ok(sentence.includes(new URL(page.url()).origin), `the sentence names the origin: ${sentence}`);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await page.locator("live-chat").count(), 0, "no launcher");
  assert.equal(await page.locator("iframe").count(), 0, "no chat");
  assert.deepEqual((await heard(page)).map(([n]) => n), [], "not even ready");

  const frame = await fetch(`${env.worker.base}/widget/frame.html?site=demo.locked`);
  assert.equal(frame.status, 200);
  const csp = frame.headers.get("content-security-policy") || "";
  assert.match(csp, /frame-ancestors 'self' https:\/\/shop\.example/);
  const unknown = await fetch(`${env.worker.base}/widget/frame.html?site=demo.nothing`);
  assert.equal(unknown.status, 404);
  await context.close();
});

test("the launcher takes the site's theme colour and side", async () => {
  const { context, page } = await visit([], { site: "demo.themed" });
  await ready(page);
  const box = await page.getByRole("button", { name: "Open chat" }).evaluate((b) => {
    const r = b.getBoundingClientRect();
    return { x: r.x, background: getComputedStyle(b).backgroundColor };
  });
  assert.deepEqual(box, { x: 20, background: "rgb(124, 58, 237)" });
  await context.close();
});

test("signed identity: the same visitor on two devices, resuming the open chat; a wrong hash stays anonymous with a warning", async () => {
  const user = { id: "u-42", name: "Ada", email: "ada@example.com" };
  const hash = createHmac("sha256", SECRET).update(user.id).digest("hex");
  // Someone is there: otherwise the offline form takes the chat's place.
  const { context: agentContext } = await signIn(env, anna.email);
  await setStatus(env.worker.base, await token(env.worker.base, anna), "available");
  const laptop = await visit([["setUser", { ...user, hash }]], { site: "demo.signed" });
  await firstMessage(laptop.page, laptop.chat, "From my laptop");
  const first = await stored(laptop.page, "demo.signed");

  const phone = await visit([["setUser", { ...user, hash }]], { site: "demo.signed" });
  await firstMessage(phone.page, phone.chat, "From my phone");
  const second = await stored(phone.page, "demo.signed");
  assert.equal(second.visitor_id, first.visitor_id, "the same person, the same visitor");
  assert.equal(second.conversation_id, first.conversation_id, "the open chat is resumed");
  await phone.chat.getByRole("log").getByText("From my laptop").waitFor({ timeout: TIMEOUT });

  const forged = await visit([["setUser", { ...user, hash: "0".repeat(64) }]], { site: "demo.signed" });
  await firstMessage(forged.page, forged.chat, "Who am I?");
  const third = await stored(forged.page, "demo.signed");
  assert.notEqual(third.visitor_id, first.visitor_id);
  await until(async () => forged.console.some(([type, text]) => type === "warning" && /setUser/.test(text)));
  for (const v of [laptop, phone, forged]) await v.context.close();
  await agentContext.close();
});

test("pre-chat form: required fields are asked, page values prefill it, the chat starts after it", async () => {
  // Someone is there: otherwise the offline form takes the pre-chat form's place.
  const { context: agentContext } = await signIn(env, anna.email);
  await setStatus(env.worker.base, await token(env.worker.base, anna), "available");
  const { context, page, chat } = await visit(
    [["setUser", { id: "7", name: "Grace" }], ["setFields", { order: "A-1001" }], ["setDepartment", "sales"]],
    { site: "demo.prechat" },
  );
  await page.getByRole("button", { name: "Open chat" }).click();
  const name = chat.getByRole("textbox", { name: "Name" });
  await name.waitFor({ timeout: TIMEOUT });
  assert.equal(await name.inputValue(), "Grace");
  const order = chat.getByRole("textbox", { name: "Order number" });
  assert.equal(await order.inputValue(), "A-1001");
  await order.fill("");
  await chat.getByRole("button", { name: /^(Start chat|Start the chat)$/ }).click();
  assert.equal(await order.getAttribute("aria-invalid"), "true");
  await order.fill("A-1002");
  await chat.getByRole("button", { name: /^(Start chat|Start the chat)$/ }).click();
  const message = chat.getByRole("textbox", { name: "Message", exact: true });
  await message.waitFor({ timeout: TIMEOUT });
  await until(async () => (await heard(page)).some(([n]) => n === "chatStarted"));
  await context.close();
  await agentContext.close();
});

test("chatStarted, agentJoined, chatEnded reach the page; the visitor rates the chat", async () => {
  // Anna at her desk (her inbox connected) and available.
  const { context: agentContext } = await signIn(env, anna.email);
  const bearer = await token(env.worker.base, anna);
  await setStatus(env.worker.base, bearer, "available");
  const { context, page, chat } = await visit();
  await ready(page);
  // Opened by the page: nothing stored until the visitor does something.
  await page.evaluate(() => LiveChat.open());
  await chat.getByRole("textbox", { name: "Message", exact: true }).fill("Rating test");
  await chat.getByRole("button", { name: "Send", exact: true }).click();
  await until(async () => (await page.evaluate(() => sessionStorage.length)) === 1);
  await until(async () => (await heard(page)).some(([n]) => n === "chatStarted"));
  const id = (await stored(page)).conversation_id;
  assert.deepEqual((await heard(page)).find(([n]) => n === "chatStarted"), ["chatStarted", { conversationId: id }]);

  // The chat reaches the queue once its first message is stored and
  // announced: Anna takes it from there.
  let taken;
  await until(async () => {
    taken = await api(env.worker.base, "POST", `/api/v1/agent/conversations/${id}/take`, bearer);
    return taken.status !== 404;
  });
  assert.equal(taken.status, 200, JSON.stringify(taken.body));
  await until(async () => (await heard(page)).some(([n]) => n === "agentJoined"));
  assert.deepEqual((await heard(page)).find(([n]) => n === "agentJoined"), ["agentJoined", { name: "Anna" }]);
  const closed = await api(env.worker.base, "POST", `/api/v1/agent/conversations/${id}/close`, bearer, { comment: "Answered" });
  assert.equal(closed.status, 200, JSON.stringify(closed.body));
  await until(async () => (await heard(page)).some(([n]) => n === "chatEnded"));

  const rate = chat.getByRole("group", { name: "Rate this chat" });
  await rate.waitFor({ timeout: TIMEOUT });
  await rate.getByRole("radio").last().check();
  await chat.getByRole("button", { name: "Rate this chat" }).click();
  // The rating shows in the agents' room information.
  await until(async () => /"score":5/.test(JSON.stringify(
    (await api(env.worker.base, "GET", `/api/v1/agent/conversations/${id}/room`, bearer)).body)));
  await context.close();
  await agentContext.close();
});

test("Spanish: setLanguage('es') before load, and a Spanish browser", async () => {
  const { context, page, chat } = await visit([["setLanguage", "es"]]);
  await page.getByRole("button", { name: "Abrir chat" }).click();
  await chat.getByRole("textbox", { name: "Mensaje", exact: true }).waitFor({ timeout: TIMEOUT });
  await chat.getByRole("button", { name: "Enviar", exact: true }).waitFor();
  await page.getByRole("button", { name: "Cerrar chat" }).waitFor();
  await context.close();

  const spanish = await visit([], { locale: "es-ES", site: "demo.themed" });
  await spanish.page.getByRole("button", { name: "Abrir chat" }).click();
  await spanish.chat.getByRole("textbox", { name: "Mensaje", exact: true }).waitFor({ timeout: TIMEOUT });
  await spanish.chat.getByText("Hola").first().waitFor();
  await spanish.context.close();
});

test("reset forgets the visitor: in a loaded chat, and before the chat is loaded", async () => {
  const { context: agentContext } = await signIn(env, anna.email);
  await setStatus(env.worker.base, await token(env.worker.base, anna), "available");
  const { context, page, chat } = await visit();
  await firstMessage(page, chat, "Before logging out");
  await page.evaluate(() => LiveChat.reset());
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  await chat.getByRole("log").getByText("Before logging out").waitFor({ state: "detached", timeout: TIMEOUT });
  await until(async () => (await chatFrame(page).evaluate(() => localStorage.getItem("livechat:demo.website"))) === null);

  // A new page in the same browser: the chat is not loaded; reset loads it
  // hidden with &reset=1 and the stored session goes.
  // The chat stays open, fresh: the next message starts a new visitor.
  await chat.getByRole("textbox", { name: "Message", exact: true }).fill("Again");
  await chat.getByRole("button", { name: "Send", exact: true }).click();
  await chat.getByRole("log").getByRole("img", { name: "Sent" }).waitFor({ timeout: TIMEOUT });
  assert.notEqual((await stored(page)).visitor_id, undefined);
  const later = await context.newPage();
  await later.goto(host.url([], { sameSite: true }));
  await ready(later);
  assert.equal(chatFrame(later), undefined);
  await later.evaluate(() => LiveChat.reset());
  await until(async () => chatFrame(later) !== undefined);
  assert.equal(new URL(chatFrame(later).url()).searchParams.get("reset"), "1");
  assert.equal(await later.locator("live-chat iframe").isVisible(), false, "loaded hidden");
  await until(async () => (await chatFrame(later).evaluate(() => localStorage.getItem("livechat:demo.website"))) === null);
  await context.close();
  await agentContext.close();
});

test("Pop out opens the chat in its own window and hides it on the page", async () => {
  const { context, page, chat } = await visit();
  await firstMessage(page, chat, "Popping out");
  const [popup] = await Promise.all([
    context.waitForEvent("page"),
    chat.getByRole("button", { name: "Pop out" }).click(),
  ]);
  const url = new URL(popup.url());
  assert.equal(url.pathname, "/widget/frame.html");
  assert.equal(url.searchParams.get("popout"), "1");
  await page.getByRole("button", { name: "Open chat" }).waitFor({ timeout: TIMEOUT });
  await popup.getByRole("log").getByText("Popping out").waitFor({ timeout: TIMEOUT });
  await context.close();
});

// (On a host page of the same site as the worker: a third party's frame gets no storage in
// this Chromium, see host_server.mjs.)

// once it is enabled), so Enter on the launcher puts the keyboard in it.
test("keyboard: Enter on the launcher puts the caret in the Message box", async () => {
  const { context, page, chat } = await visit();
  await ready(page);
  await page.evaluate(() => document.querySelector("live-chat").shadowRoot.querySelector("button").focus());
  await page.keyboard.press("Enter");
  const message = chat.getByRole("textbox", { name: "Message", exact: true });
  await until(() => message.evaluate((e) => document.hasFocus() && e === document.activeElement).catch(() => false));
  await context.close();
});
