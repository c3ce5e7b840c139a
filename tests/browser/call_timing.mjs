// How fast a call starts, measured in a real Chromium with fake media
// devices against the local worker (wrangler dev): the agent app and the
// visitor's widget (on a cross-origin host page) in two contexts of one
// browser, one chat, N video calls one after another (50 unless
// LIVECHAT_CALLS says otherwise). For each call:
//
// - Start call → invitation: from the agent's press on "Video call" to the
//   widget's "Accept" button appearing;
// - Accept → media: from the visitor's press on "Accept" until both sides'
//   peer connections have received media bytes (their statistics, read
//   every 5 ms).
//
// Times are each page's own `Date.now()` (one machine, one clock), noted
// inside the pages (call_probe.mjs), so the test driver's polling adds
// nothing. The first call also imports the widget's call module; it is printed
// on its own, and counted in the percentiles.
//
// Run: node tests/browser/call_timing.mjs (after scripts/build.sh; scripts/bench.sh runs it).
import { launchBrowser, startWorker, TIMEOUT } from "./harness.mjs";
import { seedSites, startHost } from "./host_server.mjs";
import { chatTaken, MEDIA_FLAGS } from "./call_probe.mjs";

const CALLS = Number(process.env.LIVECHAT_CALLS || 50);

const worker = await startWorker();
let host;
let browser;
try {
  host = await startHost(worker.base);
  await seedSites(worker.base, [{ allowed_origins: host.origins }]);
  browser = await launchBrowser(MEDIA_FLAGS);
  const env = { worker, browser, crashes: [] };
  const { desk, chat, frame } = await chatTaken(env, host.url([]), "Timing calls");
  const reset = (side) =>
    side.evaluate(() => {
      window.__pressed = {};
      window.__shown = {};
      window.__firstBytes = [];
    });
  const invite = [];
  const mediaUp = [];
  for (let i = 0; i < CALLS; i++) {
    await reset(desk);
    await reset(frame());
    await desk.getByRole("button", { name: "Start call", exact: true }).click();
    await desk.getByRole("button", { name: "Video call", exact: true }).click();
    const accept = chat.getByRole("button", { name: "Accept", exact: true });
    await accept.waitFor({ timeout: TIMEOUT });
    await accept.click();
    const deadline = Date.now() + TIMEOUT;
    let first;
    for (;;) {
      const agent = await desk.evaluate(() => [window.__pressed["Video call"], window.__firstBytes[0]?.at]);
      const visitor = await frame().evaluate(() => [window.__shown["Accept"], window.__pressed["Accept"], window.__firstBytes[0]?.at]);
      if (agent[1] && visitor[2]) {
        first = { pressed: agent[0], shown: visitor[0], accepted: visitor[1], media: Math.max(agent[1], visitor[2]) };
        break;
      }
      if (Date.now() > deadline) throw new Error(`call ${i + 1}: no media within ${TIMEOUT} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
    invite.push(first.shown - first.pressed);
    mediaUp.push(first.media - first.accepted);
    await desk.getByRole("button", { name: "End call", exact: true }).click();
    await chat.getByRole("button", { name: "End call", exact: true }).waitFor({ state: "detached", timeout: TIMEOUT });
    await desk.getByRole("button", { name: "Start call", exact: true }).waitFor({ timeout: TIMEOUT });
  }
  const pct = (xs, p) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
  };
  console.log(`Calls: ${CALLS} video calls, agent app and widget in headless Chromium (fake media), worker on wrangler dev`);
  console.log(`  Start call → invitation: p50 ${pct(invite, 50)} ms, p99 ${pct(invite, 99)} ms (first call ${invite[0]} ms, with the call module's import)`);
  console.log(`  Accept → media both ways: p50 ${pct(mediaUp, 50)} ms, p99 ${pct(mediaUp, 99)} ms (first call ${mediaUp[0]} ms)`);
  if (env.crashes.length) throw new Error(`the apps crashed: ${env.crashes.join("; ")}`);
} finally {
  await browser?.close();
  host?.stop();
  worker.stop();
}
