// The room's settings for its owner and moderators: topic, visibility (owner), read-only,
// slow mode, an invite link, moderation of one person, and the audit log in a tab.
// Every change goes through the same events as the slash commands; the server decides.
import { useId, useState, type FormEvent } from "react";
import type { AuditLine, ErrorBody, ModerationAction, Role, RoomSettings, Visibility } from "@/lib/protocol";
import { MODERATION_ACTIONS, VISIBILITIES } from "@/lib/protocol";
import { getJson, postJson } from "../../utils/api";

interface Props {
  room: string;
  role: Role;
  settings: RoomSettings;
  ask: (event: "room:configure" | "room:moderate", payload: object) => Promise<ErrorBody | null>;
}

export function RoomSettingsPanel({ room, role, settings, ask }: Props) {
  const id = useId();
  const [tab, setTab] = useState<"settings" | "audit">("settings");
  const [topic, setTopic] = useState(settings.topic);
  const [visibility, setVisibility] = useState<Visibility>(settings.visibility);
  const [readOnly, setReadOnly] = useState(settings.readOnly);
  const [slowModeS, setSlowModeS] = useState(settings.slowModeS);
  const [target, setTarget] = useState("");
  const [action, setAction] = useState<ModerationAction>("kick");
  const [reason, setReason] = useState("");
  const [answer, setAnswer] = useState<string | null>(null);
  const [invite, setInvite] = useState<string | null>(null);
  const [audit, setAudit] = useState<AuditLine[] | null>(null);

  async function save(event: FormEvent) {
    event.preventDefault();
    const change = { topic, readOnly, slowModeS, ...(role === "owner" ? { visibility } : {}) };
    const refused = await ask("room:configure", change);
    setAnswer(refused ? refused.message : "Saved.");
  }

  async function moderate(event: FormEvent) {
    event.preventDefault();
    const refused = await ask("room:moderate", { action, username: target.trim(), ...(reason.trim() ? { reason: reason.trim() } : {}) });
    setAnswer(refused ? refused.message : `Done: ${action} ${target.trim()}.`);
    if (!refused) setTarget("");
  }

  async function makeInvite() {
    const result = await postJson<{ url: string }>(`/api/rooms/${encodeURIComponent(room)}/invites`);
    if (!result.ok) return setAnswer(result.error.message);
    setInvite(new URL(result.data.url, window.location.origin).toString());
  }

  async function showAudit() {
    setTab("audit");
    const result = await getJson<{ entries: AuditLine[] }>(`/api/rooms/${encodeURIComponent(room)}/audit`);
    if (result.ok) setAudit(result.data.entries);
    else setAnswer(result.error.message);
  }

  return (
    <section className="room-settings" aria-labelledby={`${id}-heading`} data-testid="room-settings">
      <h2 id={`${id}-heading`}>Room settings</h2>
      <div role="tablist" className="settings-tabs">
        <button type="button" role="tab" aria-selected={tab === "settings"} onClick={() => setTab("settings")}>
          Settings
        </button>
        <button type="button" role="tab" aria-selected={tab === "audit"} onClick={() => void showAudit()}>
          Audit log
        </button>
      </div>
      {answer ? (
        <p role="status" className="settings-answer">
          {answer}
        </p>
      ) : null}
      {tab === "settings" ? (
        <>
          <form onSubmit={(event) => void save(event)} className="settings-form">
            <label>
              Topic
              <input value={topic} maxLength={300} onChange={(event) => setTopic(event.target.value)} />
            </label>
            {role === "owner" ? (
              <label>
                Visibility
                <select value={visibility} onChange={(event) => setVisibility(event.target.value as Visibility)}>
                  {VISIBILITIES.map((choice) => (
                    <option key={choice} value={choice}>
                      {choice}
                    </option>
                  ))}
                </select>
              </label>
            ) : null}
            <label>
              <input type="checkbox" checked={readOnly} onChange={(event) => setReadOnly(event.target.checked)} /> Read-only (only owner and moderators post)
            </label>
            <label>
              Slow mode (seconds between messages, 0 off)
              <input type="number" min={0} max={3600} value={slowModeS} onChange={(event) => setSlowModeS(Number(event.target.value))} />
            </label>
            <button type="submit" className="button primary">
              Save settings
            </button>
          </form>
          <form onSubmit={(event) => void moderate(event)} className="settings-form">
            <label>
              Person
              <input value={target} onChange={(event) => setTarget(event.target.value)} />
            </label>
            <label>
              Action
              <select value={action} onChange={(event) => setAction(event.target.value as ModerationAction)}>
                {MODERATION_ACTIONS.filter((choice) => role === "owner" || (choice !== "promote" && choice !== "demote")).map((choice) => (
                  <option key={choice} value={choice}>
                    {choice}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Reason
              <input value={reason} maxLength={300} onChange={(event) => setReason(event.target.value)} />
            </label>
            <button type="submit" className="button">
              Apply
            </button>
          </form>
          {settings.visibility === "private" ? (
            <p>
              <button type="button" className="button" onClick={() => void makeInvite()}>
                Make an invite link
              </button>
              {invite ? <input readOnly value={invite} aria-label="Invite link" data-testid="invite-link" /> : null}
            </p>
          ) : null}
        </>
      ) : (
        <ol className="audit-log" data-testid="audit-log">
          {(audit ?? []).map((line, index) => (
            <li key={`${line.at}-${index}`}>
              <time dateTime={line.at}>{line.at.slice(0, 16).replace("T", " ")}</time> {line.by} {line.action}
              {line.username ? ` ${line.username}` : ""}
              {line.detail ? `: ${line.detail}` : ""}
              {line.reason ? ` (${line.reason})` : ""}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
