import { act, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it, vi } from "vitest";

import { EmojiPicker } from "../components/emoji-picker";
import {
  MAX_RECENT_EMOJI,
  RECENT_EMOJI_KEY,
  loadEmojiData,
  normaliseEmoji,
  readRecentEmoji,
  rememberEmoji,
  searchEmoji,
} from "../lib/emoji";

/** Lets the picker's outside-click listener start (it waits for the opening click to end). */
const settle = () => act(() => new Promise((resolve) => setTimeout(resolve, 0)));

async function openPicker(props: Partial<Parameters<typeof EmojiPicker>[0]> = {}) {
  const onPick = vi.fn();
  const onClose = vi.fn();
  const view = render(
    <div>
      <button type="button">elsewhere</button>
      <EmojiPicker onPick={onPick} onClose={onClose} {...props} />
    </div>,
  );
  await screen.findByRole("button", { name: "grinning face" }).catch(() => undefined);
  await settle();
  return { ...view, onPick, onClose, dialog: screen.getByRole("dialog", { name: props.label ?? "Emoji picker" }) };
}

describe("emoji data", () => {
  it("holds the whole set, without skin-tone swatches, in the forms keyboards send", async () => {
    const data = await loadEmojiData();
    expect(data.all.length).toBeGreaterThan(1800);
    expect(data.byEmoji.get("👍")?.label).toBe("thumbs up");
    expect(data.byEmoji.has("👍\uFE0F")).toBe(false);
    expect(data.byEmoji.get("❤️")?.label).toBe("red heart");
    expect(data.byEmoji.has("🏻")).toBe(false);
    for (const emoji of ["👍", "❤️", "😂", "🎉", "😮", "😢", "🙏", "👀"]) expect(data.byEmoji.has(emoji), emoji).toBe(true);
    expect(normaliseEmoji("👍\uFE0F")).toBe("👍");
    expect(normaliseEmoji("❤\uFE0F")).toBe("❤\uFE0F");
  });

  it("searches by name, shortcode, keyword and the emoji itself", async () => {
    const data = await loadEmojiData();
    const first = (q: string) => searchEmoji(data, q)[0]?.emoji;
    expect(first("thumbs up")).toBe("👍");
    expect(first("Thumbs Up ")).toBe("👍");
    expect(first(":+1:")).toBe("👍");
    expect(first("thumbsup")).toBe("👍");
    expect(first("👍")).toBe("👍");
    expect(first("👍\uFE0F")).toBe("👍");
    expect(first("tada")).toBe("🎉");
    expect(searchEmoji(data, "up thumb").map((e) => e.emoji)).toContain("👍");
    expect(searchEmoji(data, "heart").map((e) => e.emoji)).toContain("❤️");
    expect(searchEmoji(data, "zzzqqq")).toEqual([]);
    expect(searchEmoji(data, "  ")).toEqual([]);
  });

  it("keeps the last 24 recent emoji, newest first, and ignores junk in storage", () => {
    for (let i = 0; i < 30; i += 1) rememberEmoji(`e${i}`);
    rememberEmoji("e5");
    const recent = readRecentEmoji();
    expect(recent).toHaveLength(MAX_RECENT_EMOJI);
    expect(recent[0]).toBe("e5");
    expect(recent.filter((e) => e === "e5")).toHaveLength(1);

    localStorage.setItem(RECENT_EMOJI_KEY, "{not json");
    expect(readRecentEmoji()).toEqual([]);
    localStorage.setItem(RECENT_EMOJI_KEY, JSON.stringify(["👍", 3, "has space", "x".repeat(40), "👍", "🎉"]));
    expect(readRecentEmoji()).toEqual(["👍", "🎉"]);
  });
});

