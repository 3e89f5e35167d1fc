import { randomUUID } from "node:crypto";
import {
  create,
  fromJson,
  getOption,
  toJson,
  type DescField,
  type DescMessage,
  type DescMethodUnary,
  type JsonValue,
  type MessageInitShape,
  type MessageShape,
} from "@bufbuild/protobuf";
import { http } from "./gen/google/api/annotations_pb.js";
import { idempotent } from "./gen/payflow/v1/idempotency_pb.js";
import { PayFlowError } from "./errors.js";

/** What the transport needs; PayFlowClient fills in the defaults. */
export interface TransportOptions {
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
  maxRetries: number;
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

/** Backoff of the first retry; each retry doubles it, up to BACKOFF_MAX_MS ("full jitter"). */
const BACKOFF_INITIAL_MS = 100;
const BACKOFF_MAX_MS = 2_000;
/** A server asking for a longer wait than this gets an error instead of a hung caller. */
export const RETRY_AFTER_MAX_MS = 30_000;
/** A bound on the pages one iteration fetches (10,000 pages of up to 200 items). */
const PAGES_MAX = 10_000;

/**
 * One unary RPC over PayFlow's REST API, driven by the method's descriptor: its google.api.http
 * rule gives verb, path and body; `(payflow.v1.idempotent)` says it moves money, so it gets one
 * idempotency key per call (made here when the caller gives none) that every retry repeats.
 * Retried: network errors and timeouts, 409 IDEMPOTENCY_KEY_IN_USE, 429 (after Retry-After) and
 * 503. Never other 4xx: those are answers.
 */
export class Transport {
  constructor(private readonly options: TransportOptions) {}

  async unary<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    init: MessageInitShape<I>,
  ): Promise<MessageShape<O>> {
    const request = create(method.input, init) as MessageShape<I> & Record<string, unknown>;
    if (getOption(method, idempotent)) {
      const key = method.input.fields.find((field) => field.name === "idempotency_key");
      if (key === undefined) {
        throw new Error(`${method.parent.typeName}.${method.name} is marked idempotent but has no idempotency_key`);
      }
      if (request[key.localName] === "") {
        request[key.localName] = `sdk_${randomUUID()}`;
      }
    }
    const { verb, url, body } = this.bind(method, request);
    return this.send(verb, url, body, "application/json", (text) =>
      fromJson(method.output, JSON.parse(text) as JsonValue, { ignoreUnknownFields: true }) as MessageShape<O>,
    );
  }

  /**
   * Every line of a JSON-lines export RPC (its answer is a `google.api.HttpBody` of
   * `application/x-ndjson`), page by page: each line but the last is an item of `itemType`, the
   * last is `{"nextPageToken": "..."}` (empty on the last page), passed back as `pageToken`.
   */
  async *ndjsonPages<I extends DescMessage, T extends DescMessage>(
    method: DescMethodUnary<I, DescMessage>,
    init: MessageInitShape<I>,
    itemType: T,
  ): AsyncGenerator<MessageShape<T>, void, undefined> {
    const pageToken = field(method.input, "page_token");
    let token = String((create(method.input, init) as Record<string, unknown>)[pageToken.localName] ?? "");
    for (let pages = 0; pages < PAGES_MAX; pages++) {
      const request = create(method.input, { ...init, [pageToken.localName]: token } as MessageInitShape<I>);
      const { verb, url, body } = this.bind(method, request as Record<string, unknown>);
      const page = await this.send(verb, url, body, "application/x-ndjson", (text) => {
        const lines = text.split("\n").filter((line) => line.trim() !== "");
        if (lines.length === 0) {
          throw new Error(`${method.name}: an empty page (expected: a last line with nextPageToken)`);
        }
        const last = JSON.parse(lines[lines.length - 1]) as { nextPageToken?: unknown };
        if (typeof last.nextPageToken !== "string") {
          throw new Error(`${method.name}: the page's last line has no nextPageToken`);
        }
        const items = lines
          .slice(0, -1)
          .map((line) => fromJson(itemType, JSON.parse(line) as JsonValue, { ignoreUnknownFields: true }) as MessageShape<T>);
        return { items, nextPageToken: last.nextPageToken };
      });
      yield* page.items;
      token = page.nextPageToken;
      if (token === "") {
        return;
      }
    }
    throw new Error(`${method.name}: more than ${PAGES_MAX} pages`);
  }

