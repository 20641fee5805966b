import {
  useEffect,
  useId,
  useLayoutEffect,
  useRef,
  useState,
  type ClipboardEvent,
  type FormEvent,
  type KeyboardEvent,
} from "react";

import { LIMITS } from "../lib/api-constants";
import type { ReplyTo, UserPublic } from "../lib/api-types";
import { filesBody, formatBytes, type PendingUpload } from "../lib/draft";
import { insertMention, mentionQueryAt, mentionSuggestions, moveActive } from "../lib/mentions";
import { plainPreview } from "../lib/notifications";
import { TOUCH_QUERY, useMediaQuery } from "../lib/use-media-query";
import { messageLength } from "../lib/validation";

/** The counter appears once a message gets this close to the limit. */
const COUNTER_FROM = LIMITS.messageMax - 500;

interface ComposerProps {
  /** Sends the text (with whatever reply and files the page holds for it). */
  onSend(body: string): void;
  onTyping(): void;
  disabled?: boolean;
  /** The room's members: `@` offers them. */
  members?: readonly UserPublic[];
  /** The writer, left out of the suggestions. */
  meId?: number;
  /** The message being answered, shown above the box with a way to cancel. */
  reply?: ReplyTo | null;
  onCancelReply?(): void;
  /** Files uploading or uploaded for the next send. */
  uploads?: readonly PendingUpload[];
  /** Something to say about files (too many). */
  uploadNotice?: string | null;
  /** Files chosen, pasted or dropped; absent: no attaching. */
  onAttach?(files: File[]): void;
  onRemoveUpload?(key: string): void;
  onRetryUpload?(key: string): void;
  /** Changes when the box should take the focus (a reply was started). */
  focusRequest?: number;
  /** Take the focus on mounting (the room was opened). */
  autoFocus?: boolean;
  /** The text box's id (the "Skip to composer" link's target); a generated one by default. */
  inputId?: string;
  /** Up in the empty box: edit the person's last message. True when there was one to edit. */
  onEditLast?(): boolean;
}

/** The `@` being typed where the list was closed with Esc: it stays closed until another. */
type Dismissed = number | null;

