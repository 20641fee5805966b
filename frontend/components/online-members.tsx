import type { UserPublic } from "../lib/api-types";

export function OnlineMembers({ online, me }: { online: readonly UserPublic[]; me: UserPublic }) {
  return (
    <section className="online-members" aria-labelledby="online-heading">
      <h2 id="online-heading">Online ({online.length})</h2>
      <ul>
        {online.map((user) => (
          <li key={user.id}>
            <span className="presence-dot" aria-hidden="true" />
            {user.username}
            {user.id === me.id && <span className="muted"> (you)</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}
