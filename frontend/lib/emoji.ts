// The emoji picker's data: the full Unicode set from emojibase-data (bundled with the app and
// loaded on first use as its own chunk: nothing is fetched from elsewhere), search by name,
// keyword and GitHub shortcode, and the person's recently used emoji (localStorage).

import type { CompactEmoji, ShortcodesDataset } from "emojibase";

export interface EmojiEntry {
  /** As sent in a reaction or a message: see normaliseEmoji. */
  emoji: string;
  /** The CLDR name, e.g. "thumbs up". */
  label: string;
  /** GitHub shortcodes without colons, e.g. ["+1", "thumbsup"]. */
  shortcodes: readonly string[];
  /** Lower-case words to match a search against: name, keywords, shortcodes. */
  words: readonly string[];
  order: number;
}

export interface EmojiCategory {
  key: string;
  label: string;
  /** The emoji standing for the category on its button. */
  icon: string;
  emojis: readonly EmojiEntry[];
}

export interface EmojiData {
  categories: readonly EmojiCategory[];
  all: readonly EmojiEntry[];
  byEmoji: ReadonlyMap<string, EmojiEntry>;
}

/** Emojibase's groups, in its order; group 2 (skin-tone and hair swatches) is no emoji to send. */
const CATEGORIES: readonly { group: number; key: string; label: string; icon: string }[] = [
  { group: 0, key: "smileys-emotion", label: "Smileys & emotion", icon: "😀" },
  { group: 1, key: "people-body", label: "People & body", icon: "👋" },
  { group: 3, key: "animals-nature", label: "Animals & nature", icon: "🐻" },
  { group: 4, key: "food-drink", label: "Food & drink", icon: "🍔" },
  { group: 5, key: "travel-places", label: "Travel & places", icon: "🚗" },
  { group: 6, key: "activities", label: "Activities", icon: "⚽" },
  { group: 7, key: "objects", label: "Objects", icon: "💡" },
  { group: 8, key: "symbols", label: "Symbols", icon: "🔣" },
  { group: 9, key: "flags", label: "Flags", icon: "🏁" },
];

/**
 * The fully-qualified form (as in Unicode's emoji-test.txt, and as phone keyboards send it):
 * emojibase appends U+FE0F to every emoji that also has a text form, 👍 included, but after a
 * character that is shown as emoji by default that selector is redundant, and a reaction of
 * "👍\uFE0F" would be counted apart from "👍". So it is dropped there and kept elsewhere (❤️).
 */
export function normaliseEmoji(value: string): string {
  return value.replace(/(\p{Emoji_Presentation})\uFE0F/gu, "$1");
}

