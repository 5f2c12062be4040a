export * from './protocol.ts';
export * from './latest-queue.ts';
export * from './stock-feed.ts';
export * from './recommendation-feed.ts';
export * from './hub.ts';
export * from './ws-server.ts';
export * from './subscriptions.ts';
