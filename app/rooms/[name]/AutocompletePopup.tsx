// The composer's list of suggestions (commands, emoji, people), shared by the three. The
// message box keeps the focus: it points at the active option (aria-activedescendant)
// while the arrows move through the list; a click or tap chooses an option.
import type { ReactNode } from "react";

export interface Suggestion {
  key: string;
  /** What the option shows. */
  content: ReactNode;
}

interface Props {
  id: string;
  label: string;
  suggestions: readonly Suggestion[];
  active: number;
  onChoose: (index: number) => void;
}

export function optionId(listId: string, index: number): string {
  return `${listId}-${index}`;
}

export function AutocompletePopup({ id, label, suggestions, active, onChoose }: Props) {
  return (
    <ul id={id} className="autocomplete" role="listbox" aria-label={label} data-testid="autocomplete">
      {suggestions.map((suggestion, index) => (
        <li
          key={suggestion.key}
          id={optionId(id, index)}
          role="option"
          aria-selected={index === active}
          className={index === active ? "active" : undefined}
          // Keep the focus (and the caret) in the message box.
          onMouseDown={(event) => event.preventDefault()}
          onClick={() => onChoose(index)}
        >
          {suggestion.content}
        </li>
      ))}
    </ul>
  );
}
