import { useState } from "react";

import type { AdminRoom } from "../lib/admin-types";
import { api } from "../lib/api";
import { adminError, loadError } from "../lib/friendly-errors";
import { useKeysetList, type KeysetQuery } from "../lib/keyset-list";
import { ConfirmDialog } from "./confirm-dialog";
import { TimeAgo } from "./time-ago";
import { ListFoot, LoadFailure } from "./admin-list-parts";

const PAGE_SIZE = 50;
const KIND_LABELS: Record<AdminRoom["kind"], string> = { public: "Public", private: "Private", direct: "Direct" };
const number = new Intl.NumberFormat();

const fetchRooms = ({ q, after, limit }: KeysetQuery) => api.admin.findRooms({ q, after, limit });

/** Every room, private and direct ones too, searchable by name; deleting one asks first. */
export function AdminRooms({ onChanged }: { onChanged?(): void }) {
  const list = useKeysetList<AdminRoom>(fetchRooms, { pageSize: PAGE_SIZE });
  const [doomed, setDoomed] = useState<AdminRoom | null>(null);

  const remove = async (room: AdminRoom) => {
    await api.admin.deleteRoom(room.id);
    list.remove(room.id);
    onChanged?.();
  };

  return (
    <section aria-labelledby="admin-rooms-heading" className="sa-card">
      <div className="sa-card-head">
        <h2 id="admin-rooms-heading">Rooms</h2>
      </div>
      <div className="sa-search" role="search">
        <label htmlFor="admin-room-search">Search rooms</label>
        <input
          id="admin-room-search"
          type="search"
          placeholder="Part of a room's name"
          value={list.query}
          maxLength={64}
          onChange={(e) => list.search(e.target.value)}
        />
      </div>
      {list.status === "failed" && (
        <LoadFailure message={loadError(list.error, "rooms")} onRetry={list.reload} />
      )}
      <table className="sa-table admin-rooms-table" aria-busy={list.status === "loading"}>
        <caption className="visually-hidden">Rooms{list.query.trim() ? ` matching “${list.query.trim()}”` : ""}</caption>
        <thead>
          <tr>
            <th scope="col">Room</th>
            <th scope="col">Kind</th>
            <th scope="col">Members</th>
            <th scope="col">Messages</th>
            <th scope="col">Created</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {list.items.map((room) => (
            <tr key={room.id} data-room={room.name}>
              <th scope="row" className="cell-name">
                <span className="room-name">{room.name}</span>
              </th>
              <td data-label="Kind">{KIND_LABELS[room.kind]}</td>
              <td data-label="Members">{number.format(room.member_count)}</td>
              <td data-label="Messages">{number.format(room.message_count)}</td>
              <td data-label="Created">
                <TimeAgo iso={room.created_at} />
              </td>
              <td data-label="Actions">
                <button type="button" className="button-danger" onClick={() => setDoomed(room)} aria-label={`Delete room ${room.name}`}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ListFoot list={list} noun={{ one: "room", many: "rooms" }} />
      {doomed && (
        <ConfirmDialog
          title={`Delete ${doomed.name}?`}
          confirmLabel={`Delete ${doomed.name}`}
          danger
          onConfirm={() => remove(doomed)}
          describeError={(error) => adminError(error, doomed.name)}
          onClose={() => setDoomed(null)}
        >
          <p>
            The room, its {number.format(doomed.message_count)} message{doomed.message_count === 1 ? "" : "s"} and their
            files are deleted for its {number.format(doomed.member_count)} member{doomed.member_count === 1 ? "" : "s"}.
            This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
