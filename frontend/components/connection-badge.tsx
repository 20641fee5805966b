import type { ConnectionStatus } from "../lib/app-socket";

const LABELS: Record<ConnectionStatus, string> = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  offline: "Offline",
};

export function ConnectionBadge({ status }: { status: ConnectionStatus }) {
  return (
    <span role="status" className={`badge badge-${status}`} data-status={status}>
      {LABELS[status]}
    </span>
  );
}
