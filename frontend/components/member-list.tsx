import { useState } from "react";

import { describeError } from "../lib/api-error";
import type { UserPublic } from "../lib/api-types";
import { ConfirmAction } from "./confirm-action";

export interface MemberRow {
  user: UserPublic;
  online: boolean;
}

interface MemberListProps {
  /** Null while loading. */
  members: readonly MemberRow[] | null;
  me: UserPublic;
  ownerId: number | null;
  /** Why the list could not be read. */
  error?: string | null;
  /** Opens the direct room with someone; absent (in a direct room itself) hides the buttons. */
  onMessage?(username: string): Promise<void>;
  /** Removes someone from the room (its owner or an admin); absent hides the buttons. */
  onRemove?(member: UserPublic): Promise<void>;
}

const byName = (a: MemberRow, b: MemberRow) => a.user.username.localeCompare(b.user.username);

/** Everyone in the room, those online first, with what one can do about each of them. */
export function MemberList({ members, me, ownerId, error = null, onMessage, onRemove }: MemberListProps) {
  const [problem, setProblem] = useState<string | null>(null);
  const online = (members ?? []).filter((m) => m.online).sort(byName);
  const offline = (members ?? []).filter((m) => !m.online).sort(byName);

  const message = async (username: string) => {
    setProblem(null);
    try {
      await onMessage?.(username);
    } catch (err) {
      setProblem(describeError(err));
    }
  };

  const row = ({ user, online: isOnline }: MemberRow) => {
    const self = user.id === me.id;
    // The owner stays: they can leave, not be removed.
    const removable = onRemove !== undefined && !self && user.id !== ownerId;
    return (
      <li key={user.id} className={isOnline ? "member online" : "member"}>
        <span className={isOnline ? "presence-dot" : "presence-dot presence-off"} aria-hidden="true" />
        <span className="member-name" title={user.username}>
          {user.username}
          {self && <span className="muted"> (you)</span>}
          {user.id === ownerId && <span className="muted"> (owner)</span>}
        </span>
        {!self && (onMessage || removable) && (
          <span className="member-actions">
            {onMessage && (
              <button
                type="button"
                className="member-message"
                aria-label={`Message ${user.username}`}
                title={`A direct conversation with ${user.username}`}
                onClick={() => void message(user.username)}
              >
                Message
              </button>
            )}
            {removable && (
              <ConfirmAction
                className="member-remove"
                label="Remove"
                ariaLabel={`Remove ${user.username}`}
                question={`Remove ${user.username} from this room?`}
                confirmLabel="Yes, remove"
                onConfirm={() => onRemove(user)}
              />
            )}
          </span>
        )}
      </li>
    );
  };

  return (
    <section className="members" aria-labelledby="members-heading" aria-busy={members === null || undefined}>
      <h2 id="members-heading">Members{members && ` (${members.length})`}</h2>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <section className="online-members" aria-labelledby="online-heading">
        <h3 id="online-heading">Online ({online.length})</h3>
        <ul>{online.map(row)}</ul>
      </section>
      {offline.length > 0 && (
        <section className="offline-members" aria-labelledby="offline-heading">
          <h3 id="offline-heading">Offline ({offline.length})</h3>
          <ul>{offline.map(row)}</ul>
        </section>
      )}
      {problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
    </section>
  );
}