function wordsOf(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[\s:,.!?’'"()&/]+/)
    .filter((word) => word !== "");
}

/** The picker's data from emojibase's compact dataset and its GitHub shortcodes. */
export function buildEmojiData(compact: readonly CompactEmoji[], shortcodes: ShortcodesDataset): EmojiData {
  const byGroup = new Map<number, EmojiEntry[]>();
  const byEmoji = new Map<string, EmojiEntry>();
  for (const item of compact) {
    if (item.group === undefined || !CATEGORIES.some((c) => c.group === item.group)) continue;
    const codes = shortcodes[item.hexcode];
    const codeList = codes === undefined ? [] : Array.isArray(codes) ? [...codes] : [codes as string];
    const words = new Set([
      ...wordsOf(item.label),
      ...(item.tags ?? []).flatMap(wordsOf),
      ...codeList.map((code) => code.toLowerCase()),
      ...codeList.flatMap((code) => code.toLowerCase().split("_")),
    ]);
    const entry: EmojiEntry = {
      emoji: normaliseEmoji(item.unicode),
      label: item.label,
      shortcodes: codeList,
      words: [...words],
      order: item.order ?? Number.MAX_SAFE_INTEGER,
    };
    if (byEmoji.has(entry.emoji)) continue;
    byEmoji.set(entry.emoji, entry);
    const list = byGroup.get(item.group) ?? [];
    list.push(entry);
    byGroup.set(item.group, list);
  }
  const categories = CATEGORIES.map(({ group, key, label, icon }) => ({
    key,
    label,
    icon,
    emojis: (byGroup.get(group) ?? []).sort((a, b) => a.order - b.order),
  }));
  return { categories, all: categories.flatMap((c) => c.emojis), byEmoji };
}

let loading: Promise<EmojiData> | null = null;

/** The data, loaded once (a separate chunk of the app, about 600 kB before compression). */
export function loadEmojiData(): Promise<EmojiData> {
  loading ??= Promise.all([
    import("emojibase-data/en/compact.json"),
    import("emojibase-data/en/shortcodes/github.json"),
  ]).then(
    ([compact, shortcodes]) => buildEmojiData(compact.default, shortcodes.default),
    (error: unknown) => {
      loading = null; // let a later opening try again
      throw error;
    },
  );
  return loading;
}

const PICTOGRAPHIC = /\p{Extended_Pictographic}|\p{Regional_Indicator}/u;

/**
 * Emoji matching a search, best first: an emoji itself ("👍"), a name or shortcode exactly
 * ("thumbs up", ":+1:"), a name or shortcode that starts with it, every word of it starting a
 * word of the name, keywords or shortcodes ("thumb", "up thumbs"), then a name containing it.
 */
export function searchEmoji(data: EmojiData, query: string, limit = 120): EmojiEntry[] {
  const trimmed = query.trim();
  if (trimmed === "") return [];
  if (PICTOGRAPHIC.test(trimmed)) {
    const wanted = normaliseEmoji(trimmed);
    const exact = data.byEmoji.get(wanted);
    const base = [...wanted][0] ?? wanted;
    const others = data.all.filter((entry) => entry !== exact && entry.emoji.startsWith(base));
    return (exact ? [exact, ...others] : others).slice(0, limit);
  }
  const q = trimmed.toLowerCase().replace(/^:+|:+$/g, "");
  if (q === "") return [];
  const tokens = wordsOf(q);
  const scored: { entry: EmojiEntry; score: number }[] = [];
  for (const entry of data.all) {
    const label = entry.label.toLowerCase();
    let score: number | null = null;
    if (label === q || entry.shortcodes.includes(q)) score = 0;
    else if (label.startsWith(q) || entry.shortcodes.some((code) => code.startsWith(q))) score = 1;
    else if (tokens.length > 0 && tokens.every((token) => entry.words.some((word) => word.startsWith(token)))) score = 2;
    else if (label.includes(q) || entry.shortcodes.some((code) => code.includes(q))) score = 3;
    if (score !== null) scored.push({ entry, score });
  }
  scored.sort((a, b) => a.score - b.score || a.entry.order - b.entry.order);
  return scored.slice(0, limit).map((item) => item.entry);
}

// ---- recently used --------------------------------------------------------------------------

export const RECENT_EMOJI_KEY = "chat.recent_emoji";
export const MAX_RECENT_EMOJI = 24;

function storage(): Storage | null {
  try {
    return typeof window === "undefined" ? null : window.localStorage;
  } catch {
    return null; // storage refused (privacy settings)
  }
}

/** The person's recently picked emoji, newest first. */
export function readRecentEmoji(): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(storage()?.getItem(RECENT_EMOJI_KEY) ?? "[]");
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  const seen = new Set<string>();
  for (const item of parsed) {
    // What a reaction may be: 1 to 32 characters, no whitespace or control characters.
    // eslint-disable-next-line no-control-regex
    if (typeof item === "string" && /^[^\s\u0000-\u001f\u007f-\u009f/]{1,32}$/u.test(item)) seen.add(item);
  }
  return [...seen].slice(0, MAX_RECENT_EMOJI);
}

/** Puts an emoji first among the recent ones (keeping the last 24); returns the new list. */
export function rememberEmoji(emoji: string): string[] {
  const next = [emoji, ...readRecentEmoji().filter((item) => item !== emoji)].slice(0, MAX_RECENT_EMOJI);
  try {
    storage()?.setItem(RECENT_EMOJI_KEY, JSON.stringify(next));
  } catch {
    // Full or refused: recent emoji are a convenience.
  }
  return next;
}
