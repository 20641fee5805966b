import { useState } from "react";

import type { AdminUser } from "../lib/admin-types";
import type { Role } from "../lib/api-types";
import { adminError } from "../lib/friendly-errors";
import { ConfirmDialog } from "./confirm-dialog";
import { TimeAgo } from "./time-ago";

export interface UserChange {
  role?: Role;
  is_active?: boolean;
}

interface AdminUserRowProps {
  user: AdminUser;
  isSelf: boolean;
  onChange(userId: number, changes: UserChange): Promise<void>;
}

/** What each change does, asked before it is done. */
function question(user: AdminUser, change: UserChange): { title: string; text: string; confirm: string; danger: boolean } {
  const name = user.username;
  if (change.role === "admin") {
    return {
      title: `Make ${name} an admin?`,
      text: `${name} will be able to change roles, deactivate accounts and delete any room, at once.`,
      confirm: `Make ${name} an admin`,
      danger: false,
    };
  }
  if (change.role === "user") {
    return {
      title: `Remove ${name}'s admin role?`,
      text: `${name} loses access to this page and to every room they manage as an admin, at once.`,
      confirm: `Make ${name} a regular user`,
      danger: true,
    };
  }
  if (change.is_active === false) {
    return {
      title: `Deactivate ${name}?`,
      text: `${name} is signed out on every device at once and cannot log in until an admin reactivates the account. Their messages stay.`,
      confirm: `Deactivate ${name}`,
      danger: true,
    };
  }
  return {
    title: `Reactivate ${name}?`,
    text: `${name} can log in again.`,
    confirm: `Reactivate ${name}`,
    danger: false,
  };
}

export function AdminUserRow({ user, isSelf, onChange }: AdminUserRowProps) {
  const [pending, setPending] = useState<UserChange | null>(null);
  const asked = pending ? question(user, pending) : null;
  const name = user.username;

  return (
    <tr data-username={name}>
      <th scope="row" className="cell-name">
        <span className="user-name">{name}</span>
        {user.display_name && <span className="user-display muted">{user.display_name}</span>}
        {isSelf && <span className="badge">you</span>}
      </th>
      <td data-label="Role">
        <label className="visually-hidden" htmlFor={`role-${user.id}`}>
          Role of {name}
        </label>
        <select
          id={`role-${user.id}`}
          value={user.role}
          // Demoting oneself would lock this page on the next click: leave that to another admin.
          disabled={isSelf}
          onChange={(e) => setPending({ role: e.target.value as Role })}
        >
          <option value="user">User</option>
          <option value="admin">Admin</option>
        </select>
      </td>
      <td data-label="Status">
        <span>
          <span className={user.is_active ? "status-active" : "status-inactive"}>
            {user.is_active ? "Active" : "Deactivated"}
          </span>
          {user.online && (
            <span className="online-now">
              <span className="presence-dot" aria-hidden="true" /> online
            </span>
          )}
        </span>
      </td>
      <td data-label="Created">
        <TimeAgo iso={user.created_at} />
      </td>
      <td data-label="Last seen">
        <TimeAgo iso={user.last_seen_at} />
      </td>
      <td data-label="Actions">
        <button
          type="button"
          className={user.is_active ? "button-danger" : undefined}
          disabled={isSelf}
          onClick={() => setPending({ is_active: !user.is_active })}
          aria-label={`${user.is_active ? "Deactivate" : "Reactivate"} ${name}`}
        >
          {user.is_active ? "Deactivate" : "Reactivate"}
        </button>
        {pending && asked && (
          <ConfirmDialog
            title={asked.title}
            confirmLabel={asked.confirm}
            danger={asked.danger}
            onConfirm={() => onChange(user.id, pending)}
            describeError={(error) => adminError(error, name)}
            onClose={() => setPending(null)}
          >
            <p>{asked.text}</p>
          </ConfirmDialog>
        )}
      </td>
    </tr>
  );
}
