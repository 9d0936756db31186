/** Injection token for the PostgreSQL URL the service runs on (external or embedded). */
export const DATABASE_URL = Symbol('DATABASE_URL');
