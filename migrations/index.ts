import { CreateSchema1795822174291 } from './1795822174291-CreateSchema';

/** Every committed migration, in order. Listed explicitly so the runtime, the tests and the CLI load the same set. */
export const MIGRATIONS: Function[] = [CreateSchema1795822174291];
