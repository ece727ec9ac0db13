// @payhook/gateway: the provider side, as a library (createGateway) and a program (main.ts).

export { ManualClock, systemClock } from './clock.js';
export { ConfigError, type GatewayConfig, loadConfig } from './config.js';
export { Dispatcher } from './delivery/dispatcher.js';
export { type CallbackSender, UndiciSender } from './delivery/sender.js';
export { type Asset, AssetCatalog } from './domain/assets.js';
export { checkCallbackUrl, type GatewayMode } from './domain/callback-url.js';
export { type LifecycleInput, type PaymentState, transition } from './domain/lifecycle.js';
export * from './errors.js';
export { createGateway, type Gateway, type GatewayDeps } from './gateway.js';
export type * from './interfaces.js';
export { PaymentService } from './payments.js';
export { serveUntilSignal } from './serve.js';
export { openStore } from './storage/open.js';
export type { Store } from './storage/store.js';
