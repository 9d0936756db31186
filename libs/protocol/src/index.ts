export * from './ids';
export * from './agent-protocol';
