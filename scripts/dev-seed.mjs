// Run by scripts/dev.sh once `wrangler dev` is starting: waits until the
// worker answers /api/v1/health, then makes the demo workspace the way a
// site owner would: its administrator signs up (POST /api/v1/signup with the
// deployment's code), then imports scripts/demo-workspace.json (PUT
// /api/v1/admin/workspace). On a later run the workspace exists: the
// administrator signs in and imports it again (a repeated password keeps its
// hash, so nobody is signed out). Every failure says what failed and exits
// non-zero.
//   node scripts/dev-seed.mjs PORT WRANGLER_PID TIMEOUT_SECONDS LOG
// with the sign-up code in the environment as SIGNUP_CODE.
import { readFileSync } from "node:fs";

const [port, wranglerPid, timeoutSeconds, log] = process.argv.slice(2);
const code = process.env.SIGNUP_CODE;
const base = `http://127.0.0.1:${port}`;

function fail(message) {
  console.error(`error: ${message}`);
  process.exit(1);
}

if (!port || !wranglerPid || !timeoutSeconds || !log || !code) {
  fail("usage: SIGNUP_CODE=... node scripts/dev-seed.mjs PORT WRANGLER_PID TIMEOUT_SECONDS LOG");
}

// The demo's administrator (printed by scripts/dev.sh).
const admin = { name: "Ada", email: "admin@demo.test", password: "admin-demo-pass" };

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

async function call(method, path, body, token) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  let answer;
  try {
    answer = await fetch(`${base}${path}`, {
      method,
      headers,
      body: typeof body === "string" ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(30000),
    });
  } catch (e) {
    fail(`seeding the demo workspace: ${method} ${base}${path} failed: ${e.cause?.message ?? e.message}; see ${log}`);
  }
  const text = await answer.text().catch((e) => `(the body could not be read: ${e.message})`);
  return { status: answer.status, statusText: answer.statusText, text };
}

function parsed(what, answer) {
  if (answer.status !== 200) {
    fail(`seeding the demo workspace: ${what} answered ${answer.status} ${answer.statusText}: ${answer.text}`);
  }
  return JSON.parse(answer.text);
}

let signedUp = await call("POST", "/api/v1/signup", {
  code, workspace: "demo", workspace_name: "Demo", name: admin.name, email: admin.email, password: admin.password,
});
if (signedUp.status === 409) {
  // Made on an earlier run: its administrator signs in.
  signedUp = await call("POST", "/api/v1/agent/login", { workspace: "demo", email: admin.email, password: admin.password });
  if (signedUp.status === 401) {
    fail("the demo workspace exists but its administrator admin@demo.test cannot sign in (made by another version?); remove .wrangler/state to start afresh");
  }
}
const { token } = parsed("signing up the demo workspace", signedUp);
parsed("importing scripts/demo-workspace.json (PUT /api/v1/admin/workspace)", await call("PUT", "/api/v1/admin/workspace", workspace, token));
