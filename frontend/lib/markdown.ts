// Message bodies as Markdown: the body is stored exactly as typed and only ever rendered through
// react-markdown (a parser that builds a React tree; no HTML string is ever injected). What is
// rendered is a chat-sized, safe subset:
//
// - raw HTML is text (react-markdown without rehype-raw; html nodes are turned into text here too);
// - links only to http:, https: and mailto: URLs, normalised by the URL parser; any other link,
//   `javascript:` in any spelling included, shows as the text that was typed;
// - no images (a remote <img> would load as soon as the message is seen): an image becomes a
//   link to it, or its source text;
// - headings are bold paragraphs, footnotes their source text;
// - nesting (quotes, lists, emphasis) is capped, so `>` x 1000 neither overflows the stack nor
//   stalls the list;
// - `@username`, `@room` and `@here` outside code and links are marked as mentions.

import type { Element as HastElement, ElementContent, Root as HastRoot, Text as HastText } from "hast";
import type { Root as MdastRoot } from "mdast";
import type { Options } from "react-markdown";
import remarkGfm from "remark-gfm";

// ---- URLs -----------------------------------------------------------------------------------

const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);

/**
 * The URL to put in an href, or null when it must not be a link. Only absolute http(s) URLs with
 * a host and mailto: URLs pass; the URL parser decides the scheme (so `JaVaScRiPt:`, `java\tscript:`
 * and the like are seen for what a browser would take them to be) and its serialisation is used.
 */
export function safeHref(raw: string): string | null {
  const value = raw.trim();
  // Control characters: a browser strips some of them from a scheme; nothing legitimate has them.
  // eslint-disable-next-line no-control-regex
  if (value === "" || /[\u0000-\u001f\u007f]/.test(value)) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null; // relative, or not a URL at all
  }
  if (!SAFE_PROTOCOLS.has(url.protocol)) return null;
  if (url.protocol !== "mailto:" && url.hostname === "") return null;
  return url.href;
}

// ---- nesting --------------------------------------------------------------------------------

/** Container markers (`>`, list bullets) one line may open; more are kept as text. */
export const MAX_LINE_MARKERS = 8;
/** Depth of the Markdown tree below which everything is shown as its source text. */
export const MAX_TREE_DEPTH = 24;

const LINE_MARKERS = /^(?:[ \t]{0,3}(?:>|[-+*](?=[ \t])|\d{1,9}[.)](?=[ \t]))[ \t]?)+/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * Lines that open more than `max` quotes or lists at once keep `max` of them and show the rest as
 * text. The parser's work grows with nesting (`> - > - …` over 4,000 characters takes seconds and
 * overflows the stack when converted), so this is done before parsing. Lines inside a top-level
 * fenced code block are left alone.
 */
export function capLineNesting(text: string, max: number = MAX_LINE_MARKERS): string {
  if (!/[>*+\-.)]/.test(text)) return text;
  let fence: string | null = null;
  let changed = false;
  const lines = text.split("\n").map((line) => {
    const fenceMatch = FENCE.exec(line);
    if (fenceMatch?.[1]) {
      const marker = fenceMatch[1];
      if (fence === null) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length) fence = null;
      return line;
    }
    if (fence !== null) return line;
    const prefix = LINE_MARKERS.exec(line)?.[0];
    if (!prefix) return line;
    const markers = prefix.match(/>|[-+*]|\d{1,9}[.)]/g) ?? [];
    if (markers.length <= max) return line;
    changed = true;
    // Keep the first `max` markers as typed; the remaining ones become the line's text.
    let seen = 0;
    let cut = 0;
    const marker = /(>|[-+*]|\d{1,9}[.)])[ \t]?/g;
    let found: RegExpExecArray | null;
    while ((found = marker.exec(prefix)) !== null) {
      seen += 1;
      cut = found.index + found[0].length;
      if (seen === max) break;
    }
    const rest = line.slice(cut);
    // A backslash keeps the next marker from being read as one more level.
    return `${line.slice(0, cut)}${rest.trimStart().length > 0 ? "\\" : ""}${rest.trimStart()}`;
  });
  return changed ? lines.join("\n") : text;
}

// ---- the Markdown tree (mdast) --------------------------------------------------------------

interface Point {
  offset?: number;
}

/** The parts of an mdast node this module reads or writes: rewriting across node kinds. */
interface MdNode {
  type: string;
  value?: string;
  url?: string;
  alt?: string | null;
  title?: string | null;
  identifier?: string;
  label?: string | null;
  children?: MdNode[];
  position?: { start: Point; end: Point };
}

const BLOCK_PARENTS = new Set(["root", "blockquote", "listItem", "footnoteDefinition"]);

