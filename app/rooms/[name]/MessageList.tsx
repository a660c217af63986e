// The scrolling message log. Follows new messages only while the reader is at
// the bottom, and keeps the reader's place when older messages are prepended.
// Day dividers and a person's grouped messages come from reading.ts.
import { Fragment, useLayoutEffect, useMemo, useRef, useState } from "react";
import { samePerson, type Identity } from "@/lib/protocol";
import { DayDivider } from "./DayDivider";
import { MessageItem } from "./MessageItem";
import { NoticeItem } from "./NoticeItem";
import type { OutboxItem } from "./outbox";
import { PendingItem } from "./PendingItem";
import { readingItems } from "./reading";
import type { TimelineItem } from "./timeline";

const NEAR_BOTTOM_PX = 96;

interface Props {
  room: string;
  items: TimelineItem[];
  /** The person had read up to this seq when the room opened: "New messages" follows it. */
  readAtOpen: number | null;
  /** The first join answered: an empty list now means an empty room. */
  ready: boolean;
  you: Identity | null;
  canLoadOlder: boolean;
  loadingOlder: boolean;
  olderError: string | null;
  /** Resolves true when older messages were added. */
  onLoadOlder: () => Promise<boolean>;
  /** Messages written here that the server has not confirmed yet, shown last. */
  pending: {
    items: readonly OutboxItem[];
    connected: boolean;
    onRetry: (clientId: string) => void;
    onDiscard: (clientId: string) => void;
  };
  /** A search result to show and mark; `inContext`: the list holds its surroundings, not the live messages. */
  focus: { seq: number; inContext: boolean; onBack: () => void } | null;
}

export function MessageList({
  room,
  items,
  readAtOpen,
  ready,
  you,
  canLoadOlder,
  loadingOlder,
  olderError,
  onLoadOlder,
  pending,
  focus,
}: Props) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const nearBottomRef = useRef(true);
  const [awayFromBottom, setAwayFromBottom] = useState(false);
  const dividerRef = useRef<HTMLLIElement>(null);
  const scrolledToDivider = useRef(false);
  const mine = (author: Identity) => !!you && samePerson(you, author);
  // The first message after the marker, if someone else wrote it since.
  const firstUnread =
    readAtOpen === null || readAtOpen === 0
      ? undefined
      : items.find((item) => item.kind === "message" && item.message.seq > readAtOpen && !mine(item.message))?.key;
  // Set when "Load older" is pressed; used once the older page is rendered above.
  const anchorRef = useRef<{ oldestKey: string | undefined; height: number; top: number } | null>(null);

  function onScroll() {
    const el = scrollRef.current;
    if (!el) return;
    nearBottomRef.current = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
    setAwayFromBottom(!nearBottomRef.current);
  }

  function jumpToNewest() {
    const el = scrollRef.current;
    if (!el) return;
    el.scrollTop = el.scrollHeight;
    nearBottomRef.current = true;
    setAwayFromBottom(false);
  }

  // Opening a room with unread messages shows the first of them, once.
  useLayoutEffect(() => {
    if (scrolledToDivider.current || !dividerRef.current) return;
    scrolledToDivider.current = true;
    dividerRef.current.scrollIntoView({ block: "start" });
    onScroll();
  });

  // Any change of the list (not only of its last item: a notice can be last
  // while the messages arrive above it) follows the bottom or keeps the place.
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const anchor = anchorRef.current;
    if (anchor && anchor.oldestKey !== items[0]?.key) {
      anchorRef.current = null;
      el.scrollTop = el.scrollHeight - anchor.height + anchor.top;
    } else if (nearBottomRef.current) {
      el.scrollTop = el.scrollHeight;
    }
  }, [items, pending.items]);

  // A search result chosen: bring it to the middle of the log, once per choice.
  useLayoutEffect(() => {
    if (!focus) return;
    const target = scrollRef.current?.querySelector(`[data-seq="${focus.seq}"]`);
    if (target instanceof HTMLElement) {
      nearBottomRef.current = false;
      target.scrollIntoView({ block: "center" });
    }
  }, [focus]);

  async function loadOlder() {
    const el = scrollRef.current;
    if (el) anchorRef.current = { oldestKey: items[0]?.key, height: el.scrollHeight, top: el.scrollTop };
    const added = await onLoadOlder();
    if (!added) anchorRef.current = null;
    // The button goes away after the last page; keep keyboard focus in the log.
    requestAnimationFrame(() => {
      if (el && !el.contains(document.activeElement)) el.focus({ preventScroll: true });
    });
  }

  const reading = useMemo(() => readingItems(items, new Date()), [items]);

  return (
    <div
      ref={scrollRef}
      className="log"
      role="log"
      aria-live="polite"
      aria-label={`Messages in ${room}`}
      // Bulk loads (the first window, an older page) are not news to read out.
      aria-busy={!ready || loadingOlder}
      tabIndex={0}
      onScroll={onScroll}
    >
      {focus?.inContext ? (
        <div className="log-context" role="note">
          <span>Messages around #{focus.seq}</span>
          <button type="button" className="button subtle" onClick={focus.onBack}>
            Back to the latest messages
          </button>
        </div>
      ) : null}
      {canLoadOlder ? (
        <div className="log-older">
          <button type="button" className="button subtle" onClick={loadOlder} disabled={loadingOlder}>
            {loadingOlder ? "Loading older messages…" : "Load older messages"}
          </button>
        </div>
      ) : null}
      {olderError ? (
        <p role="alert" className="field-error log-older">
          {olderError}
        </p>
      ) : null}
      {items.length === 0 && pending.items.length === 0 ? (
        <p className="log-empty">{ready ? "No messages yet. Say hello!" : "Loading messages…"}</p>
      ) : (
        <ol className="messages">
          {reading.map((item) => (
            <Fragment key={item.key}>
              {item.key === firstUnread ? (
                <li ref={dividerRef} className="new-messages" data-testid="new-messages">
                  New messages
                </li>
              ) : null}
              {item.kind === "message" ? (
                <MessageItem
                  message={item.message}
                  mine={mine(item.message)}
                  focused={focus?.seq === item.message.seq}
                  // The New messages line starts a group of its own.
                  continued={item.continued && item.key !== firstUnread}
                  reader={you?.username ?? null}
                />
              ) : item.kind === "notice" ? (
                <NoticeItem notice={item.notice} />
              ) : (
                <DayDivider label={item.label} />
              )}
            </Fragment>
          ))}
          {pending.items.map((item) => (
            <PendingItem
              key={`p${item.clientId}`}
              item={item}
              author={you?.username ?? "you"}
              connected={pending.connected}
              onRetry={pending.onRetry}
              onDiscard={pending.onDiscard}
            />
          ))}
        </ol>
      )}
      {awayFromBottom ? (
        <button type="button" className="button subtle jump-newest" onClick={jumpToNewest}>
          Jump to newest
        </button>
      ) : null}
    </div>
  );
}
