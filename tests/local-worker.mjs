// Runs a worker locally for the tests and benchmarks: wrangler's own local
// runtime (workerd, with its SQLite Durable Objects, R2, D1 and rate
// limiters), started through wrangler's programmatic API so that the
// inspector can be left off.
//
//   node tests/local-worker.mjs '{"config":"wrangler.toml","port":8787,
//     "persist":"/tmp/state","vars":{"NAME":"value"},"inspectorPort":9229}'
//
// With the inspector on (as `wrangler dev` always has it), wrangler's
// inspector proxy turns on the runtime's network tracing and carries each
// of its events (four per subrequest, and every call between objects is
// one) to this Node process, which formats and appends each to a debug log
// file: on a machine of a few cores that work takes CPU from the worker and
// adds to every request's latency. So the inspector is on only when
// `inspectorPort` is given (a CPU profile needs it). It stops on SIGTERM or
// SIGINT.
import { unstable_startWorker } from 'wrangler';

const options = JSON.parse(process.argv[2] ?? '{}');
const bindings = Object.fromEntries(
  Object.entries(options.vars ?? {}).map(([name, value]) => [name, { type: 'plain_text', value: String(value) }]),
);
const worker = await unstable_startWorker({
  config: options.config ?? 'wrangler.toml',
  bindings,
  sendMetrics: false,
  dev: {
    server: { hostname: '127.0.0.1', port: options.port },
    inspector: options.inspectorPort ? { hostname: '127.0.0.1', port: options.inspectorPort } : false,
    persist: options.persist,
    logLevel: options.logLevel ?? 'warn',
    watch: false,
    liveReload: false,
  },
});
await worker.ready;
console.log(`ready on http://127.0.0.1:${options.port}`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  try {
    await worker.dispose();
  } finally {
    process.exit(0);
  }
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
