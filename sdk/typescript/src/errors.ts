/** gRPC code names by number: the `code` of a google.rpc.Status body. */
const CODE_NAMES = [
  "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
  "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
  "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
] as const;

/**
 * A failed PayFlow call. Switch on `reason` (an `ErrorReason` of the contract:
 * `INSUFFICIENT_FUNDS`, `WALLET_NOT_FOUND`, ...), never on `message`. A failure that never got a
 * PayFlow answer (the network, a timeout) has `status` 0 and an empty `reason`.
 */
export class PayFlowError extends Error {
  /** The HTTP status (400, 404, 409, ...), or 0 when no response arrived. */
  readonly status: number;
  /** The gRPC code name of the google.rpc.Status (`FAILED_PRECONDITION`, `NOT_FOUND`, ...). */
  readonly code: string;
  /** The ErrorInfo reason, e.g. `INSUFFICIENT_FUNDS`; empty if the error had none. */
  readonly reason: string;
  /** The request id (`x-request-id`) to quote to PayFlow's support; empty if none. */
  readonly requestId: string;
  /** How long the server asked to wait before a retry (Retry-After or RetryInfo), in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(fields: {
    status: number;
    code: string;
    reason: string;
    message: string;
    requestId: string;
    retryAfterMs?: number;
    cause?: unknown;
  }) {
    super(
      `${fields.code}${fields.reason ? " " + fields.reason : ""}: ${fields.message}` +
        (fields.requestId ? ` (request ${fields.requestId})` : ""),
      fields.cause === undefined ? undefined : { cause: fields.cause },
    );
    this.name = "PayFlowError";
    this.status = fields.status;
    this.code = fields.code;
    this.reason = fields.reason;
    this.requestId = fields.requestId;
    this.retryAfterMs = fields.retryAfterMs;
  }

  /** The error of a non-2xx response, read from its google.rpc.Status body. */
  static fromResponse(status: number, headers: Headers, bodyText: string): PayFlowError {
    let code = status === 503 ? "UNAVAILABLE" : "UNKNOWN";
    let message = bodyText.slice(0, 200);
    let reason = "";
    let requestId = headers.get("x-request-id") ?? "";
    let retryAfterMs = parseRetryAfter(headers.get("retry-after"));
    try {
      const body = JSON.parse(bodyText) as {
        code?: number;
        message?: string;
        details?: Array<Record<string, unknown>>;
      };
      if (typeof body.code === "number") {
        code = CODE_NAMES[body.code] ?? String(body.code);
      }
      if (typeof body.message === "string") {
        message = body.message;
      }
      for (const detail of body.details ?? []) {
        const type = detail["@type"];
        if (type === "type.googleapis.com/google.rpc.ErrorInfo") {
          reason = String(detail.reason ?? "");
          const metadata = detail.metadata as Record<string, string> | undefined;
          requestId = requestId || (metadata?.requestId ?? "");
        } else if (type === "type.googleapis.com/google.rpc.RetryInfo" && retryAfterMs === undefined) {
          retryAfterMs = parseDuration(detail.retryDelay);
        }
      }
    } catch {
      // Not a PayFlow error body (a proxy's page): status and text are all there is.
    }
    return new PayFlowError({ status, code, reason, message, requestId, retryAfterMs });
  }
}

/** Retry-After: delay-seconds or an HTTP date. */
function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || value.trim() === "") {
    return undefined;
  }
  if (/^\d+$/.test(value.trim())) {
    return Number(value.trim()) * 1000;
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** A google.protobuf.Duration in JSON: "1.5s". */
function parseDuration(value: unknown): number | undefined {
  if (typeof value !== "string") {
    return undefined;
  }
  const match = /^(\d+)(?:\.(\d{1,9}))?s$/.exec(value);
  if (!match) {
    return undefined;
  }
  return Number(match[1]) * 1000 + Math.round(Number(`0.${match[2] ?? "0"}`) * 1000);
}
