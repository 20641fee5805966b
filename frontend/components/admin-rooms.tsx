import { useCallback, useEffect, useState } from "react";

import { api } from "../lib/api";
import { describeError } from "../lib/api-error";
import type { Room } from "../lib/api-types";

export function AdminRooms() {
  const [rooms, setRooms] = useState<Room[]>([]);
  const [confirming, setConfirming] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    api.admin.rooms().then(
      (list) => {
        if (!cancelled) setRooms(list);
      },
      (err: unknown) => {
        if (!cancelled) setError(describeError(err));
      },
    );
    return () => {
      cancelled = true;
    };
  }, []);

  const remove = useCallback(async (roomId: number) => {
    setError(null);
    try {
      await api.admin.deleteRoom(roomId);
      setRooms((current) => current.filter((room) => room.id !== roomId));
    } catch (err) {
      setError(describeError(err));
    } finally {
      setConfirming(null);
    }
  }, []);

  return (
    <section aria-labelledby="admin-rooms-heading" className="admin-section">
      <h2 id="admin-rooms-heading">Rooms</h2>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Visibility</th>
              <th scope="col">Members</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {rooms.map((room) => (
              <tr key={room.id}>
                <th scope="row">{room.name}</th>
                <td>{room.is_private ? "private" : "public"}</td>
                <td>{room.member_count}</td>
                <td>
                  {confirming === room.id ? (
                    <span role="group" aria-label={`Confirm deleting ${room.name}`}>
                      <button type="button" className="button-danger" onClick={() => void remove(room.id)}>
                        Yes, delete {room.name}
                      </button>{" "}
                      <button type="button" onClick={() => setConfirming(null)}>
                        Cancel
                      </button>
                    </span>
                  ) : (
                    <button type="button" onClick={() => setConfirming(room.id)} aria-label={`Delete room ${room.name}`}>
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
