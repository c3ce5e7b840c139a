// Audio and video calls between the agent app and the visitor's widget on a
// cross-origin host page, peer to peer through the real worker's
// signalling, in two Chromium contexts with fake media devices: the media
// flows both ways (the peer connections' statistics), the chat goes on
// during the call, and every ending (hung up, declined, rung out) reaches
// both sides as a system line.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { api, demo, launchBrowser, setUp, TIMEOUT, token, until } from "./harness.mjs";
import { setUpHost } from "./host_server.mjs";
import { chatTaken, MEDIA_FLAGS, mediaFlows, received } from "./call_probe.mjs";

const env = setUp();
const host = setUpHost(env);
// The same worker, with a browser of its own that has fake media devices.
const media = { get worker() { return env.worker; }, browser: undefined, crashes: env.crashes };

before(async () => {
  media.browser = await launchBrowser(MEDIA_FLAGS);
  for (let i = 0; !host.origin; i++) {
    if (i > 1200) throw new Error("the host server did not start");
    await new Promise((r) => setTimeout(r, 100));
  }
});
after(async () => media.browser?.close());

const ENDED = /ended the call after (\d+ min )?\d+ s/;

test("a video call: media both ways, the chat goes on, the agent ends it", async () => {
  const { desk, chat, transcript, visitorLog, frame } = await chatTaken(media, host.url([]), "Can we talk face to face?");

  await desk.getByRole("button", { name: "Start call", exact: true }).click();
  await desk.getByRole("button", { name: "Video call", exact: true }).click();
  await transcript.getByText("started a video call").waitFor({ timeout: TIMEOUT });
  // The widget invites the visitor; nothing is sent before they accept.
  await chat.getByRole("button", { name: "Decline", exact: true }).waitFor({ timeout: TIMEOUT });
  assert.equal(await received(desk), 0, "no media before the visitor accepts");
  await chat.getByRole("button", { name: "Accept", exact: true }).click();

  // Both sides receive media, and keep receiving it.
  await mediaFlows(desk);
  await mediaFlows(frame());
  await transcript.getByText("accepted the call").waitFor({ timeout: TIMEOUT });
  // Each side has the call's controls.
  for (const side of [desk, chat]) {
    await side.getByRole("button", { name: "Mute microphone", exact: true }).waitFor({ timeout: TIMEOUT });
    await side.getByRole("button", { name: "Turn camera off", exact: true }).waitFor({ timeout: TIMEOUT });
  }

  // The chat goes on during the call, both ways.
  await chat.getByRole("textbox", { name: "Message", exact: true }).fill("I can see you!");
  await chat.getByRole("button", { name: "Send", exact: true }).click();
  await transcript.getByText("I can see you!").waitFor({ timeout: TIMEOUT });
  await desk.getByRole("textbox", { name: "Message", exact: true }).fill("And I can see you.");
  await desk.getByRole("button", { name: "Send", exact: true }).click();
  await visitorLog.getByText("And I can see you.").waitFor({ timeout: TIMEOUT });
  // Still flowing after the messages.
  await mediaFlows(desk);
  await mediaFlows(frame());

  // The visitor mutes and the agent turns her camera off: their tracks
  // stop sending (the senders' tracks are disabled), not only the labels.
  const sending = (side, kind) =>
    side.evaluate((kind) => {
      const pc = window.__peers.find((p) => p.connectionState !== "closed");
      return pc.getSenders().find((s) => s.track && s.track.kind === kind).track.enabled;
    }, kind);
  await desk.getByRole("button", { name: "Turn camera off", exact: true }).click();
  await desk.getByRole("button", { name: "Turn camera on", exact: true }).waitFor({ timeout: TIMEOUT });
  await until(async () => (await sending(desk, "video")) === false);
  assert.equal(await sending(desk, "audio"), true, "her microphone still sends");
  assert.equal(await sending(frame(), "audio"), true);
  await chat.getByRole("button", { name: "Mute microphone", exact: true }).click();
  await chat.getByRole("button", { name: "Unmute microphone", exact: true }).waitFor({ timeout: TIMEOUT });
  await until(async () => (await sending(frame(), "audio")) === false);

  // The agent ends the call: both read the line with its duration, and
  // both peer connections are closed.
  await desk.getByRole("button", { name: "End call", exact: true }).click();
  await transcript.getByText(ENDED).waitFor({ timeout: TIMEOUT });
  await visitorLog.getByText(ENDED).waitFor({ timeout: TIMEOUT });
  for (const side of [desk, frame()]) {
    await until(() => side.evaluate(() => window.__peers.length > 0 && window.__peers.every((pc) => pc.connectionState === "closed")));
  }
  await chat.getByRole("button", { name: "End call", exact: true }).waitFor({ state: "detached", timeout: TIMEOUT });
  // And the chat still works.
  await chat.getByRole("textbox", { name: "Message", exact: true }).fill("Thanks for the call");
  await chat.getByRole("button", { name: "Send", exact: true }).click();
  await transcript.getByText("Thanks for the call").waitFor({ timeout: TIMEOUT });
  assert.deepEqual(env.crashes, []);
});

test("a declined call, then one that rings out", async () => {
  const { desk, chat, transcript, visitorLog } = await chatTaken(media, host.url([]), "Please call me later");

  await desk.getByRole("button", { name: "Start call", exact: true }).click();
  await desk.getByRole("button", { name: "Audio call", exact: true }).click();
  await chat.getByRole("button", { name: "Decline", exact: true }).click();
  await transcript.getByText("declined the call").waitFor({ timeout: TIMEOUT });
  await visitorLog.getByText("declined the call").waitFor({ timeout: TIMEOUT });
  await chat.getByRole("button", { name: "Accept", exact: true }).waitFor({ state: "detached", timeout: TIMEOUT });
  assert.equal(await received(desk), 0, "a declined call never sent media");

  // Calls ring for 5 s in this workspace now (the shortest allowed).
  const mark = await token(env.worker.base, demo.agents.find((a) => a.email === "mark@demo.test"));
  const set = await api(env.worker.base, "PUT", "/api/v1/admin/settings/calls", mark, { ring_timeout_ms: 5_000 });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  await desk.getByRole("button", { name: "Start call", exact: true }).click();
  await desk.getByRole("button", { name: "Audio call", exact: true }).click();
  await chat.getByRole("button", { name: "Accept", exact: true }).waitFor({ timeout: TIMEOUT });
  // Nobody answers: the invitation goes away on both sides with the line.
  await transcript.getByText("Nobody answered the call").waitFor({ timeout: TIMEOUT });
  await visitorLog.getByText("Nobody answered the call").waitFor({ timeout: TIMEOUT });
  await chat.getByRole("button", { name: "Accept", exact: true }).waitFor({ state: "detached", timeout: TIMEOUT });
  await desk.getByRole("button", { name: "End call", exact: true }).waitFor({ state: "detached", timeout: TIMEOUT });
  assert.deepEqual(env.crashes, []);
});
