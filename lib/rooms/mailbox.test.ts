// The generic mailbox the Room worker is built on: one operation at a time in
// arrival order, replies now or later, and an exit that answers what never ran.
import { describe, expect, it } from "vitest";
import { Mailbox, type MailboxHandler, type Reply } from "./mailbox";

type Op = { tag: "echo"; value: string } | { tag: "slow"; value: string; until: Promise<void> } | { tag: "later"; value: string } | { tag: "done"; value: string } | { tag: "boom" };
interface Replies {
  echo: string;
  slow: string;
  later: string;
  done: string;
  boom: never;
}

class Closed extends Error {}

/** A mailbox whose handler notes what ran and when it started and ended. */
function start(overrides: Partial<MailboxHandler<Op>> = {}) {
  const log: string[] = [];
  let exits = 0;
  const laterWork: Array<(op: Op) => void> = [];
  const mailbox: Mailbox<Op, Replies> = new Mailbox<Op, Replies>({
    handle: async (op: Op, reply: Reply) => {
      log.push(`start ${op.tag}`);
      switch (op.tag) {
        case "echo":
        case "done":
          reply.resolve(op.value);
          break;
        case "slow":
          await op.until;
          reply.resolve(op.value);
          break;
        case "later":
          // Answered once outside work finishes, through the mailbox again.
          mailbox.defer(new Promise<Op>((resolve) => laterWork.push(resolve)), reply);
          break;
        case "boom":
          throw new Error("boom");
      }
      log.push(`end ${op.tag}`);
    },
    failed: (error, _op, reply) => reply.reject(error),
    abandoned: (op, reply) => (op.tag === "done" ? reply.resolve(`${op.value} after exit`) : reply.reject(new Closed())),
    exited: () => (exits += 1),
    closedError: () => new Closed(),
    ...overrides,
  });
  return { mailbox, log, laterWork, exits: () => exits };
}

function gate() {
  let open!: () => void;
  const until = new Promise<void>((resolve) => (open = resolve));
  return { until, open };
}

describe("Mailbox", () => {
  it("answers each call with its operation's reply", async () => {
    const { mailbox } = start();
    expect(await mailbox.call({ tag: "echo", value: "hello" })).toBe("hello");
  });

  it("runs one operation at a time, in the order they were called", async () => {
    const { mailbox, log } = start();
    const { until, open } = gate();
    const slow = mailbox.call({ tag: "slow", value: "first", until });
    const quick = mailbox.call({ tag: "echo", value: "second" });
    await Promise.resolve();
    expect(log).toEqual(["start slow"]);
    open();
    expect(await Promise.all([slow, quick])).toEqual(["first", "second"]);
    expect(log).toEqual(["start slow", "end slow", "start echo", "end echo"]);
  });

  it("lets an operation answer later, through deferred work that comes back as an operation", async () => {
    const { mailbox, laterWork } = start();
    const later = mailbox.call({ tag: "later", value: "x" });
    // The mailbox moves on while the work is outside.
    expect(await mailbox.call({ tag: "echo", value: "meanwhile" })).toBe("meanwhile");
    laterWork[0]!({ tag: "done", value: "finally" });
    expect(await later).toBe("finally");
  });

  it("hands a failure to its owner and keeps running", async () => {
    const { mailbox } = start();
    await expect(mailbox.call({ tag: "boom" })).rejects.toThrow("boom");
    expect(await mailbox.call({ tag: "echo", value: "still here" })).toBe("still here");
  });

  it("on exit, answers queued operations without running them and refuses new calls", async () => {
    const { mailbox, log, exits } = start();
    const { until, open } = gate();
    const running = mailbox.call({ tag: "slow", value: "running", until });
    const queued = mailbox.call({ tag: "echo", value: "queued" });
    mailbox.exit();
    await expect(queued).rejects.toBeInstanceOf(Closed);
    await expect(mailbox.call({ tag: "echo", value: "too late" })).rejects.toBeInstanceOf(Closed);
    expect(mailbox.running).toBe(false);
    // The operation already running finishes, and only then has the mailbox exited.
    expect(exits()).toBe(0);
    open();
    expect(await running).toBe("running");
    await mailbox.exited;
    expect(exits()).toBe(1);
    expect(log).not.toContain("start echo");
  });

  it("exits only after deferred work has come back, and answers it as abandoned", async () => {
    const { mailbox, laterWork, exits } = start();
    const later = mailbox.call({ tag: "later", value: "x" });
    await expect.poll(() => laterWork.length).toBe(1);
    mailbox.exit();
    expect(exits()).toBe(0);
    laterWork[0]!({ tag: "done", value: "stored" });
    expect(await later).toBe("stored after exit");
    await mailbox.exited;
    expect(exits()).toBe(1);
  });

  it("lets the owner exit from inside a failure: the queue is answered and the mailbox exits once", async () => {
    const started = start({
      failed: (error, _op, reply) => {
        reply.reject(error);
        started.mailbox.exit();
      },
    });
    const { mailbox, exits } = started;
    const failing = mailbox.call({ tag: "boom" });
    const queued = mailbox.call({ tag: "echo", value: "queued" });
    await expect(failing).rejects.toThrow("boom");
    await expect(queued).rejects.toBeInstanceOf(Closed);
    await mailbox.exited;
    expect(exits()).toBe(1);
  });
});
