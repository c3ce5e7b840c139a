// A chat room in plain JavaScript, the way a developer would write one on
// Durable Objects without this product: hibernatable sockets, every message
// inserted into the room's SQLite and sent to the room's other sockets. No
// receipts, permissions or replay, and no ack unless a message asks for
// one. The benchmarks' reference
// (tests/src/bin/bench/, tests/src/bin/start_bench/): the product is
// measured against it.
import { DurableObject } from "cloudflare:workers";

export class Room extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS messages (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      author TEXT NOT NULL,
      client_id TEXT,
      text TEXT NOT NULL,
      sent_at INTEGER NOT NULL)`);
    this.rowsWritten = 0;
  }

  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname.split("/")[3] === "rows") {
      return Response.json({ rows_written: this.rowsWritten });
    }
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    pair[1].serializeAttachment({ name: url.searchParams.get("name") || "guest" });
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  webSocketMessage(ws, data) {
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (typeof message.text !== "string") return;
    const author = ws.deserializeAttachment().name;
    const sentAt = Date.now();
    const cursor = this.sql.exec(
      "INSERT INTO messages (author, client_id, text, sent_at) VALUES (?, ?, ?, ?) RETURNING seq",
      author, message.client_id ?? null, message.text, sentAt);
    const { seq } = cursor.one();
    this.rowsWritten += cursor.rowsWritten;
    // Asked for (`"ack": true`), the sender learns its message is stored,
    // as the product's sender always does: the benchmark's second
    // reference.
    if (message.ack === true) {
      ws.send(JSON.stringify({ type: "ack", client_id: message.client_id, seq, sent_at: sentAt }));
    }
    const frame = JSON.stringify({
      type: "message", seq, author, client_id: message.client_id, text: message.text, sent_at: sentAt,
    });
    for (const peer of this.ctx.getWebSockets()) {
      if (peer !== ws) peer.send(frame);
    }
  }

  webSocketClose(ws) {
    ws.close();
  }
}

export default {
  // /room/<name>: that room's socket; /room/<name>/rows: its rows written.
  fetch(request, env) {
    const name = new URL(request.url).pathname.split("/")[2];
    if (!name) return new Response("no room", { status: 404 });
    return env.ROOM.get(env.ROOM.idFromName(name)).fetch(request);
  },
};
