// What the page says about its connection is true: a server that went silent (frozen,
// not closed) is noticed within seconds by its missing pings (the server pings every
// 5 s), not after Socket.IO's own timeout of 25 s more. Plain Socket.IO client code,
// so a test drives it against a real server process that it freezes.
import type { Socket } from "socket.io-client";
import { SILENCE_MS } from "@/lib/client-policy";

/** How often the silence is checked. */
const CHECK_MS = 1_000;

/**
 * Calls `onSilent` whenever the connected socket has heard nothing (no packet, not even
 * a ping) for `silenceMs`; the caller reconnects. Returns the function that stops it.
 */
export function watchSilence(socket: Pick<Socket, "connected" | "io">, onSilent: () => void, silenceMs = SILENCE_MS): () => void {
  let heardAt = Date.now();
  const heard = () => (heardAt = Date.now());
  const opened = () => {
    heard();
    socket.io.engine.on("packet", heard);
  };
  socket.io.on("open", opened);
  if (socket.io.engine) opened();
  const timer = setInterval(() => {
    if (!socket.connected || Date.now() - heardAt < silenceMs) return;
    heard();
    onSilent();
  }, CHECK_MS);
  return () => {
    clearInterval(timer);
    socket.io.off("open", opened);
  };
}
