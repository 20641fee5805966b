import { useEffect, useId, useLayoutEffect, useMemo, useRef, useState, type CSSProperties, type KeyboardEvent } from "react";
import { createPortal } from "react-dom";

import { loadEmojiData, readRecentEmoji, rememberEmoji, searchEmoji, type EmojiData } from "../lib/emoji";

interface EmojiPickerProps {
  /** An emoji was chosen (already remembered as recent). The caller closes the picker. */
  onPick(emoji: string): void;
  /** Esc, or a click outside the picker. */
  onClose(): void;
  /** The dialog's accessible name. */
  label?: string;
}

/** Emoji per row; arrow keys move by it. */
export const EMOJI_COLUMNS = 8;
const RECENT = "recent";
/** Below this width the picker is a sheet along the bottom of the screen (see globals.css). */
const SHEET_QUERY = "(max-width: 600px)";
const MARGIN = 8;

interface Cell {
  emoji: string;
  label: string;
}

function matches(query: string): boolean {
  return typeof window !== "undefined" && typeof window.matchMedia === "function" && window.matchMedia(query).matches;
}

/**
 * A searchable picker over the whole Unicode emoji set, recently used first. It is a dialog laid
 * over the page (a portal, fixed: it is never clipped by a scrolling list) next to where it is
 * rendered, or a bottom sheet on a phone. Tab moves between the search box, the categories and
 * the grid; in the grid the arrow keys, Home and End move, Enter or Space picks; Esc closes.
 */
