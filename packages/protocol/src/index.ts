// @payhook/protocol: MixPay's wire format, shared by the gateway and the merchant kit. No I/O.
export * from './admin.js';
export * from './answers.js';
export * from './callback.js';
export * from './clock.js';
export * from './decimal.js';
export * from './envelope.js';
export * from './events.js';
export * from './ids.js';
export * from './instant.js';
export * from './payment.js';
export * from './schedule.js';
export * from './schemas.js';
export * from './signature.js';
export * from './wire.js';
