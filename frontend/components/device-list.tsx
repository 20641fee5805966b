import { useCallback, useEffect, useState } from "react";

import { api } from "../lib/api";
import type { Session } from "../lib/api-types";
import { describeDevice, sortDevices } from "../lib/devices";
import { deviceError, loadError } from "../lib/friendly-errors";
import { formatFullTime, formatMessageTime } from "../lib/format-time";
import { useSession } from "../lib/session";

/** The person's signed-in devices, each with "Sign out"; this one signs out with "Log out".
 *  A new `version` reads the list again (after a password change signed others out). */
export function DeviceList({ version = 0 }: { version?: number }) {
  const { logout } = useSession();
  const [devices, setDevices] = useState<Session[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<number | null>(null);

  const load = useCallback(async () => {
    try {
      setDevices(sortDevices(await api.sessions.list()));
      setError(null);
    } catch (err) {
      setError(loadError(err, "devices"));
    }
  }, []);

  // Read when shown and again whenever the window gets the focus back. No polling: this device
  // being signed out elsewhere closes the app's socket (4401), which ends the session at once.
  useEffect(() => {
    let cancelled = false;
    const refresh = () => {
      api.sessions.list().then(
        (next) => {
          if (!cancelled) setDevices(sortDevices(next));
        },
        (err: unknown) => {
          if (!cancelled) setError(loadError(err, "devices"));
        },
      );
    };
    refresh();
    window.addEventListener("focus", refresh);
    return () => {
      cancelled = true;
      window.removeEventListener("focus", refresh);
    };
  }, [version]);

  const signOut = async (device: Session) => {
    setBusy(device.id);
    setError(null);
    try {
      if (device.current) {
        await logout();
        return;
      }
      await api.sessions.signOut(device.id);
      await load();
    } catch (err) {
      setError(deviceError(err));
    } finally {
      setBusy(null);
    }
  };

  return (
    <section id="devices" className="sa-card devices" aria-labelledby="devices-heading">
      <h2 id="devices-heading">Signed-in devices</h2>
      <p className="muted">
        Signing a device out ends its session at once: its open pages go back to the login page.
      </p>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {!devices && !error && <p className="muted">Loading…</p>}
      {devices && (
        <ul className="device-list" aria-label="Devices">
          {devices.map((device) => (
            <li key={device.id} className="device" aria-current={device.current ? "true" : undefined}>
              <div>
                <strong>{describeDevice(device.user_agent)}</strong>
                {device.current && <span className="badge badge-connected">This device</span>}
                <div className="muted">
                  {device.ip ?? "unknown address"} · signed in{" "}
                  <time dateTime={device.created_at} title={formatFullTime(device.created_at)}>
                    {formatMessageTime(device.created_at)}
                  </time>{" "}
                  · last active{" "}
                  <time dateTime={device.last_used_at} title={formatFullTime(device.last_used_at)}>
                    {formatMessageTime(device.last_used_at)}
                  </time>
                </div>
              </div>
              <button
                type="button"
                className={device.current ? undefined : "button-danger"}
                disabled={busy !== null}
                aria-label={device.current ? "Log out of this device" : `Sign out ${describeDevice(device.user_agent)} (device ${device.id})`}
                onClick={() => void signOut(device)}
              >
                {device.current ? "Log out" : "Sign out"}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
