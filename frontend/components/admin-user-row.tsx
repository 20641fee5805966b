import { useState } from "react";

import { describeError } from "../lib/api-error";
import type { Role, User } from "../lib/api-types";

interface AdminUserRowProps {
  user: User;
  isSelf: boolean;
  onChange(userId: number, changes: { role?: Role; is_active?: boolean }): Promise<void>;
}

export function AdminUserRow({ user, isSelf, onChange }: AdminUserRowProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const change = async (changes: { role?: Role; is_active?: boolean }) => {
    setBusy(true);
    setError(null);
    try {
      await onChange(user.id, changes);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <tr data-username={user.username} aria-busy={busy}>
      <th scope="row">{user.username}</th>
      <td>
        <label className="visually-hidden" htmlFor={`role-${user.id}`}>
          Role of {user.username}
        </label>
        <select
          id={`role-${user.id}`}
          value={user.role}
          // Demoting oneself would lock this page on the next click: leave that to another admin.
          disabled={busy || isSelf}
          onChange={(e) => void change({ role: e.target.value as Role })}
        >
          <option value="user">user</option>
          <option value="admin">admin</option>
        </select>
      </td>
      <td>{user.is_active ? "active" : "deactivated"}</td>
      <td>
        <button
          type="button"
          className={user.is_active ? "button-danger" : undefined}
          disabled={busy || isSelf}
          onClick={() => void change({ is_active: !user.is_active })}
          aria-label={`${user.is_active ? "Deactivate" : "Reactivate"} ${user.username}`}
        >
          {user.is_active ? "Deactivate" : "Reactivate"}
        </button>
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
      </td>
    </tr>
  );
}
