import { useState } from "react";

import type { Attachment } from "../lib/api-types";
import { formatBytes } from "../lib/draft";

/** The box a thumbnail is shown in (CSS pixels); thumbnails are at most 360 px. */
const THUMB_MAX_WIDTH = 320;
const THUMB_MAX_HEIGHT = 240;

/** An image's size on screen: its own, scaled down to fit the box (never up). */
export function thumbnailSize(width: number, height: number): { width: number; height: number } {
  const scale = Math.min(1, THUMB_MAX_WIDTH / width, THUMB_MAX_HEIGHT / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

interface AttachmentListProps {
  attachments: readonly Attachment[];
  /** An image would not load (its signed URL may have expired): the message is read again. */
  onBroken?(): void;
  /** -1: out of the tab order (a message other than the list's active one). */
  tabIndex?: number;
}

/** A message's files: images as thumbnails (opening the full image in a new tab), other files
 *  as links with their name and size. */
export function AttachmentList({ attachments, onBroken, tabIndex }: AttachmentListProps) {
  // Thumbnail URLs that failed to load: shown as a link instead (a fresh URL is tried again).
  const [broken, setBroken] = useState<ReadonlySet<string>>(() => new Set());
  if (attachments.length === 0) return null;
  return (
    <ul className="attachments" aria-label="Files">
      {attachments.map((file) => {
        const image = file.thumbnail_url && file.width && file.height && !broken.has(file.thumbnail_url);
        return (
          <li key={file.id} className={image ? "attachment attachment-image" : "attachment attachment-file"}>
            {image && file.thumbnail_url && file.width && file.height ? (
              <a href={file.url} target="_blank" rel="noopener noreferrer" tabIndex={tabIndex} title={`${file.name} (${formatBytes(file.size)}), opens in a new tab`}>
                {/* A plain <img>: the static export has no image optimiser, and signed URLs change. */}
                {/* eslint-disable-next-line @next/next/no-img-element */}
                <img
                  key={file.thumbnail_url}
                  src={file.thumbnail_url}
                  alt={file.name}
                  {...thumbnailSize(file.width, file.height)}
                  loading="lazy"
                  decoding="async"
                  onError={() => {
                    const url = file.thumbnail_url;
                    if (url) setBroken((held) => new Set(held).add(url));
                    onBroken?.();
                  }}
                />
              </a>
            ) : (
              <a href={file.url} target="_blank" rel="noopener noreferrer" className="attachment-link" tabIndex={tabIndex}>
                <span aria-hidden="true">{file.content_type.startsWith("image/") ? "🖼" : "📄"}</span>{" "}
                <span className="attachment-name">{file.name}</span>{" "}
                <span className="muted attachment-size">({formatBytes(file.size)})</span>
              </a>
            )}
          </li>
        );
      })}
    </ul>
  );
}
