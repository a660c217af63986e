// The chat service's operations for rooms with owners: settings, moderation, a
// room's details and its audit log. The rules are in lib/rooms/roles.ts and
// keeping.ts and run in the room's worker; these parse the payload, find who is
// asking and hand the operation to the room. ChatService delegates here.
import type { Accounts } from "../accounts/accounts";
import { ChatError } from "../errors";
import { normalizeRoomName, normalizeTopic } from "../names";
import { parsePayload } from "../payloads";
import type { Member, RoomSettings } from "../protocol";
import type { Named, SettingsChange, Sighting } from "../rooms/keeping";
import type { RegistryManager } from "../rooms/registry";
import { isKeeper, roleOf, type Actor } from "../rooms/roles";
import type { AuditEntry } from "../store/store";
import type { Caller } from "./caller";

/** What these operations need of the service. */
export interface OwnersContext {
  registry: RegistryManager;
  accounts: Accounts;
  /** The admin token's holder, or the person asking. */
  actorOf(caller: Caller): Promise<Actor>;
  /** The person's connections to the room on other nodes; none without. */
  elsewhere?: SightingsElsewhere;
}

/** Asks the other nodes for their connections to `room` of the account or guest named, or of everyone. */
export type SightingsElsewhere = (room: string, named?: Named) => Promise<Sighting[]>;

export interface RoomDetails {
  room: string;
  settings: RoomSettings;
  members: Member[];
}

/** The audit log's default page. */
const AUDIT_DEFAULT = 100;

export async function configureRoom(ctx: OwnersContext, caller: Caller, payload: unknown): Promise<RoomSettings> {
  const { room: asked, topic, visibility, readOnly, slowModeS } = parsePayload("configure", payload);
  const room = normalizeRoomName(asked);
  const change: SettingsChange = {
    ...(topic !== undefined ? { topic: normalizeTopic(topic) } : {}),
    ...(visibility !== undefined ? { visibility } : {}),
    ...(readOnly !== undefined ? { readOnly } : {}),
    ...(slowModeS !== undefined ? { slowModeS } : {}),
  };
  // A room made private keeps the people in it as members: a guest by its session or
  // address, which only the node it is connected to knows.
  const elsewhere = visibility === "private" ? await ctx.elsewhere?.(room) : undefined;
  return ctx.registry.configure(room, await ctx.actorOf(caller), change, elsewhere ?? []);
}

export async function moderateRoom(ctx: OwnersContext, caller: Caller, payload: unknown): Promise<void> {
  const { room: asked, action, username, reason, durationS, address } = parsePayload("moderate", payload);
  const room = normalizeRoomName(asked);
  const actor = await ctx.actorOf(caller);
  // A registered name is an account; guests never hold one (lib/accounts).
  const registered = await ctx.accounts.account(username);
  const name = registered?.username ?? username;
  const guest = registered === undefined;
  // A ban or mute is kept under a guest's sessions and, when asked, anyone's addresses:
  // known only on the nodes the person is connected to, so those are asked first.
  const elsewhere = (action === "ban" || action === "mute") && (guest || address === true) ? await ctx.elsewhere?.(room, { username: name, guest }) : undefined;
  const trimmedReason = reason?.trim();
  await ctx.registry.moderate(
    room,
    {
      actor,
      action,
      username: name,
      ...(trimmedReason ? { reason: trimmedReason } : {}),
      ...(durationS !== undefined ? { durationS } : {}),
      ...(address !== undefined ? { address } : {}),
      ...(elsewhere && elsewhere.length > 0 ? { elsewhere } : {}),
    },
    !guest,
  );
}

/** The room's settings and members, for anyone the room lets in. */
export async function roomDetails(ctx: OwnersContext, caller: Caller, payload: unknown): Promise<RoomDetails> {
  const room = normalizeRoomName(parsePayload("room", payload).room);
  const { settings, members } = await ctx.registry.details(room, await ctx.actorOf(caller), caller.address);
  return { room, settings, members };
}

/** The room's audit log, newest first, for its owner, moderators and the admin. */
export async function roomAudit(ctx: OwnersContext, caller: Caller, payload: unknown): Promise<AuditEntry[]> {
  const { room: asked, limit } = parsePayload("audit", payload);
  const room = normalizeRoomName(asked);
  const actor = await ctx.actorOf(caller);
  const settings = await ctx.registry.admit(room, actor, caller.address);
  if (!isKeeper(roleOf(settings, actor))) throw new ChatError("forbidden", "Only the room's owner and moderators can read its audit log.");
  return ctx.registry.audit(room, limit ?? AUDIT_DEFAULT);
}
