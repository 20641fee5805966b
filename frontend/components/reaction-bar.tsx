import { useEffect, useId, useRef, useState } from "react";

import { api } from "../lib/api";
import { describeError } from "../lib/api-error";
import type { Reaction } from "../lib/api-types";
import { reactionLabel, reactionsSignature, whoReactedText, type Reactors } from "../lib/reactions";
import { EmojiPicker } from "./emoji-picker";

/** Who reacted to a message, per emoji (GET /messages/{id}/reactions). */
export type LoadReactors = (messageId: number) => Promise<readonly Reactors[]>;

const loadFromServer: LoadReactors = (messageId) => api.messages.reactors(messageId);

interface ReactionBarProps {
  messageId: number;
  reactions: readonly Reaction[];
  /** The emoji picker is open (opened from the message's "Add reaction" button). */
  picking: boolean;
  onPicked(): void;
  onReact(messageId: number, emoji: string, on: boolean): Promise<void>;
  /** Who reacted: fetched on the first hover or focus of a chip, again when the counts change. */
  loadReactors?: LoadReactors;
  /** -1: the chips are out of the tab order (a message other than the list's active one). */
  tabIndex?: number;
}

/** A message's reactions (press one to join or leave it) and, when open, the emoji picker. */
export function ReactionBar({ messageId, reactions, picking, onPicked, onReact, loadReactors = loadFromServer, tabIndex }: ReactionBarProps) {
  const [error, setError] = useState<string | null>(null);
  const tooltipId = useId();
  // Who reacted: asked for once someone hovers or focuses a chip, then kept current.
  const [wanted, setWanted] = useState(false);
  const [reactors, setReactors] = useState<{ signature: string; list: readonly Reactors[] } | null>(null);
  const [loadError, setLoadError] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const asked = useRef<string | null>(null);
  const signature = reactionsSignature(reactions);

  useEffect(() => {
    const key = `${signature}#${attempt}`;
    if (!wanted || asked.current === key) return;
    asked.current = key;
    let live = true;
    loadReactors(messageId).then(
      (list) => {
        if (!live) return;
        setReactors({ signature, list });
        setLoadError(false);
      },
      () => {
        if (live) setLoadError(true); // tried again on the next hover or focus
      },
    );
    return () => {
      live = false;
      if (asked.current === key) asked.current = null;
    };
  }, [wanted, signature, attempt, messageId, loadReactors]);

  if (reactions.length === 0 && !picking && !error) return null;

  const toggle = async (emoji: string, on: boolean) => {
    setError(null);
    onPicked();
    try {
      await onReact(messageId, emoji, on);
    } catch (err) {
      setError(describeError(err));
    }
  };

  const want = () => {
    if (!wanted) setWanted(true);
    else if (loadError) {
      setLoadError(false);
      setAttempt((n) => n + 1);
    }
  };

  return (
    <div className="reactions" role="group" aria-label="Reactions">
      {reactions.map((reaction, index) => {
        const id = `${tooltipId}-${index}`;
        const names = reactors?.list.find((r) => r.emoji === reaction.emoji)?.users.map((u) => u.username);
        const who = names
          ? whoReactedText(reaction.emoji, names)
          : loadError
            ? "Could not load who reacted"
            : wanted
              ? "Loading who reacted…"
              : "";
        return (
          <span key={reaction.emoji} className="reaction-wrap" onPointerEnter={want} onFocus={want}>
            <button
              type="button"
              className={reaction.me ? "reaction mine" : "reaction"}
              aria-pressed={reaction.me}
              aria-label={reactionLabel(reaction)}
              aria-describedby={id}
              tabIndex={tabIndex}
              onClick={() => void toggle(reaction.emoji, !reaction.me)}
            >
              <span aria-hidden="true">{reaction.emoji}</span> <span aria-hidden="true">{reaction.count}</span>
            </button>
            <span role="tooltip" id={id} className="reaction-tooltip">
              {who}
              {who && ". "}
              <span className="reaction-tooltip-hint">{reaction.me ? "Press to take back yours" : "Press to react with this too"}</span>
            </span>
          </span>
        );
      })}
      {picking && (
        <EmojiPicker
          label="Pick a reaction"
          // An emoji already mine is taken back, as pressing its chip would.
          onPick={(emoji) => void toggle(emoji, !reactions.some((r) => r.emoji === emoji && r.me))}
          onClose={onPicked}
        />
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
