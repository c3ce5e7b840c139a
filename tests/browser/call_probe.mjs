// What the call tests watch inside the pages, without touching the apps:
// an init script, added to a browser context before its pages load (it runs
// in every frame, the widget's iframe included), that
//
// - keeps every RTCPeerConnection the page makes in `window.__peers`, so
//   a test reads its statistics (bytes received: media flows);
// - notes, on the page's own clock (`Date.now()`, the same clock on every
//   page of one machine), when a button was pressed (`__pressed[name]`),
//   when a button first appeared since the test emptied `__shown` (`__shown[name]`) and when a connection
//   first received media bytes (`__firstBytes`).
//
// Chromium runs with fake media devices and accepts the permission prompt
// itself (`MEDIA_FLAGS`): a real camera and microphone are not needed.

import { demo, setStatus, signIn, TIMEOUT, token } from "./harness.mjs";
import { chatFrame } from "./host_server.mjs";

export const MEDIA_FLAGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"];

function probe() {
  const Native = window.RTCPeerConnection;
  if (!Native || window.__peers) return;
  window.__peers = [];
  window.__pressed = {};
  window.__shown = {};
  window.__firstBytes = [];
  const received = async (pc) => {
    let bytes = 0;
    const report = await pc.getStats();
    report.forEach((s) => {
      if (s.type === "inbound-rtp") bytes += s.bytesReceived || 0;
    });
    return bytes;
  };
  window.__received = async () => {
    let total = 0;
    for (const pc of window.__peers) {
      if (pc.connectionState !== "closed") total += await received(pc);
    }
    return total;
  };
  window.RTCPeerConnection = function (...args) {
    const pc = new Native(...args);
    window.__peers.push(pc);
    const started = Date.now();
    const watch = setInterval(async () => {
      if (pc.connectionState === "closed") return clearInterval(watch);
      if ((await received(pc).catch(() => 0)) > 0) {
        window.__firstBytes.push({ started, at: Date.now() });
        clearInterval(watch);
      }
    }, 5);
    return pc;
  };
  window.RTCPeerConnection.prototype = Native.prototype;
  const name = (el) => (el.getAttribute("aria-label") || el.textContent || "").trim();
  document.addEventListener(
    "click",
    (e) => {
      const button = e.target.closest && e.target.closest("button");
      if (button) window.__pressed[name(button)] = Date.now();
    },
    true,
  );
  // The first time since the test last emptied `__shown`.
  const look = () => {
    for (const b of document.querySelectorAll("button")) {
      const n = name(b);
      if (!(n in window.__shown)) window.__shown[n] = Date.now();
    }
  };
  new MutationObserver(look).observe(document, { childList: true, subtree: true });
}

/** Adds the probe to `context` (before its pages load). */
export async function addProbe(context) {
  await context.addInitScript(probe);
}

/** Bytes of media `frame` (a page or a frame) has received on its live connections. */
export async function received(frame) {
  return frame.evaluate(() => (window.__received ? window.__received() : 0));
}

/** Waits until `frame` receives media and keeps receiving it: two readings
 * `gap` ms apart, each higher than the one before. */
export async function mediaFlows(frame, { timeout = 20_000, gap = 500 } = {}) {
  const deadline = Date.now() + timeout;
  let last = 0;
  let rises = 0;
  while (Date.now() < deadline) {
    const now = await received(frame);
    if (now > last && last > 0) rises++;
    if (rises >= 2) return now;
    last = now;
    await new Promise((r) => setTimeout(r, gap));
  }
  throw new Error(`media did not flow: ${last} bytes received, ${rises} rises`);
}

/**
 * Anna at her desk, available, and a visitor on the cross-origin host page
 * who wrote `text`; Anna takes the chat. Both contexts carry the probe.
 * `env` gives `worker`, `browser` (launched with `MEDIA_FLAGS`) and
 * `crashes`; `hostUrl` is the host page's address.
 */
export async function chatTaken(env, hostUrl, text) {
  const anna = demo.agents.find((a) => a.email === "anna@demo.test");
  const { desk } = await signIn(env, anna.email, demo, addProbe);
  await setStatus(env.worker.base, await token(env.worker.base, anna), "available");
  const visitor = await env.browser.newContext();
  await addProbe(visitor);
  const page = await visitor.newPage();
  page.on("pageerror", (e) => env.crashes.push(`visitor: ${e.message}`));
  await page.goto(hostUrl);
  await page.getByRole("button", { name: "Open chat" }).click();
  const chat = page.frameLocator('iframe[title="Chat"]');
  await chat.getByRole("textbox", { name: "Message", exact: true }).fill(text);
  await chat.getByRole("button", { name: "Send", exact: true }).click();
  const row = desk.getByRole("region", { name: "Queued Chats" }).getByRole("button").filter({ hasText: text });
  await row.waitFor({ timeout: TIMEOUT });
  await row.click();
  await desk.getByRole("button", { name: "Take it" }).click();
  const transcript = desk.getByRole("log", { name: "Transcript" });
  await transcript.getByText(text).first().waitFor({ timeout: TIMEOUT });
  return { desk, page, chat, transcript, visitorLog: chat.getByRole("log"), frame: () => chatFrame(page) };
}
