// The room's settings for its owner and moderators, in a side sheet opened from the
// room header: topic, visibility (owner), read-only, slow mode, an invite link,
// moderation of one person, and the audit log in a tab. Every change goes through
// the same events as the slash commands; the server decides.
import { useId, useState, type FormEvent, type KeyboardEvent } from "react";
import type { AuditLine, ErrorBody, Member, ModerationAction, Role, RoomSettings, Visibility } from "@/lib/protocol";
import { MODERATION_ACTIONS, VISIBILITIES } from "@/lib/protocol";
import { auditText } from "@/lib/rooms/audit-text";
import { getJson, postJson } from "../../utils/api";
import { dayAndTime, longTime } from "../../utils/time";

type Ask = (event: "room:configure" | "room:moderate", payload: object) => Promise<ErrorBody | null>;

interface Props {
  room: string;
  role: Role;
  settings: RoomSettings;
  /** Who is in the room now: offered as the person to moderate. */
  members: Member[];
  ask: Ask;
  onClose: () => void;
}

const VISIBILITY_HINTS: Record<Visibility, string> = {
  public: "public: listed on the home page, open to all",
  unlisted: "unlisted: open to anyone who has the name, never listed",
  private: "private: members only, by invitation",
};

/** Ban lengths offered here; /ban takes any (30s, 10m, 2h, 7d). */
const BAN_LENGTHS: Array<{ label: string; seconds?: number }> = [
  { label: "Until unbanned" },
  { label: "10 minutes", seconds: 600 },
  { label: "1 hour", seconds: 3600 },
  { label: "1 day", seconds: 86_400 },
  { label: "7 days", seconds: 604_800 },
];

export function RoomSettingsPanel({ room, role, settings, members, ask, onClose }: Props) {
  const id = useId();
  const [tab, setTab] = useState<"settings" | "audit">("settings");
  const [answer, setAnswer] = useState<{ text: string; refused: boolean } | null>(null);
  const [invite, setInvite] = useState<string | null>(null);
  const [audit, setAudit] = useState<AuditLine[] | null>(null);

  const tell = (refused: ErrorBody | null, done: string) => setAnswer(refused ? { text: refused.message, refused: true } : { text: done, refused: false });

  async function makeInvite() {
    const result = await postJson<{ url: string }>(`/api/rooms/${encodeURIComponent(room)}/invites`);
    if (!result.ok) return setAnswer({ text: result.error.message, refused: true });
    setInvite(new URL(result.data.url, window.location.origin).toString());
  }

  async function showAudit() {
    setTab("audit");
    setAnswer(null);
    setAudit(null);
    const result = await getJson<{ entries: AuditLine[] }>(`/api/rooms/${encodeURIComponent(room)}/audit`);
    if (result.ok) setAudit(result.data.entries);
    else setAnswer({ text: result.error.message, refused: true });
  }

  function onKeyDown(event: KeyboardEvent) {
    if (event.key === "Escape") onClose();
  }

  return (
    <section className="room-settings" aria-labelledby={`${id}-heading`} data-testid="room-settings" onKeyDown={onKeyDown}>
      <div className="room-settings-head">
        <h2 id={`${id}-heading`}>Room settings</h2>
        <button type="button" className="button subtle" onClick={onClose}>
          Close
        </button>
      </div>
      <div role="tablist" aria-label="Room settings" className="settings-tabs">
        <button type="button" role="tab" id={`${id}-tab-settings`} aria-controls={`${id}-panel`} aria-selected={tab === "settings"} onClick={() => {
            setTab("settings");
            setAnswer(null);
          }}>
          Settings
        </button>
        <button type="button" role="tab" id={`${id}-tab-audit`} aria-controls={`${id}-panel`} aria-selected={tab === "audit"} onClick={() => void showAudit()}>
          Audit log
        </button>
      </div>
      {answer ? (
        <p role="status" className={answer.refused ? "settings-answer refused" : "settings-answer"}>
          {answer.text}
        </p>
      ) : null}
      <div role="tabpanel" id={`${id}-panel`} aria-labelledby={`${id}-tab-${tab}`} className="settings-body">
        {tab === "settings" ? (
          <>
            {/* Keyed by the settings: a change pushed by anyone shows here at once. */}
            <SettingsForm
              key={`${settings.topic}|${settings.visibility}|${settings.readOnly}|${settings.slowModeS}`}
              role={role}
              settings={settings}
              onSave={async (change) => tell(await ask("room:configure", change), "Saved.")}
            />
            <ModerationForm role={role} members={members} onApply={async (request) => tell(await ask("room:moderate", request), `Done: ${request.action} ${request.username}.`)} />
            {settings.visibility === "private" ? (
              <div className="settings-group">
                <h3>Invite link</h3>
                <p className="hint">Whoever opens it within a week becomes a member.</p>
                <button type="button" className="button" onClick={() => void makeInvite()}>
                  Make an invite link
                </button>
                {invite ? <input type="text" readOnly value={invite} aria-label="Invite link" data-testid="invite-link" onFocus={(event) => event.target.select()} /> : null}
              </div>
            ) : null}
          </>
        ) : (
          <AuditLog lines={audit} />
        )}
      </div>
    </section>
  );
}

