import { useCallback, useEffect, useState } from "react";

import { api } from "../lib/api";
import { describeError } from "../lib/api-error";
import type { Role, User } from "../lib/api-types";
import { AdminUserRow } from "./admin-user-row";

const PAGE_SIZE = 100;

export function AdminUsers({ me }: { me: User }) {
  const [users, setUsers] = useState<User[]>([]);
  const [hasMore, setHasMore] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const loadPage = useCallback(async (offset: number) => {
    try {
      const page = await api.admin.users(PAGE_SIZE, offset);
      setUsers((current) => (offset === 0 ? page : [...current, ...page]));
      setHasMore(page.length === PAGE_SIZE);
    } catch (err) {
      setError(describeError(err));
    }
  }, []);

  useEffect(() => {
    let cancelled = false;
    api.admin.users(PAGE_SIZE, 0).then(
      (page) => {
        if (cancelled) return;
        setUsers(page);
        setHasMore(page.length === PAGE_SIZE);
      },
      (err: unknown) => {
        if (!cancelled) setError(describeError(err));
      },
    );
    return () => {
      cancelled = true;
    };
  }, []);

  const change = useCallback(async (userId: number, changes: { role?: Role; is_active?: boolean }) => {
    const updated = await api.admin.updateUser(userId, changes);
    setUsers((current) => current.map((u) => (u.id === updated.id ? updated : u)));
  }, []);

  return (
    <section aria-labelledby="admin-users-heading" className="admin-section">
      <h2 id="admin-users-heading">Users</h2>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Username</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <AdminUserRow key={user.id} user={user} isSelf={user.id === me.id} onChange={change} />
            ))}
          </tbody>
        </table>
      </div>
      {hasMore && (
        <button type="button" onClick={() => void loadPage(users.length)}>
          Load more users
        </button>
      )}
    </section>
  );
}
