// The PostgreSQL feed per node (issue 14 item 3), and what a long listen list costs.
//
// 1. Four stores (four nodes) on one database (a PostgreSQL started here), ROOMS rooms,
//    room i live on node i % 4 (followed there, as its registry follows its live rooms),
//    and each node writing its own rooms: MESSAGES messages per room, every fifth one
//    reacted to. An observer store follows every room: what each node received when
//    every notice went on one shared channel. Counted: the notifications each store's
//    feed connection received, and their bytes on the wire (FeedTraffic).
// 2. One listening connection, with 1, 1,000, 5,000 and 10,000 (MAX_LIVE_ROOMS) channels listened (PostgreSQL
//    15 checks each notification against the list, one name after the other): the time
//    until NOTICES notifications on a listened channel have all arrived, and until one
//    on a listened channel arrives behind NOTICES on a channel not listened (a room of
//    another node: the listening backend reads and checks those too).
// Run: node --import tsx bench/postgres-feed.ts (ROOMS, MESSAGES, NOTICES)
import { execSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { feedChannel, openPostgresStore, type PostgresStore } from "../lib/store/postgres";
import { startPostgresServer } from "../server/postgres-server";

const NODES = 4;
const ROOMS = Number(process.env.ROOMS ?? 40);
const MESSAGES = Number(process.env.MESSAGES ?? 100);
const NOTICES = Number(process.env.NOTICES ?? 20_000);
const LIST_SIZES = [1, 1_000, 5_000, 10_000];
const ROUNDS = 3;

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function until(done: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the feed");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Part 1: each node's feed against the whole cluster's. */
async function perNode(url: string): Promise<void> {
  const nodes = await Promise.all(Array.from({ length: NODES }, () => openPostgresStore({ url, poolSize: 4 })));
  const observer = await openPostgresStore({ url, poolSize: 1 });
  const rooms = Array.from({ length: ROOMS }, (_, i) => `feed-room-${i}`);
  const heard = new Map<PostgresStore, number>();
  for (const store of [...nodes, observer]) {
    heard.set(store, 0);
    store.watch({
      appended: () => heard.set(store, heard.get(store)! + 1),
      changed: () => heard.set(store, heard.get(store)! + 1),
      deleted: () => {},
      resync: () => {},
    });
  }
  await Promise.all(rooms.map((room, i) => Promise.all([nodes[i % NODES]!.follow(room), observer.follow(room)])));

  const started = performance.now();
  await Promise.all(
    rooms.map(async (room, i) => {
      const node = nodes[i % NODES]!;
      for (let m = 1; m <= MESSAGES; m++) {
        const { message } = await node.append(room, {
          username: `person-${i}`,
          guest: false,
          content: `message ${m} in ${room}: a line of about the length people type in a chat`,
          sentAt: new Date().toISOString(),
          clientId: `c-${i}-${m}`,
          author: `user:person-${i}`,
        });
        if (m % 5 === 0) {
          await node.updateMessage(room, message.seq, { kind: "react", emoji: "👍", on: true, person: { key: "user:ada", username: "ada" } });
        }
      }
    }),
  );
  const notices = ROOMS * (MESSAGES + Math.floor(MESSAGES / 5));
  // Every notice reaches the observer's listeners (it wrote none of them).
  await until(() => heard.get(observer) === notices);
  const seconds = (performance.now() - started) / 1000;
  // A node's own notices come back to its connection too (it skips them unparsed): wait for its last room's last one.
  await until(() => nodes.every((node) => node.feedTraffic.notices >= notices / NODES));

  const whole = observer.feedTraffic;
  const share = { notices: whole.notices / NODES, bytes: whole.bytes / NODES };
  console.log(`${NODES} nodes, ${ROOMS} rooms (${ROOMS / NODES} live per node), ${notices} notices written in ${seconds.toFixed(1)} s`);
  console.log(`every room's feed (each node's, on one shared channel): ${whole.notices} notices, ${kib(whole.bytes)}; a node's rooms' share: ${kib(share.bytes)}`);
  for (const [i, node] of nodes.entries()) {
    const { notices: got, bytes } = node.feedTraffic;
    console.log(`node-${i}: ${got} notices, ${kib(bytes)}: ${(bytes / share.bytes).toFixed(2)}x its rooms' share, ${(bytes / whole.bytes).toFixed(2)}x the whole feed`);
  }
  const worst = Math.max(...nodes.map((node) => node.feedTraffic.bytes));
  console.log(`worst node: ${(worst / share.bytes).toFixed(2)}x its rooms' share (goal: at most 1.2x)`);
  // With one channel the name was "livechat_feed" (13 bytes), now 30: the per-notice difference.
  console.log(`the shared channel's bytes per node would have been ${kib(whole.bytes - whole.notices * 17)} (shorter name)`);
  await Promise.all([...nodes, observer].map((store) => store.close()));
}

/** Part 2: one listener, `listened` channels; milliseconds until the notices sent arrive. */
async function listenCost(url: string, listened: number): Promise<{ own: number; others: number }> {
  const listener = new pg.Client({ connectionString: url });
  const sender = new pg.Client({ connectionString: url });
  await Promise.all([listener.connect(), sender.connect()]);
  const target = feedChannel("the room");
  // The target last: PostgreSQL appends each LISTEN to the list, so it is found after every other name.
  const channels = [...Array.from({ length: listened - 1 }, (_, i) => feedChannel(`room ${i}`)), target];
  for (let i = 0; i < channels.length; i += 500) {
    await listener.query(channels.slice(i, i + 500).map((channel) => `LISTEN ${pg.escapeIdentifier(channel)}`).join("; "));
  }
  let arrived = 0;
  let last = "";
  listener.on("notification", (message) => {
    if (message.channel === target) {
      arrived += 1;
      last = message.payload ?? "";
    }
  });
  const own: number[] = [];
  const others: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    arrived = 0;
    let started = performance.now();
    await sender.query("SELECT pg_notify($1, 'n' || g) FROM generate_series(1, $2::int) g", [target, NOTICES]);
    await until(() => arrived === NOTICES);
    own.push(performance.now() - started);

    started = performance.now();
    await sender.query("SELECT pg_notify($1, 'n' || g) FROM generate_series(1, $2::int) g", [feedChannel("another node's room"), NOTICES]);
    await sender.query("SELECT pg_notify($1, 'marker')", [target]);
    await until(() => last === "marker");
    others.push(performance.now() - started);
  }
  await Promise.all([listener.end(), sender.end()]);
  return { own: median(own), others: median(others) };
}

const dir = mkdtempSync(join(tmpdir(), "livechat-feed-bench-"));
const server = await startPostgresServer({ dir, fsync: false });
try {
  await perNode(await server.createDatabase("feed"));
  const url = await server.createDatabase("listen");
  const version = new pg.Client({ connectionString: url });
  await version.connect();
  const { rows: versionRows } = await version.query<{ server_version: string }>("SHOW server_version");
  await version.end();
  console.log(`\nlisten list (PostgreSQL ${versionRows[0]!.server_version}), ${NOTICES} notices, median of ${ROUNDS}:`);
  for (const listened of LIST_SIZES) {
    const { own, others } = await listenCost(url, listened);
    console.log(
      `${listened} channels listened: ${NOTICES} on a listened channel arrive in ${own.toFixed(0)} ms (${((own * 1000) / NOTICES).toFixed(1)} µs each); ` +
        `behind ${NOTICES} on a channel not listened, in ${others.toFixed(0)} ms (${((others * 1000) / NOTICES).toFixed(1)} µs each)`,
    );
  }
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
let commit = "unknown";
try {
  commit = execSync("git rev-parse --short HEAD").toString().trim();
} catch {
  // not a git checkout
}
console.log(`${new Date().toISOString()}, commit ${commit}, load average ${loadavg().map((v) => v.toFixed(2)).join(" ")}`);
