import { randomUUID } from "node:crypto";
import { create, type DescMessage, type DescMethodUnary, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { ConnectService, type ConnectedAccount } from "./gen/payflow/v1/connect_pb.js";
import { ExportService } from "./gen/payflow/v1/export_pb.js";
import { HoldService, type Hold } from "./gen/payflow/v1/hold_pb.js";
import { LedgerService, TransactionSchema, type LedgerEntry, type Transaction } from "./gen/payflow/v1/ledger_pb.js";
import { WebhookEndpointService, type WebhookEvent } from "./gen/payflow/v1/partner_webhooks_pb.js";
import { PaymentService, type Payment } from "./gen/payflow/v1/payment_pb.js";
import { PaymentMethodService, type PaymentMethod } from "./gen/payflow/v1/payment_method_pb.js";
import { PayoutService, type Payout } from "./gen/payflow/v1/payout_pb.js";
import { TransferService } from "./gen/payflow/v1/transfer_pb.js";
import { WalletService, type Wallet } from "./gen/payflow/v1/wallet_pb.js";
import { Transport } from "./transport.js";
import { verify } from "./webhooks.js";

export type Environment = "sandbox" | "production";

export interface PayFlowClientOptions {
  /** A partner key: `sk_test_...` for sandbox, `sk_live_...` for production. */
  apiKey: string;
  /** Must match the key's prefix, or the constructor throws: a live key never runs a test. */
  environment: Environment;
  /** Where PayFlow's REST API is (without `/api/v1`). Default: `http://localhost:8080`, the development server. */
  baseUrl?: string;
  /** Timeout of each attempt, in ms (default 10,000). */
  timeoutMs?: number;
  /** Attempts after the first for retryable failures (default 3, at most 10). */
  maxRetries?: number;
  /** A fetch of your own (a proxy, instrumentation); default: the global fetch. */
  fetch?: typeof fetch;
  /** How to wait between attempts, in ms; for tests. Default: a timer. */
  sleep?: (ms: number) => Promise<void>;
}

const KEY_PREFIX: Record<Environment, string> = { sandbox: "sk_test_", production: "sk_live_" };
const TIMEOUT_MS_DEFAULT = 10_000;
const MAX_RETRIES_DEFAULT = 3;
/** More than ten retries of one call only hides an outage from the caller. */
const MAX_RETRIES_LIMIT = 10;

type Init<M extends DescMethodUnary> = MessageInitShape<M["input"]>;
/** A request without the fields a resource method takes as arguments. */
type Rest<M extends DescMethodUnary, K extends string> = Omit<Init<M>, K | "$typeName">;

/**
 * PayFlow's REST API for partners, typed from the contract's protos. Money is a decimal string
 * with its currency (`{ amount: "50.00", currency: "USD" }`), never a JS number. Money-moving
 * calls get an idempotency key per call when you give none, reused on every retry; failures are
 * `PayFlowError`s with a stable `reason`; lists page as you iterate them (`for await`).
 *
 * Each resource method is one line over a generated service descriptor; `call` and `paginate`
 * reach any RPC of the contract with the same behaviour.
 */
export class PayFlowClient {
  /** Partner webhooks: `PayFlowClient.webhooks.verify(rawBody, headers, secret)`. */
  static readonly webhooks = { verify };

  readonly wallets;
  readonly transfers;
  readonly transactions;
  readonly holds;
  readonly payments;
  /** Users' payment methods kept as the provider's tokens (never card numbers). */
  readonly paymentMethods;
  /** Connected accounts (Stripe Connect): the partner's own and its users' payout recipients. */
  readonly connectedAccounts;
  /** Payouts to connected accounts' bank accounts; `create` is idempotent (a key is made when none is given). */
  readonly payouts;
  /** The partner's webhook endpoint of this key's mode, and the events sent to it. */
  readonly webhookEndpoint;
  /** The partner's own data in bulk (permission `exports:read`). */
  readonly exports;
  private readonly transport: Transport;

  constructor(options: PayFlowClientOptions) {
    const prefix = KEY_PREFIX[options.environment];
    if (prefix === undefined) {
      throw new TypeError(`environment: ${JSON.stringify(options.environment)} (expected: "sandbox" or "production")`);
    }
    if (typeof options.apiKey !== "string" || !options.apiKey.startsWith(prefix)) {
      throw new TypeError(`apiKey: a ${options.environment} key starts with ${prefix}`);
    }
    const maxRetries = options.maxRetries ?? MAX_RETRIES_DEFAULT;
    if (!Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > MAX_RETRIES_LIMIT) {
      throw new RangeError(`maxRetries: ${maxRetries} (expected: 0..${MAX_RETRIES_LIMIT})`);
    }
    const timeoutMs = options.timeoutMs ?? TIMEOUT_MS_DEFAULT;
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
      throw new RangeError(`timeoutMs: ${timeoutMs} (expected: a positive integer)`);
    }
    this.transport = new Transport({
      apiKey: options.apiKey,
      baseUrl: (options.baseUrl ?? "http://localhost:8080").replace(/\/+$/, ""),
      timeoutMs,
      maxRetries,
      fetch: options.fetch ?? globalThis.fetch,
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      random: Math.random,
    });

    const wallet = WalletService.method;
    const ledger = LedgerService.method;
    this.wallets = {
      create: (init: Init<typeof wallet.createWallet>) => this.call(wallet.createWallet, init),
      get: (id: string) => this.call(wallet.getWallet, { id }),
      getByExternalId: (externalId: string) => this.call(wallet.getWalletByExternalId, { externalId }),
      list: (init: Init<typeof wallet.listWallets> = {}) => this.paginate<typeof wallet.listWallets, Wallet>(wallet.listWallets, init),
      update: (init: Init<typeof wallet.updateWallet>) => this.call(wallet.updateWallet, init),
      balance: (id: string, init: Rest<typeof wallet.getWalletBalance, "id"> = {}) =>
        this.call(wallet.getWalletBalance, { ...init, id }),
      credit: (init: Init<typeof wallet.creditWallet>) => this.call(wallet.creditWallet, init),
      debit: (init: Init<typeof wallet.debitWallet>) => this.call(wallet.debitWallet, init),
      transactions: (walletId: string, init: Rest<typeof ledger.listWalletTransactions, "walletId"> = {}) =>
        this.paginate<typeof ledger.listWalletTransactions, Transaction>(ledger.listWalletTransactions, { ...init, walletId }),
      ledgerEntries: (walletId: string, init: Rest<typeof ledger.listLedgerEntries, "walletId"> = {}) =>
        this.paginate<typeof ledger.listLedgerEntries, LedgerEntry>(ledger.listLedgerEntries, { ...init, walletId }),
    };
    const transfer = TransferService.method;
    this.transfers = {
      create: (init: Init<typeof transfer.createTransfer>) => this.call(transfer.createTransfer, init),
      get: (id: string) => this.call(transfer.getTransfer, { id }),
      /**
       * BatchCreateTransfers: up to 1,000 transfers, each answered on its own (or all or none with
       * `atomic: true`). A member without an `idempotencyKey` gets one here (and the batch gets one
       * in the transport), all reused on every retry, so a retried batch books nothing twice.
       */
      createBatch: (init: Init<typeof transfer.batchCreateTransfers>) => {
        const request = create(transfer.batchCreateTransfers.input, init);
        for (const member of request.transfers) {
          if (member.idempotencyKey === "") {
            member.idempotencyKey = `sdk_${randomUUID()}`;
          }
        }
        return this.call(transfer.batchCreateTransfers, request);
      },
    };
    this.transactions = {
      get: (id: string) => this.call(ledger.getTransaction, { id }),
    };
    const hold = HoldService.method;
    this.holds = {
      create: (init: Init<typeof hold.createHold>) => this.call(hold.createHold, init),
      capture: (init: Init<typeof hold.captureHold>) => this.call(hold.captureHold, init),
      void: (init: Init<typeof hold.voidHold>) => this.call(hold.voidHold, init),
      get: (id: string) => this.call(hold.getHold, { id }),
      list: (walletId: string, init: Rest<typeof hold.listWalletHolds, "walletId"> = {}) =>
        this.paginate<typeof hold.listWalletHolds, Hold>(hold.listWalletHolds, { ...init, walletId }),
    };
    const payment = PaymentService.method;
    this.payments = {
      create: (init: Init<typeof payment.createPayment>) => this.call(payment.createPayment, init),
      get: (id: string) => this.call(payment.getPayment, { id }),
      list: (init: Init<typeof payment.listPayments> = {}) => this.paginate<typeof payment.listPayments, Payment>(payment.listPayments, init),
      capture: (init: Init<typeof payment.capturePayment>) => this.call(payment.capturePayment, init),
      cancel: (init: Init<typeof payment.cancelPayment>) => this.call(payment.cancelPayment, init),
      refund: (init: Init<typeof payment.refundPayment>) => this.call(payment.refundPayment, init),
      config: () => this.call(payment.getPaymentConfig, {}),
    };
    const paymentMethod = PaymentMethodService.method;
    this.paymentMethods = {
      create: (init: Init<typeof paymentMethod.createPaymentMethod>) => this.call(paymentMethod.createPaymentMethod, init),
      get: (id: string) => this.call(paymentMethod.getPaymentMethod, { id }),
      list: (init: Init<typeof paymentMethod.listPaymentMethods> = {}) =>
        this.paginate<typeof paymentMethod.listPaymentMethods, PaymentMethod>(paymentMethod.listPaymentMethods, init),
      update: (id: string, init: Rest<typeof paymentMethod.updatePaymentMethod, "id">) =>
        this.call(paymentMethod.updatePaymentMethod, { ...init, id }),
      /** Detaches it (at the provider too); answers it with `status: "detached"`. */
      detach: (id: string) => this.call(paymentMethod.deletePaymentMethod, { id }),
    };
    const connect = ConnectService.method;
    this.connectedAccounts = {
      create: (init: Init<typeof connect.createConnectedAccount>) => this.call(connect.createConnectedAccount, init),
      get: (id: string) => this.call(connect.getConnectedAccount, { id }),
      list: (init: Init<typeof connect.listConnectedAccounts> = {}) =>
        this.paginate<typeof connect.listConnectedAccounts, ConnectedAccount>(connect.listConnectedAccounts, init),
      update: (id: string, init: Rest<typeof connect.updateConnectedAccount, "id">) => this.call(connect.updateConnectedAccount, { ...init, id }),
      disconnect: (id: string) => this.call(connect.deleteConnectedAccount, { id }),
      onboardingLink: (id: string, init: Rest<typeof connect.createOnboardingLink, "id"> = {}) =>
        this.call(connect.createOnboardingLink, { ...init, id }),
      balance: (id: string) => this.call(connect.getConnectedAccountBalance, { id }),
      oauthUrl: (init: Init<typeof connect.createConnectOAuthUrl> = {}) => this.call(connect.createConnectOAuthUrl, init),
    };
    const payout = PayoutService.method;
    this.payouts = {
      create: (init: Init<typeof payout.createPayout>) => this.call(payout.createPayout, init),
      get: (id: string) => this.call(payout.getPayout, { id }),
      list: (init: Init<typeof payout.listPayouts> = {}) => this.paginate<typeof payout.listPayouts, Payout>(payout.listPayouts, init),
      cancel: (id: string) => this.call(payout.cancelPayout, { id }),
    };
    const endpoint = WebhookEndpointService.method;
    this.webhookEndpoint = {
      get: () => this.call(endpoint.getWebhookEndpoint, {}),
      put: (init: Init<typeof endpoint.putWebhookEndpoint>) => this.call(endpoint.putWebhookEndpoint, init),
      rollSecret: (init: Init<typeof endpoint.rollWebhookSecret> = {}) => this.call(endpoint.rollWebhookSecret, init),
      events: (init: Init<typeof endpoint.listEvents> = {}) => this.paginate<typeof endpoint.listEvents, WebhookEvent>(endpoint.listEvents, init),
      event: (id: string) => this.call(endpoint.getEvent, { id }),
      replay: (eventId: string) => this.call(endpoint.replayEvent, { eventId }),
    };
    const exportService = ExportService.method;
    this.exports = {
      /**
       * The key's mode's transactions created in [from, to), oldest first, each as
       * `transactions.get` answers it: every page of the JSON-lines export, fetched as the
       * iteration goes (`for await`), each page retried as any read is.
       */
      transactions: (init: Init<typeof exportService.exportTransactions>): AsyncIterable<Transaction> =>
        this.transport.ndjsonPages(exportService.exportTransactions, init, TransactionSchema),
    };
  }

  /** Any unary RPC of the contract with a REST route, e.g. `call(WalletService.method.getWallet, { id })`. */
  call<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    init: MessageInitShape<I>,
  ): Promise<MessageShape<O>> {
    return this.transport.unary(method, init);
  }

  /** Every item of a list RPC, fetched page by page as the iteration goes. */
  paginate<M extends DescMethodUnary, T>(method: M, init: Init<M>): AsyncIterable<T> {
    return this.transport.paginate<M["input"], M["output"], T>(method as never, init);
  }
}
