import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it, vi } from "vitest";

import { AdminTabs } from "../components/admin-tabs";
import { ConfirmDialog } from "../components/confirm-dialog";
import type { AdminAction } from "../lib/admin-types";
import { ApiError } from "../lib/api-error";
import { describeAuditAction } from "../lib/audit-text";
import { adminError, passwordChangeError, profileError } from "../lib/friendly-errors";
import { initialKeysetState, keysetReducer, type KeysetState } from "../lib/keyset-list";
import { formatRelativeTime } from "../lib/relative-time";

type Item = { id: number; name: string };

describe("keysetReducer", () => {
  const page = (state: KeysetState<Item>, request: number, ids: number[], append: boolean, pageSize = 2) =>
    keysetReducer(state, { type: "page", request, items: ids.map((id) => ({ id, name: `n${id}` })), append, pageSize });

  it("appends the next page, dropping ids already shown, and says whether more may follow", () => {
    let state = keysetReducer(initialKeysetState<Item>(), { type: "search", query: "", request: 1 });
    state = page(state, 1, [1, 2], false);
    expect(state.items.map((i) => i.id)).toEqual([1, 2]);
    expect(state.hasMore).toBe(true);
    state = keysetReducer(state, { type: "more", request: 2 });
    state = page(state, 2, [2, 3], true, 3);
    expect(state.items.map((i) => i.id)).toEqual([1, 2, 3]);
    expect(state.hasMore).toBe(false); // a short page is the last
    expect(state.status).toBe("ready");
  });

  it("ignores an answer to a search that was replaced by a newer one", () => {
    let state = keysetReducer(initialKeysetState<Item>(), { type: "search", query: "a", request: 1 });
    state = keysetReducer(state, { type: "search", query: "ab", request: 2 });
    state = page(state, 2, [7], false);
    state = page(state, 1, [1, 2], false); // the slow answer to "a" comes last
    expect(state.query).toBe("ab");
    expect(state.items.map((i) => i.id)).toEqual([7]);
    const failedLate = keysetReducer(state, { type: "failed", request: 1, error: new Error("late") });
    expect(failedLate).toBe(state);
  });

  it("a new search replaces the list; replace and remove change one row", () => {
    let state = page(keysetReducer(initialKeysetState<Item>(), { type: "search", query: "", request: 1 }), 1, [1, 2], false);
    state = keysetReducer(state, { type: "replace", item: { id: 2, name: "two" } });
    expect(state.items[1]).toEqual({ id: 2, name: "two" });
    state = keysetReducer(state, { type: "remove", id: 1 });
    expect(state.items.map((i) => i.id)).toEqual([2]);
    state = keysetReducer(state, { type: "search", query: "x", request: 2 });
    state = page(state, 2, [9], false);
    expect(state.items.map((i) => i.id)).toEqual([9]);
  });

  it("a row deleted or changed while a search is out stays so when that search's older answer arrives", () => {
    let state = page(keysetReducer(initialKeysetState<Item>(), { type: "search", query: "", request: 1 }), 1, [1, 2, 3], false, 50);
    state = keysetReducer(state, { type: "search", query: "n", request: 2 });
    state = keysetReducer(state, { type: "remove", id: 1 });
    state = keysetReducer(state, { type: "replace", item: { id: 2, name: "two" } });
    state = page(state, 2, [1, 2, 3], false, 50); // read by the server before the delete
    expect(state.items).toEqual([
      { id: 2, name: "two" },
      { id: 3, name: "n3" },
    ]);
    // A request made after the change is newer than it: its answer is shown as it is.
    state = keysetReducer(state, { type: "search", query: "", request: 3 });
    state = page(state, 3, [1, 2], false, 50);
    expect(state.items.map((i) => i.name)).toEqual(["n1", "n2"]);
  });
});

describe("formatRelativeTime", () => {
  const now = new Date("2026-12-02T12:00:00Z");
  it("says how long ago in words", () => {
    expect(formatRelativeTime("2026-12-02T11:59:50Z", now)).toBe("now");
    expect(formatRelativeTime("2026-12-02T11:55:00Z", now)).toBe("5 minutes ago");
    expect(formatRelativeTime("2026-12-02T09:00:00Z", now)).toBe("3 hours ago");
    expect(formatRelativeTime("2026-12-01T12:00:00Z", now)).toBe("yesterday");
    expect(formatRelativeTime("2026-11-18T12:00:00Z", now)).toBe("2 weeks ago");
    expect(formatRelativeTime("2024-12-02T12:00:00Z", now)).toBe("2 years ago");
    expect(formatRelativeTime("not a date", now)).toBe("");
  });
});

