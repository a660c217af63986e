// A button that opens a compact emoji picker: a search box, the groups, and a grid of
// emoji (arrow keys move in it, Enter or a click picks). Escape or a click outside closes
// it and gives the focus back. The data loads the first time it opens (see emoji.ts).
import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { EMOJI_GROUPS, loadEmoji, searchEmoji, type Emoji } from "./emoji";

/** Columns of the grid; the stylesheet draws the same number. */
const COLUMNS = 8;
const MAX_RESULTS = 96;

export function EmojiPicker({ onPick }: { onPick: (glyph: string) => void }) {
  const [open, setOpen] = useState(false);
  const [list, setList] = useState<Emoji[] | null>(null);
  const [failed, setFailed] = useState(false);
  const [query, setQuery] = useState("");
  const [group, setGroup] = useState(EMOJI_GROUPS[0]!.group);
  const [cell, setCell] = useState(0);
  const id = useId();
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const gridRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open || list) return;
    let live = true;
    loadEmoji().then(
      (loaded) => live && setList(loaded),
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, [open, list]);

  useEffect(() => {
    if (!open) return;
    searchRef.current?.focus();
    const onPointerDown = (event: PointerEvent) => {
      if (!rootRef.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("pointerdown", onPointerDown);
    return () => document.removeEventListener("pointerdown", onPointerDown);
  }, [open]);

  const shown = useMemo(() => {
    if (!list) return [];
    return query.trim() ? searchEmoji(list, query, MAX_RESULTS) : list.filter((emoji) => emoji.group === group);
  }, [list, query, group]);

  function openPicker() {
    setFailed(false);
    setOpen(true);
  }

  function close() {
    setOpen(false);
    buttonRef.current?.focus();
  }

  function pick(emoji: Emoji) {
    setOpen(false);
    setQuery("");
    onPick(emoji.glyph);
  }

  function focusCell(index: number) {
    const next = Math.max(0, Math.min(shown.length - 1, index));
    setCell(next);
    gridRef.current?.querySelectorAll<HTMLButtonElement>("button")[next]?.focus();
  }

  function onGridKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const moves: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: COLUMNS, ArrowUp: -COLUMNS };
    const move = moves[event.key];
    if (move === undefined) return;
    event.preventDefault();
    if (event.key === "ArrowUp" && cell < COLUMNS) searchRef.current?.focus();
    else focusCell(cell + move);
  }

  function onSearchKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === "Enter") {
      event.preventDefault();
      if (shown[0]) pick(shown[0]);
    } else if (event.key === "ArrowDown") {
      event.preventDefault();
      focusCell(0);
    }
  }

  const groupName = EMOJI_GROUPS.find((known) => known.group === group)?.name ?? "";
  return (
    <div className="emoji-picker" ref={rootRef}>
      <button
        ref={buttonRef}
        type="button"
        className="button subtle icon-button"
        aria-label="Add emoji"
        aria-expanded={open}
        aria-controls={open ? `${id}-panel` : undefined}
        onClick={() => (open ? close() : openPicker())}
      >
        <svg viewBox="0 0 20 20" width="20" height="20" aria-hidden="true" focusable="false">
          <circle cx="10" cy="10" r="8" fill="none" stroke="currentColor" strokeWidth="1.6" />
          <circle cx="7.2" cy="8.2" r="1.1" fill="currentColor" />
          <circle cx="12.8" cy="8.2" r="1.1" fill="currentColor" />
          <path d="M6.5 12a4 4 0 0 0 7 0" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />
        </svg>
      </button>
      {open ? (
        <div
          id={`${id}-panel`}
          className="emoji-panel"
          role="dialog"
          aria-label="Emoji"
          onKeyDown={(event) => {
            if (event.key === "Escape") {
              event.preventDefault();
              close();
            }
          }}
        >
          <label htmlFor={`${id}-search`} className="sr-only">
            Search emoji
          </label>
          <input
            ref={searchRef}
            id={`${id}-search`}
            type="text"
            className="emoji-search"
            placeholder="Search emoji"
            autoComplete="off"
            spellCheck={false}
            value={query}
            onChange={(event) => {
              setQuery(event.target.value);
              setCell(0);
            }}
            onKeyDown={onSearchKeyDown}
          />
          {query.trim() === "" ? (
            <div className="emoji-groups" role="group" aria-label="Emoji groups">
              {EMOJI_GROUPS.map((known) => (
                <button
                  key={known.group}
                  type="button"
                  aria-label={known.name}
                  title={known.name}
                  aria-pressed={known.group === group}
                  onClick={() => {
                    setGroup(known.group);
                    setCell(0);
                  }}
                >
                  {known.icon}
                </button>
              ))}
            </div>
          ) : null}
          <div ref={gridRef} className="emoji-grid" role="group" aria-label={query.trim() ? "Emoji found" : groupName} onKeyDown={onGridKeyDown}>
            {shown.map((emoji, index) => (
              <button
                key={emoji.glyph}
                type="button"
                tabIndex={index === Math.min(cell, shown.length - 1) ? 0 : -1}
                aria-label={emoji.label}
                title={emoji.shortcodes[0] ? `:${emoji.shortcodes[0]}:` : emoji.label}
                onClick={() => pick(emoji)}
              >
                {emoji.glyph}
              </button>
            ))}
          </div>
          {failed ? (
            <p className="field-error" role="alert">
              The emoji could not be loaded. Check the connection and open this again.
            </p>
          ) : !list ? (
            <p className="muted emoji-status">Loading emoji…</p>
          ) : shown.length === 0 ? (
            <p className="muted emoji-status">No emoji found.</p>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
