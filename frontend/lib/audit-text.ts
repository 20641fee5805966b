// The audit log in words: "root made alice an admin", "root deleted the room doomed".

import type { AdminAction } from "./admin-types";

export interface AuditSentence {
  /** Who did it (an admin's username), or "A removed account". */
  actor: string;
  /** What they did, to whom, after the actor's name. */
  text: string;
}

const KINDS: Record<string, string> = { public: "public room", private: "private room", direct: "direct room" };

export function describeAuditAction(entry: AdminAction): AuditSentence {
  const actor = entry.actor?.username ?? "A removed account";
  const user = entry.target_user?.username ?? "a removed account";
  const { detail } = entry;
  switch (entry.action) {
    case "user.role":
      if (detail.to === "admin") return { actor, text: `made ${user} an admin` };
      if (detail.to === "user" && detail.from === "admin") return { actor, text: `removed ${user}'s admin role` };
      return { actor, text: `changed ${user}'s role to ${detail.to ?? "another role"}` };
    case "user.deactivate":
      return { actor, text: `deactivated ${user}` };
    case "user.reactivate":
      return { actor, text: `reactivated ${user}` };
    case "room.delete": {
      const name = entry.target_room?.name ?? detail.name ?? `#${entry.target_room?.id ?? "?"}`;
      const kind = KINDS[detail.kind ?? ""] ?? "room";
      return { actor, text: `deleted the ${kind} ${name}` };
    }
    default:
      return { actor, text: "did something this page does not know how to describe" };
  }
}
