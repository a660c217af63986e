// A frozen server (SIGSTOP: its sockets stay open and nothing comes) against the page's
// silence watch, with a real server process and a real Socket.IO client.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { io } from "socket.io-client";
import { expect, it } from "vitest";
import { watchSilence } from "./silence";

function startServer() {
  const child = spawn(process.execPath, ["--import", "tsx", "server/testing/node-process.ts"], {
    env: { PATH: process.env.PATH, NODE_ENV: "production", PORT: "0", HOST: "127.0.0.1", DATA_DIR: "", NODE_NAME: "silence-test", LOG_LEVEL: "silent" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = new Promise<number>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the server exited (${code}) before listening`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const said = JSON.parse(line) as { port?: number };
      if (typeof said.port === "number") resolve(said.port);
    });
  });
  return { child, port };
}

it("notices a frozen server while Socket.IO alone still believes it is connected", async () => {
  const server = startServer();
  const socket = io(`http://127.0.0.1:${await server.port}`, { transports: ["websocket"], reconnection: false, forceNew: true });
  let stop = () => {};
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", reject);
    });
    const noticed = new Promise<void>((resolve) => (stop = watchSilence(socket, resolve)));
    server.child.kill("SIGSTOP");
    await noticed;
    // Socket.IO's own ping timeout (25 s after the last ping) has not ended the connection yet.
    expect(socket.connected).toBe(true);
  } finally {
    stop();
    socket.close();
    server.child.kill("SIGCONT");
    server.child.kill("SIGKILL");
  }
}, 30_000);
