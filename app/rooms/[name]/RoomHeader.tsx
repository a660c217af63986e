// The room's top bar: home link, room name, serving node, connection, identity.
import Link from "next/link";
import type { Identity } from "@/lib/protocol";
import { IdentityBar } from "../../components/IdentityBar";
import { ConnectionStatus } from "./ConnectionStatus";
import type { ConnectionStatus as Status } from "./useRoomSocket";

interface Props {
  room: string;
  node: string;
  socketNode: string | null;
  you: Identity | null;
  status: Status;
  onReconnect: () => void;
  /** The room's topic, plain text ("" for none). */
  topic: string;
  /** Whether the settings sheet is open; undefined for people who may not keep the room. */
  settingsOpen?: boolean;
  onToggleSettings: () => void;
}

export function RoomHeader({ room, node, socketNode, you, status, onReconnect, topic, settingsOpen, onToggleSettings }: Props) {
  return (
    <header className="room-header">
      <div className="room-header-top">
        <Link href="/" className="brand">
          Livechat
        </Link>
        <IdentityBar user={you} />
      </div>
      <div className="room-header-main">
        <div className="room-title">
          <h1>
            <span className="hash" aria-hidden="true">
              #
            </span>
            {room}
          </h1>
          {topic ? (
            <p className="room-topic" data-testid="topic">
              {topic}
            </p>
          ) : null}
          {/* One node, the one the live connection is on (the page may have come from another). */}
          <p className="room-node" data-testid="node">
            Served by node <code>{socketNode ?? node}</code>
          </p>
        </div>
        <div className="room-header-tools">
          {settingsOpen !== undefined ? (
            <button type="button" className="button subtle" aria-expanded={settingsOpen} onClick={onToggleSettings}>
              Room settings
            </button>
          ) : null}
          <ConnectionStatus status={status} onReconnect={onReconnect} />
        </div>
      </div>
    </header>
  );
}
