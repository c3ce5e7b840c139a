// The visitor widget's side of calls against the real worker, in headless
// Chromium (launched with fake media devices by the harness), with a real
// agent on the other side: Anna signs in, takes the chat, and speaks the
// call's protocol over her own conversation socket, opened from a page of
// the worker's origin (`call_start`, the `call` frames, and an offer and
// candidates from a peer connection of that page, so media really flows).
//
// Checked: the call module (widget/call, its glue and Wasm) is fetched
// only once a call rings, once; the invitation ("Anna is calling you", "Accept", "Decline") rings
// with the site's sound, also shows on the launcher of a closed chat, and
// goes once declined (the agent reads `declined`) or rung out; "Accept"
// sends `call_accept`, then the call's screen (the other side's video, the
// visitor's preview, the clock, "Mute microphone", "Turn camera off",
// "End call") works while the chat goes on; a browser that refuses the
// microphone and camera shows why and ends the call for both; a module
// that cannot load says so and declines the call.
import { test } from "node:test";
import assert from "node:assert/strict";
import { api as callApi, demo, setStatus, setUp, TIMEOUT, token, until } from "./harness.mjs";

const env = setUp();
const anna = demo.agents.find((a) => a.email === "anna@demo.test");
const mark = demo.agents.find((a) => a.email === "mark@demo.test");
const api = (method, path, bearer, body) => callApi(env.worker.base, method, path, bearer, body);

/** Counts the tones the widget plays (each makes one oscillator), in
 * every frame of the context. */
function countTones() {
  const Ctx = window.AudioContext;
  if (!Ctx || window.__tones !== undefined) return;
  window.__tones = 0;
  const make = Ctx.prototype.createOscillator;
  Ctx.prototype.createOscillator = function () {
    window.__tones++;
    return make.call(this);
  };
}

/** Keeps every peer connection the page makes (`window.__pcs`), to read
 * what its senders send. */
function recordPeers() {
  const Pc = window.RTCPeerConnection;
  if (!Pc || window.__pcs) return;
  window.__pcs = [];
  window.RTCPeerConnection = class extends Pc {
    constructor(...args) {
      super(...args);
      window.__pcs.push(this);
    }
  };
}

/** The line of the visitor's own `text` in the chat's log, once stored
 * (its mark says Sent, Delivered or Read: Anna's desk may deliver it at
 * once). */
const stored = (chat, text) =>
  chat.getByRole("log").locator(".msg.own").filter({ hasText: text }).getByRole("img", { name: /^(Sent|Delivered|Read)$/ });

/** The call module's files among the page's requests. */
const moduleFiles = (fetched) => fetched.filter((u) => /\/widget\/pkg\/call\.[0-9a-f]{16}\/widget_call(_bg\.wasm|\.js)$/.test(u));

/** A browser that refuses the microphone and camera, as a person who
 * pressed "Block" does. */
function refuseMedia() {
  if (!navigator.mediaDevices) return;
  navigator.mediaDevices.getUserMedia = () =>
    Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
}

/**
 * Anna signed in (her desk page, of the worker's origin), available; a
 * visitor on the demo page wrote `text` and Anna took the chat; Anna's
 * own socket to the conversation is open in her page (`window.agent`).
 */