function sourceOf(node: MdNode, source: string): string {
  const start = node.position?.start.offset;
  const end = node.position?.end.offset;
  if (start !== undefined && end !== undefined) return source.slice(start, end);
  return textOf(node);
}

function textOf(node: MdNode): string {
  if (typeof node.value === "string") return node.value;
  return (node.children ?? []).map(textOf).join("");
}

function text(value: string, from?: MdNode): MdNode {
  return { type: "text", value, position: from?.position };
}

function asBlock(node: MdNode, parentType: string): MdNode {
  return BLOCK_PARENTS.has(parentType) ? { type: "paragraph", children: [node], position: node.position } : node;
}

/** What one node becomes: the safe subset described at the top of this file. */
function rewriteNode(node: MdNode, parentType: string, inLink: boolean, source: string, definitions: Map<string, string>): MdNode[] {
  switch (node.type) {
    case "html":
      return [asBlock(text(node.value ?? "", node), parentType)];
    case "heading":
      return [{ type: "paragraph", position: node.position, children: [{ type: "strong", children: node.children ?? [] }] }];
    case "image":
    case "imageReference": {
      const target = node.type === "image" ? node.url : definitions.get(node.identifier ?? "");
      const href = target === undefined ? null : safeHref(target);
      if (href === null) return [text(sourceOf(node, source), node)];
      // Inside a link it cannot be a link of its own: its description stands in for it.
      if (inLink) return [text(node.alt || href, node)];
      return [{ type: "link", url: href, title: null, position: node.position, children: [text(node.alt || href)] }];
    }
    case "link":
    case "linkReference": {
      const target = node.type === "link" ? node.url : definitions.get(node.identifier ?? "");
      const href = target === undefined ? null : safeHref(target);
      if (href === null) return [text(sourceOf(node, source), node)];
      return [{ type: "link", url: href, title: node.title ?? null, position: node.position, children: node.children ?? [] }];
    }
    case "definition":
      return [];
    case "footnoteReference":
      return [text(sourceOf(node, source) || `[^${node.label ?? node.identifier ?? ""}]`, node)];
    case "footnoteDefinition":
      return [asBlock(text(sourceOf(node, source), node), parentType)];
    default:
      return [node];
  }
}

/**
 * Rewrites the parsed tree in place, without recursion (the tree may be deep): see the top of
 * this file. Anything at MAX_TREE_DEPTH or deeper is replaced by its source text.
 */
export function rewriteMarkdownTree(tree: MdastRoot, source: string): void {
  const root = tree as unknown as MdNode;
  const definitions = new Map<string, string>();
  const stack: { node: MdNode; depth: number; inLink: boolean }[] = [{ node: root, depth: 0, inLink: false }];
  // Definitions first: a reference may come before its definition.
  const scan: MdNode[] = [root];
  for (let node = scan.pop(); node !== undefined; node = scan.pop()) {
    if (node.type === "definition" && node.identifier !== undefined && node.url !== undefined) {
      if (!definitions.has(node.identifier)) definitions.set(node.identifier, node.url);
    }
    if (node.children) scan.push(...node.children);
  }
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { node, depth, inLink } = item;
    if (!node.children) continue;
    const children: MdNode[] = [];
    for (const child of node.children) {
      if (child.children && depth + 1 >= MAX_TREE_DEPTH) {
        children.push(asBlock(text(sourceOf(child, source), child), node.type));
        continue;
      }
      children.push(...rewriteNode(child, node.type, inLink, source, definitions));
    }
    node.children = children;
    for (const child of children) {
      if (child.children) stack.push({ node: child, depth: depth + 1, inLink: inLink || child.type === "link" });
    }
  }
}

function remarkChat(options: { source: string }) {
  return (tree: MdastRoot) => rewriteMarkdownTree(tree, options.source);
}

// ---- mentions -------------------------------------------------------------------------------

export interface MentionMatch {
  start: number;
  end: number;
  /** The name as typed, without the `@`. */
  name: string;
}

const USERNAME_CHAR = /[A-Za-z0-9_.-]/;
const MENTION = /@([A-Za-z0-9_.-]+)/g;

/**
 * `@name` tokens in plain text: a username ([A-Za-z0-9_.-], 3 to 32 characters) not glued to a
 * word before it (so not `bob@example.com`); a trailing `.` ends the sentence, not the name.
 */
export function findMentions(value: string): MentionMatch[] {
  if (!value.includes("@")) return [];
  const found: MentionMatch[] = [];
  MENTION.lastIndex = 0;
  for (let match = MENTION.exec(value); match !== null; match = MENTION.exec(value)) {
    const before = match.index > 0 ? value[match.index - 1] : "";
    if (before && (USERNAME_CHAR.test(before) || before === "@")) continue;
    const name = (match[1] ?? "").replace(/\.+$/, "");
    if (name.length < 3 || name.length > 32) continue;
    found.push({ start: match.index, end: match.index + 1 + name.length, name });
  }
  return found;
}

