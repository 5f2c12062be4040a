export * from './contract.ts';
export * from './ports.ts';
export * from './graphql.ts';
export * from './metrics.ts';
export * from './services.ts';
export * from './db.ts';
export * from './auth.ts';
export * from './shop.ts';
