// File attachments in both apps, against the real worker in headless
// Chromium, every control found by its accessible name: an image the
// visitor attaches shows as a preview (alt = its name) in the agent app,
// a PDF Anna attaches arrives in the widget as a download link that serves
// the exact bytes, the "Files" panel lists both and filters them by name
// and type, and a refused file shows the server's reason.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setStatus, setUp, signIn, TIMEOUT, token, until } from "./harness.mjs";

const env = setUp();

// A 1×1 PNG, so that the preview really draws.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);
const PDF = Buffer.from("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n");

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
  return { context, page, chat, log: chat.getByRole("log") };
}

/** Opens the queued chat that says `text` and takes it. */
async function take(desk, text) {
  await desk.getByRole("region", { name: "Queued Chats" }).getByRole("button").filter({ hasText: text }).click({ timeout: TIMEOUT });
  const pane = desk.getByRole("region", { name: "Conversation" });
  await pane.getByRole("button", { name: "Take it" }).click();
  await pane.getByRole("button", { name: "Place on hold" }).waitFor({ timeout: TIMEOUT });
  return pane;
}

/** Presses "Attach a file" in `scope` and picks `file` in the chooser of `page`. */
async function attach(page, scope, file) {
  const chooser = page.waitForEvent("filechooser", { timeout: TIMEOUT });
  await scope.getByRole("button", { name: "Attach a file" }).click();
  await (await chooser).setFiles(file);
}

test("an image from the visitor previews in the agent app, a PDF from the agent downloads in the widget, the Files panel filters", async () => {
  env.crashes.length = 0;
  const question = "Here is a screenshot of the problem";
  const anna = await signIn(env, "anna@demo.test");
  await setStatus(env.worker.base, await token(env.worker.base, anna.agent), "available");
  const visitor = await visitorWrites(question);
  const pane = await take(anna.desk, question);

  await attach(visitor.page, visitor.chat, { name: "dot.png", mimeType: "image/png", buffer: PNG });
  const preview = pane.getByRole("img", { name: "dot.png" });
  await preview.waitFor({ timeout: TIMEOUT });
  // The signed link served the image: it decoded.
  await pane.locator('img[alt="dot.png"]').evaluate((img) =>
    img.complete && img.naturalWidth > 0 ? true : new Promise((ok, ko) => { img.onload = () => ok(true); img.onerror = ko; }));
  assert.equal(await pane.locator('img[alt="dot.png"]').evaluate((img) => img.naturalWidth), 1);
  // The visitor sees their own image too.
  await visitor.log.getByRole("img", { name: "dot.png" }).waitFor({ timeout: TIMEOUT });

  await attach(anna.desk, pane, { name: "offer.pdf", mimeType: "application/pdf", buffer: PDF });
  const download = visitor.log.getByRole("link", { name: /^offer\.pdf \(\d+ bytes\)$/ });
  await download.waitFor({ timeout: TIMEOUT });
  // The signed link is fetched once the line is drawn.
  await until(async () => /^\/api\/v1\/files\//.test((await download.getAttribute("href")) ?? ""));
  const href = await download.getAttribute("href");
  assert.match(href, /^\/api\/v1\/files\//);
  const served = await visitor.page.evaluate(async (url) => {
    const r = await fetch(url);
    return { type: r.headers.get("content-type"), body: await r.text() };
  }, `${env.worker.base}${href}`);
  assert.deepEqual(served, { type: "application/pdf", body: PDF.toString() });

  await pane.getByRole("button", { name: "Files" }).click();
  const panel = anna.desk.getByRole("dialog", { name: "Files" });
  const list = panel.getByRole("list", { name: "Files of this conversation" });
  await list.getByRole("link", { name: /offer\.pdf/ }).waitFor({ timeout: TIMEOUT });
  assert.equal(await list.getByRole("listitem").count(), 2);
  await panel.getByRole("combobox", { name: "Type" }).selectOption({ label: "PDF" });
  await list.getByRole("link", { name: /dot\.png/ }).waitFor({ state: "detached", timeout: TIMEOUT });
  assert.equal(await list.getByRole("listitem").count(), 1);
  await panel.getByRole("combobox", { name: "Type" }).selectOption({ label: "Images" });
  await list.getByRole("link", { name: /dot\.png/ }).waitFor({ timeout: TIMEOUT });
  assert.equal(await list.getByRole("listitem").count(), 1);
  await panel.getByRole("combobox", { name: "Type" }).selectOption({ label: "All" });
  await panel.getByRole("searchbox", { name: "Search files" }).fill("OFFER");
  await list.getByRole("link", { name: /dot\.png/ }).waitFor({ state: "detached", timeout: TIMEOUT });
  assert.deepEqual(
    (await list.getByRole("link").allInnerTexts()).map((t) => t.split(" (")[0]),
    ["offer.pdf"],
  );
  await panel.getByRole("searchbox", { name: "Search files" }).fill("nothing like it");
  await panel.getByRole("status").filter({ hasText: "No files." }).waitFor({ timeout: TIMEOUT });

  assert.deepEqual(env.crashes, []);
  await visitor.context.close();
  await anna.context.close();
});

test("a refused file shows the server's reason", async () => {
  env.crashes.length = 0;
  const visitor = await visitorWrites("Can I send you a page?");
  await attach(visitor.page, visitor.chat, {
    name: "cat.png",
    mimeType: "image/png",
    buffer: Buffer.from("<html><script>alert(1)</script></html>"),
  });
  await visitor.chat
    .getByRole("alert")
    .filter({ hasText: "The file's content is not a PNG image: it does not start like one." })
    .waitFor({ timeout: TIMEOUT });
  await visitor.chat.getByRole("button", { name: "Dismiss" }).click();
  await visitor.chat.getByRole("alert").waitFor({ state: "detached", timeout: TIMEOUT });
  await visitor.context.close();
});