async function callable(text, { refuse = false, noModule = false } = {}) {
  const annaToken = await token(env.worker.base, anna);
  const agentContext = await env.browser.newContext();
  const desk = await agentContext.newPage();
  await desk.goto(`${env.worker.base}/agent/`);
  await desk.getByLabel("Email").fill(anna.email);
  await desk.getByLabel("Password").fill(anna.password);
  await desk.getByRole("button", { name: "Sign in" }).click();
  await desk.getByRole("region", { name: "Queued Chats" }).waitFor({ timeout: TIMEOUT });
  await setStatus(env.worker.base, annaToken, "available");

  const context = await env.browser.newContext();
  await context.addInitScript(countTones);
  await context.addInitScript(recordPeers);
  if (refuse) await context.addInitScript(refuseMedia);
  if (noModule) await context.route(/\/widget_call(_bg\.wasm|\.js)$/, (route) => route.abort());
  const page = await context.newPage();
  const crashes = [];
  page.on("pageerror", (e) => crashes.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error" && /panicked|unreachable/.test(m.text())) crashes.push(m.text());
  });
  const sent = [];
  const fetched = [];
  page.on("request", (r) => fetched.push(r.url()));
  page.on("websocket", (ws) => {
    ws.on("framesent", ({ payload }) => {
      try { sent.push(JSON.parse(payload)); } catch {}
    });
  });
  await page.goto(`${env.worker.base}/demo/`);
  await page.getByRole("button", { name: "Open chat" }).click();
  const chat = page.frameLocator('iframe[title="Chat"]');
  await chat.getByRole("textbox", { name: "Message", exact: true }).fill(text);
  await chat.getByRole("button", { name: "Send", exact: true }).click();
  await chat.getByRole("log").getByRole("img", { name: "Sent" }).waitFor({ timeout: TIMEOUT });
  const frame = page.frames().find((f) => f.url().includes("/widget/frame"));
  const id = JSON.parse(await frame.evaluate(() => localStorage.getItem("livechat:demo.website"))).conversation_id;
  const taken = await api("POST", `/api/v1/agent/conversations/${id}/take`, annaToken);
  assert.equal(taken.status, 200, JSON.stringify(taken.body));
  await chat.locator("header").getByText("Anna", { exact: true }).waitFor({ timeout: TIMEOUT });

  await desk.evaluate(async ({ id, token }) => {
    const ws = new WebSocket(`${location.origin.replace("http", "ws")}/api/v1/conversations/${id}/ws?token=${encodeURIComponent(token)}`);
    const agent = (window.agent = { ws, frames: [], pc: null });
    const send = (frame) => ws.send(JSON.stringify(frame));
    agent.send = send;
    // Anna's media side: once the visitor accepted, a real offer from a
    // peer connection with the fake camera and microphone.
    const connect = async (call, ice) => {
      const pc = (agent.pc = new RTCPeerConnection({ iceServers: ice || [] }));
      const local = await navigator.mediaDevices.getUserMedia({ audio: true, video: call.kind === "video" });
      local.getTracks().forEach((t) => pc.addTrack(t, local));
      pc.onicecandidate = (e) => {
        if (e.candidate && e.candidate.candidate) {
          send({
            type: "call_candidate", call_id: call.id,
            candidate: { candidate: e.candidate.candidate, sdp_mid: e.candidate.sdpMid, sdp_m_line_index: e.candidate.sdpMLineIndex },
          });
        }
      };
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      send({ type: "call_offer", call_id: call.id, sdp: offer.sdp });
    };
    await new Promise((resolve, reject) => {
      ws.onerror = () => reject(new Error("the agent's socket failed"));
      ws.onopen = () => send({ type: "hello", version: 1, last_seq: 0 });
      ws.onmessage = async (e) => {
        const frame = JSON.parse(e.data);
        agent.frames.push(frame);
        if (frame.type === "welcome") resolve();
        if (frame.type === "call" && frame.call.status === "connected" && !agent.pc) connect(frame.call, frame.ice_servers);
        if (frame.type === "call_answer") await agent.pc.setRemoteDescription({ type: "answer", sdp: frame.sdp });
        if (frame.type === "call_candidate") {
          const c = frame.candidate;
          await agent.pc.addIceCandidate({ candidate: c.candidate, sdpMid: c.sdp_mid, sdpMLineIndex: c.sdp_m_line_index });
        }
      };
    });
  }, { id, token: annaToken });

  const frames = () => desk.evaluate(() => window.agent.frames);
  /** Waits until Anna's socket got a `call` frame whose call matches `want`. */
  const callFrame = async (want) => {
    let found;
    await until(async () => {
      found = (await frames()).filter((f) => f.type === "call").map((f) => f.call).find(want);
      return found !== undefined;
    });
    return found;
  };
  const start = (kind) => desk.evaluate((kind) => window.agent.send({ type: "call_start", kind }), kind);
  const tones = () => frame.evaluate(() => window.__tones);
  const close = async () => {
    await context.close();
    await agentContext.close();
  };
  return { page, chat, frame, desk, sent, fetched, crashes, callFrame, start, tones, close, annaToken };
}

const invitation = (chat) => chat.getByRole("region", { name: "Call", exact: true });

