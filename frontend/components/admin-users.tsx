import { useCallback } from "react";

import type { AdminUser } from "../lib/admin-types";
import { api } from "../lib/api";
import type { User } from "../lib/api-types";
import { loadError } from "../lib/friendly-errors";
import { useKeysetList, type KeysetQuery } from "../lib/keyset-list";
import { AdminUserRow, type UserChange } from "./admin-user-row";
import { ListFoot, LoadFailure } from "./admin-list-parts";

const PAGE_SIZE = 50;

const fetchUsers = ({ q, after, limit }: KeysetQuery) => api.admin.findUsers({ q, after, limit });

/** Every account, searchable by username or display name, page by page. */
export function AdminUsers({ me, onChanged }: { me: User; onChanged?(): void }) {
  const list = useKeysetList<AdminUser>(fetchUsers, { pageSize: PAGE_SIZE });
  const { replace } = list;

  const change = useCallback(
    async (userId: number, changes: UserChange) => {
      const updated = await api.admin.updateUser(userId, changes);
      const before = list.items.find((u) => u.id === userId);
      if (before) replace({ ...before, ...updated });
      onChanged?.();
    },
    [list.items, replace, onChanged],
  );

  return (
    <section aria-labelledby="admin-users-heading" className="sa-card">
      <div className="sa-card-head">
        <h2 id="admin-users-heading">Users</h2>
      </div>
      <div className="sa-search" role="search">
        <label htmlFor="admin-user-search">Search users</label>
        <input
          id="admin-user-search"
          type="search"
          placeholder="Username or display name"
          value={list.query}
          maxLength={64}
          onChange={(e) => list.search(e.target.value)}
          aria-describedby="admin-user-search-hint"
        />
        <p id="admin-user-search-hint" className="field-hint">
          Usernames that start with it, display names that contain it.
        </p>
      </div>
      {list.status === "failed" && (
        <LoadFailure message={loadError(list.error, "users")} onRetry={list.reload} />
      )}
      <table className="sa-table admin-users-table" aria-busy={list.status === "loading"}>
        <caption className="visually-hidden">Users{list.query.trim() ? ` matching “${list.query.trim()}”` : ""}</caption>
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
            <th scope="col">Last seen</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {list.items.map((user) => (
            <AdminUserRow key={user.id} user={user} isSelf={user.id === me.id} onChange={change} />
          ))}
        </tbody>
      </table>
      <ListFoot list={list} noun={{ one: "user", many: "users" }} />
    </section>
  );
}
