// /rooms/<name>: one canonical address per room. Other spellings of a valid
// name redirect to it; anything else is "not a room name".
import type { Metadata } from "next";
import { notFound, redirect } from "next/navigation";
import { normalizeRoomName } from "@/lib/names";
import { servingNode } from "../../utils/serving-node";
import { RoomChat } from "./RoomChat";

type Params = Promise<{ name: string }>;

function parseRoomParam(raw: string): { given: string; room: string } | null {
  let given: string;
  try {
    given = decodeURIComponent(raw);
  } catch {
    return null;
  }
  try {
    return { given, room: normalizeRoomName(given) };
  } catch {
    return null;
  }
}

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const parsed = parseRoomParam((await params).name);
  return { title: parsed ? `#${parsed.room}` : "Not a room name" };
}

export default async function RoomPage({ params }: { params: Params }) {
  const parsed = parseRoomParam((await params).name);
  if (!parsed) notFound();
  if (parsed.given !== parsed.room) redirect(`/rooms/${encodeURIComponent(parsed.room)}`);
  const node = await servingNode();
  return <RoomChat key={parsed.room} room={parsed.room} node={node} />;
}