/** The names that reach every member of the room (when the sender may use them). */
export const EVERYONE_MENTIONS: ReadonlySet<string> = new Set(["room", "here"]);

export interface MentionOptions {
  /** The person reading: their own `@name` is marked `mention-self`. */
  currentUsername?: string;
  /** The server found an allowed `@room` / `@here`: those are marked `mention-self` too. */
  mentionsEveryone?: boolean;
}

/** Elements whose text is never scanned for mentions. */
const NO_MENTIONS = new Set(["code", "pre", "a"]);
/** Elements whose whitespace-only text children are layout noise between blocks. */
const BLOCK_CONTAINERS = new Set(["blockquote", "ol", "ul", "li", "table", "thead", "tbody", "tr"]);

function mentionClass(name: string, options: MentionOptions): string[] {
  const lower = name.toLowerCase();
  if (EVERYONE_MENTIONS.has(lower) && name === lower) {
    return options.mentionsEveryone ? ["mention", "mention-everyone", "mention-self"] : ["mention", "mention-everyone"];
  }
  return lower === options.currentUsername?.toLowerCase() ? ["mention", "mention-self"] : ["mention"];
}

function splitMentions(node: HastText, options: MentionOptions): ElementContent[] | null {
  const matches = findMentions(node.value);
  if (matches.length === 0) return null;
  const parts: ElementContent[] = [];
  let at = 0;
  for (const match of matches) {
    if (match.start > at) parts.push({ type: "text", value: node.value.slice(at, match.start) });
    const token = node.value.slice(match.start, match.end);
    const span: HastElement = {
      type: "element",
      tagName: "span",
      properties: { className: mentionClass(match.name, options) },
      children: [{ type: "text", value: token }],
    };
    parts.push(span);
    at = match.end;
  }
  if (at < node.value.length) parts.push({ type: "text", value: node.value.slice(at) });
  return parts;
}

/**
 * The HTML tree: drops the newlines the converter puts between blocks and after `<br>` (the body
 * keeps the sender's line breaks with `white-space: pre-wrap`, where those would show twice), and
 * marks mentions outside code and links. Without recursion, like the Markdown pass.
 */
export function rewriteHtmlTree(tree: HastRoot, options: MentionOptions): void {
  type Parent = HastRoot | HastElement;
  const stack: Parent[] = [tree];
  for (let parent = stack.pop(); parent !== undefined; parent = stack.pop()) {
    const blockParent = parent.type === "root" || BLOCK_CONTAINERS.has(parent.tagName);
    const scanText = parent.type === "root" || !NO_MENTIONS.has(parent.tagName);
    const children: (ElementContent | HastRoot["children"][number])[] = [];
    let afterBreak = false;
    for (const original of parent.children) {
      const child: typeof original =
        afterBreak && original.type === "text" && original.value.startsWith("\n")
          ? { ...original, value: original.value.slice(1) } // `<br>` already breaks the line
          : original;
      afterBreak = child.type === "element" && child.tagName === "br";
      if (child.type === "text") {
        if (child.value === "" || (blockParent && child.value.trim() === "")) continue;
        const parts = scanText ? splitMentions(child, options) : null;
        if (parts) children.push(...parts);
        else children.push(child);
        continue;
      }
      children.push(child);
      if (child.type === "element" && !NO_MENTIONS.has(child.tagName)) stack.push(child);
    }
    // Only text was split, into text and elements: every child still fits where it was.
    parent.children = children as HastElement["children"];
  }
}

function rehypeChat(options: MentionOptions) {
  return (tree: HastRoot) => rewriteHtmlTree(tree, options);
}

// ---- options --------------------------------------------------------------------------------

/** Everything the subset can produce; anything else is unwrapped to its text. */
export const ALLOWED_ELEMENTS: readonly string[] = [
  "p",
  "br",
  "strong",
  "em",
  "del",
  "code",
  "pre",
  "blockquote",
  "ul",
  "ol",
  "li",
  "input", // task-list checkboxes, always disabled
  "a",
  "hr",
  "span",
  "table",
  "thead",
  "tbody",
  "tr",
  "th",
  "td",
];

function urlTransform(url: string): string | null {
  return safeHref(url);
}

/** react-markdown's options for a body (components aside): parser, safety passes, mentions. */
export function chatMarkdownOptions(body: string, mentions: MentionOptions = {}): Options {
  const source = capLineNesting(body);
  return {
    children: source,
    remarkPlugins: [remarkGfm, [remarkChat, { source }]],
    rehypePlugins: [[rehypeChat, mentions]],
    allowedElements: [...ALLOWED_ELEMENTS],
    unwrapDisallowed: true,
    skipHtml: false,
    urlTransform,
  };
}
