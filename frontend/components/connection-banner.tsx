import type { ConnectionStatus } from "../lib/app-socket";

/** What the connection's state means for the person, in words: shown while it is down. */
export function connectionBannerText(status: ConnectionStatus, outgoingHeld = false): string | null {
  const after = outgoingHeld ? "Your unsent messages will go when we're back." : "Messages you send will go when we're back.";
  if (status === "reconnecting") return `Reconnecting… ${after}`;
  if (status === "offline") return `You're offline. ${after} We'll reconnect on our own.`;
  return null;
}

export function ConnectionBanner({ status }: { status: ConnectionStatus }) {
  const text = connectionBannerText(status);
  // The live region stays in the page so that the change is announced.
  return (
    <div role="status" className={text ? "banner banner-warn connection-banner" : "connection-banner-idle"} data-testid="connection-banner">
      {text}
    </div>
  );
}