export function Composer({
  onSend,
  onTyping,
  disabled = false,
  members = [],
  meId,
  reply = null,
  onCancelReply,
  uploads = [],
  uploadNotice = null,
  onAttach,
  onRemoveUpload,
  onRetryUpload,
  focusRequest = 0,
  autoFocus = false,
  inputId,
  onEditLast,
}: ComposerProps) {
  const generatedId = useId();
  // On a touch screen Return makes a new line (there is no Shift on an on-screen keyboard) and
  // the Send button sends; elsewhere Enter sends and Shift+Enter makes a new line.
  const touch = useMediaQuery(TOUCH_QUERY);
  const id = inputId ?? generatedId;
  const listId = `${id}-mentions`;
  const [body, setBody] = useState("");
  const [caret, setCaret] = useState(0);
  const [focused, setFocused] = useState(false);
  const [dismissed, setDismissed] = useState<Dismissed>(null);
  const [active, setActive] = useState<{ key: string; index: number }>({ key: "", index: 0 });
  const textRef = useRef<HTMLTextAreaElement>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  /** Where the caret goes once the text just set is in the box. */
  const pendingCaret = useRef<number | null>(null);

  const length = messageLength(body);
  const tooLong = length > LIMITS.messageMax;
  const busy = uploads.some((u) => u.status === "uploading");
  const ready = uploads.flatMap((u) => (u.status === "done" && u.attachment ? [u.attachment] : []));
  const canSend = !disabled && !tooLong && !busy && (length > 0 || ready.length > 0);

  // ---- the @name autocomplete ----
  const mention = focused && !disabled ? mentionQueryAt(body, caret) : null;
  const suggestions = mention && mention.start !== dismissed ? mentionSuggestions(members, mention.query, meId) : [];
  const open = suggestions.length > 0;
  const queryKey = mention ? `${mention.start}:${mention.query}` : "";
  const activeIndex = active.key === queryKey ? Math.min(active.index, suggestions.length - 1) : 0;
  const activeUser = open ? suggestions[activeIndex] : undefined;
  const optionId = (user: UserPublic) => `${id}-mention-${user.id}`;

  useLayoutEffect(() => {
    const el = textRef.current;
    if (el && pendingCaret.current !== null) {
      el.setSelectionRange(pendingCaret.current, pendingCaret.current);
      pendingCaret.current = null;
    }
  }, [body]);

  useEffect(() => {
    if (focusRequest > 0) textRef.current?.focus();
  }, [focusRequest]);

  const autoFocusRef = useRef(autoFocus);
  useEffect(() => {
    if (autoFocusRef.current) textRef.current?.focus({ preventScroll: true });
  }, []);

  // The active suggestion stays in view as the arrows move it.
  useEffect(() => {
    if (activeUser) document.getElementById(optionId(activeUser))?.scrollIntoView?.({ block: "nearest" });
  });

  const choose = (user: UserPublic) => {
    if (!mention) return;
    const next = insertMention(body, mention, caret, user.username);
    pendingCaret.current = next.caret;
    setBody(next.text);
    setCaret(next.caret);
    onTyping();
  };

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (!canSend) return;
    // The server wants some text: a message of files alone says their names.
    onSend(length > 0 ? body.trim() : filesBody(ready));
    setBody("");
    setCaret(0);
    setDismissed(null);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.nativeEvent.isComposing) return; // an IME is composing: its keys are its own
    if (open && activeUser) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        setActive({ key: queryKey, index: moveActive(activeIndex, event.key === "ArrowDown" ? 1 : -1, suggestions.length) });
        return;
      }
      if ((event.key === "Enter" && !event.shiftKey) || event.key === "Tab") {
        event.preventDefault();
        choose(activeUser);
        return;
      }
      if (event.key === "Escape") {
        event.preventDefault();
        setDismissed(mention?.start ?? null);
        return;
      }
    }
    if (
      event.key === "ArrowUp" &&
      !event.altKey &&
      !event.ctrlKey &&
      !event.metaKey &&
      !event.shiftKey &&
      body === "" &&
      onEditLast?.()
    ) {
      event.preventDefault();
      return;
    }
    if (event.key === "Escape" && reply && onCancelReply) {
      event.preventDefault();
      onCancelReply();
      return;
    }
    // Enter sends, Shift+Enter makes a new line; Enter that confirms an IME composition
    // (Japanese, Chinese input) must not send half a word. On a touch screen Return is a new
    // line; a keyboard attached to it still sends with Ctrl/Cmd+Enter.
    if (event.key === "Enter" && !event.shiftKey && (!touch || event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submit();
    }
  };

  const onPaste = (event: ClipboardEvent<HTMLTextAreaElement>) => {
    if (!onAttach) return;
    const files = Array.from(event.clipboardData.files);
    // A copied screenshot or image file: attach it. Copied text that also carries a picture of
    // itself (spreadsheets, word processors) is pasted as text.
    if (files.length === 0 || event.clipboardData.types.includes("text/plain")) return;
    event.preventDefault();
    onAttach(files);
  };

  const pending = uploads.length > 0;
  return (
    <form className="composer" onSubmit={submit}>
      {reply && (
        <div className="composer-reply" role="group" aria-label="Reply">
          <span className="composer-reply-text">
            Replying to <strong>{reply.sender.username}</strong>
            {reply.deleted ? ": (deleted message)" : `: ${plainPreview(reply.snippet, 120)}`}
          </span>
          <button type="button" onClick={onCancelReply} aria-label={`Cancel reply to ${reply.sender.username}`}>
            Cancel
          </button>
        </div>
      )}
      {(pending || uploadNotice) && (
        <div className="composer-files">
          {pending && (
            <ul className="composer-uploads" aria-label="Files to send">
              {uploads.map((upload) => (
                <UploadChip key={upload.key} upload={upload} onRemove={onRemoveUpload} onRetry={onRetryUpload} />
              ))}
            </ul>
          )}
          {uploadNotice && (
            <p className="field-error" role="alert">
              {uploadNotice}
            </p>
          )}
        </div>
      )}
      <div className="composer-row">
        {onAttach && (
          <>
            <button
              type="button"
              className="composer-attach"
              aria-label="Attach files"
              title="Attach files (or paste, or drop them here)"
              disabled={disabled}
              onClick={() => fileRef.current?.click()}
            >
              <span aria-hidden="true">📎</span>
            </button>
            <input
              ref={fileRef}
              type="file"
              multiple
              hidden
              tabIndex={-1}
              aria-hidden="true"
              onChange={(event) => {
                const files = Array.from(event.target.files ?? []);
                event.target.value = ""; // the same file may be chosen again
                if (files.length > 0) onAttach(files);
              }}
            />
          </>
        )}
        <div className="composer-input">
          <label htmlFor={id} className="visually-hidden">
            Message
          </label>
          <textarea
            id={id}
            ref={textRef}
            rows={1}
            value={body}
            placeholder={touch ? "Write a message…" : "Write a message… (Enter sends, Shift+Enter for a new line)"}
            enterKeyHint={touch ? "enter" : "send"}
            aria-invalid={tooLong || undefined}
            aria-describedby={length >= COUNTER_FROM ? `${id}-counter` : undefined}
            aria-autocomplete="list"
            aria-haspopup="listbox"
            aria-controls={open ? listId : undefined}
            aria-activedescendant={activeUser ? optionId(activeUser) : undefined}
            disabled={disabled}
            onChange={(event) => {
              setBody(event.target.value);
              setCaret(event.target.selectionStart);
              if (event.target.value) onTyping();
            }}
            onSelect={(event) => setCaret(event.currentTarget.selectionStart)}
            onFocus={() => setFocused(true)}
            onBlur={() => setFocused(false)}
            onKeyDown={onKeyDown}
            onPaste={onPaste}
          />
          {open && (
            <ul id={listId} role="listbox" aria-label="People to mention" className="mention-suggestions">
              {suggestions.map((user, index) => (
                <li
                  key={user.id}
                  id={optionId(user)}
                  role="option"
                  aria-selected={index === activeIndex}
                  className={index === activeIndex ? "active" : undefined}
                  // The box keeps the focus (and the caret) while a suggestion is clicked.
                  onMouseDown={(event) => event.preventDefault()}
                  onClick={() => choose(user)}
                >
                  @{user.username}
                </li>
              ))}
            </ul>
          )}
          <span className="visually-hidden" role="status" aria-live="polite">
            {open ? `${suggestions.length} ${suggestions.length === 1 ? "person" : "people"} to mention: up and down arrows choose, Enter or Tab inserts, Escape closes.` : ""}
          </span>
        </div>
        {length >= COUNTER_FROM && (
          <span id={`${id}-counter`} className={tooLong ? "composer-counter over" : "composer-counter"} aria-live="polite">
            {tooLong ? `${length - LIMITS.messageMax} over the limit` : `${LIMITS.messageMax - length} left`}
          </span>
        )}
        <button type="submit" className="button-primary" disabled={!canSend} title={busy ? "Waiting for the files to upload" : undefined}>
          Send
        </button>
      </div>
    </form>
  );
}