type SettingsChange = Pick<RoomSettings, "topic" | "readOnly" | "slowModeS"> & { visibility?: Visibility };

function SettingsForm({ role, settings, onSave }: { role: Role; settings: RoomSettings; onSave: (change: SettingsChange) => Promise<void> }) {
  const id = useId();
  const [topic, setTopic] = useState(settings.topic);
  const [visibility, setVisibility] = useState<Visibility>(settings.visibility);
  const [readOnly, setReadOnly] = useState(settings.readOnly);
  const [slowModeS, setSlowModeS] = useState(String(settings.slowModeS));

  function submit(event: FormEvent) {
    event.preventDefault();
    const seconds = Math.max(0, Math.min(3600, Math.round(Number(slowModeS) || 0)));
    void onSave({ topic, readOnly, slowModeS: seconds, ...(role === "owner" ? { visibility } : {}) });
  }

  return (
    <form onSubmit={submit} className="settings-form settings-group">
      <label>
        Topic
        <input type="text" value={topic} maxLength={300} onChange={(event) => setTopic(event.target.value)} />
      </label>
      {role === "owner" ? (
        <label>
          Visibility
          <select value={visibility} aria-describedby={`${id}-visibility`} onChange={(event) => setVisibility(event.target.value as Visibility)}>
            {VISIBILITIES.map((choice) => (
              <option key={choice} value={choice}>
                {choice}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {role === "owner" ? (
        <p className="hint" id={`${id}-visibility`}>
          {VISIBILITY_HINTS[visibility]}
        </p>
      ) : null}
      <label className="check">
        <input type="checkbox" checked={readOnly} onChange={(event) => setReadOnly(event.target.checked)} />
        Read-only (only the owner and moderators post)
      </label>
      <label>
        Slow mode
        <span className="with-unit">
          <input type="number" min={0} max={3600} step={1} value={slowModeS} aria-describedby={`${id}-slow`} onChange={(event) => setSlowModeS(event.target.value)} />
          <span aria-hidden="true">s</span>
        </span>
      </label>
      <p className="hint" id={`${id}-slow`}>
        Seconds between one person&apos;s messages; 0 is off.
      </p>
      <button type="submit" className="button primary">
        Save settings
      </button>
    </form>
  );
}

interface ModerationRequest {
  action: ModerationAction;
  username: string;
  reason?: string;
  durationS?: number;
  address?: boolean;
}

function ModerationForm({ role, members, onApply }: { role: Role; members: Member[]; onApply: (request: ModerationRequest) => Promise<void> }) {
  const id = useId();
  const [target, setTarget] = useState("");
  const [action, setAction] = useState<ModerationAction>("kick");
  const [reason, setReason] = useState("");
  const [banLength, setBanLength] = useState(0);
  const [byAddress, setByAddress] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const username = target.trim();
    if (username === "") return;
    const durationS = action === "ban" ? BAN_LENGTHS[banLength]?.seconds : undefined;
    await onApply({
      action,
      username,
      ...(reason.trim() ? { reason: reason.trim() } : {}),
      ...(durationS !== undefined ? { durationS } : {}),
      ...(action === "ban" && byAddress ? { address: true } : {}),
    });
    setTarget("");
    setReason("");
  }

  return (
    <form onSubmit={(event) => void submit(event)} className="settings-form settings-group" aria-labelledby={`${id}-heading`}>
      <h3 id={`${id}-heading`}>Moderate someone</h3>
      <label>
        Person
        <input type="text" value={target} autoComplete="off" spellCheck={false} list={`${id}-people`} onChange={(event) => setTarget(event.target.value)} />
      </label>
      <datalist id={`${id}-people`}>
        {[...new Set(members.map((member) => member.username))].map((username) => (
          <option key={username} value={username} />
        ))}
      </datalist>
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
      {action === "ban" ? (
        <>
          <label>
            Ban for
            <select value={banLength} onChange={(event) => setBanLength(Number(event.target.value))}>
              {BAN_LENGTHS.map((length, index) => (
                <option key={length.label} value={index}>
                  {length.label}
                </option>
              ))}
            </select>
          </label>
          <label className="check">
            <input type="checkbox" checked={byAddress} aria-describedby={`${id}-address`} onChange={(event) => setByAddress(event.target.checked)} />
            Also ban their address
          </label>
          <p className="hint" id={`${id}-address`}>
            Keeps out whoever connects from it, cookies cleared or not: everyone behind the same network too.
          </p>
        </>
      ) : null}
      <label>
        Reason
        <input type="text" value={reason} maxLength={300} onChange={(event) => setReason(event.target.value)} />
      </label>
      <button type="submit" className="button">
        Apply
      </button>
    </form>
  );
}

function AuditLog({ lines }: { lines: AuditLine[] | null }) {
  if (lines === null) return <p className="hint">Loading…</p>;
  if (lines.length === 0) return <p className="hint">Nothing has been changed in this room yet.</p>;
  return (
    <ol className="audit-log" data-testid="audit-log">
      {lines.map((line, index) => (
        <li key={`${line.at}-${index}`}>
          <time dateTime={line.at} title={longTime(line.at)}>
            {dayAndTime(line.at)}
          </time>
          <span>{auditText(line)}</span>
        </li>
      ))}
    </ol>
  );
}
