/** Switchyard: the public API of the server side. The client SDK is `switchyard/client`. */
export * from './app/index.js';
export * from './gateway/index.js';
export * from './rpc/index.js';
export * from './transport/index.js';
export * from './wire/index.js';
export * from './generated-runtime.js';
