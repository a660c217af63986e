// Slash commands in `livechat chat`, a real child process against a real server.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { JoinReply, RoomNoticePush } from "../lib/protocol";
import { emitAck, okOf } from "../server/testing/socket-calls";
import { startTestServer, type TestClient, type TestServer } from "../server/testing/test-server";
import { parseTerminalCommand } from "./chat-commands";
import { startChat, type ChatProcess } from "./chat-process";

let app: TestServer;
let counter = 0;
const uniqueRoom = () => `cli-commands-${++counter}-${Date.now()}`;
const running: ChatProcess[] = [];

beforeAll(async () => {
  app = await startTestServer();
});
afterAll(async () => {
  await app.close();
});
afterEach(() => {
  for (const process of running.splice(0)) process.kill();
});

function chat(args: string[]): ChatProcess {
  const process = startChat([...args, "--url", app.url]);
  running.push(process);
  return process;
}

async function person(name: string, room: string): Promise<TestClient> {
  const client = await app.connect({ name });
  okOf(await emitAck<JoinReply>(client, "room:join", { room }));
  return client;
}

describe("slash commands in the terminal client", () => {
  it("says an unknown command is unknown and sends nothing; /help lists the commands", async () => {
    const room = uniqueRoom();
    const terminal = chat([room, "--name", "bob"]);
    await terminal.waitForLine(/^\[livechat\] joined /);
    terminal.type("/dance wildly");
    await terminal.waitForLine("[livechat] Unknown command /dance; type /help for the list. Nothing was sent.");
    terminal.type("/help");
    await terminal.waitForLine("[livechat] /ban name [duration] [reason]: remove someone and keep them out (duration like 30m, 2h, 7d)");
    terminal.type("/me waves");
    await terminal.waitForLine("[bob] * waves");
    expect(terminal.lines.some((line) => line.includes("dance"))).toBe(true);
    expect(terminal.lines.filter((line) => line.startsWith("[bob]"))).toEqual(["[bob] * waves"]);
  });

  it("prints the server's refusal of a guest's /topic and /kick", async () => {
    const room = uniqueRoom();
    await person("alice", room);
    const terminal = chat([room, "--name", "bob"]);
    await terminal.waitForLine(/^\[livechat\] joined /);
    terminal.type("/topic mine now");
    await terminal.waitForLine(/^\[livechat\] refused: .*owner and moderators/);
    terminal.type("/kick alice");
    await terminal.waitForLine(/^\[livechat\] refused: .*owner and moderators/);
  });

  it("/nick gives a guest a new name, which the room sees", async () => {
    const room = uniqueRoom();
    const alice = await person("alice", room);
    const terminal = chat([room, "--name", "bob"]);
    await terminal.waitForLine(/^\[livechat\] joined /);
    const joined = new Promise<void>((resolve) =>
      alice.on("room:notice", (notice: RoomNoticePush) => notice.kind === "join" && notice.username === "zed" && resolve()),
    );
    terminal.type("/nick zed");
    await joined;
  });

  it("replies, edits, reacts and deletes by the seq it prints (--seq), and prints each change as it lands", async () => {
    const room = uniqueRoom();
    const alice = await person("alice", room);
    await alice.timeout(5000).emitWithAck("message:send", { room, content: "who is in?" });
    const terminal = chat([room, "--name", "bob", "--seq"]);
    await terminal.waitForLine("#1 [alice] who is in?");
    terminal.type("/reply 1 me");
    await terminal.waitForLine("#2 [bob ↪ alice] me");
    terminal.type("/edit 2 me too");
    await terminal.waitForLine("#2 [bob ↪ alice] me too (edited)");
    terminal.type("/react 1 👍");
    await terminal.waitForLine("    👍 1 (bob)");
    terminal.type("/delete 2");
    await terminal.waitForLine("#2 [bob] [deleted]");
    terminal.type("/edit 1 not mine");
    await terminal.waitForLine(/^\[livechat\] refused: .*author/);
    terminal.type("/react 1 ok");
    await terminal.waitForLine("[livechat] A reaction is one emoji (like 👍), not text.");
  });

  it("/react adds this person's reaction though another guest of the same name has reacted with that emoji", async () => {
    const room = uniqueRoom();
    const otherBob = await person("bob", room);
    okOf(await emitAck(otherBob, "message:send", { room, content: "two of us" }));
    okOf(await emitAck(otherBob, "message:react", { room, seq: 1, emoji: "👍", on: true }));
    const terminal = chat([room, "--name", "bob", "--seq"]);
    await terminal.waitForLine("    👍 1 (bob)");
    terminal.type("/react 1 👍");
    await terminal.waitForLine("    👍 2 (bob, bob)");
  });
});

describe("moving between rooms in the terminal client", () => {
  it("/join shows another room, /rooms counts what is unread in each, /switch goes back to one of them", async () => {
    const first = uniqueRoom();
    const second = uniqueRoom();
    const terminal = chat([first, "--name", "bob"]);
    await terminal.waitForLine(new RegExp(`^\\[livechat\\] joined ${first} as `));
    terminal.type(`/join ${second}`);
    await terminal.waitForLine(new RegExp(`^\\[livechat\\] joined ${second} as `));
    const alice = await person("alice", first);
    okOf(await emitAck(alice, "message:send", { room: first, content: "news from the first room" }));

    terminal.type("/rooms");
    await terminal.waitForLine(`[livechat] #${first}: 1 unread`);
    await terminal.waitForLine(`[livechat] #${second} (here): nothing unread`);
    terminal.type("/switch nowhere");
    await terminal.waitForLine("[livechat] nowhere is not one of your rooms here; /join it first.");
    terminal.type(`/switch ${first}`);
    await terminal.waitForLine(/^\[alice[^\]]*\] news from the first room$/);
  });

  it("prints [name is typing] once per burst", async () => {
    const room = uniqueRoom();
    const terminal = chat([room, "--name", "bob"]);
    await terminal.waitForLine(/^\[livechat\] joined /);
    const alice = await person("alice", room);
    okOf(await emitAck(alice, "typing", { room }));
    okOf(await emitAck(alice, "typing", { room }));
    okOf(await emitAck(alice, "message:send", { room, content: "done typing" }));
    await terminal.waitForLine(/^\[alice[^\]]*\] done typing$/);
    expect(terminal.lines.filter((line) => line === "[alice is typing]")).toHaveLength(1);
  });
});

describe("the terminal's own commands", () => {
  it("reads /rooms, /join NAME and /switch NAME", () => {
    expect(parseTerminalCommand("/rooms")).toEqual({ kind: "rooms" });
    expect(parseTerminalCommand("/join  kitchen ")).toEqual({ kind: "join", room: "kitchen" });
    expect(parseTerminalCommand("/SWITCH lobby")).toEqual({ kind: "switch", room: "lobby" });
  });

  it("leaves messages, //text and the shared slash commands to the shared parser", () => {
    expect(parseTerminalCommand("hello /rooms")).toBeUndefined();
    expect(parseTerminalCommand("//shrug")).toBeUndefined();
    expect(parseTerminalCommand("/dance")).toBeUndefined();
    expect(parseTerminalCommand("/me waves")).toBeUndefined();
  });

  it("answers /join or /switch without a name with how it is used", () => {
    expect(parseTerminalCommand("/join")).toEqual({ kind: "usage", message: "Usage: /join name" });
    expect(parseTerminalCommand("/switch ")).toEqual({ kind: "usage", message: "Usage: /switch name" });
  });
});
