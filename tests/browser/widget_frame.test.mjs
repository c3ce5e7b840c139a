// The chat page itself (/widget/frame.html?site=...), opened as its own
// window in headless Chromium against the real worker: nothing stored or
// created before the visitor writes, the browser's language (Spanish here,
// every control found by its Spanish name), the focus kept inside the
// chat, "End chat" and the end-of-chat screen with "Rate this chat" and
// "Send me the transcript" (the rating reaches the agents' room
// information, the transcript the local mail sink).
import { test } from "node:test";
import assert from "node:assert/strict";
import { api, SETUP_TOKEN, setStatus, setUp, signIn, TIMEOUT, token, until } from "./harness.mjs";
import { seedSites } from "./host_server.mjs";

const env = setUp();

test("the frame in Spanish: privacy, focus, end of chat, rating and transcript", async () => {
  env.crashes.length = 0;
  const anna = await signIn(env, "anna@demo.test");
  await setStatus(env.worker.base, await token(env.worker.base, anna.agent), "available");

  const context = await env.browser.newContext({ locale: "es-ES" });
  const page = await context.newPage();
  page.on("pageerror", (e) => env.crashes.push(`frame: ${e.message}`));
  await page.goto(`${env.worker.base}/widget/frame.html?site=demo.website&popout=1`);
  const message = page.getByRole("textbox", { name: "Mensaje", exact: true });
  await message.waitFor({ timeout: TIMEOUT });
  assert.equal(await page.evaluate(() => document.documentElement.lang), "es");
  // A pop-out has no "Close chat" nor "Pop out" of its own.
  assert.equal(await page.getByRole("button", { name: "Cerrar chat" }).count(), 0);
  assert.equal(await page.getByRole("button", { name: "Abrir en una ventana" }).count(), 0);

  // Typing is not sending: nothing stored yet, no conversation.
  const stored = () => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("livechat:")));
  await message.fill("Hola");
  assert.deepEqual(await stored(), []);
  assert.equal(await page.evaluate(() => document.cookie), "");
  await page.getByRole("button", { name: "Enviar", exact: true }).click();
  await page.getByRole("log").getByRole("img", { name: "Enviado" }).waitFor({ timeout: TIMEOUT });
  assert.deepEqual(await stored(), ["livechat:demo.website"]);

  // Tab never leaves the chat.
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => !!document.activeElement.closest("main")), true, `Tab ${i}`);
  }

  // "End chat", confirmed: the end-of-chat screen.
  await page.getByRole("button", { name: "Finalizar chat", exact: true }).click();
  await page.getByRole("button", { name: "Confirmar", exact: true }).click();
  await page.getByText("Este chat ha finalizado.").waitFor({ timeout: TIMEOUT });
  assert.equal(await message.isDisabled(), true);
  const rate = page.getByRole("button", { name: "Valorar este chat", exact: true });
  await rate.click();
  await page.getByText("Elige una valoración.").waitFor({ timeout: TIMEOUT });
  await page.getByRole("radio", { name: "5 estrellas" }).check();
  await page.getByLabel("Comentario (opcional)").fill("Muy rápido");
  await rate.click();
  const rated = page
    .locator("form.rate + [role=status]")
    .filter({ hasText: /^¡Gracias por tu valoración!$/ });
  await rated.waitFor({ timeout: TIMEOUT });

  const email = page.getByRole("textbox", { name: "Correo electrónico" });
  await email.fill("ada.example.com");
  const send = page.getByRole("button", { name: "Enviarme la transcripción", exact: true });
  await send.click();
  await page.getByText("Escribe un correo válido, como nombre@ejemplo.com.").waitFor({ timeout: TIMEOUT });
  await email.fill("ada@example.com");
  await send.click();
  await page
    .locator("form.transcript + [role=status]")
    .filter({ hasText: /^La transcripción va de camino a tu correo\.$/ })
    .waitFor({ timeout: TIMEOUT });
  const mail = async () =>
    (await api(env.worker.base, "GET", "/api/v1/dev/mail?workspace=demo", SETUP_TOKEN)).body;
  await until(async () => (await mail()).some?.((m) => m.to === "ada@example.com"));

  // A new chat empties the screen; it is created when the visitor writes.
  await page.getByRole("button", { name: "Iniciar un chat nuevo" }).click();
  await page.getByText("Este chat ha finalizado.").waitFor({ state: "detached", timeout: TIMEOUT });
  assert.equal(await page.getByRole("button", { name: "Valorar este chat" }).count(), 0);

  assert.deepEqual(env.crashes, []);
  await context.close();
  await anna.context.close();
});

/** The settings the demo site is given (as `GET /api/v1/visitor/site` answers them). */
const SITE = {
  site_key: "demo.website",
  name: "Acme website",
  theme: { color: "#0a7c4a", position: "right", agent_avatar: null },
  texts: { en: { title: "Acme help", greeting: "Ask Acme anything." } },
  prechat: {
    name: "required",
    email: "optional",
    departments: [{ id: "sales", name: "Sales" }, { id: "support", name: "Support" }],
    fields: [{ id: "order", label: "Order number", required: true }],
    skippable: false,
  },
  rating: "thumbs",
  sound: false,
  online: true,
  department: "support",
};

