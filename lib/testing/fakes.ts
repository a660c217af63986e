// Test doubles for the domain's unit tests: a push log that records what rooms
// pushed, and stores that fail or pause on purpose so a test can hit a worker
// at the worst moment. Test support only; nothing in the app imports this.
import type { Logger } from "../logger";
import type { Message, NotifyLevel, ServerEvent } from "../protocol";
import { PushBus, type Publish, type PushPayload } from "../pushes/push-bus";
import { MemoryStore } from "../store/memory";
import type {
  AppendResult,
  AuditEntry,
  MessageChange,
  MessageDraft,
  PersonRoom,
  RoomActivity,
  RoomEntry,
  RoomList,
  RoomSearch,
  RoomsSearch,
  RoomSettingsRecord,
  Store,
  UserRecord,
} from "../store/store";

/** Records every push of its bus, in order, the way a client subscribed to every topic would see them. */
export class PushLog {
  readonly all: Array<{ topic: string; event: ServerEvent; payload: unknown }> = [];
  /** Hand this to a registry; a Room worker takes `publish`. */
  readonly bus = new PushBus();
  readonly publish: Publish = this.bus.publish;

  constructor() {
    this.bus.subscribe(({ topic, event, payload }) => this.all.push({ topic, event, payload }));
  }

  of<E extends ServerEvent>(event: E): Array<PushPayload<E>> {
    return this.all.filter((push) => push.event === event).map((push) => push.payload as PushPayload<E>);
  }

  last<E extends ServerEvent>(event: E): PushPayload<E> | undefined {
    return this.of(event).at(-1);
  }
}

/** Hands every call to an inner store; subclasses bend one method. */
export class WrappedStore implements Store {
  constructor(readonly inner: Store = new MemoryStore()) {}

  createUser(user: UserRecord): Promise<boolean> {
    return this.inner.createUser(user);
  }
  findUser(username: string): Promise<UserRecord | undefined> {
    return this.inner.findUser(username);
  }
  bumpSessionVersion(username: string): Promise<number | undefined> {
    return this.inner.bumpSessionVersion(username);
  }
  claimUsername(skeleton: string, username: string): Promise<string> {
    return this.inner.claimUsername(skeleton, username);
  }
  usernameHolder(skeleton: string): Promise<string | undefined> {
    return this.inner.usernameHolder(skeleton);
  }
  append(room: string, draft: MessageDraft): Promise<AppendResult> {
    return this.inner.append(room, draft);
  }
  recent(room: string, limit: number): Promise<Message[]> {
    return this.inner.recent(room, limit);
  }
  before(room: string, beforeSeq: number, limit: number): Promise<Message[]> {
    return this.inner.before(room, beforeSeq, limit);
  }
  searchRoom(room: string, text: string, options: RoomSearch): Promise<Message[]> {
    return this.inner.searchRoom(room, text, options);
  }
  searchRooms(text: string, options: RoomsSearch): Promise<Message[]> {
    return this.inner.searchRooms(text, options);
  }
  updateMessage(room: string, seq: number, change: MessageChange): Promise<Message> {
    return this.inner.updateMessage(room, seq, change);
  }
  claimOwner(room: string, username: string): Promise<string> {
    return this.inner.claimOwner(room, username);
  }
  owner(room: string): Promise<string | undefined> {
    return this.inner.owner(room);
  }
  personRooms(person: string): Promise<PersonRoom[]> {
    return this.inner.personRooms(person);
  }
  hasPersonRoom(person: string, room: string): Promise<boolean> {
    return this.inner.hasPersonRoom(person, room);
  }
  savePersonRoom(person: string, room: string, notify?: NotifyLevel): Promise<void> {
    return this.inner.savePersonRoom(person, room, notify);
  }
  removePersonRoom(person: string, room: string): Promise<void> {
    return this.inner.removePersonRoom(person, room);
  }
  markRead(person: string, room: string, seq: number): Promise<number> {
    return this.inner.markRead(person, room, seq);
  }
  readMarkers(person: string, rooms: string[]): Promise<Map<string, number>> {
    return this.inner.readMarkers(person, rooms);
  }
  roomsByActivity(limit: number): Promise<RoomActivity[]> {
    return this.inner.roomsByActivity(limit);
  }
  roomSettings(room: string): Promise<RoomSettingsRecord | undefined> {
    return this.inner.roomSettings(room);
  }
  saveRoomSettings(room: string, settings: RoomSettingsRecord): Promise<void> {
    return this.inner.saveRoomSettings(room, settings);
  }
  putRoomEntry(room: string, list: RoomList, entry: RoomEntry): Promise<void> {
    return this.inner.putRoomEntry(room, list, entry);
  }
  removeRoomEntry(room: string, list: RoomList, key: string): Promise<boolean> {
    return this.inner.removeRoomEntry(room, list, key);
  }
  roomEntries(room: string, list: RoomList): Promise<RoomEntry[]> {
    return this.inner.roomEntries(room, list);
  }
  appendAudit(room: string, entry: AuditEntry): Promise<void> {
    return this.inner.appendAudit(room, entry);
  }
  audit(room: string, limit: number): Promise<AuditEntry[]> {
    return this.inner.audit(room, limit);
  }
  deleteRoom(room: string): Promise<void> {
    return this.inner.deleteRoom(room);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** A store whose next append throws, as a dropped database connection would; later appends work. */
export class AppendFailsOnce extends WrappedStore {
  failures = 0;

  override async append(room: string, draft: MessageDraft): Promise<AppendResult> {
    if (this.failures === 0) {
      this.failures += 1;
      throw new Error("the store lost its connection");
    }
    return super.append(room, draft);
  }
}

/** A store whose appends to a held room wait until the test releases them: a write caught in flight. */
export class GatedStore extends WrappedStore {
  /** Appends waiting at the gate. */
  waiting = 0;
  /** Appends that have reached the inner store and returned. */
  completed = 0;
  private held?: { room: string; open: Promise<void>; release: () => void };

  hold(room: string): void {
    let release!: () => void;
    const open = new Promise<void>((resolve) => (release = resolve));
    this.held = { room, open, release };
  }

  release(): void {
    this.held?.release();
    this.held = undefined;
  }

  override async append(room: string, draft: MessageDraft): Promise<AppendResult> {
    const held = this.held;
    if (held && held.room === room) {
      this.waiting += 1;
      await held.open;
      this.waiting -= 1;
    }
    const result = await super.append(room, draft);
    this.completed += 1;
    return result;
  }
}

/** A logger that keeps its lines, so a test can check what was logged and how loudly. */
export class RecordingLogger implements Logger {
  readonly lines: Array<{ level: "debug" | "info" | "warn" | "error"; message: string; fields: Record<string, unknown> }> = [];

  debug(message: string, fields: Record<string, unknown> = {}): void {
    this.lines.push({ level: "debug", message, fields });
  }
  info(message: string, fields: Record<string, unknown> = {}): void {
    this.lines.push({ level: "info", message, fields });
  }
  warn(message: string, fields: Record<string, unknown> = {}): void {
    this.lines.push({ level: "warn", message, fields });
  }
  error(message: string, fields: Record<string, unknown> = {}): void {
    this.lines.push({ level: "error", message, fields });
  }

  at(level: "debug" | "info" | "warn" | "error") {
    return this.lines.filter((line) => line.level === level);
  }
}