interface UploadChipProps {
  upload: PendingUpload;
  onRemove?(key: string): void;
  onRetry?(key: string): void;
}

function UploadChip({ upload, onRemove, onRetry }: UploadChipProps) {
  const percent = upload.total > 0 ? Math.min(100, Math.round((upload.sent / upload.total) * 100)) : 0;
  return (
    <li className={`upload-chip ${upload.status}`}>
      <span className="upload-name" title={upload.name}>
        {upload.name}
      </span>
      <span className="muted upload-size">{formatBytes(upload.size)}</span>
      {upload.status === "uploading" && (
        <>
          <progress max={100} value={percent} aria-label={`Uploading ${upload.name}`} />
          <span className="muted">{percent}%</span>
        </>
      )}
      {upload.status === "done" && <span className="upload-ready">Ready</span>}
      {upload.status === "failed" && (
        <>
          <span className="field-error" role="alert">
            {upload.error}
          </span>
          {onRetry && (
            <button type="button" onClick={() => onRetry(upload.key)} aria-label={`Retry uploading ${upload.name}`}>
              Retry
            </button>
          )}
        </>
      )}
      {onRemove && (
        <button type="button" className="upload-remove" onClick={() => onRemove(upload.key)} aria-label={`Remove ${upload.name}`}>
          <span aria-hidden="true">×</span>
        </button>
      )}
    </li>
  );
}
