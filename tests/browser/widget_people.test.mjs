// The widget for people on phones and with assistive technology, on the
// cross-origin host page: on a phone-sized viewport the open chat fills the
// screen, its inputs do not make the browser zoom, and the message box
// stays on screen; axe-core finds no serious or critical violation in the
// pre-chat form or the end-of-chat rating.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { api, demo, setStatus, setUp, signIn, TIMEOUT, token, until } from "./harness.mjs";
import { axeViolations, chatFrame, seedSites, setUpHost } from "./host_server.mjs";

const env = setUp();
const host = setUpHost(env);
const anna = demo.agents.find((a) => a.email === "anna@demo.test");

before(async () => {
  // After setUpHost's own setup.
  for (let i = 0; !host.origin; i++) {
    if (i > 1200) throw new Error("the host server did not start");
    await new Promise((r) => setTimeout(r, 100));
  }
  await seedSites(env.worker.base, [
    { allowed_origins: host.origins },
    {
      id: "asks", name: "asks", department: "support", allowed_origins: host.origins,
      prechat: {
        name: "required", email: "optional", departments: ["support", "sales"],
        fields: [{ id: "order", label: "Order number", required: false }], skippable: true,
      },
    },
  ]);
});

/** Anna at her desk and available, so the chat is offered. */
async function annaAvailable() {
  const { context } = await signIn(env, anna.email);
  const bearer = await token(env.worker.base, anna);
  await setStatus(env.worker.base, bearer, "available");
  return { context, bearer };
}

test("on a phone the open chat fills the screen, inputs do not zoom, the message box stays visible", async () => {
  const desk = await annaAvailable();
  const viewport = { width: 375, height: 667 };
  const context = await env.browser.newContext({ viewport, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const page = await context.newPage();
  await page.goto(host.url([], { sameSite: true }));
  await page.getByRole("button", { name: "Open chat" }).click();
  const chat = page.frameLocator('iframe[title="Chat"]');
  const message = chat.getByRole("textbox", { name: "Message", exact: true });
  await message.waitFor({ timeout: TIMEOUT });
  // The chat's frame covers the whole viewport.
  const box = await page.locator("live-chat iframe").boundingBox();
  assert.deepEqual(
    [box.x, box.y, box.width, box.height].map(Math.round),
    [0, 0, viewport.width, viewport.height],
  );
  // Every input is at least 16px: phones zoom into smaller ones on focus.
  const small = await chatFrame(page).evaluate(() =>
    [...document.querySelectorAll("input, textarea, select")]
      .filter((e) => !["radio", "checkbox", "file", "hidden"].includes(e.type))
      .map((e) => [e.getAttribute("aria-label") || e.id || e.name || e.type, parseFloat(getComputedStyle(e).fontSize)]));
  assert.ok(small.length >= 3, JSON.stringify(small));
  assert.deepEqual(small.filter(([, size]) => size < 16), [], "text inputs under 16px");
  // The message box and "Send" are on screen, at the bottom, and work.
  const area = await message.boundingBox();
  assert.ok(area.y >= 0 && area.y + area.height <= viewport.height, JSON.stringify(area));
  await message.tap();
  await message.fill("From my phone");
  await chat.getByRole("button", { name: "Send", exact: true }).tap();
  await chat.getByRole("log").getByRole("img", { name: "Sent" }).waitFor({ timeout: TIMEOUT });
  // Closing from inside the chat brings the launcher back.
  await chat.getByRole("button", { name: "Close chat" }).tap();
  await page.getByRole("button", { name: "Open chat" }).waitFor({ timeout: TIMEOUT });
  await context.close();
  await desk.context.close();
});

test("axe-core: no serious or critical violation in the pre-chat form or the rating", async () => {
  const desk = await annaAvailable();
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.goto(host.url([], { site: "demo.asks", sameSite: true }));
  await page.getByRole("button", { name: "Open chat" }).click();
  const chat = page.frameLocator('iframe[title="Chat"]');
  const name = chat.getByRole("textbox", { name: "Name" });
  await name.waitFor({ timeout: TIMEOUT });
  assert.deepEqual(await axeViolations(chatFrame(page)), [], "the pre-chat form");
  // Refused once (a name is required): the problems are announced too.
  await chat.getByRole("button", { name: "Start the chat" }).click();
  await until(async () => (await name.getAttribute("aria-invalid")) === "true");
  assert.deepEqual(await axeViolations(chatFrame(page)), [], "the pre-chat form with its problems");
  await name.fill("Ada");
  await chat.getByRole("combobox", { name: "Department" }).selectOption({ label: "Support" });
  await chat.getByRole("button", { name: "Start the chat" }).click();
  const message = chat.getByRole("textbox", { name: "Message", exact: true });
  await message.fill("Please rate me");
  await chat.getByRole("button", { name: "Send", exact: true }).click();
  await chat.getByRole("log").getByRole("img", { name: "Sent" }).waitFor({ timeout: TIMEOUT });
  const id = await chatFrame(page).evaluate(() => JSON.parse(localStorage.getItem("livechat:demo.asks")).conversation_id);
  const taken = await api(env.worker.base, "POST", `/api/v1/agent/conversations/${id}/take`, desk.bearer);
  assert.equal(taken.status, 200, JSON.stringify(taken.body));
  const closed = await api(env.worker.base, "POST", `/api/v1/agent/conversations/${id}/close`, desk.bearer, { comment: "Done" });
  assert.equal(closed.status, 200, JSON.stringify(closed.body));
  await chat.getByRole("group", { name: "Rate this chat" }).waitFor({ timeout: TIMEOUT });
  assert.deepEqual(await axeViolations(chatFrame(page)), [], "the rating");
  await context.close();
  await desk.context.close();
});