  /** One request with the retries: `parse` reads a 2xx body; a failure is a PayFlowError. */
  private async send<T>(verb: string, url: string, body: string | undefined, accept: string, parse: (text: string) => T): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.attempt(verb, url, body, accept).then(
        async (response): Promise<{ value: T } | { error: PayFlowError }> => {
          const text = await response.text();
          if (response.ok) {
            return { value: parse(text) };
          }
          return { error: PayFlowError.fromResponse(response.status, response.headers, text) };
        },
        (cause: unknown) => ({ error: networkError(cause) }),
      );
      if ("value" in outcome) {
        return outcome.value;
      }
      const failure = outcome.error;
      if (attempt >= this.options.maxRetries || !isRetryable(failure)) {
        throw failure;
      }
      if ((failure.retryAfterMs ?? 0) > RETRY_AFTER_MAX_MS) {
        throw failure;
      }
      const cap = Math.min(BACKOFF_MAX_MS, BACKOFF_INITIAL_MS * 2 ** attempt);
      const jitter = Math.floor(this.options.random() * (cap + 1));
      await this.options.sleep(Math.max(jitter, failure.retryAfterMs ?? 0));
    }
  }

  /** Every item of a list RPC, page by page: its page_token, next_page_token and one repeated field. */
  async *paginate<I extends DescMessage, O extends DescMessage, T>(
    method: DescMethodUnary<I, O>,
    init: MessageInitShape<I>,
  ): AsyncGenerator<T, void, undefined> {
    const pageToken = field(method.input, "page_token");
    const nextPageToken = field(method.output, "next_page_token");
    const items = method.output.fields.filter((f) => f.fieldKind === "list" && f.listKind === "message");
    if (items.length !== 1) {
      throw new Error(`${method.output.typeName}: expected exactly one repeated message field (the page's items)`);
    }
    let token = String((create(method.input, init) as Record<string, unknown>)[pageToken.localName] ?? "");
    for (let pages = 0; pages < PAGES_MAX; pages++) {
      const page = (await this.unary(method, { ...init, [pageToken.localName]: token } as MessageInitShape<I>)) as Record<
        string,
        unknown
      >;
      for (const item of page[items[0].localName] as T[]) {
        yield item;
      }
      token = String(page[nextPageToken.localName]);
      if (token === "") {
        return;
      }
    }
    throw new Error(`${method.name}: more than ${PAGES_MAX} pages`);
  }

  private attempt(verb: string, url: string, body: string | undefined, accept: string): Promise<Response> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.options.apiKey}`,
      accept,
    };
    if (body !== undefined) {
      headers["content-type"] = "application/json";
    }
    return this.options.fetch(url, {
      method: verb,
      headers,
      body,
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
  }

  /** The HTTP request of a message, by the method's google.api.http rule. */
  private bind(
    method: DescMethodUnary,
    request: Record<string, unknown>,
  ): { verb: string; url: string; body: string | undefined } {
    const rule = getOption(method, http);
    if (rule.pattern.case === undefined || rule.pattern.case === "custom") {
      throw new Error(`${method.name} has no REST route`);
    }
    const verb = rule.pattern.case.toUpperCase();
    const json = toJson(method.input, request as never, { alwaysEmitImplicit: false }) as Record<string, JsonValue>;
    const bound = new Set<string>();
    const path = rule.pattern.value.replace(/\{([a-z0-9_.]+)(?:=[^}]*)?}/g, (_, name: string) => {
      const f = field(method.input, name);
      bound.add(f.jsonName);
      const value = String(request[f.localName] ?? "");
      if (value === "") {
        throw new TypeError(`${method.name}: ${f.jsonName} is required (it is part of the path)`);
      }
      return encodeURIComponent(value);
    });
    for (const name of bound) {
      delete json[name];
    }
    let body: string | undefined;
    const query = new URLSearchParams();
    if (rule.body === "*") {
      body = JSON.stringify(json);
    } else if (rule.body !== "") {
      body = JSON.stringify(json[field(method.input, rule.body).jsonName] ?? {});
    } else {
      addQuery(query, "", json);
    }
    const search = query.toString();
    return { verb, url: this.options.baseUrl + path + (search ? `?${search}` : ""), body };
  }
}

function addQuery(query: URLSearchParams, prefix: string, value: JsonValue): void {
  if (value === null) {
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item) => addQuery(query, prefix, item));
  } else if (typeof value === "object") {
    for (const [key, nested] of Object.entries(value)) {
      addQuery(query, prefix ? `${prefix}.${key}` : key, nested);
    }
  } else {
    query.append(prefix, String(value));
  }
}

function field(message: DescMessage, name: string): DescField {
  const found = message.fields.find((f) => f.name === name);
  if (found === undefined) {
    throw new Error(`${message.typeName} has no field ${name}`);
  }
  return found;
}

export function isRetryable(error: PayFlowError): boolean {
  return (
    error.status === 0 ||
    error.status === 429 ||
    error.status === 503 ||
    (error.status === 409 && error.reason === "IDEMPOTENCY_KEY_IN_USE")
  );
}

function networkError(cause: unknown): PayFlowError {
  const timedOut = cause instanceof Error && (cause.name === "TimeoutError" || cause.name === "AbortError");
  return new PayFlowError({
    status: 0,
    code: timedOut ? "DEADLINE_EXCEEDED" : "UNAVAILABLE",
    reason: "",
    message: cause instanceof Error ? cause.message : String(cause),
    requestId: "",
    cause,
  });
}