export function EmojiPicker({ onPick, onClose, label = "Emoji picker" }: EmojiPickerProps) {
  const [data, setData] = useState<EmojiData | null>(null);
  const [failed, setFailed] = useState(false);
  const [recent] = useState(readRecentEmoji);
  const [query, setQuery] = useState("");
  const [category, setCategory] = useState(() => (recent.length > 0 ? RECENT : "smileys-emotion"));
  const [active, setActive] = useState(0);
  const [position, setPosition] = useState<CSSProperties | undefined>(undefined);
  const anchorRef = useRef<HTMLSpanElement>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const gridRef = useRef<HTMLDivElement>(null);
  const closeRef = useRef(onClose);
  const gridId = useId();

  useEffect(() => {
    closeRef.current = onClose;
  }, [onClose]);

  useEffect(() => {
    let live = true;
    loadEmojiData().then(
      (loaded) => live && setData(loaded),
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, []);

  // Focus: into the picker on opening (the search box, except on touch screens, where that
  // would raise the keyboard over the sheet), back to where it was on closing.
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const root = rootRef.current;
    if (matches("(pointer: coarse)")) root?.focus();
    else searchRef.current?.focus();
    return () => {
      const now = document.activeElement;
      if (opener?.isConnected && (now === null || now === document.body || root?.contains(now))) opener.focus();
    };
  }, []);

  // Esc anywhere, and clicks outside. The click listener starts after the click that opened
  // the picker has finished, or that very click would close it.
  useEffect(() => {
    const onKey = (event: globalThis.KeyboardEvent) => {
      if (event.key === "Escape") {
        event.stopPropagation();
        closeRef.current();
      }
    };
    const onClick = (event: MouseEvent) => {
      const root = rootRef.current;
      if (root && !event.composedPath().includes(root)) closeRef.current();
    };
    document.addEventListener("keydown", onKey);
    const timer = window.setTimeout(() => document.addEventListener("click", onClick), 0);
    return () => {
      document.removeEventListener("keydown", onKey);
      window.clearTimeout(timer);
      document.removeEventListener("click", onClick);
    };
  }, []);

  // Beside the place it is rendered, inside the viewport; a bottom sheet (CSS only) when narrow.
  useLayoutEffect(() => {
    let frame = 0;
    const place = () => {
      const anchor = anchorRef.current;
      const root = rootRef.current;
      if (!anchor || !root || matches(SHEET_QUERY)) {
        setPosition(undefined);
        return;
      }
      const at = anchor.getBoundingClientRect();
      const width = root.offsetWidth;
      const height = root.offsetHeight;
      const left = Math.max(MARGIN, Math.min(at.left, window.innerWidth - width - MARGIN));
      let top = at.bottom + 4;
      if (top + height > window.innerHeight - MARGIN) top = Math.max(MARGIN, at.top - height - 4);
      setPosition({ left, top });
    };
    const schedule = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(place);
    };
    place();
    window.addEventListener("resize", schedule);
    window.addEventListener("scroll", schedule, true);
    return () => {
      cancelAnimationFrame(frame);
      window.removeEventListener("resize", schedule);
      window.removeEventListener("scroll", schedule, true);
    };
  }, []);

  const searching = query.trim() !== "";
  const cells: readonly Cell[] = useMemo(() => {
    if (searching) return data ? searchEmoji(data, query) : [];
    if (category === RECENT) return recent.map((emoji) => ({ emoji, label: data?.byEmoji.get(emoji)?.label ?? emoji }));
    return data?.categories.find((c) => c.key === category)?.emojis ?? [];
  }, [searching, data, query, category, recent]);
  const current = Math.min(active, Math.max(cells.length - 1, 0));
  const groupLabel = searching
    ? "Search results"
    : category === RECENT
      ? "Recently used"
      : (data?.categories.find((c) => c.key === category)?.label ?? "Emoji");

  const pick = (emoji: string) => {
    rememberEmoji(emoji);
    onPick(emoji);
  };

  const focusCell = (index: number) => {
    const buttons = gridRef.current?.querySelectorAll<HTMLButtonElement>("button");
    if (!buttons || buttons.length === 0) return;
    const next = Math.max(0, Math.min(index, buttons.length - 1));
    setActive(next);
    buttons[next]?.focus();
  };

  const onGridKey = (event: KeyboardEvent<HTMLDivElement>) => {
    const moves: Record<string, number> = {
      ArrowRight: current + 1,
      ArrowLeft: current - 1,
      ArrowDown: current + EMOJI_COLUMNS,
      ArrowUp: current - EMOJI_COLUMNS,
      Home: 0,
      End: cells.length - 1,
    };
    const target = moves[event.key];
    if (target === undefined) return;
    event.preventDefault();
    if (event.key === "ArrowUp" && target < 0) searchRef.current?.focus();
    else if (event.key === "ArrowDown" && target >= cells.length) return;
    else focusCell(target);
  };

  const onSearchKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      focusCell(0);
    } else if (event.key === "Enter") {
      event.preventDefault();
      const first = cells[0];
      if (searching && first) pick(first.emoji);
    }
  };

  const choose = (key: string) => {
    setCategory(key);
    setQuery("");
    setActive(0);
    gridRef.current?.scrollTo?.({ top: 0 });
  };

  const tabs = [
    ...(recent.length > 0 ? [{ key: RECENT, label: "Recently used", icon: "🕘" }] : []),
    ...(data?.categories ?? []),
  ];

  const dialog = (
    <div
      ref={rootRef}
      className="emoji-picker"
      role="dialog"
      aria-label={label}
      tabIndex={-1}
      style={position}
      data-placed={position ? "anchored" : "sheet"}
    >
      <input
        ref={searchRef}
        className="emoji-search"
        type="search"
        placeholder="Search emoji"
        aria-label="Search emoji"
        aria-controls={gridId}
        autoComplete="off"
        enterKeyHint="done"
        value={query}
        onChange={(event) => {
          setQuery(event.target.value);
          setActive(0);
        }}
        onKeyDown={onSearchKey}
      />
      <div className="emoji-categories" role="group" aria-label="Categories">
        {tabs.map((tab) => (
          <button
            key={tab.key}
            type="button"
            aria-label={tab.label}
            title={tab.label}
            aria-pressed={!searching && category === tab.key}
            onClick={() => choose(tab.key)}
          >
            <span aria-hidden="true">{tab.icon}</span>
          </button>
        ))}
      </div>
      <div ref={gridRef} id={gridId} className="emoji-grid" role="group" aria-label={groupLabel} onKeyDown={onGridKey}>
        {cells.map((cell, index) => (
          <button
            key={cell.emoji}
            type="button"
            aria-label={cell.label}
            title={cell.label}
            tabIndex={index === current ? 0 : -1}
            onFocus={() => setActive(index)}
            onClick={() => pick(cell.emoji)}
          >
            {cell.emoji}
          </button>
        ))}
      </div>
      {cells.length === 0 && (
        <p className="emoji-empty muted" role="status">
          {failed ? "Emoji could not be loaded." : !data ? "Loading emoji…" : searching ? "No emoji found." : "Nothing here yet."}
        </p>
      )}
    </div>
  );

  return (
    <>
      <span ref={anchorRef} className="emoji-picker-anchor" aria-hidden="true" />
      {typeof document === "undefined" ? null : createPortal(dialog, document.body)}
    </>
  );
}
