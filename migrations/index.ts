import { CreateSchema1795822174291 } from './1795822174291-CreateSchema';
import { AddDispatchColumns1795822676680 } from './1795822676680-AddDispatchColumns';

/** Every committed migration, in order. Listed explicitly so the runtime, the tests and the CLI load the same set. */
export const MIGRATIONS: Function[] = [CreateSchema1795822174291, AddDispatchColumns1795822676680];
