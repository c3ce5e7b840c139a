// A probe, not part of the product: does FTS5 work in the local workerd,
// in a Durable Object's SQLite and in D1, and how fast are prefix
// searches over 100,000 rows in each? Run from this folder:
//   ../../../node_modules/.bin/wrangler dev --port 8799 --persist-to /dev/shm/fts-probe
// then GET /seed?from=0&n=1000 (repeat for each 1,000), /d1/init, /d1/seed?...,
// and /q?mode=rowid|rank|hist&q=..., /d1/q?q=... . The figures are in
// ARCHITECTURE.md ("Contacts in one store per workspace").
import { DurableObject } from "cloudflare:workers";
const SCHEMA = [
  "CREATE TABLE IF NOT EXISTS contacts (k INTEGER PRIMARY KEY, id TEXT, name TEXT, email TEXT, phone TEXT)",
  "CREATE VIRTUAL TABLE IF NOT EXISTS contacts_fts USING fts5(name, email, phone, content='contacts', content_rowid='k', prefix='1 2 3')",
  "CREATE TABLE IF NOT EXISTS convs (k INTEGER PRIMARY KEY, contact INTEGER, body TEXT)",
  "CREATE INDEX IF NOT EXISTS convs_contact ON convs(contact)",
  "CREATE VIRTUAL TABLE IF NOT EXISTS convs_fts USING fts5(owner, body, content='', contentless_delete=1)",
];
const WORDS = "order refund invoice shipping delay password reset account billing plan upgrade cancel help thanks hello problem error login payment card address".split(" ");
const FIRST = "anna bob carla david elena frank gina hugo iris jon kara liam maria nico olga paul quinn rosa sam tina".split(" ");
const LAST = "smith jones garcia miller davis lopez wilson moore taylor thomas white harris martin clark lewis young king wright scott green".split(" ");
function rnd(n, s) { s.v = (s.v * 1103515245 + 12345) & 0x7fffffff; return (s.v >>> 16) % n; }
function row(i, s) {
  const f = FIRST[rnd(20, s)], l = LAST[rnd(20, s)];
  return [i, "v_" + i, `${f} ${l}${i}`, `${f}.${l}${i}@example.com`, `+1 555 ${String(i).padStart(7, "0")}`];
}
function text(s) { let t = []; for (let j = 0; j < 40; j++) t.push(WORDS[rnd(20, s)]); return t.join(" "); }
export class Store extends DurableObject {
  constructor(ctx, env) { super(ctx, env); this.sql = ctx.storage.sql; for (const s of SCHEMA) this.sql.exec(s); }
  async fetch(req) {
    const u = new URL(req.url);
    if (u.pathname === "/seed") {
      const from = +u.searchParams.get("from"), n = +u.searchParams.get("n"); const s = { v: from };
      for (let i = from; i < from + n; i++) {
        const r = row(i, s);
        this.sql.exec("INSERT INTO contacts VALUES (?,?,?,?,?)", ...r);
        this.sql.exec("INSERT INTO contacts_fts(rowid,name,email,phone) VALUES (?,?,?,?)", r[0], r[2], r[3], r[4]);
        for (let c = 0; c < 2; c++) {
          const k = i * 2 + c; this.sql.exec("INSERT INTO convs VALUES (?,?,?)", k, i, "x");
          this.sql.exec("INSERT INTO convs_fts(rowid,owner,body) VALUES (?,?,?)", k, "c" + i, text(s));
        }
      }
      return Response.json({ ok: true });
    }
    if (u.pathname === "/q") {
      const q = u.searchParams.get("q"), mode = u.searchParams.get("mode");
      const t0 = performance.now(); let rows;
      if (mode === "rowid") rows = this.sql.exec("SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ? ORDER BY rowid DESC LIMIT 20", q).toArray();
      else if (mode === "rank") rows = this.sql.exec("SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ? ORDER BY rank LIMIT 20", q).toArray();
      else if (mode === "hist") rows = this.sql.exec("SELECT rowid FROM convs_fts WHERE convs_fts MATCH ? LIMIT 20", q).toArray();
      else if (mode === "histeq") { rows = []; for (const r of this.sql.exec("SELECT k FROM convs WHERE contact = ?", +u.searchParams.get("c")).toArray()) rows.push(...this.sql.exec("SELECT rowid FROM convs_fts WHERE convs_fts MATCH ? AND rowid = ?", q, r.k).toArray()); }
      else if (mode === "histin") rows = this.sql.exec("SELECT rowid FROM convs_fts WHERE convs_fts MATCH ? AND rowid IN (SELECT k FROM convs WHERE contact = ?)", q, +u.searchParams.get("c")).toArray();
      return Response.json({ n: rows.length, ms: performance.now() - t0 });
    }
    return new Response("no", { status: 404 });
  }
}
export default {
  async fetch(req, env) {
    const u = new URL(req.url);
    if (u.pathname.startsWith("/d1")) {
      const db = env.DB;
      if (u.pathname === "/d1/init") { for (const s of SCHEMA) await db.prepare(s).run(); return Response.json({ ok: 1 }); }
      if (u.pathname === "/d1/seed") {
        const from = +u.searchParams.get("from"), n = +u.searchParams.get("n"); const s = { v: from }; const st = [];
        for (let i = from; i < from + n; i++) { const r = row(i, s);
          st.push(db.prepare("INSERT INTO contacts VALUES (?,?,?,?,?)").bind(...r));
          st.push(db.prepare("INSERT INTO contacts_fts(rowid,name,email,phone) VALUES (?,?,?,?)").bind(r[0], r[2], r[3], r[4])); }
        await db.batch(st); return Response.json({ ok: 1 });
      }
      if (u.pathname === "/d1/q") { const t0 = performance.now();
        const r = await db.prepare("SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ? ORDER BY rowid DESC LIMIT 20").bind(u.searchParams.get("q")).all();
        return Response.json({ n: r.results.length, ms: performance.now() - t0 }); }
    }
    return env.STORE.get(env.STORE.idFromName("w")).fetch(req);
  },
};
