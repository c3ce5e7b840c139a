// The agent's tools inside a conversation, in headless Chromium against the
// real worker: notes and whispers that the visitor's page never shows,
// `/invite @username` offered as it is typed, and canned responses through
// `!` and through the "Canned responses" panel, in replies and in notes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { api, setStatus, setUp, SETUP_TOKEN, signIn, success, TIMEOUT, token, until } from "./harness.mjs";

const env = setUp();

/** A visitor on the demo page who wrote `text`; answers their chat log. */
async function visitorWrites(text) {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${env.worker.base}/demo/`);
  await page.getByRole("button", { name: "Open chat" }).click();
  const chat = page.frameLocator('iframe[title="Chat"]');
  await chat.getByRole("textbox", { name: "Message", exact: true }).fill(text);
  await chat.getByRole("button", { name: "Send", exact: true }).click();
  const log = chat.getByRole("log");
  await log.getByRole("img", { name: "Sent" }).waitFor({ timeout: TIMEOUT });
  return log;
}

async function available(agent) {
  await setStatus(env.worker.base, await token(env.worker.base, agent), "available");
}

test("a note and a whisper never reach the visitor; /invite adds a colleague", async () => {
  const anna = await signIn(env, "anna@demo.test");
  const mark = await signIn(env, "mark@demo.test");
  await available(anna.agent);
  const visitorLog = await visitorWrites("My order shows error 404");

  // Mark, a supervisor, opens the chat while it waits; Anna takes it.
  const markRow = mark.desk.getByRole("region", { name: "Queued Chats" }).getByRole("button").filter({ hasText: "error 404" });
  await markRow.click();
  const annaRow = anna.desk.getByRole("region", { name: "Queued Chats" }).getByRole("button").filter({ hasText: "error 404" });
  await annaRow.click();
  await anna.desk.getByRole("button", { name: "Take it" }).click();
  const annaLog = anna.desk.getByRole("log", { name: "Transcript" });
  await annaLog.getByText("Anna joined the chat").waitFor({ timeout: TIMEOUT });

  // Anna writes a note, then replies.
  const box = anna.desk.getByRole("textbox", { name: "Message" });
  await anna.desk.getByRole("button", { name: "Note", exact: true }).click();
  await box.fill("NOTE: legacy plan, be careful");
  await box.press("Enter");
  await annaLog.getByText("NOTE: legacy plan, be careful").waitFor({ timeout: TIMEOUT });
  await anna.desk.getByRole("button", { name: "Reply", exact: true }).click();
  await box.fill("Hello! Let me check that.");
  await box.press("Enter");

  // Mark reads the note, and whispers to Anna.
  const markLog = mark.desk.getByRole("log", { name: "Transcript" });
  await markLog.getByText("NOTE: legacy plan, be careful").waitFor({ timeout: TIMEOUT });
  await mark.desk.getByRole("button", { name: "Whisper", exact: true }).click();
  const markBox = mark.desk.getByRole("textbox", { name: "Message" });
  await markBox.fill("WHISPER: offer the discount");
  await markBox.press("Enter");
  await annaLog.getByText("WHISPER: offer the discount").waitFor({ timeout: TIMEOUT });
  await annaLog.getByText("Whisper to Anna").waitFor({ timeout: TIMEOUT });

  // The visitor reads the reply, never the note or the whisper.
  await visitorLog.getByText("Hello! Let me check that.").waitFor({ timeout: TIMEOUT });
  await box.fill("One more thing.");
  await box.press("Enter");
  await visitorLog.getByText("One more thing.").waitFor({ timeout: TIMEOUT });
  assert.equal(await visitorLog.getByText(/NOTE|WHISPER/).count(), 0);

  // "/" offers the commands; the usernames follow "@".
  await box.fill("/inv");
  const suggestions = anna.desk.getByRole("listbox", { name: "Suggestions" });
  await suggestions.getByText("/invite @username").waitFor({ timeout: TIMEOUT });
  await box.press("Tab");
  assert.equal(await box.inputValue(), "/invite @");
  await box.pressSequentially("be");
  await suggestions.getByText("@ben").waitFor({ timeout: TIMEOUT });
  await box.press("Enter");
  assert.equal(await box.inputValue(), "/invite @ben");
  await box.press("Enter");
  await success(anna.desk, "@ben was added to the chat.");
  await visitorLog.getByText("Anna invited Ben to the chat").waitFor({ timeout: TIMEOUT });
  await box.fill("/invite @nobody");
  await box.press("Enter");
  await anna.desk.getByRole("alert").filter({ hasText: "User is not an agent" }).waitFor({ timeout: TIMEOUT });
  assert.deepEqual(env.crashes, []);
});

test("a canned response through '!' and through the panel, in a reply and in a note", async () => {
  const anna = await signIn(env, "anna@demo.test");
  await available(anna.agent);
  const visitorLog = await visitorWrites("Are you there? canned");
  const row = anna.desk.getByRole("region", { name: "Queued Chats" }).getByRole("button").filter({ hasText: "canned" });
  await row.click();
  await anna.desk.getByRole("button", { name: "Take it" }).click();
  const annaLog = anna.desk.getByRole("log", { name: "Transcript" });
  await annaLog.getByText("Anna joined the chat").waitFor({ timeout: TIMEOUT });

  // Made from inside the conversation.
  await anna.desk.getByRole("button", { name: "Canned responses" }).click();
  const panel = anna.desk.getByRole("dialog", { name: "Canned responses" });
  await panel.getByRole("textbox", { name: "Shortcut" }).fill("thanks");
  await panel.getByRole("textbox", { name: "Text" }).fill("Thank you for waiting!");
  await panel.getByRole("button", { name: "Save" }).click();
  await success(anna.desk, "!thanks is saved.");
  await panel.getByRole("button", { name: "Close" }).click();

  // "!" opens the list above the box; Enter puts the response in.
  const box = anna.desk.getByRole("textbox", { name: "Message" });
  await box.fill("!tha");
  const suggestions = anna.desk.getByRole("listbox", { name: "Suggestions" });
  await suggestions.getByText("!thanks").waitFor({ timeout: TIMEOUT });
  await box.press("ArrowDown");
  await box.press("Enter");
  assert.equal(await box.inputValue(), "Thank you for waiting!");
  await box.press("Enter");
  await visitorLog.getByText("Thank you for waiting!").waitFor({ timeout: TIMEOUT });

  // The panel's "Use".
  await anna.desk.getByRole("button", { name: "Canned responses" }).click();
  const item = panel.getByRole("listitem").filter({ hasText: "!thanks" });
  await item.getByRole("button", { name: "Use" }).click();
  assert.equal(await box.inputValue(), "Thank you for waiting!");
  await box.press("Enter");
  await until(async () => (await visitorLog.getByText("Thank you for waiting!").count()) === 2);

  // In a note, "!thanks " expands as the space is typed; the visitor never
  // gets it.
  await anna.desk.getByRole("button", { name: "Note", exact: true }).click();
  await box.fill("");
  await box.pressSequentially("Told them: !thanks ");
  assert.equal(await box.inputValue(), "Told them: Thank you for waiting! ");
  await box.press("Enter");
  await annaLog.getByText("Told them: Thank you for waiting!").waitFor({ timeout: TIMEOUT });
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await visitorLog.getByText("Told them").count(), 0);
  assert.deepEqual(env.crashes, []);
});

/** The text of a PDF, read with pdf.js. */
async function pdfText(path) {
  const { readFile } = await import("node:fs/promises");
  const pdfjs = (await import("pdfjs-dist/legacy/build/pdf.js")).default;
  const doc = await pdfjs.getDocument({ data: new Uint8Array(await readFile(path)) }).promise;
  let text = "";
  for (let n = 1; n <= doc.numPages; n++) {
    const page = await doc.getPage(n);
    const content = await page.getTextContent();
    text += content.items.map((i) => i.str).join(" ") + "\n";
  }
  return text;
}

test("closing exports the PDF transcript and emails it, as My account says", async () => {
  const anna = await signIn(env, "anna@demo.test");
  await available(anna.agent);

  // My account: always export a PDF on close.
  await anna.desk.getByRole("button", { name: "My account" }).click();
  const account = anna.desk.getByRole("dialog", { name: "My account" });
  await account.getByRole("checkbox", { name: "Always export a PDF" }).check();
  await account.getByRole("button", { name: "Save" }).click();
  await success(anna.desk, "Your preferences are saved.");
  const saved = await api(env.worker.base, "GET", "/api/v1/agent/me/preferences", await token(env.worker.base, anna.agent));
  assert.equal(saved.body.pdf_on_close, true);

  const visitorLog = await visitorWrites("Ich habe eine Frage zu Rechnung 77");
  await anna.desk.getByRole("region", { name: "Queued Chats" }).getByRole("button").filter({ hasText: "Rechnung 77" }).click();
  await anna.desk.getByRole("button", { name: "Take it" }).click();
  const box = anna.desk.getByRole("textbox", { name: "Message" });
  await box.fill("Gern, Ihre Rechnung ist bezahlt.");
  await box.press("Enter");
  await anna.desk.getByRole("button", { name: "Note", exact: true }).click();
  await box.fill("NOTE hidden from the visitor");
  await box.press("Enter");
  await anna.desk.getByRole("log", { name: "Transcript" }).getByText("NOTE hidden from the visitor").waitFor({ timeout: TIMEOUT });

  await anna.desk.getByRole("button", { name: "Close", exact: true }).click();
  const close = anna.desk.getByRole("dialog", { name: "Close" });
  await close.getByRole("textbox", { name: "Comment" }).fill("Paid, thank you.");
  const pdfBox = close.getByRole("checkbox", { name: "Export as PDF" });
  await until(async () => await pdfBox.isChecked());
  await close.getByRole("checkbox", { name: "Send via email" }).check();
  await close.getByRole("textbox", { name: "Visitor's email" }).fill("kunde@example.com");
  const [download] = await Promise.all([
    anna.desk.waitForEvent("download", { timeout: TIMEOUT }),
    close.getByRole("button", { name: "Confirm" }).click(),
  ]);
  const text = await pdfText(await download.path());
  assert.match(text, /Rechnung 77/);
  assert.match(text, /Gern, Ihre Rechnung ist bezahlt\./);
  assert.match(text, /Paid, thank you\./);
  assert.doesNotMatch(text, /NOTE hidden/);
  await visitorLog.getByText("Anna closed the chat: Paid, thank you.").waitFor({ timeout: TIMEOUT });

  // The email reached the sink, without the note.
  await until(async () => {
    const sink = await api(env.worker.base, "GET", "/api/v1/dev/mail?workspace=demo", SETUP_TOKEN);
    return sink.status === 200 && sink.body.some((m) => m.to === "kunde@example.com");
  });
  const sink = await api(env.worker.base, "GET", "/api/v1/dev/mail?workspace=demo", SETUP_TOKEN);
  const mail = sink.body.find((m) => m.to === "kunde@example.com");
  assert.match(mail.text, /Rechnung 77/);
  assert.doesNotMatch(mail.text, /NOTE hidden/);

  // After the close, from the header too.
  const [again] = await Promise.all([
    anna.desk.waitForEvent("download", { timeout: TIMEOUT }),
    anna.desk.getByRole("button", { name: "Export as PDF" }).click(),
  ]);
  assert.match(await pdfText(await again.path()), /Rechnung 77/);
  assert.deepEqual(env.crashes, []);
});
