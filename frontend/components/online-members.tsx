import { useState } from "react";

import { describeError } from "../lib/api-error";
import type { UserPublic } from "../lib/api-types";

interface OnlineMembersProps {
  online: readonly UserPublic[];
  me: UserPublic;
  /** Opens the direct room with someone; absent (in a direct room itself) hides the buttons. */
  onMessage?(username: string): Promise<void>;
}

export function OnlineMembers({ online, me, onMessage }: OnlineMembersProps) {
  const [error, setError] = useState<string | null>(null);
  const message = async (username: string) => {
    setError(null);
    try {
      await onMessage?.(username);
    } catch (err) {
      setError(describeError(err));
    }
  };
  return (
    <section className="online-members" aria-labelledby="online-heading">
      <h2 id="online-heading">Online ({online.length})</h2>
      <ul>
        {online.map((user) => (
          <li key={user.id}>
            <span className="presence-dot" aria-hidden="true" />
            <span className="member-name">{user.username}</span>
            {user.id === me.id && <span className="muted"> (you)</span>}
            {user.id !== me.id && onMessage && (
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
          </li>
        ))}
      </ul>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
