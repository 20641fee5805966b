import { avatarColor, initials } from "../lib/message-layout";

/** A sender's initials on a colour of their own (until people have pictures); decorative. */
export function MessageAvatar({ userId, username }: { userId: number; username: string }) {
  return (
    <span className="message-avatar" aria-hidden="true" style={{ backgroundColor: avatarColor(userId) }}>
      {initials(username)}
    </span>
  );
}
