// Worker thread for the reconnect-storm test (server/reconnect-storm.test.ts):
// many socket.io-client connections, each behaving like a room page: it joins
// on every (re)connect and keeps the newest full list it was given. Kept off the
// server's thread so the event-loop lag measured there is the server's own.
// Plain JavaScript: worker threads do not go through vitest's TypeScript loader.
import { parentPort, workerData } from "node:worker_threads";
import { io } from "socket.io-client";

const { url, rooms, perRoom, reconnection, withCookies = false } = workerData;
const pages = [];

/**
 * A guest's session cookie for the name, as a browser page holds one: its reconnects are
 * the same person. The name alone makes no guest session; the page's first
 * `GET /api/auth/me` begins one (its id goes in the cookie), so the page asks for it too.
 */
async function guestCookie(name) {
  const named = await fetch(`${url}/api/auth/guest`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
  if (named.status !== 200) throw new Error(`choosing the guest name ${name}: ${named.status} ${await named.text()}`);
  const me = await fetch(`${url}/api/auth/me`, { headers: { cookie: sessionCookie(named) } });
  if (me.status !== 200) throw new Error(`beginning the guest session of ${name}: ${me.status} ${await me.text()}`);
  return sessionCookie(me);
}

function sessionCookie(response) {
  return response.headers.getSetCookie().map((cookie) => cookie.split(";")[0]).join("; ");
}

for (let r = 0; r < rooms.length; r++) {
  for (let i = 0; i < perRoom; i++) {
    const room = rooms[r];
    const name = `storm${r}_${i}`;
    const socket = io(url, {
      transports: ["websocket"],
      forceNew: true,
      ...(withCookies ? { extraHeaders: { cookie: await guestCookie(name) } } : { auth: { name } }),
      ...reconnection,
    });
    const page = { room, socket, joins: 0, latest: [], joinErrors: 0 };
    pages.push(page);
    const keep = (list) => {
      // As the page's history reducer: a list older than the one shown arrived late.
      if ((list.at(-1)?.seq ?? 0) >= (page.latest.at(-1)?.seq ?? 0)) page.latest = list;
    };
    socket.on("connect", async () => {
      try {
        const reply = await socket.timeout(30_000).emitWithAck("room:join", { room });
        if (!reply.ok) throw new Error(reply.error.code);
        page.joins += 1;
        keep(reply.messages);
      } catch {
        page.joinErrors += 1;
      }
    });
    socket.on("room:messages", (push) => {
      if (push.room === room) keep(push.messages);
    });
  }
  // Connect in steps rather than all in one tick.
  await new Promise((resolve) => setTimeout(resolve, 20));
}

function progress() {
  return {
    type: "progress",
    connected: pages.filter((page) => page.socket.connected).length,
    joinedOnce: pages.filter((page) => page.joins >= 1).length,
    joinedAgain: pages.filter((page) => page.joins >= 2).length,
    joinErrors: pages.reduce((sum, page) => sum + page.joinErrors, 0),
  };
}
const ticker = setInterval(() => parentPort.postMessage(progress()), 50);

parentPort.on("message", (message) => {
  if (message.type === "verify") {
    // Every page must show its room's full list: seq 1..N once each, in order.
    const wrong = [];
    for (const page of pages) {
      const seqs = page.latest.map((m) => m.seq);
      const expected = Array.from({ length: message.counts[page.room] }, (_, i) => i + 1);
      if (seqs.join(",") !== expected.join(",")) wrong.push({ room: page.room, seqs: seqs.join(",") });
    }
    parentPort.postMessage({ type: "verified", pages: pages.length, wrong: wrong.slice(0, 5), wrongCount: wrong.length });
  } else if (message.type === "drop") {
    // As a network failure or a proxy restart: each page's TCP connection goes, with no
    // close frame, and the page reconnects as its policy says (`ws`'s terminate is the
    // Node client's way to destroy the socket under it).
    for (const page of pages) page.socket.io.engine.transport.ws.terminate();
    parentPort.postMessage({ type: "dropped", count: pages.length });
  } else if (message.type === "close") {
    clearInterval(ticker);
    for (const page of pages) page.socket.disconnect();
    parentPort.postMessage({ type: "closed" });
  }
});
