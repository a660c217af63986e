// The composer's completions: slash commands, `:shortcode` emoji and `@name` people, in one
// popup. Arrows move through it, Enter or Tab takes the active one, Escape closes it until
// what is typed changes. For commands Enter still sends what was typed ("/help" runs
// /help), unless the arrows picked another; Tab completes, as before.
import { useEffect, useId, useState, type KeyboardEvent, type ReactNode } from "react";
import { completeCommand } from "@/lib/commands";
import { AutocompletePopup, optionId } from "./AutocompletePopup";
import { applyCompletion, findTrigger, matchPeople, type Trigger, type TriggerKind } from "./autocomplete";
import { loadEmoji, searchEmoji, type Emoji } from "./emoji";

interface Option {
  key: string;
  content: ReactNode;
  insert: string;
}

const LABELS: Record<TriggerKind, string> = { command: "Commands", emoji: "Emoji", mention: "People" };

interface Args {
  text: string;
  caret: number;
  /** Names of the people in the room, to complete `@name`. */
  people: readonly string[];
  /** Puts the completed text in the box, the caret at `caret`. */
  onReplace: (text: string, caret: number) => void;
}

export function useCompletion({ text, caret, people, onReplace }: Args) {
  const listId = useId();
  const trigger = findTrigger(text, caret);
  const triggerKey = trigger ? `${trigger.kind}:${trigger.start}:${trigger.query}` : "";
  const [emoji, setEmoji] = useState<Emoji[] | null>(null);
  // The arrows' choice and Escape, each for the trigger it was made in.
  const [choice, setChoice] = useState<{ key: string; index: number } | null>(null);
  const [dismissed, setDismissed] = useState<string | null>(null);

  const wantsEmoji = trigger?.kind === "emoji" && emoji === null;
  useEffect(() => {
    if (!wantsEmoji) return;
    let live = true;
    loadEmoji().then(
      (list) => live && setEmoji(list),
      () => undefined, // offline before the data arrived: no emoji suggestions, typing goes on
    );
    return () => {
      live = false;
    };
  }, [wantsEmoji]);

  const options = trigger && dismissed !== triggerKey ? optionsFor(trigger, text, people, emoji) : [];
  const open = options.length > 0;
  const navigated = choice?.key === triggerKey;
  const active = navigated ? Math.min(choice.index, options.length - 1) : 0;

  function choose(index: number) {
    const option = options[index];
    if (!trigger || !option) return;
    const next = applyCompletion(text, trigger, option.insert);
    onReplace(next.text, next.caret);
  }

  /** Handles the popup's keys; true when the key was used. */
  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>): boolean {
    if (!open || event.nativeEvent.isComposing) return false;
    switch (event.key) {
      case "ArrowDown":
      case "ArrowUp": {
        const step = event.key === "ArrowDown" ? 1 : -1;
        setChoice({ key: triggerKey, index: (active + step + options.length) % options.length });
        break;
      }
      case "Tab":
        if (event.shiftKey) return false;
        choose(active);
        break;
      case "Enter":
        if (event.shiftKey || (trigger?.kind === "command" && !navigated)) return false;
        choose(active);
        break;
      case "Escape":
        setDismissed(triggerKey);
        break;
      default:
        return false;
    }
    event.preventDefault();
    return true;
  }

  const popup = open ? (
    <AutocompletePopup
      id={listId}
      label={LABELS[trigger!.kind]}
      suggestions={options}
      active={active}
      onChoose={choose}
    />
  ) : null;

  const boxProps = {
    "aria-autocomplete": "list" as const,
    "aria-controls": open ? listId : undefined,
    "aria-activedescendant": open ? optionId(listId, active) : undefined,
  };

  return { popup, boxProps, onKeyDown };
}

function optionsFor(trigger: Trigger, text: string, people: readonly string[], emoji: readonly Emoji[] | null): Option[] {
  switch (trigger.kind) {
    case "command":
      return completeCommand(text).map((command) => ({
        key: command.name,
        content: (
          <>
            <code>{command.usage}</code> {command.summary}
          </>
        ),
        insert: `${command.name} `,
      }));
    case "emoji":
      return searchEmoji(emoji ?? [], trigger.query).map((found) => {
        // The shortcode that was being typed, else the best known one.
        const code = found.shortcodes.find((known) => known.startsWith(trigger.query)) ?? found.shortcodes[0];
        return {
          key: found.glyph,
          content: (
            <>
              <span className="autocomplete-glyph">{found.glyph}</span>
              <span>{code ? `:${code}:` : found.label}</span>
            </>
          ),
          insert: found.glyph,
        };
      });
    case "mention":
      return matchPeople(people, trigger.query).map((name) => ({
        key: name,
        content: <span dir="auto">@{name}</span>,
        insert: `@${name} `,
      }));
  }
}
