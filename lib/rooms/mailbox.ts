// A GenServer-style mailbox: callers enqueue tagged operations and await replies;
// the owner's handler runs them one at a time, in arrival order. A handler may
// answer later (GenServer's noreply): it keeps the caller's `Reply` and hands work
// to `defer`, whose result comes back through the mailbox as another operation.
// Exiting answers what is queued without running it, and completes once the
// operation running and every deferred work have finished.

/** How one caller is answered. */
export interface Reply {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export interface MailboxHandler<Op> {
  /** Runs one operation; answers `reply` now or later. */
  handle(op: Op, reply: Reply): Promise<void>;
  /** `handle` threw: the owner says what the caller hears, and may exit. */
  failed(error: unknown, op: Op, reply: Reply): void;
  /** An operation that will never run because the mailbox is exiting. */
  abandoned(op: Op, reply: Reply): void;
  /** Nothing of the mailbox runs any more. */
  exited(): void;
  /** What a call made once the mailbox is exiting rejects with. */
  closedError(): Error;
}

interface Envelope<Op> {
  op: Op;
  reply: Reply;
}

export class Mailbox<Op extends { tag: string }, Replies extends Record<Op["tag"], unknown>> {
  private readonly handler: MailboxHandler<Op>;
  private readonly queue: Envelope<Op>[] = [];
  private state: "running" | "exiting" | "exited" = "running";
  private busy = false;
  private deferred = 0;
  private markExited!: () => void;
  /** Settles once the mailbox has exited and no operation or deferred work of it is still running. */
  readonly exited = new Promise<void>((resolve) => (this.markExited = resolve));

  constructor(handler: MailboxHandler<Op>) {
    this.handler = handler;
  }

  get running(): boolean {
    return this.state === "running";
  }

  /** Enqueues an operation and resolves with its reply. */
  call<T extends Op>(op: T): Promise<Replies[T["tag"]]> {
    if (this.state !== "running") return Promise.reject(this.handler.closedError());
    return new Promise((resolve, reject) => {
      this.queue.push({ op, reply: { resolve: resolve as (value: unknown) => void, reject } });
      void this.drain();
    });
  }

  /**
   * Runs `work` outside the mailbox; the operation it settles to is enqueued with
   * `reply`, or abandoned if the mailbox is exiting by then. `work` must not reject.
   */
  defer(work: Promise<Op>, reply: Reply): void {
    this.deferred += 1;
    void work.then((op) => {
      this.deferred -= 1;
      if (this.state === "running") {
        this.queue.push({ op, reply });
        void this.drain();
        return;
      }
      this.handler.abandoned(op, reply);
      this.finishIfIdle();
    });
  }

  /** Stops taking operations: queued ones are abandoned; the running one and deferred work finish first. */
  exit(): void {
    if (this.state !== "running") return;
    this.state = "exiting";
    for (const { op, reply } of this.queue.splice(0)) this.handler.abandoned(op, reply);
    this.finishIfIdle();
  }

  private async drain(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    while (this.state === "running" && this.queue.length > 0) {
      const { op, reply } = this.queue.shift()!;
      try {
        await this.handler.handle(op, reply);
      } catch (error) {
        this.handler.failed(error, op, reply);
      }
    }
    this.busy = false;
    this.finishIfIdle();
  }

  private finishIfIdle(): void {
    if (this.state !== "exiting" || this.busy || this.deferred > 0) return;
    this.state = "exited";
    this.markExited();
    this.handler.exited();
  }
}
