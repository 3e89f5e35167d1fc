export { PayFlowClient, type PayFlowClientOptions, type Environment } from "./client.js";
export { PayFlowError } from "./errors.js";
export { verify as verifyWebhook, WebhookVerificationError, type WebhookEvent, WEBHOOK_TOLERANCE_SECONDS_DEFAULT } from "./webhooks.js";
// The contract's messages, enums and service descriptors, generated from the protos.
export * from "./gen/payflow/v1/wallet_pb.js";
export * from "./gen/payflow/v1/ledger_pb.js";
export * from "./gen/payflow/v1/transfer_pb.js";
export * from "./gen/payflow/v1/hold_pb.js";
export * from "./gen/payflow/v1/errors_pb.js";
export * from "./gen/payflow/v1/payment_pb.js";
export * from "./gen/payflow/v1/payment_method_pb.js";
export * from "./gen/payflow/v1/connect_pb.js";
export * from "./gen/payflow/v1/payout_pb.js";
export * from "./gen/payflow/v1/partner_webhooks_pb.js";
export * from "./gen/payflow/v1/events_pb.js";
export * from "./gen/payflow/v1/export_pb.js";