test("an invitation rings, shows on a closed chat's launcher, and Decline declines it", async () => {
  const { page, chat, sent, fetched, crashes, callFrame, start, tones, close } = await callable("Could you call me?");
  assert.deepEqual(moduleFiles(fetched), [], "no call module before a call");

  // The chat is closed (launcher only) when the call comes.
  await chat.getByRole("button", { name: "Close chat", exact: true }).click();
  const launcher = page.getByRole("button", { name: "Open chat", exact: true });
  await launcher.waitFor();
  const before = await tones();
  await start("video");
  await until(async () => /Incoming call/.test(await page.locator("live-chat").evaluate((h) => h.shadowRoot.getElementById("d").textContent)));
  const files = moduleFiles(fetched);
  assert.equal(files.length, 2, `the call module's glue and Wasm, once each: ${files}`);
  assert.ok(files.some((u) => u.endsWith(".js")) && files.some((u) => u.endsWith(".wasm")));
  // It rings, again and again (the demo site allows sounds).
  await until(async () => (await tones()) >= before + 2);

  await launcher.click();
  const call = invitation(chat);
  await call.getByText("Anna is calling you", { exact: true }).waitFor({ timeout: TIMEOUT });
  await call.getByText("Video call", { exact: true }).waitFor();
  await call.getByRole("button", { name: "Accept", exact: true }).waitFor();
  await call.getByRole("button", { name: "Decline", exact: true }).click();

  await callFrame((c) => c.status === "declined");
  assert.ok(sent.some((f) => f.type === "call_decline"), "the widget sent call_decline");
  await call.getByRole("button", { name: "Accept", exact: true }).waitFor({ state: "hidden", timeout: TIMEOUT });
  await chat.getByRole("log").getByText(/declined the call$/).waitFor({ timeout: TIMEOUT });
  // Ringing stopped with it, on the launcher too.
  const after = await tones();
  await new Promise((r) => setTimeout(r, 2_500));
  assert.equal(await tones(), after, "no ring after the call was declined");
  await chat.getByRole("button", { name: "Close chat", exact: true }).click();
  assert.doesNotMatch(await page.locator("live-chat").evaluate((h) => h.shadowRoot.getElementById("d").textContent), /Incoming call/);
  assert.deepEqual(crashes, []);
  await close();
});

test("Accept with media: the call's screen, its controls, the chat during the call, End call", async () => {
  const { chat, frame, desk, sent, crashes, callFrame, start, close } = await callable("Let's talk");
  await start("video");
  const call = invitation(chat);
  await call.getByRole("button", { name: "Accept", exact: true }).click();
  await until(() => sent.some((f) => f.type === "call_accept"));
  const connected = await callFrame((c) => c.status === "connected");
  assert.ok(connected.answered_at > 0);

  // The invitation gave way to the call: controls, clock, and media.
  await call.getByText("Anna is calling you").waitFor({ state: "hidden", timeout: TIMEOUT });
  const mute = call.getByRole("button", { name: "Mute microphone", exact: true });
  await mute.waitFor({ timeout: TIMEOUT });
  await call.getByRole("button", { name: "Turn camera off", exact: true }).waitFor();
  await call.getByRole("button", { name: "End call", exact: true }).waitFor();
  await until(() => sent.some((f) => f.type === "call_answer"));
  // The agent's fake camera plays in the widget, and the visitor's own
  // preview shows their camera.
  await until(() => frame.evaluate(() => {
    const [remote, me] = document.querySelectorAll(".call video");
    return remote.srcObject && remote.videoWidth > 0 && me.srcObject && me.videoWidth > 0;
  }));
  await until(() => desk.evaluate(async () => {
    let bytes = 0;
    (await window.agent.pc.getStats()).forEach((s) => { if (s.type === "inbound-rtp") bytes += s.bytesReceived || 0; });
    return bytes > 0;
  }));
  const clock = () => frame.evaluate(() => document.querySelector(".call .clock").textContent);
  await until(async () => /^0:0[1-9]$/.test(await clock()));

  // Microphone and camera: the names say what a press does next, and the
  // agent reads the change.
  // The tracks the widget's peer connection sends, by kind: enabled?
  const sending = () => frame.evaluate(() => {
    const pcs = window.__pcs.filter((pc) => pc.connectionState !== "closed");
    return pcs.flatMap((pc) => pc.getSenders()).filter((s) => s.track).map((s) => `${s.track.kind}:${s.track.enabled}`).sort();
  });
  assert.deepEqual(await sending(), ["audio:true", "video:true"]);
  await mute.click();
  await call.getByRole("button", { name: "Unmute microphone", exact: true }).waitFor({ timeout: TIMEOUT });
  await callFrame((c) => c.visitor_media.audio === false && c.visitor_media.video === true);
  assert.deepEqual(await sending(), ["audio:false", "video:true"], "the microphone's track is off after Mute microphone");
  await call.getByRole("button", { name: "Turn camera off", exact: true }).click();
  await call.getByRole("button", { name: "Turn camera on", exact: true }).waitFor({ timeout: TIMEOUT });
  await callFrame((c) => c.visitor_media.audio === false && c.visitor_media.video === false);
  assert.deepEqual(await sending(), ["audio:false", "video:false"], "the camera's track is off after Turn camera off");

  // The chat goes on during the call, both ways.
  await chat.getByRole("textbox", { name: "Message", exact: true }).fill("Can you hear me?");
  await chat.getByRole("button", { name: "Send", exact: true }).click();
  await until(() => desk.evaluate(() => window.agent.frames.some((f) => f.type === "message" && f.text === "Can you hear me?")));
  await desk.evaluate(() => window.agent.send({ type: "send", client_id: "agent-during-call", text: "Loud and clear" }));
  await chat.getByRole("log").getByText("Loud and clear").waitFor({ timeout: TIMEOUT });

  // "End call": the call ends for both, the area goes, the line stays.
  await call.getByRole("button", { name: "End call", exact: true }).click();
  await callFrame((c) => c.status === "ended");
  await call.waitFor({ state: "hidden", timeout: TIMEOUT });
  await chat.getByRole("log").getByText(/ended the call after (\d+ min )?\d+ s$/).waitFor({ timeout: TIMEOUT });
  assert.equal(await frame.evaluate(() => document.querySelector(".call .me").srcObject), null, "the tracks were let go");
  await chat.getByRole("textbox", { name: "Message", exact: true }).fill("Thanks!");
  await chat.getByRole("button", { name: "Send", exact: true }).click();
  await until(() => desk.evaluate(() => window.agent.frames.some((f) => f.type === "message" && f.text === "Thanks!")));
  assert.deepEqual(crashes, []);
  await close();
});