describe("EmojiPicker", () => {
  it("finds 👍 by typing 'thumbs up' and picks it with Enter", async () => {
    const { onPick } = await openPicker();
    const search = screen.getByRole("searchbox", { name: "Search emoji" });
    expect(search).toHaveFocus();
    await userEvent.type(search, "thumbs up");
    const results = screen.getByRole("group", { name: "Search results" });
    expect(within(results).getAllByRole("button")[0]).toHaveAccessibleName("thumbs up");
    expect(within(results).getAllByRole("button")[0]).toHaveTextContent("👍");
    await userEvent.keyboard("{Enter}");
    expect(onPick).toHaveBeenCalledWith("👍");
  });

  it("finds an emoji by pasting the emoji itself", async () => {
    await openPicker();
    await userEvent.click(screen.getByRole("searchbox", { name: "Search emoji" }));
    await userEvent.paste("👍");
    expect(within(screen.getByRole("group", { name: "Search results" })).getAllByRole("button")[0]).toHaveAccessibleName("thumbs up");
  });

  it("says when nothing matches", async () => {
    await openPicker();
    await userEvent.type(screen.getByRole("searchbox", { name: "Search emoji" }), "zzzqqq");
    expect(screen.getByRole("status")).toHaveTextContent("No emoji found.");
  });

  it("moves through the grid with the arrow keys and picks with Enter", async () => {
    const { onPick } = await openPicker();
    await userEvent.keyboard("{ArrowDown}");
    const grid = screen.getByRole("group", { name: "Smileys & emotion" });
    const buttons = within(grid).getAllByRole("button");
    expect(buttons[0]).toHaveFocus();
    expect(buttons.filter((b) => b.tabIndex === 0)).toHaveLength(1); // one tab stop for the grid
    await userEvent.keyboard("{ArrowRight}{ArrowRight}{ArrowDown}{ArrowLeft}");
    expect(buttons[9]).toHaveFocus();
    await userEvent.keyboard("{ArrowUp}{ArrowUp}");
    expect(screen.getByRole("searchbox", { name: "Search emoji" })).toHaveFocus();
    await userEvent.keyboard("{ArrowDown}{End}");
    expect(buttons[buttons.length - 1]).toHaveFocus();
    await userEvent.keyboard("{Home}{Enter}");
    expect(onPick).toHaveBeenCalledWith(buttons[0]?.textContent);
  });

  it("switches categories", async () => {
    await openPicker();
    await userEvent.click(screen.getByRole("button", { name: "Animals & nature" }));
    expect(screen.getByRole("button", { name: "Animals & nature" })).toHaveAttribute("aria-pressed", "true");
    expect(within(screen.getByRole("group", { name: "Animals & nature" })).getByRole("button", { name: "dog face" })).toBeInTheDocument();
  });

  it("closes on Esc", async () => {
    const { onClose } = await openPicker();
    await userEvent.keyboard("{Escape}");
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it("closes on a click outside, not on one inside", async () => {
    const { onClose } = await openPicker();
    await userEvent.click(screen.getByRole("button", { name: "Animals & nature" }));
    await userEvent.click(screen.getByRole("searchbox", { name: "Search emoji" }));
    expect(onClose).not.toHaveBeenCalled();
    await userEvent.click(screen.getByRole("button", { name: "elsewhere" }));
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  // (jsdom runs the opening click's effects after it, so this guards the behaviour, not the race.)
  it("is not closed by the click that opened it", async () => {
    const onClose = vi.fn();
    function Opener() {
      return <OpenerInner onClose={onClose} />;
    }
    render(<Opener />);
    await userEvent.click(screen.getByRole("button", { name: "Open" }));
    await settle();
    expect(screen.getByRole("dialog")).toBeInTheDocument();
    expect(onClose).not.toHaveBeenCalled();
  });

  it("shows the recently picked emoji first, next time", async () => {
    const first = await openPicker();
    await userEvent.type(screen.getByRole("searchbox", { name: "Search emoji" }), "tada");
    await userEvent.click(screen.getByRole("button", { name: "party popper" }));
    expect(first.onPick).toHaveBeenCalledWith("🎉");
    first.unmount();

    await openPicker();
    expect(screen.getByRole("button", { name: "Recently used" })).toHaveAttribute("aria-pressed", "true");
    const recent = within(screen.getByRole("group", { name: "Recently used" })).getAllByRole("button");
    expect(recent.map((b) => b.textContent)).toEqual(["🎉"]);
    expect(recent[0]).toHaveAccessibleName("party popper");
  });

  it("is a fixed dialog named by its caller, laid over the page", async () => {
    const { dialog } = await openPicker({ label: "Pick a reaction" });
    expect(dialog.parentElement).toBe(document.body);
    expect(dialog).toHaveClass("emoji-picker");
  });
});

function OpenerInner({ onClose }: { onClose(): void }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" onClick={() => setOpen((o) => !o)}>
        Open
      </button>
      {open && (
        <EmojiPicker
          onPick={() => setOpen(false)}
          onClose={() => {
            onClose();
            setOpen(false);
          }}
        />
      )}
    </>
  );
}
