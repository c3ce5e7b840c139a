// Run by scripts/dev.sh once `wrangler dev` is starting: waits until the
// worker answers /api/v1/health, then seeds the demo workspace
// (scripts/demo-workspace.json). Every failure says what failed and exits
// non-zero.
//   node scripts/dev-seed.mjs PORT WRANGLER_PID TIMEOUT_SECONDS LOG
// with the setup token in the environment as SETUP_TOKEN.
import { readFileSync } from "node:fs";

const [port, wranglerPid, timeoutSeconds, log] = process.argv.slice(2);
const token = process.env.SETUP_TOKEN;
const base = `http://127.0.0.1:${port}`;

function fail(message) {
  console.error(`error: ${message}`);
  process.exit(1);
}

if (!port || !wranglerPid || !timeoutSeconds || !log || !token) {
  fail("usage: SETUP_TOKEN=... node scripts/dev-seed.mjs PORT WRANGLER_PID TIMEOUT_SECONDS LOG");
}

function running(pid) {
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (e) {
    return e.code === "EPERM";
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function healthy() {
  try {
    const r = await fetch(`${base}/api/v1/health`, { signal: AbortSignal.timeout(2000) });
    await r.arrayBuffer();
    return r.ok;
  } catch {
    return false; // not listening yet
  }
}

const deadline = Date.now() + Number(timeoutSeconds) * 1000;
while (!(await healthy())) {
  if (!running(wranglerPid)) {
    fail(`wrangler dev exited before the worker answered /api/v1/health; see ${log}`);
  }
  if (Date.now() > deadline) {
    fail(`the worker did not answer /api/v1/health within ${timeoutSeconds} s; see ${log}`);
  }
  await sleep(250);
}

const workspace = readFileSync(new URL("demo-workspace.json", import.meta.url), "utf8");
let answer;
try {
  answer = await fetch(`${base}/api/v1/admin/setup`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: workspace,
    signal: AbortSignal.timeout(30000),
  });
} catch (e) {
  fail(`seeding the demo workspace: POST ${base}/api/v1/admin/setup failed: ${e.cause?.message ?? e.message}; see ${log}`);
}
if (!answer.ok) {
  const body = await answer.text().catch((e) => `(the body could not be read: ${e.message})`);
  fail(`seeding the demo workspace: POST ${base}/api/v1/admin/setup answered ${answer.status} ${answer.statusText}: ${body}`);
}
await answer.arrayBuffer();
