import { createHmac, timingSafeEqual } from "node:crypto";

/** Five minutes either way, as Standard Webhooks recommends: old enough for clock skew, not for a replay. */
export const WEBHOOK_TOLERANCE_SECONDS_DEFAULT = 300;

/**
 * A partner webhook event as PayFlow sends it. Until the event contract (events.proto) lands
 * this is the JSON object itself; then it becomes the generated Event type.
 */
export interface WebhookEvent {
  type: string;
  [field: string]: unknown;
}

export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookVerificationError";
  }
}

type HeaderSource = Headers | Record<string, string | string[] | undefined>;

/**
 * Checks a webhook the Standard Webhooks way and returns its event: `webhook-signature` must
 * hold a `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` made with the endpoint's secret
 * (`whsec_<base64 key>`), and `webhook-timestamp` must be within the tolerance of now. Pass the
 * raw body exactly as received (before any JSON parsing).
 *
 * @throws WebhookVerificationError if a header is missing, the timestamp is out of tolerance,
 *     or no signature matches
 */
export function verify(
  rawBody: string | Uint8Array,
  headers: HeaderSource,
  secret: string,
  options: { toleranceSeconds?: number; nowSeconds?: () => number } = {},
): WebhookEvent {
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");
  if (!/^\d{1,15}$/.test(timestamp)) {
    throw new WebhookVerificationError(`webhook-timestamp: ${JSON.stringify(timestamp.slice(0, 20))} (expected: Unix seconds)`);
  }
  const now = options.nowSeconds?.() ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS_DEFAULT;
  if (Math.abs(now - Number(timestamp)) > tolerance) {
    throw new WebhookVerificationError(`webhook-timestamp ${timestamp} is more than ${tolerance} s from now (${now})`);
  }
  if (!secret.startsWith("whsec_")) {
    throw new WebhookVerificationError("secret: expected whsec_<base64>");
  }
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  const body = typeof rawBody === "string" ? Buffer.from(rawBody, "utf8") : Buffer.from(rawBody);
  const expected = createHmac("sha256", key)
    .update(`${id}.${timestamp}.`)
    .update(body)
    .digest();
  const matches = signatures.split(" ").some((entry) => {
    const [version, signature] = entry.split(",", 2);
    if (version !== "v1" || signature === undefined) {
      return false;
    }
    const given = Buffer.from(signature, "base64");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) {
    throw new WebhookVerificationError("no webhook-signature matches the body and the secret");
  }
  return JSON.parse(body.toString("utf8")) as WebhookEvent;
}

function header(headers: HeaderSource, name: string): string {
  let value: string | string[] | null | undefined;
  if (typeof (headers as Headers).get === "function") {
    value = (headers as Headers).get(name);
  } else {
    const record = headers as Record<string, string | string[] | undefined>;
    const key = Object.keys(record).find((k) => k.toLowerCase() === name);
    value = key === undefined ? undefined : record[key];
  }
  const text = Array.isArray(value) ? value.join(" ") : value;
  if (text === undefined || text === null || text === "") {
    throw new WebhookVerificationError(`${name} header is missing`);
  }
  return text;
}