test("in the loader's frame: the protocol, the site's settings and the pre-chat form", async () => {
  env.crashes.length = 0;
  // The demo site with these settings, as its administrator would set them.
  await seedSites(env.worker.base, [{
    theme: { color: SITE.theme.color, position: "right" },
    texts: SITE.texts,
    prechat: { ...SITE.prechat, departments: SITE.prechat.departments.map((d) => d.id) },
    rating: SITE.rating,
    sound: SITE.sound,
  }]);
  const anna = await signIn(env, "anna@demo.test");
  await setStatus(env.worker.base, await token(env.worker.base, anna.agent), "available");
  const context = await env.browser.newContext({ locale: "en-US" });
  const page = await context.newPage();
  page.on("pageerror", (e) => env.crashes.push(`page: ${e.message}`));
  // A page of the worker's origin embeds the frame as the loader does and
  // records what it says.
  await page.goto(`${env.worker.base}/demo/`);
  await page.evaluate(() => {
    window.heard = [];
    const frame = document.createElement("iframe");
    frame.title = "Test chat";
    frame.style.cssText = "width:380px;height:640px";
    frame.src = "/widget/frame.html?site=demo.website";
    window.addEventListener("message", (e) => {
      if (e.source !== frame.contentWindow) return;
      window.heard.push(e.data);
      if (e.data.type === "lc:ready") {
        frame.contentWindow.postMessage({ type: "lc:shown", shown: true }, "*");
        frame.contentWindow.postMessage(
          { type: "lc:config", user: null, fields: { plan: "pro" }, department: null, language: "en" }, "*");
      }
    });
    document.body.appendChild(frame);
  });
  const chat = page.frameLocator('iframe[title="Test chat"]');
  const heard = (type) => page.evaluate((t) => window.heard.filter((m) => m.type === t), type);

  // The site's title and colour; the pre-chat form first, checked here.
  await chat.getByRole("heading", { name: "Acme help" }).waitFor({ timeout: TIMEOUT });
  const accent = await chat.locator("html").evaluate((h) => getComputedStyle(h).getPropertyValue("--accent").trim());
  assert.equal(accent, "#0a7c4a");
  const form = chat.getByRole("region", { name: "Before we start" });
  await form.waitFor({ timeout: TIMEOUT });
  assert.equal(await chat.getByRole("button", { name: "Close chat" }).count(), 1);
  assert.equal(await chat.getByRole("button", { name: "Pop out" }).count(), 1);
  await form.getByRole("button", { name: "Start the chat" }).click();
  await form.getByText("Please enter your name.").waitFor({ timeout: TIMEOUT });
  await form.getByText("Please choose a department.").waitFor();
  await form.getByText("Please fill in this field.").waitFor();
  assert.equal(await form.getByRole("textbox", { name: "Name" }).evaluate((e) => e === document.activeElement), true);
  assert.deepEqual(await heard("lc:interacted"), [{ type: "lc:interacted" }]);
  const storedKeys = () => chat.locator("html").evaluate(() => Object.keys(localStorage));
  assert.deepEqual(await storedKeys(), [], "a refused form creates nothing");

  await form.getByRole("textbox", { name: "Name" }).fill("Ada");
  await form.getByRole("combobox", { name: "Department" }).selectOption({ label: "Support" });
  await form.getByRole("textbox", { name: "Order number" }).fill("A-42");
  await form.getByRole("button", { name: "Start the chat" }).click();
  await form.waitFor({ state: "hidden", timeout: TIMEOUT });
  await chat.getByText("Ask Acme anything.").waitFor({ timeout: TIMEOUT });
  await chat.getByRole("textbox", { name: "Message", exact: true }).fill("Where is my order?");
  await chat.getByRole("button", { name: "Send", exact: true }).click();
  await chat.getByRole("log").getByRole("img", { name: "Sent" }).waitFor({ timeout: TIMEOUT });
  const started = await heard("lc:event");
  assert.equal(started[0].name, "chatStarted");
  assert.match(started[0].data.conversationId, /^\S+$/);
  assert.deepEqual(await storedKeys(), ["livechat:demo.website"]);

  // Anna takes it: the page hears agentJoined; her initials show.
  const id = started[0].data.conversationId;
  const taken = await fetch(`${env.worker.base}/api/v1/agent/conversations/${id}/take`, {
    method: "POST",
    headers: { authorization: `Bearer ${await token(env.worker.base, anna.agent)}` },
  });
  assert.equal(taken.status, 200);
  await chat.locator("header").getByText("Anna", { exact: true }).waitFor({ timeout: TIMEOUT });
  await page.waitForFunction(() => window.heard.some((m) => m.type === "lc:event" && m.data.name === "Anna"));
  assert.equal(await chat.locator("header .avatar").textContent(), "A");

  // Thumbs instead of stars once the chat ends.
  await chat.getByRole("button", { name: "End chat", exact: true }).click();
  await chat.getByRole("button", { name: "Confirm", exact: true }).click();
  await chat.getByText("This chat has ended.").waitFor({ timeout: TIMEOUT });
  await page.waitForFunction(() => window.heard.some((m) => m.type === "lc:event" && m.name === "chatEnded"));
  await chat.getByRole("radio", { name: "Good" }).waitFor();
  assert.equal(await chat.getByRole("radio").count(), 2);

  // "reset" forgets the visitor: storage emptied, a fresh chat.
  await page.evaluate(() =>
    document.querySelector('iframe[title="Test chat"]').contentWindow.postMessage({ type: "lc:reset" }, "*"));
  await chat.getByText("This chat has ended.").waitFor({ state: "detached", timeout: TIMEOUT });
  await form.waitFor({ timeout: TIMEOUT });
  assert.deepEqual(await storedKeys(), []);

  assert.deepEqual(env.crashes, []);
  await context.close();
  await anna.context.close();
});
