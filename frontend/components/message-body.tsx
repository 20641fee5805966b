import { memo, useMemo, type ReactElement } from "react";
import Markdown, { type Components } from "react-markdown";

import { chatMarkdownOptions, type MentionOptions } from "../lib/markdown";

interface MessageBodyProps {
  /** The body as typed; rendered as the safe Markdown subset of lib/markdown.ts. */
  body: string;
  /** The reader's username: their own `@name` is marked `mention mention-self`. */
  currentUsername?: string;
  /** The reader's id, to tell from `mentions` whether this message names them. */
  currentUserId?: number;
  /** Ids of the members the server found named with `@username`. */
  mentions?: readonly number[];
  /** An allowed `@room` / `@here`: it reaches the reader too. */
  mentionsEveryone?: boolean;
}

const components: Components = {
  // Only safe hrefs arrive here (lib/markdown.ts); a link without one is shown as its text.
  a: ({ href, title, children }) =>
    href ? (
      <a href={href} title={title} target="_blank" rel="noopener noreferrer">
        {children}
      </a>
    ) : (
      <span>{children}</span>
    ),
  // Wide tables scroll sideways inside the bubble instead of widening it.
  table: ({ children }) => (
    <div className="md-table">
      <table>{children}</table>
    </div>
  ),
  // Task-list boxes show the state typed; nobody can tick them.
  input: ({ checked }) => <input type="checkbox" checked={Boolean(checked)} disabled readOnly />,
};

const CACHE_SIZE = 500;
const cache = new Map<string, ReactElement>();

/**
 * The React tree for a body. Parsing is the costly part, so trees are kept for the last 500
 * bodies: re-rendering a list, remounting a room or scrolling back parses nothing again.
 */
export function renderMessageBody(body: string, mentions: MentionOptions = {}): ReactElement {
  const key = `${mentions.currentUsername?.toLowerCase() ?? ""}\u0000${mentions.mentionsEveryone ? 1 : 0}\u0000${body}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit); // most recently used last
    return hit;
  }
  // Markdown is a plain function of its props (no hooks): calling it builds the tree once.
  const element = Markdown({ ...chatMarkdownOptions(body, mentions), components });
  cache.set(key, element);
  if (cache.size > CACHE_SIZE) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  return element;
}

function MessageBodyView({ body, currentUsername, currentUserId, mentions, mentionsEveryone = false }: MessageBodyProps) {
  const content = useMemo(
    () => renderMessageBody(body, { currentUsername, mentionsEveryone }),
    [body, currentUsername, mentionsEveryone],
  );
  const mentionsMe = mentionsEveryone || (currentUserId !== undefined && (mentions ?? []).includes(currentUserId));
  return (
    <div className="message-body markdown" data-mentions-me={mentionsMe ? "true" : undefined}>
      {content}
    </div>
  );
}

/** A message body as formatted text: bold, code, quotes, lists, safe links, mentions. */
export const MessageBody = memo(MessageBodyView);
