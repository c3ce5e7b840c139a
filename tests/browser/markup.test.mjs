// Formatted messages and the emoji picker, both ways between the widget and
// the agent app, in headless Chromium against the real worker: markup turns
// into elements, links are only http(s) and mailto and open in a new tab,
// and HTML or script in a message stays text in both apps.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setStatus, setUp, signIn, TIMEOUT, token, until } from "./harness.mjs";

const env = setUp();

test("markup renders safely both ways, and emoji go in by keyboard", async () => {
  const { context: agentContext, desk, agent } = await signIn(env, "anna@demo.test");
  await setStatus(env.worker.base, await token(env.worker.base, agent), "available");

  // The visitor writes markup, a good link, a bad one, and HTML.
  const visitorContext = await env.browser.newContext();
  const page = await visitorContext.newPage();
  await page.goto(`${env.worker.base}/demo/`);
  await page.getByRole("button", { name: "Open chat" }).click();
  const chat = page.frameLocator('iframe[title="Chat"]');
  const visitorBox = chat.getByRole("textbox", { name: "Message", exact: true });
  const hostile =
    "*bold* and _it_ see https://example.com/docs, [click](javascript:window.__pwned=3)" +
    ' <img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
  await visitorBox.fill(hostile);
  await chat.getByRole("button", { name: "Send", exact: true }).click();
  const visitorLog = chat.getByRole("log");
  await visitorLog.getByRole("img", { name: "Sent" }).waitFor({ timeout: TIMEOUT });
  // The visitor's own line is formatted too.
  await visitorLog.locator("strong", { hasText: "bold" }).waitFor({ timeout: TIMEOUT });

  // Anna takes the chat: the line is formatted, and nothing was injected.
  const row = desk.getByRole("region", { name: "Queued Chats" }).getByRole("button").filter({ hasText: "bold" });
  await row.waitFor({ timeout: TIMEOUT });
  await row.click();
  await desk.getByRole("button", { name: "Take it" }).click();
  const transcript = desk.getByRole("log", { name: "Transcript" });
  const line = transcript.locator(".bubble").filter({ hasText: "see https://example.com/docs" });
  await line.waitFor({ timeout: TIMEOUT });
  assert.equal(await line.locator("strong").textContent(), "bold");
  assert.equal(await line.locator("em").textContent(), "it");
  const good = line.getByRole("link", { name: "https://example.com/docs" });
  assert.equal(await good.getAttribute("href"), "https://example.com/docs");
  assert.equal(await good.getAttribute("target"), "_blank");
  assert.equal(await good.getAttribute("rel"), "noopener noreferrer");
  // The bad link is text, not a link; the HTML is text, not elements.
  assert.equal(await line.locator("a").count(), 1, "only the https link is a link");
  assert.match(await line.textContent(), /\[click\]\(javascript:window\.__pwned=3\)/);
  assert.match(await line.textContent(), /<img src=x onerror="window\.__pwned=1"><script>/);
  assert.equal(await transcript.locator("img, script").count(), 0);
  assert.equal(await visitorLog.locator("img, script, a[href^=javascript]").count(), 0);

  // Anna answers with markup, a mailto link and HTML; then an emoji picked
  // by keyboard, at the caret.
  const reply = desk.getByRole("textbox", { name: "Message", exact: true });
  await reply.fill("~old~ `x<b>y</b>` mail mailto:help@example.com\n```\n*not bold*\n```");
  await desk.getByRole("button", { name: "Send", exact: true }).click();
  const answer = visitorLog.locator(".bubble").filter({ hasText: "mail mailto:help@example.com" });
  await answer.waitFor({ timeout: TIMEOUT });
  assert.equal(await answer.locator("s").textContent(), "old");
  assert.equal(await answer.locator("code").first().textContent(), "x<b>y</b>");
  assert.equal(await answer.locator("b").count(), 0);
  const mail = answer.getByRole("link", { name: "mailto:help@example.com" });
  assert.equal(await mail.getAttribute("href"), "mailto:help@example.com");
  assert.equal(await answer.locator("pre code").textContent(), "*not bold*");
  assert.equal(await answer.locator("pre strong").count(), 0);

  await reply.fill("Glad to help");
  await reply.press("End");
  for (let i = 0; i < 5; i++) await reply.press("ArrowLeft");
  const deskEmoji = desk.getByRole("button", { name: "Emoji", exact: true });
  await deskEmoji.focus();
  await desk.keyboard.press("Enter");
  const deskGrid = desk.getByRole("dialog", { name: "Emoji" });
  await deskGrid.getByRole("button", { name: "grinning face", exact: true }).waitFor({ timeout: TIMEOUT });
  // Escape closes the grid and gives the focus back to the button.
  await desk.keyboard.press("Escape");
  await deskGrid.waitFor({ state: "hidden", timeout: TIMEOUT });
  assert.equal(await deskEmoji.evaluate((b) => b === document.activeElement), true);
  // Open again: Down twice reaches the gestures, Right the next one.
  await desk.keyboard.press("Enter");
  const first = deskGrid.getByRole("button", { name: "grinning face", exact: true });
  await until(() => first.evaluate((b) => b === document.activeElement));
  await desk.keyboard.press("ArrowDown");
  await desk.keyboard.press("ArrowDown");
  await desk.keyboard.press("ArrowRight");
  assert.equal(await desk.evaluate(() => document.activeElement.getAttribute("aria-label")), "thumbs down");
  await desk.keyboard.press("Enter");
  await deskGrid.waitFor({ state: "hidden", timeout: TIMEOUT });
  assert.equal(await reply.inputValue(), "Glad to👎 help");
  assert.equal(await reply.evaluate((t) => t === document.activeElement), true, "the focus is back in the draft");
  await reply.press("Enter");
  await visitorLog.getByText("Glad to👎 help").waitFor({ timeout: TIMEOUT });

  // The visitor picks one by keyboard too, and it reaches Anna.
  await visitorBox.fill("Thanks ");
  const widgetEmoji = chat.getByRole("button", { name: "Emoji", exact: true });
  await widgetEmoji.focus();
  await page.keyboard.press("Enter");
  const widgetGrid = chat.getByRole("dialog", { name: "Emoji" });
  await widgetGrid.getByRole("button", { name: "grinning face", exact: true }).waitFor({ timeout: TIMEOUT });
  await page.keyboard.press("End");
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.press("Enter");
  await widgetGrid.waitFor({ state: "hidden", timeout: TIMEOUT });
  assert.equal(await visitorBox.inputValue(), "Thanks ☕");
  // Escape in the grid does not hide the chat.
  await widgetEmoji.focus();
  await page.keyboard.press("Enter");
  await widgetGrid.getByRole("button", { name: "grinning face", exact: true }).waitFor({ timeout: TIMEOUT });
  await page.keyboard.press("Escape");
  await widgetGrid.waitFor({ state: "hidden", timeout: TIMEOUT });
  assert.ok(await page.locator('iframe[title="Chat"]').isVisible(), "the chat stays open");
  await chat.getByRole("button", { name: "Send", exact: true }).click();
  await transcript.getByText("Thanks ☕").waitFor({ timeout: TIMEOUT });

  // No script in any message ran, in either app.
  const frame = page.frames().find((f) => f.url().includes("/widget/frame"));
  assert.equal(await frame.evaluate(() => window.__pwned), undefined);
  assert.equal(await desk.evaluate(() => window.__pwned), undefined);
  assert.deepEqual(env.crashes, []);

  await visitorContext.close();
  await agentContext.close();
});
