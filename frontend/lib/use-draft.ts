// React binding of the draft (draft.ts) of one room: the message being replied to, and files
// uploaded for the next send (POST /rooms/{id}/files, with progress; cancelled when removed or
// when the room is left).

import { useCallback, useEffect, useReducer, useRef } from "react";

import type { Message } from "./api-types";
import type { ChatApi } from "./chat-api";
import { newClientId } from "./client-id";
import {
  MAX_ATTACHMENTS,
  draftReducer,
  initialDraftState,
  readyAttachments,
  uploadErrorMessage,
  type DraftState,
} from "./draft";
import type { SendExtras } from "./use-outbox";

export interface DraftView {
  state: DraftState;
  startReply(message: Message): void;
  cancelReply(): void;
  /** Uploads files (at most MAX_ATTACHMENTS in the draft: the rest are left out, said so). */
  addFiles(files: readonly File[]): void;
  /** Takes a file out of the draft (an upload under way is cancelled). */
  removeFile(key: string): void;
  retryFile(key: string): void;
  /** What the next send carries; the draft is then cleared of it. */
  takeForSend(): SendExtras;
}

export function useDraft(roomId: number, api: ChatApi): DraftView {
  const [state, dispatch] = useReducer(draftReducer, initialDraftState);
  const stateRef = useRef(state);
  /** Uploads in the draft, counted as they are added (several may be added before a render). */
  const keys = useRef(new Set<string>());
  const uploads = useRef(new Map<string, AbortController>());

  useEffect(() => {
    stateRef.current = state;
  });

  // Leaving the room: nothing more to upload to it.
  useEffect(() => {
    const running = uploads.current;
    return () => {
      for (const controller of running.values()) controller.abort();
      running.clear();
    };
  }, []);

  const upload = useCallback(
    (key: string, file: File) => {
      const controller = new AbortController();
      uploads.current.set(key, controller);
      api.files
        .upload(roomId, file, file.name || "file", {
          signal: controller.signal,
          onProgress: (sent, total) => dispatch({ type: "uploadProgress", key, sent, total }),
        })
        .then(
          (attachment) => {
            if (!controller.signal.aborted) dispatch({ type: "uploadDone", key, attachment });
          },
          (error: unknown) => {
            if (!controller.signal.aborted) dispatch({ type: "uploadFailed", key, error: uploadErrorMessage(error) });
          },
        )
        .finally(() => {
          if (uploads.current.get(key) === controller) uploads.current.delete(key);
        });
    },
    [api, roomId],
  );

  const addFiles = useCallback(
    (files: readonly File[]) => {
      const room = Math.max(0, MAX_ATTACHMENTS - keys.current.size);
      const taken = files.slice(0, room);
      for (const file of taken) {
        const key = newClientId();
        keys.current.add(key);
        dispatch({ type: "uploadStarted", key, file });
        upload(key, file);
      }
      if (files.length > taken.length) dispatch({ type: "tooMany", count: files.length - taken.length });
    },
    [upload],
  );

  const removeFile = useCallback((key: string) => {
    uploads.current.get(key)?.abort();
    uploads.current.delete(key);
    keys.current.delete(key);
    dispatch({ type: "uploadRemoved", key });
  }, []);

  const retryFile = useCallback(
    (key: string) => {
      const found = stateRef.current.uploads.find((u) => u.key === key);
      if (found?.status !== "failed") return;
      dispatch({ type: "uploadRetried", key });
      upload(key, found.file);
    },
    [upload],
  );

  const startReply = useCallback((message: Message) => dispatch({ type: "replyStarted", message }), []);
  const cancelReply = useCallback(() => dispatch({ type: "replyCancelled" }), []);

  const takeForSend = useCallback((): SendExtras => {
    const current = stateRef.current;
    const attachments = readyAttachments(current);
    for (const upload of current.uploads) if (upload.status === "done") keys.current.delete(upload.key);
    dispatch({ type: "sent" });
    return { replyTo: current.replyTo, attachments };
  }, []);

  return { state, startReply, cancelReply, addFiles, removeFile, retryFile, takeForSend };
}
