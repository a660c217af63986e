// Whether this page is live: Connected, Reconnecting…, or why it is not.
import type { ConnectionStatus as Status } from "./useRoomSocket";

export function ConnectionStatus({ status, onReconnect }: { status: Status; onReconnect: () => void }) {
  return (
    <div className="connection">
      <p className="connection-status" role="status" data-testid="connection-status" data-state={status.state}>
        <span className="dot" aria-hidden="true" />
        <span>{status.text}</span>
      </p>
      {status.canRetry ? (
        <button type="button" className="link-button" onClick={onReconnect}>
          Reconnect
        </button>
      ) : null}
    </div>
  );
}