test("a browser that refuses the microphone and camera: the visitor reads why, the call ends for both", async () => {
  const { chat, sent, crashes, callFrame, start, close } = await callable("Call me please", { refuse: true });
  await start("audio");
  const call = invitation(chat);
  await call.getByText("Audio call", { exact: true }).waitFor({ timeout: TIMEOUT });
  await call.getByRole("button", { name: "Accept", exact: true }).click();

  const why = chat.getByRole("alert").filter({ hasText: "Your browser did not allow the microphone or camera" });
  await why.waitFor({ timeout: TIMEOUT });
  await until(() => sent.some((f) => f.type === "call_end" && f.reason === "media_denied"));
  assert.ok(!sent.some((f) => f.type === "call_accept"), "nothing accepted without media");
  await callFrame((c) => c.status === "declined");
  await call.waitFor({ state: "hidden", timeout: TIMEOUT });
  await chat.getByRole("log").getByText(/could not accept the call/).waitFor({ timeout: TIMEOUT });

  // The chat is unaffected.
  await chat.getByRole("textbox", { name: "Message", exact: true }).fill("Let's write instead");
  await chat.getByRole("button", { name: "Send", exact: true }).click();
  await stored(chat, "Let's write instead").waitFor({ timeout: TIMEOUT });
  assert.deepEqual(crashes, []);
  await close();
});

test("a call that rings out: the invitation goes and the line says so", async () => {
  const { chat, crashes, callFrame, start, tones, frame, close } = await callable("Ring me");
  const manager = await token(env.worker.base, mark);
  const set = await api("PUT", "/api/v1/admin/settings/calls", manager, { ring_timeout_ms: 5_000 });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  try {
    await start("audio");
    const call = invitation(chat);
    await call.getByRole("button", { name: "Decline", exact: true }).waitFor({ timeout: TIMEOUT });
    await callFrame((c) => c.status === "missed");
    await call.waitFor({ state: "hidden", timeout: TIMEOUT });
    await chat.getByRole("log").getByText("Nobody answered the call").waitFor({ timeout: TIMEOUT });
    const after = await tones();
    await new Promise((r) => setTimeout(r, 2_500));
    assert.equal(await tones(), after, "no ring after the call rang out");
    assert.equal(await frame.evaluate(() => document.querySelector(".call").hidden), true);
  } finally {
    await api("PUT", "/api/v1/admin/settings/calls", manager, {});
  }
  assert.deepEqual(crashes, []);
  await close();
});

test("a call module that cannot load: the visitor reads why and the call is declined", async () => {
  const { chat, sent, fetched, crashes, callFrame, start, close } = await callable("Call me maybe", { noModule: true });
  await start("audio");
  await chat.getByRole("alert").filter({ hasText: "The call could not open" }).waitFor({ timeout: TIMEOUT });
  await until(() => sent.some((f) => f.type === "call_decline"));
  await callFrame((c) => c.status === "declined");
  assert.ok(fetched.some((u) => /\/widget_call\.js$/.test(u)), "the module was asked for");
  // The chat goes on.
  await chat.getByRole("textbox", { name: "Message", exact: true }).fill("Writing is fine");
  await chat.getByRole("button", { name: "Send", exact: true }).click();
  await stored(chat, "Writing is fine").waitFor({ timeout: TIMEOUT });
  assert.deepEqual(crashes, []);
  await close();
});
