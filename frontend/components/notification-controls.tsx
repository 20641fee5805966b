import { useId, useSyncExternalStore } from "react";

import {
  notificationPermission,
  playNotificationSound,
  requestNotificationPermission,
  setSoundEnabled,
  soundEnabled,
  type NotificationPermissionState,
} from "../lib/notifications";

/**
 * Desktop notifications: "Enable notifications" asks the browser (only on that click, never on
 * load); once allowed, a sound can be turned on (off by default, kept in this browser).
 */
// The browser's permission and the sound setting live outside React: read as a store, told
// of the changes made here (and of the sound setting changed in another tab).
const listeners = new Set<() => void>();
const changed = () => {
  for (const listener of [...listeners]) listener();
};
function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener("storage", listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("storage", listener);
  };
}
/** The static page is rendered without a browser: nothing is shown until hydrated. */
const nothing = () => null;

export function NotificationControls() {
  const id = useId();
  const permission = useSyncExternalStore<NotificationPermissionState | null>(subscribe, notificationPermission, nothing);
  const sound = useSyncExternalStore(subscribe, soundEnabled, () => false);

  if (permission === null || permission === "unsupported") return null;

  return (
    <section className="notification-controls" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Notifications</h2>
      {permission === "default" && (
        <>
          <p className="muted">Get a desktop notification when you are away from this tab.</p>
          <button type="button" onClick={() => void requestNotificationPermission().then(changed)}>
            Enable notifications
          </button>
        </>
      )}
      {permission === "denied" && (
        <p className="muted" role="status">
          Notifications are blocked for this site: allow them in your browser&apos;s site settings.
        </p>
      )}
      {permission === "granted" && (
        <>
          <p className="muted" role="status">
            Desktop notifications are on. Each room&apos;s bell chooses which messages notify.
          </p>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={sound}
              onChange={(event) => {
                const on = event.target.checked;
                setSoundEnabled(on);
                changed();
                if (on) playNotificationSound(); // a sample, and a user gesture unlocks audio
              }}
            />
            Play a sound
          </label>
        </>
      )}
    </section>
  );
}