describe("describeAuditAction", () => {
  const entry = (fields: Partial<AdminAction>): AdminAction => ({
    id: 1,
    created_at: "2026-12-02T12:00:00Z",
    action: "user.deactivate",
    actor: { id: 1, username: "root" },
    target_user: { id: 2, username: "alice" },
    target_room: null,
    detail: {},
    ...fields,
  });

  it("tells who did what to whom", () => {
    expect(describeAuditAction(entry({ action: "user.role", detail: { from: "user", to: "admin" } }))).toEqual({
      actor: "root",
      text: "made alice an admin",
    });
    expect(describeAuditAction(entry({ action: "user.role", detail: { from: "admin", to: "user" } })).text).toBe(
      "removed alice's admin role",
    );
    expect(describeAuditAction(entry({ action: "user.reactivate" })).text).toBe("reactivated alice");
    const deleted = entry({
      action: "room.delete",
      target_user: null,
      target_room: { id: 5, name: "doomed" },
      detail: { name: "doomed", kind: "private" },
    });
    expect(describeAuditAction(deleted).text).toBe("deleted the private room doomed");
    expect(describeAuditAction(entry({ actor: null })).actor).toBe("A removed account");
  });
});

describe("friendly errors", () => {
  it("never repeat the server's words", () => {
    const wrong = new ApiError(403, "current password is wrong");
    expect(passwordChangeError(wrong)).toBe("That is not your current password.");
    const weak = new ApiError(422, "Value error, password must be 8 to 72 bytes", { new_password: "Value error" });
    expect(passwordChangeError(weak)).toMatch(/8 to 72 bytes/);
    expect(passwordChangeError(weak)).not.toMatch(/Value error/);
    expect(passwordChangeError(new ApiError(429, "too many failed logins, retry in 3.0 s", {}, 3))).toBe(
      "Too many attempts. Try again in 3 seconds.",
    );
    expect(profileError(new ApiError(422, "x", { display_name: "Value error, must be at most 64" }))).toMatch(/64 characters/);
    expect(adminError(new ApiError(400, "admins cannot demote or deactivate themselves"), "root")).toMatch(/another admin/);
    expect(adminError(new ApiError(404, "user not found"), "bob")).toBe("bob no longer exists. Reload the list.");
    expect(adminError(new ApiError(0, "offline"), "bob")).toMatch(/Cannot reach the server/);
    expect(adminError(new ApiError(500, "Traceback ..."), "bob")).not.toMatch(/Traceback/);
  });
});

describe("ConfirmDialog", () => {
  it("focuses Cancel, keeps the question open with friendly words on failure, closes on success", async () => {
    const user = userEvent.setup();
    const onClose = vi.fn();
    const onConfirm = vi.fn().mockRejectedValueOnce(new ApiError(404, "user not found")).mockResolvedValueOnce(undefined);
    render(
      <ConfirmDialog
        title="Deactivate bob?"
        confirmLabel="Deactivate bob"
        danger
        onConfirm={onConfirm}
        describeError={(error) => adminError(error, "bob")}
        onClose={onClose}
      >
        <p>bob is signed out everywhere.</p>
      </ConfirmDialog>,
    );
    expect(screen.getByRole("dialog", { name: "Deactivate bob?" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Cancel" })).toHaveFocus();
    await user.click(screen.getByRole("button", { name: "Deactivate bob" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("bob no longer exists. Reload the list.");
    expect(onClose).not.toHaveBeenCalled();
    await user.click(screen.getByRole("button", { name: "Deactivate bob" }));
    expect(onConfirm).toHaveBeenCalledTimes(2);
    expect(onClose).toHaveBeenCalledTimes(1);
  });
});

describe("AdminTabs", () => {
  function Harness() {
    const [selected, setSelected] = useState("one");
    return (
      <AdminTabs
        label="Sections"
        selected={selected}
        onSelect={setSelected}
        tabs={[
          { id: "one", label: "One", panel: <p>first panel</p> },
          { id: "two", label: "Two", panel: <p>second panel</p> },
          { id: "three", label: "Three", panel: <p>third panel</p> },
        ]}
      />
    );
  }

  it("moves between tabs with the arrow keys, one tab stop, every panel kept", async () => {
    const user = userEvent.setup();
    render(<Harness />);
    const one = screen.getByRole("tab", { name: "One" });
    expect(one).toHaveAttribute("aria-selected", "true");
    expect(screen.getByRole("tabpanel", { name: "One" })).toHaveTextContent("first panel");
    expect(screen.getByRole("tab", { name: "Two" })).toHaveAttribute("tabindex", "-1");
    one.focus();
    await user.keyboard("{ArrowRight}");
    expect(screen.getByRole("tab", { name: "Two" })).toHaveFocus();
    expect(screen.getByRole("tabpanel", { name: "Two" })).toHaveTextContent("second panel");
    await user.keyboard("{ArrowLeft}{ArrowLeft}");
    expect(screen.getByRole("tab", { name: "Three" })).toHaveAttribute("aria-selected", "true");
    await user.keyboard("{Home}");
    expect(screen.getByRole("tab", { name: "One" })).toHaveFocus();
    expect(screen.getByText("third panel", { selector: "p" })).not.toBeVisible();
  });
});
