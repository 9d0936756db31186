import type { MigrationInterface } from 'typeorm';
import { CreateSchema1795822174291 } from './1795822174291-CreateSchema';
import { AddDispatchColumns1795822676680 } from './1795822676680-AddDispatchColumns';
import { AddDeliveryAck1795823821935 } from './1795823821935-AddDeliveryAck';
import { AddFireCount1795824731250 } from './1795824731250-AddFireCount';
import { AddRetentionIndex1795833528354 } from './1795833528354-AddRetentionIndex';
import { ReadSideIndexes1795834095626 } from './1795834095626-ReadSideIndexes';
import { AddStoppedInstanceIds1795840000000 } from './1795840000000-AddStoppedInstanceIds';
import { AddActivationInstanceIds1795850000000 } from './1795850000000-AddActivationInstanceIds';
import { AddMachineFacts1795860000000 } from './1795860000000-AddMachineFacts';

/** Every committed migration, in order. Listed explicitly so the runtime, the tests and the CLI load the same set. */
export const MIGRATIONS: Array<new () => MigrationInterface> = [
  CreateSchema1795822174291,
  AddDispatchColumns1795822676680,
  AddDeliveryAck1795823821935,
  AddFireCount1795824731250,
  AddRetentionIndex1795833528354,
  ReadSideIndexes1795834095626,
  AddStoppedInstanceIds1795840000000,
  AddActivationInstanceIds1795850000000,
  AddMachineFacts1795860000000,
];
