export * from './percent-encode';
export * from './signature-v1';
export * from './signature-v3';
export * from './rpc-client';
