// Calls from the agent app, against the real worker in headless Chromium
// with fake media devices, the visitor being a plain socket the test
// speaks for: Anna takes a chat and starts a video call; the visitor's
// socket hears it ring and declines, and Anna's pane drops the call with
// the server's line; a second call is accepted and Anna's app sends its
// SDP offer over the signalling; her toggles reach the visitor; a
// supervisor who opens the chat sees "Call in progress" and no controls;
// "End call" ends it with its line. A browser that refuses the microphone
// and camera shows why and sends no `call_start`.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { api, demo, launchBrowser, setStatus, setUp, signIn, TIMEOUT, token, until } from "./harness.mjs";
import { MEDIA_FLAGS } from "./call_probe.mjs";

const env = setUp();
// The agents' browser has fake media devices and grants them itself.
const media = { get worker() { return env.worker; }, browser: undefined, crashes: env.crashes };
before(async () => {
  media.browser = await launchBrowser(MEDIA_FLAGS);
});
after(async () => media.browser?.close());

/** A visitor of the demo site who wrote `text` over a socket of their own,
 * held by a page of the worker's origin; it keeps every frame it gets. */
async function visitorSocket(text) {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${env.worker.base}/api/v1/health`);
  await page.evaluate(async (text) => {
    const post = async (path, body, token) => {
      const headers = { "content-type": "application/json" };
      if (token) headers.authorization = `Bearer ${token}`;
      const r = await fetch(path, { method: "POST", headers, body: JSON.stringify(body) });
      if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
      return r.json();
    };
    const { token } = await post("/api/v1/visitor/session", { site_key: "demo.website" });
    const { conversation_id: id } = await post("/api/v1/visitor/conversations", {}, token);
    const ws = new WebSocket(`${location.origin.replace("http", "ws")}/api/v1/conversations/${id}/ws?token=${encodeURIComponent(token)}`);
    window.socket = ws;
    window.got = [];
    await new Promise((resolve, reject) => {
      ws.onerror = () => reject(new Error("socket error"));
      ws.onopen = () => ws.send(JSON.stringify({ type: "hello", version: 1, last_seq: 0 }));
      ws.onmessage = (e) => {
        const frame = JSON.parse(e.data);
        window.got.push(frame);
        if (frame.type === "welcome") ws.send(JSON.stringify({ type: "send", client_id: "c-call-1", text }));
        if (frame.type === "ack") resolve();
      };
    });
  }, text);
  const frames = () => page.evaluate(() => window.got);
  return {
    context,
    frames,
    send: (frame) => page.evaluate((f) => window.socket.send(JSON.stringify(f)), frame),
    /** The first frame `pick` accepts among those after the first `from`. */
    async next(pick, from = 0) {
      let found;
      await until(async () => (found = (await frames()).slice(from).find(pick)));
      return found;
    },
  };
}

/** Records every frame the page's sockets send, in `window.__sent`. */
function recordSends() {
  window.__sent = [];
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    try {
      window.__sent.push(JSON.parse(data));
    } catch {}
    return send.call(this, data);
  };
}

/** The browser refuses the microphone and camera, as a person who says no. */
function refuseMedia() {
  navigator.mediaDevices.getUserMedia = () =>
    Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
}

const ringing = (f) => f.type === "call" && f.call.status === "ringing";

test("a call from the agent app: declined, then accepted with an offer, watched, ended; refused media starts nothing", async () => {
  env.crashes.length = 0;
  const question = "Could you call me about my order?";
  const anna = await signIn(media, "anna@demo.test", demo, (c) => c.addInitScript(recordSends));
  await setStatus(env.worker.base, await token(env.worker.base, anna.agent), "available");
  const visitor = await visitorSocket(question);
  const desk = anna.desk;
  await desk.getByRole("region", { name: "Queued Chats" }).getByRole("button").filter({ hasText: question }).click({ timeout: TIMEOUT });
  const pane = desk.getByRole("region", { name: "Conversation" });
  // Not hers yet: no call to start.
  await pane.getByRole("button", { name: "Take it" }).waitFor({ timeout: TIMEOUT });
  assert.equal(await pane.getByRole("button", { name: "Start call", exact: true }).count(), 0);
  await pane.getByRole("button", { name: "Take it" }).click();
  const transcript = desk.getByRole("log", { name: "Transcript" });

  // Start call offers audio or video.
  await pane.getByRole("button", { name: "Start call", exact: true }).click();
  await pane.getByRole("button", { name: "Audio call", exact: true }).waitFor({ timeout: TIMEOUT });
  await pane.getByRole("button", { name: "Video call", exact: true }).click();
  const first = await visitor.next(ringing);
  assert.equal(first.call.kind, "video");
  assert.equal(first.call.agent.name, "Anna");
  assert.ok(Array.isArray(first.ice_servers), "the visitor, a participant, gets the ICE servers");
  await pane.getByText(/^Calling .+…$/).waitFor({ timeout: TIMEOUT });
  await pane.getByRole("button", { name: "End call", exact: true }).waitFor({ timeout: TIMEOUT });
  // While it rings, no second call.
  assert.equal(await pane.getByRole("button", { name: "Start call", exact: true }).isDisabled(), true);

  // The visitor declines: the call area goes, the server's line stays.
  await visitor.send({ type: "call_decline", call_id: first.call.id });
  await transcript.getByText("declined the call").waitFor({ timeout: TIMEOUT });
  await pane.getByRole("button", { name: "End call", exact: true }).waitFor({ state: "detached", timeout: TIMEOUT });
  await pane.getByText("Call declined.").waitFor({ timeout: TIMEOUT });

  // A second call, accepted: Anna's app makes its offer, over the socket.
  let seen = (await visitor.frames()).length;
  await pane.getByRole("button", { name: "Start call", exact: true }).click();
  await pane.getByRole("button", { name: "Video call", exact: true }).click();
  const second = await visitor.next(ringing, seen);
  assert.notEqual(second.call.id, first.call.id);
  seen = (await visitor.frames()).length;
  await visitor.send({ type: "call_accept", call_id: second.call.id });
  const offer = await visitor.next((f) => f.type === "call_offer", seen);
  assert.equal(offer.call_id, second.call.id);
  assert.match(offer.sdp, /^v=0/);
  assert.match(offer.sdp, /m=audio/);
  assert.match(offer.sdp, /m=video/);
  await transcript.getByText("accepted the call").waitFor({ timeout: TIMEOUT });

  // Connected: the timer, the toggles, the visitor's state, End call.
  const mute = pane.getByRole("button", { name: "Mute microphone", exact: true });
  await mute.waitFor({ timeout: TIMEOUT });
  await pane.getByRole("button", { name: "Turn camera off", exact: true }).waitFor({ timeout: TIMEOUT });
  await pane.getByLabel("Call length").filter({ hasText: /^\d+:\d\d$/ }).waitFor({ timeout: TIMEOUT });
  await pane.getByText(/: microphone on, camera on$/).waitFor({ timeout: TIMEOUT });
  // Her mute reaches the visitor, and her button says what a press does now.
  seen = (await visitor.frames()).length;
  await mute.click();
  await visitor.next((f) => f.type === "call" && f.call.agent_media.audio === false, seen);
  await pane.getByRole("button", { name: "Unmute microphone", exact: true }).waitFor({ timeout: TIMEOUT });
  // The visitor turns their camera off: Anna reads it.
  await visitor.send({ type: "call_media", call_id: second.call.id, media: { audio: true, video: false } });
  await pane.getByText(/: microphone on, camera off$/).waitFor({ timeout: TIMEOUT });
  // The chat goes on during the call.
  await pane.getByRole("textbox", { name: "Message", exact: true }).fill("I can hear you.");
  await pane.getByRole("button", { name: "Send", exact: true }).click();
  await visitor.next((f) => f.type === "message" && f.text === "I can hear you.");

  // A supervisor opens the chat: the call is under way, without media or controls.
  const mark = await signIn(env, "mark@demo.test");
  await mark.desk.getByRole("button", { name: "All chats" }).click();
  await mark.desk.getByRole("region", { name: "All chats" }).getByRole("button").filter({ hasText: question }).click({ timeout: TIMEOUT });
  const watched = mark.desk.getByRole("region", { name: "Conversation" });
  await watched.getByText(/^Call in progress: video call since \d\d:\d\d$/).waitFor({ timeout: TIMEOUT });
  for (const name of ["End call", "Start call", "Mute microphone", "Turn camera off"]) {
    assert.equal(await watched.getByRole("button", { name, exact: true }).count(), 0, name);
  }
  assert.equal(await watched.locator("video").count(), 0, "no media for someone outside the call");

  // Anna ends it: the line, and the call area goes on both desks.
  await pane.getByRole("button", { name: "End call", exact: true }).click();
  await transcript.getByText(/Anna ended the call after/).waitFor({ timeout: TIMEOUT });
  await visitor.next((f) => f.type === "call" && f.call.status === "ended" && f.call.id === second.call.id);
  await pane.getByRole("button", { name: "Mute microphone", exact: true }).waitFor({ state: "detached", timeout: TIMEOUT });
  await watched.getByText(/^Call in progress/).waitFor({ state: "detached", timeout: TIMEOUT });
  const starts = await desk.evaluate(() => window.__sent.filter((f) => f.type === "call_start").length);
  assert.equal(starts, 2);

  // Calls turned off: the server's refusal shows in the conversation.
  const markToken = await token(env.worker.base, mark.agent);
  const off = await api(env.worker.base, "PUT", "/api/v1/admin/settings/calls", markToken, { enabled: false });
  assert.equal(off.status, 200, JSON.stringify(off.body));
  seen = (await visitor.frames()).length;
  await pane.getByRole("button", { name: "Start call", exact: true }).click();
  await pane.getByRole("button", { name: "Audio call", exact: true }).click();
  await pane.getByRole("alert").filter({ hasText: "Calls are turned off for this workspace" }).waitFor({ timeout: TIMEOUT });
  assert.ok(!(await visitor.frames()).slice(seen).some(ringing), "nothing rang");
  const on = await api(env.worker.base, "PUT", "/api/v1/admin/settings/calls", markToken, { enabled: true });
  assert.equal(on.status, 200, JSON.stringify(on.body));

  // In a browser that refuses the microphone and camera: the reason, and
  // no call starts.
  const refused = await signIn(media, "anna@demo.test", demo, async (c) => {
    await c.addInitScript(recordSends);
    await c.addInitScript(refuseMedia);
  });
  await refused.desk.getByRole("region", { name: "Chats in Progress" }).getByRole("button").filter({ hasText: question }).click({ timeout: TIMEOUT });
  const again = refused.desk.getByRole("region", { name: "Conversation" });
  seen = (await visitor.frames()).length;
  await again.getByRole("button", { name: "Start call", exact: true }).click();
  await again.getByRole("button", { name: "Audio call", exact: true }).click();
  await again.getByRole("alert").filter({ hasText: "Your browser did not allow the microphone or camera" }).waitFor({ timeout: TIMEOUT });
  // Give a start every chance to arrive, then check none was sent.
  await new Promise((r) => setTimeout(r, 1500));
  const sent = await refused.desk.evaluate(() => window.__sent.map((f) => f.type));
  assert.ok(!sent.includes("call_start"), `sent: ${sent.join(", ")}`);
  assert.ok(!(await visitor.frames()).slice(seen).some(ringing), "nothing rang");
  // The button is there to try again, and the chat still works.
  await again.getByRole("button", { name: "Start call", exact: true }).waitFor({ timeout: TIMEOUT });
  await again.getByRole("textbox", { name: "Message", exact: true }).fill("Let us keep writing then.");
  await again.getByRole("button", { name: "Send", exact: true }).click();
  await visitor.next((f) => f.type === "message" && f.text === "Let us keep writing then.");

  assert.deepEqual(env.crashes, []);
  await refused.context.close();
  await mark.context.close();
  await anna.context.close();
  await visitor.context.close();
});
