// Every failed call, HTTP or network, becomes one ApiError shape: {status, detail}, plus
// per-field messages when the server's 422 says which field was wrong.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly fields: Readonly<Record<string, string>> = {},
    readonly retryAfter: number | null = null,
  ) {
    super(detail);
    this.name = "ApiError";
  }

  /** Status 0: the request never got an HTTP answer (server down, network gone). */
  get isNetworkError(): boolean {
    return this.status === 0;
  }
}

interface ValidationItem {
  loc?: unknown[];
  msg?: unknown;
}

function fieldOf(item: ValidationItem): string | null {
  const last = item.loc?.[item.loc.length - 1];
  return typeof last === "string" ? last : null;
}

/** Reads FastAPI's `{"detail": str | [{loc, msg}]}` into an ApiError. */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  let detail = res.statusText || `Request failed (${res.status})`;
  const fields: Record<string, string> = {};
  try {
    const body: unknown = await res.json();
    const raw = (body as { detail?: unknown } | null)?.detail;
    if (typeof raw === "string") {
      detail = raw;
    } else if (Array.isArray(raw)) {
      const messages: string[] = [];
      for (const item of raw as ValidationItem[]) {
        const msg = typeof item.msg === "string" ? item.msg : "Invalid value";
        messages.push(msg);
        const field = fieldOf(item);
        if (field && !fields[field]) fields[field] = msg;
      }
      if (messages.length > 0) detail = messages.join("; ");
    }
  } catch {
    // Not JSON (a proxy's HTML error page, an empty body): keep the status text.
  }
  const retry = Number(res.headers.get("Retry-After"));
  return new ApiError(res.status, detail, fields, Number.isFinite(retry) && retry > 0 ? retry : null);
}

export function networkError(cause: unknown): ApiError {
  const error = new ApiError(0, "Cannot reach the server. Check your connection and try again.");
  (error as Error).cause = cause;
  return error;
}

/** HTTP reason phrases and our own fallback: what a proxy or a crash says, never a message
 *  written for a person. */
const BARE_STATUS = /^(request failed \(\d+\)|internal server error|bad gateway|service unavailable|gateway time-?out|bad request|not found|forbidden|unauthorized|conflict|unprocessable (entity|content)|too many requests|payload too large|content too large)$/i;

/** What to say for a status when the server gave no message of its own. */
function friendlyForStatus(error: ApiError): string {
  const { status } = error;
  if (status === 429) {
    return error.retryAfter
      ? `Too many requests. Try again in ${error.retryAfter} second${error.retryAfter === 1 ? "" : "s"}.`
      : "Too many requests. Wait a moment and try again.";
  }
  if (status === 502 || status === 503 || status === 504) return "The server is not answering right now. Try again in a moment.";
  if (status >= 500) return "Something went wrong on the server. Try again in a moment.";
  if (status === 401) return "Your session has ended. Log in again.";
  if (status === 403) return "You are not allowed to do that.";
  if (status === 404) return "That could not be found: it may have been deleted.";
  if (status === 413) return "That is too large to send.";
  return "That did not work. Check what you entered and try again.";
}

/** A message fit to show a person, whatever was thrown: the server's own words for a request
 *  it refused (they are written for people), never a bare status or a server crash's text. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.isNetworkError) return error.detail;
    if (error.status >= 500) return friendlyForStatus(error);
    const detail = error.detail.trim();
    if (!detail || BARE_STATUS.test(detail) || detail.startsWith("<")) return friendlyForStatus(error);
    return detail;
  }
  if (error instanceof Error && error.message && !BARE_STATUS.test(error.message.trim())) return error.message;
  return "Something went wrong. Try again in a moment.";
}
