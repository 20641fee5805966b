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

/** A message fit to show a person, whatever was thrown. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.detail;
  if (error instanceof Error) return error.message;
  return "Something went wrong.";
}
