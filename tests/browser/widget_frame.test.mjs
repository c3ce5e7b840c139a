// The chat page itself (/widget/frame.html?site=...), opened as its own
// window in headless Chromium against the real worker: nothing stored or
// created before the visitor writes, the browser's language (Spanish here,
// every control found by its Spanish name), the focus kept inside the
// chat, "End chat" and the end-of-chat screen with "Rate this chat" and
// "Send me the transcript". The rating and transcript endpoints may not
// exist on this worker yet: the widget then says the request failed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setStatus, setUp, signIn, TIMEOUT, token } from "./harness.mjs";

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
  const rated = page.getByRole("status").filter({ hasText: /^(¡Gracias por tu valoración!|No se pudo enviar.*)$/ });
  await rated.waitFor({ timeout: TIMEOUT });

  const email = page.getByRole("textbox", { name: "Correo electrónico" });
  await email.fill("ada.example.com");
  const send = page.getByRole("button", { name: "Enviarme la transcripción", exact: true });
  await send.click();
  await page.getByText("Escribe un correo válido, como nombre@ejemplo.com.").waitFor({ timeout: TIMEOUT });
  await email.fill("ada@example.com");
  await send.click();
  await page
    .getByRole("status")
    .filter({ hasText: /^(La transcripción va de camino a tu correo\.|No se pudo enviar.*)$/ })
    .waitFor({ timeout: TIMEOUT });

  // A new chat empties the screen; it is created when the visitor writes.
  await page.getByRole("button", { name: "Iniciar un chat nuevo" }).click();
  await page.getByText("Este chat ha finalizado.").waitFor({ state: "detached", timeout: TIMEOUT });
  assert.equal(await page.getByRole("button", { name: "Valorar este chat" }).count(), 0);

  assert.deepEqual(env.crashes, []);
  await context.close();
  await anna.context.close();
});
